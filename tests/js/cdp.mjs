// A small Chrome DevTools Protocol client over --remote-debugging-pipe:
// no npm package, no port. Chromium reads commands from fd 3 and writes
// replies and events to fd 4, each a JSON message ended by a NUL byte.
//
//   const b = await launch('/usr/bin/chromium', { width: 1600, height: 1200 });
//   const page = await b.newPage();
//   await page.goto(url);
//   const v = await page.eval('document.title');
//   await b.close();
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function launch(exe, opt = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--hide-scrollbars', '--mute-audio', `--user-data-dir=${dir}`,
    '--remote-debugging-pipe', 'about:blank',
  ];
  const proc = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  const out = proc.stdio[3], inp = proc.stdio[4];
  let id = 0, buf = Buffer.alloc(0), stderr = '';
  const pending = new Map(), listeners = [];
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  inp.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    let i;
    while ((i = buf.indexOf(0)) >= 0) {
      const msg = JSON.parse(buf.subarray(0, i).toString('utf8'));
      buf = buf.subarray(i + 1);
      if (msg.id !== undefined && pending.has(msg.id)) {
        const { ok, fail, method } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) fail(new Error(`${method}: ${msg.error.message}`));
        else ok(msg.result);
      } else if (msg.method) {
        for (const l of listeners.slice()) l(msg);
      }
    }
  });
  const exited = new Promise((res) => proc.on('exit', res));
  exited.then(() => {
    for (const { fail, method } of pending.values())
      fail(new Error(`${method}: chromium exited: ${stderr.trim().split('\n').pop()}`));
    pending.clear();
  });
  function send(method, params = {}, sessionId) {
    const msg = { id: ++id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((ok, fail) => {
      pending.set(msg.id, { ok, fail, method });
      out.write(JSON.stringify(msg) + '\0');
    });
  }
  // Resolves with the first event named method (of a session) that pred accepts.
  function waitEvent(method, sessionId, pred = () => true, ms = 30000) {
    return new Promise((ok, fail) => {
      const t = setTimeout(() => { drop(); fail(new Error(`timeout waiting for ${method}`)); }, ms);
      const l = (m) => {
        if (m.method === method && m.sessionId === sessionId && pred(m.params)) {
          clearTimeout(t); drop(); ok(m.params);
        }
      };
      const drop = () => { const i = listeners.indexOf(l); if (i >= 0) listeners.splice(i, 1); };
      listeners.push(l);
    });
  }
  await send('Browser.getVersion');
  return {
    proc,
    async newPage() {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const s = (m, p) => send(m, p, sessionId);
      const page = {
        errors: [],	// uncaught exceptions and console errors
        loads: 0,	// load events seen
        send: s,
        async viewport(width, height) {
          await s('Emulation.setDeviceMetricsOverride',
            { width, height, deviceScaleFactor: 1, mobile: false });
        },
        async goto(url) {
          const loaded = waitEvent('Page.loadEventFired', sessionId);
          await s('Page.navigate', { url });
          await loaded;
        },
        waitLoad(ms) { return waitEvent('Page.loadEventFired', sessionId, () => true, ms); },
        // Evaluates an expression (awaiting a promise); returns its value.
        async eval(expr) {
          const r = await s('Runtime.evaluate',
            { expression: expr, awaitPromise: true, returnByValue: true });
          if (r.exceptionDetails)
            throw new Error(`eval: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
          return r.result.value;
        },
        async mouse(x, y) {
          await s('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
        },
        // A PNG of the page, or of clip {x, y, width, height} in CSS pixels.
        async png(clip) {
          const p = { format: 'png', captureBeyondViewport: true };
          if (clip) p.clip = { ...clip, scale: 1 };
          const r = await s('Page.captureScreenshot', p);
          return Buffer.from(r.data, 'base64');
        },
      };
      listeners.push((m) => {
        if (m.sessionId !== sessionId) return;
        if (m.method === 'Page.loadEventFired') page.loads++;
        if (m.method === 'Runtime.exceptionThrown')
          page.errors.push(m.params.exceptionDetails.exception?.description || m.params.exceptionDetails.text);
        if (m.method === 'Runtime.consoleAPICalled' && m.params.type === 'error')
          page.errors.push(m.params.args.map((a) => a.value ?? a.description).join(' '));
        if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error')
          page.errors.push(`${m.params.entry.text} ${m.params.entry.url || ''}`.trim());
      });
      await s('Page.enable');
      await s('Runtime.enable');
      await s('Log.enable');
      if (opt.width) await page.viewport(opt.width, opt.height || 1000);
      return page;
    },
    async close() {
      try { await Promise.race([send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]); } catch { /* gone */ }
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Decodes an 8-bit RGB or RGBA PNG (as Chromium writes them):
// { width, height, px(x, y) -> [r, g, b] }.
export async function decodePng(buf) {
  const { inflateSync } = await import('node:zlib');
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  const width = buf.readUInt32BE(16), height = buf.readUInt32BE(20);
  const depth = buf[24], ctype = buf[25];
  if (depth !== 8 || (ctype !== 2 && ctype !== 6)) throw new Error(`PNG type ${ctype}/${depth}`);
  const bpp = ctype === 6 ? 4 : 3, stride = width * bpp;
  const idat = [];
  for (let i = 8; i < buf.length;) {
    const n = buf.readUInt32BE(i), typ = buf.toString('latin1', i + 4, i + 8);
    if (typ === 'IDAT') idat.push(buf.subarray(i + 8, i + 8 + n));
    i += 12 + n;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const img = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? img[y * stride + x - bpp] : 0;
      const b = y > 0 ? img[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? img[(y - 1) * stride + x - bpp] : 0;
      let v = line[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      img[y * stride + x] = v & 255;
    }
  }
  return { width, height, px: (x, y) => [...img.subarray(y * stride + x * bpp, y * stride + x * bpp + 3)] };
}
