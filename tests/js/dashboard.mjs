// The dashboard in a real browser (headless Chromium over tests/js/cdp.mjs).
// Usage: node tests/js/dashboard.mjs DIR [CHROMIUM]
// Makes known data and a spec in DIR, builds the page with tw-plot (from
// PATH), serves DIR/www from a local HTTP server, and checks: a screenshot
// per chart type (line, bar, hbar) with the series' colours in it, hover
// text for data points, partial windows marked, legends that name the
// field, two columns on a wide viewport and one on a narrow one, a
// refresh that changes a chart without a page load (the page's JS state
// survives), a failing server that leaves the charts, and the reload
// from a file:// URL. Prints "ok - name" / "not ok - name: why" lines;
// screenshots go to DIR/shots.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { launch, decodePng } from './cdp.mjs';

const dir = process.argv[2];
const exe = process.argv[3] || '/usr/bin/chromium';
let failed = 0;
function ok(cond, name, why) {
  if (cond) console.log(`ok - browser: ${name}`);
  else { failed++; console.log(`not ok - browser: ${name}${why !== undefined ? `: ${why}` : ''}`); }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(page, expr, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await page.eval(expr)) return true;
    await sleep(100);
  }
  return false;
}

// ---- data, spec, page ----
const spec = join(dir, 'spec'), www = join(dir, 'www'), shots = join(dir, 'shots');
mkdirSync(spec, { recursive: true });
mkdirSync(shots, { recursive: true });
const iso = (m) => new Date(Date.UTC(2024, 0, 1, 0, m)).toISOString();
function windows(en, ja, openLast) {
  const out = [];
  en.forEach((v, m) => {
    const fin = !(openLast && m === en.length - 1);
    out.push({ window_start: iso(m), window_end: iso(m + 1), lang: 'en', count: v, final: fin });
    out.push({ window_start: iso(m), window_end: iso(m + 1), lang: 'ja', count: ja[m], final: fin });
  });
  return out.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
writeFileSync(join(spec, 'line.ndjson'), windows([3, 9, 10, 11, 4, 2], [1, 2, 3, 4, 5, 6], true));
writeFileSync(join(spec, 'rt.ndjson'), [
  { lang: 'en', is_retweet: false, count: 30 }, { lang: 'en', is_retweet: true, count: 12 },
  { lang: 'ja', is_retweet: false, count: 20 }, { lang: 'ja', is_retweet: true, count: 7 },
  { lang: 'es', is_retweet: false, count: 9 }, { lang: 'es', is_retweet: true, count: 4 },
].map((r) => JSON.stringify(r)).join('\n') + '\n');
writeFileSync(join(spec, 'top.ndjson'), JSON.stringify({ top_hashtags: [
  { value: 'bts', count: 40 }, { value: 'nft', count: 25 }, { value: 'ai', count: 12 }] }) + '\n');
writeFileSync(join(spec, 'dash.spec'), [
  'title Browser test', 'refresh 1',
  'chart line -x window_start -y count --by lang --title "Line" line.ndjson',
  'chart bar -x lang -y count --by is_retweet --title "Bar" rt.ndjson',
  'chart hbar -y top_hashtags --title "Hbar" top.ndjson', ''].join('\n'));
const build = () => execFileSync('tw-plot', ['dashboard', join(spec, 'dash.spec'), '-o', join(www, 'index.html')]);
build();

// ---- a server that counts the page's requests and can fail them ----
let requests = 0, failWith = 0;
const server = createServer((req, res) => {
  // (a browser asks for an icon; the page has none, which is no error of the page)
  if (req.url === '/favicon.ico') { res.writeHead(204); res.end(); return; }
  if (req.url.split('?')[0] !== '/index.html') { res.writeHead(404); res.end(); return; }
  requests++;
  if (failWith) { res.writeHead(failWith); res.end('down'); return; }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(readFileSync(join(www, 'index.html')));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/index.html`;

const browser = await launch(exe, { width: 1600, height: 1200 });
try {
  const page = await browser.newPage();
  await page.goto(url);
  const rect = (sel) => page.eval(`(() => { const r = document.querySelector(${JSON.stringify(sel)}).getBoundingClientRect();
    return { x: r.left, y: r.top, width: r.width, height: r.height }; })()`);

  // ---- layout ----
  const layout = () => page.eval(`[...document.querySelectorAll('main > .panel')].map((p) => {
    const r = p.getBoundingClientRect(), s = p.querySelector('svg').getBoundingClientRect();
    return { left: Math.round(r.left), top: Math.round(r.top), inner: p.clientWidth - 20, svg: s.width }; })`);
  let l = await layout();
  ok(l.length === 3 && l[0].top === l[1].top && l[1].left > l[0].left && l[2].left === l[0].left && l[2].top > l[0].top,
    'wide viewport (1600 px): two columns', JSON.stringify(l));
  ok(l.every((p) => Math.abs(p.svg - p.inner) <= 1 && p.svg > 700), 'wide: each chart fills its column',
    JSON.stringify(l.map((p) => [p.inner, p.svg])));

  // ---- a screenshot per chart type ----
  const colours = { blue: [78, 121, 167], orange: [242, 142, 43] };
  for (const [i, kind, want] of [[1, 'line', ['blue', 'orange']], [2, 'bar', ['blue', 'orange']], [3, 'hbar', ['blue']]]) {
    const r = await rect(`#chart-${i} svg`);
    const png = await page.png(r);
    writeFileSync(join(shots, `${kind}.png`), png);
    const img = await decodePng(png);
    const seen = new Set();
    let ink = 0, n = 0;
    const hits = Object.fromEntries(Object.keys(colours).map((k) => [k, 0]));
    for (let y = 0; y < img.height; y += 2)
      for (let x = 0; x < img.width; x += 2) {
        const [R, G, B] = img.px(x, y);
        n++;
        seen.add((R << 16) | (G << 8) | B);
        if (R + G + B < 720) ink++;
        for (const [k, [r0, g0, b0]] of Object.entries(colours))
          if (Math.abs(R - r0) + Math.abs(G - g0) + Math.abs(B - b0) < 30) hits[k]++;
      }
    ok(ink / n > 0.02 && seen.size >= 20, `${kind} chart screenshot is not blank`,
      `${(100 * ink / n).toFixed(1)}% ink, ${seen.size} colours`);
    ok(want.every((k) => hits[k] >= 20), `${kind} chart screenshot shows its series' colours`, JSON.stringify(hits));
  }

  // ---- hover ----
  ok(await page.eval(`document.querySelectorAll('.hit').length > 0 &&
      document.querySelectorAll('.hit').length === document.querySelectorAll('.hit[data-tip]').length &&
      document.querySelectorAll('.hit title').length === 0`), 'every hover target has its tip');
  async function hover(sel, name, want, shot) {
    const r = await rect(sel);
    await page.mouse(r.x + r.width / 2, r.y + r.height / 2);
    await sleep(50);
    const t = await page.eval(`(() => { const t = document.getElementById('tip'), r = t.getBoundingClientRect();
      return { text: t.textContent, shown: !t.hidden && r.width > 0 && r.height > 0, x: r.left, y: r.top }; })()`);
    ok(t.shown && want.every((w) => t.text.includes(w)), `hover: ${name}`, JSON.stringify(t.text));
    if (shot) writeFileSync(join(shots, shot), await page.png(await rect(sel.split(' ')[0])));
    ok(t.shown && Math.abs(t.x - (r.x + r.width / 2)) < 420 && Math.abs(t.y - (r.y + r.height / 2)) < 200,
      `hover: ${name}: the tip is by the pointer`, JSON.stringify([t.x, t.y, r.x, r.y]));
  }
  // en's points drawn solid are minutes 1 to 4: the second is 00:02.
  await hover('#chart-1 g[fill="#4e79a7"] circle:nth-of-type(2)', 'line point gives x and each series\' value',
    ['window_start: 2024-01-01 00:02 UTC', 'lang=en: 10', 'lang=ja: 3'], 'hover-line.png');
  await hover('#chart-2 rect.hit[fill="#f28e2b"]', 'bar gives category, series and value',
    ['lang: en', 'is_retweet=true: 12'], 'hover-bar.png');
  await hover('#chart-3 rect.hit', 'hbar gives the value', ['bts', 'top_hashtags: 40']);
  await page.mouse(5, 5);
  await sleep(50);
  ok(await page.eval(`document.getElementById('tip').hidden`), 'hover: the tip goes away off the marks');

  // ---- partial windows, legends ----
  ok(await page.eval(`document.querySelectorAll('#chart-1 path.partial').length === 2 &&
      document.querySelectorAll('#chart-1 g.partial circle').length === 4 &&
      !!document.querySelector('#chart-1 .partial-key')`),
    'partial windows: dashed segments, hollow points and a legend key');
  const tips = await page.eval(`[...document.querySelectorAll('#chart-1 .hit')].map((e) => e.dataset.tip)`);
  ok(tips.length === 6 && tips[0].includes('lang=en: 3 (partial window)') && tips[5].includes('lang=ja: 6 (partial window)') &&
      !tips[2].includes('partial'), 'partial windows: the first and the last (open) say so in their tips', JSON.stringify(tips));
  const legend = await page.eval(`[...document.querySelectorAll('#chart-2 svg text')].map((t) => t.textContent)`);
  ok(legend.includes('is_retweet=false') && legend.includes('is_retweet=true') &&
      !legend.includes('true') && !legend.includes('false'), 'grouped bars: the legend names the field', JSON.stringify(legend));
  ok(page.errors.length === 0, 'no console errors or exceptions', JSON.stringify(page.errors));

  // ---- refresh in place ----
  await page.eval(`window.__marker = 'kept'; document.getElementById('chart-2').__same = true;
    document.getElementById('chart-1').__old = true; 1`);
  const loads = page.loads, req0 = requests;
  const sum = await page.eval(`document.getElementById('chart-1').dataset.sum`);
  writeFileSync(join(spec, 'line.ndjson'), windows([3, 9, 10, 11, 4, 8, 7], [1, 2, 3, 4, 5, 6, 9], false));
  build();
  const changed = await until(page, `document.getElementById('chart-1').dataset.sum !== ${JSON.stringify(sum)}`);
  ok(changed, 'refresh: the changed chart is swapped in');
  const st = await page.eval(`({ marker: window.__marker, same: document.getElementById('chart-2').__same === true,
    old: document.getElementById('chart-1').__old === true, bands: document.querySelectorAll('#chart-1 .hit').length,
    tip: [...document.querySelectorAll('#chart-1 .hit')].map((e) => e.dataset.tip).join('|'),
    refreshes: window.twDashboard.refreshes })`);
  ok(st.marker === 'kept' && page.loads === loads, 'refresh: no page load (the page\'s JS state survived)',
    JSON.stringify({ marker: st.marker, loads: page.loads, before: loads }));
  ok(st.bands === 7 && st.tip.includes('00:06 UTC') && st.tip.includes('lang=ja: 9') && !st.old,
    'refresh: the chart shows the new data', JSON.stringify(st));
  ok(st.same, 'refresh: an unchanged chart is left as it was (same element)');
  ok(requests > req0 && st.refreshes >= 1, 'refresh: the page fetched itself from the server', `${requests - req0} requests`);
  ok(page.errors.length === 0, 'refresh: no console errors', JSON.stringify(page.errors));

  // ---- narrow ----
  await page.viewport(800, 1200);
  await sleep(200);
  l = await layout();
  ok(l.every((p) => p.left === l[0].left) && l[1].top > l[0].top && l[2].top > l[1].top,
    'narrow viewport (800 px): one column', JSON.stringify(l));
  ok(l.every((p) => Math.abs(p.svg - p.inner) <= 1 && p.svg < 800), 'narrow: charts scale down to the column',
    JSON.stringify(l.map((p) => [p.inner, p.svg])));
  writeFileSync(join(shots, 'narrow.png'), await page.png());
  await page.viewport(1600, 1200);

  // ---- a server that fails: the charts stay, the page says so ----
  failWith = 503;
  const fail = await until(page, `window.twDashboard.failed > 0`);
  const f = await page.eval(`({ note: document.getElementById('refresh-note').textContent,
    svgs: document.querySelectorAll('main svg').length, marker: window.__marker })`);
  ok(fail && f.note.includes('refresh failed (HTTP 503)') && f.svgs === 3 && f.marker === 'kept' && page.loads === loads,
    'server down: the charts stay, no reload, the page says why', JSON.stringify(f));
  failWith = 0;
  const back = await until(page, `document.getElementById('refresh-note').textContent.indexOf('failed') < 0`);
  ok(back, 'server back: the note clears');

  // ---- from a file: a reload, as browsers refuse the fetch ----
  const fpage = await browser.newPage();
  await fpage.goto(`file://${join(www, 'index.html')}`);
  await fpage.eval(`window.__marker = 'kept'; 1`);
  const fl = fpage.loads;
  let reloaded = true;
  try { await fpage.waitLoad(8000); } catch { reloaded = false; }
  const fm = await fpage.eval(`({ marker: window.__marker === undefined ? null : window.__marker,
    svgs: document.querySelectorAll('main svg').length })`);
  ok(reloaded && fpage.loads > fl && fm.marker === null && fm.svgs === 3,
    'file:// URL: the fetch is refused and the page reloads whole', JSON.stringify({ reloaded, ...fm }));
} catch (e) {
  ok(false, 'browser session', e.stack || String(e));
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
