#!/usr/bin/env python3
"""A fake X (Twitter) API v2 for tests/integration/fetch.sh (stdlib only).

Serves real recorded pages from the corpus (tests never reach the network):

  GET  /2/tweets/search/recent       recent search over a small "world" of real
                                     v2 pages, newest first, chained with
                                     meta.next_token, honouring since_id
  GET  /2/tweets/search/stream       the filtered stream: real stream lines,
                                     keep-alives, drops, operational disconnects
  GET  /2/tweets/search/stream/rules the rules in place
  POST /2/tweets/search/stream/rules {"add":[...]} / {"delete":{"ids":[...]}}

Every request must carry "Authorization: Bearer TOKEN" (else a real 401
problem body). Test control, without authorization:

  GET /_control?world=old|all|pretty&fail=429,503,echo,echoerr,...&remaining0=1
               &stream=drop:3,disconnect:2,stall:1,rest&reset=1
  GET /_log    the requests seen, one JSON object a line (never the token)

Usage: fakeapi.py CORPUS_DIR PORT_FILE TOKEN
"""
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CORPUS, PORT_FILE, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]
LOCK = threading.Lock()


def load_line(path, n=0):
    with open(os.path.join(CORPUS, path), encoding='utf-8') as f:
        for i, line in enumerate(f):
            if i == n:
                d = json.loads(line)
                d.pop('__twarc', None)
                return d
    raise ValueError(path)


def load_file(path):
    with open(os.path.join(CORPUS, path), encoding='utf-8') as f:
        d = json.load(f)
    d.pop('__twarc', None)
    return d


def newest(page):
    return max(int(t['id']) for t in page['data'])


# The world: real search pages with disjoint id ranges, newest first.
WORLD = [load_line('twarc-csv/entities_test.jsonl'),
         load_line('twarc-csv/kpop.jsonl'),
         load_line('twarc-csv/media_policy_violation_off.jsonl'),
         load_line('twarc-csv/noflat.jsonl'),
         load_line('twarc-csv/withheld.jsonl', 3)]
WORLD.sort(key=newest, reverse=True)
PRETTY = [load_file('sns-python-twitter/apis_searches_search_tweets_for_nyc.json'),
          load_file('tweepy/test_client_search_recent_tweets__00.json')]

# Stream lines: the real filtered-stream recording without its cut line.
STREAM = []
with open(os.path.join(CORPUS, 'twarc-csv/streaming_output_with_error.jsonl'),
          encoding='utf-8') as f:
    for line in f:
        try:
            d = json.loads(line)
        except ValueError:
            continue
        d.pop('__twarc', None)
        STREAM.append(json.dumps(d))

DISCONNECT = json.dumps({"errors": [{
    "title": "operational-disconnect",
    "disconnect_type": "UpstreamOperationalDisconnect",
    "detail": "This stream has been disconnected upstream for operational reasons.",
    "type": "https://api.twitter.com/2/problems/operational-disconnect"}]})

PROBLEMS = {
    400: {"errors": [{"parameters": {"since_id": ["1"]},
                      "message": "Invalid 'since_id':'1'. 'since_id' must be a tweet ID created after 2024-01-01T00:00Z."}],
          "title": "Invalid Request",
          "detail": "One or more parameters to your request was invalid.",
          "type": "https://api.twitter.com/2/problems/invalid-request"},
    401: {"title": "Unauthorized", "type": "about:blank", "status": 401,
          "detail": "Unauthorized"},
    429: {"title": "Too Many Requests", "detail": "Too Many Requests",
          "type": "about:blank", "status": 429},
    503: {"title": "Service Unavailable", "detail": "Service Unavailable",
          "type": "about:blank", "status": 503},
}

STATE = {}


def reset():
    STATE.update(world='all', fail=[], remaining0=False, stream=[],
                 cursor=0, log=[], remaining=450, next_rule=1500000000000000000,
                 rules=[dict(r) for r in load_file('sns-python-twitter/streams_get_rules.json')['data']])


reset()


def sent():
    return time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime())


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, headers=None, remaining=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json; charset=utf-8')
        self.send_header('Content-Length', str(len(data)))
        with LOCK:
            if remaining is None:
                STATE['remaining'] = max(STATE['remaining'] - 1, 1)
                remaining = STATE['remaining']
                reset_at = int(time.time()) + 900
            else:
                reset_at = int(time.time()) + 2
        self.send_header('x-rate-limit-limit', '450')
        self.send_header('x-rate-limit-remaining', str(remaining))
        self.send_header('x-rate-limit-reset', str(reset_at))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, path, q, body=None):
        entry = {'method': self.command, 'path': path, 'query': q,
                 'auth': self.headers.get('Authorization') == 'Bearer ' + TOKEN,
                 'user_agent': self.headers.get('User-Agent', ''),
                 't': time.time()}
        if body is not None:
            entry['body'] = body
        with LOCK:
            STATE['log'].append(entry)
        return entry

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        if u.path == '/_control':
            with LOCK:
                if 'reset' in q:
                    reset()
                if 'world' in q:
                    STATE['world'] = q['world']
                if 'fail' in q:
                    STATE['fail'] = [x if x.startswith('echo') else int(x)
                                     for x in q['fail'].split(',') if x]
                if 'remaining0' in q:
                    STATE['remaining0'] = q['remaining0'] == '1'
                if 'stream' in q:
                    STATE['stream'] = [x for x in q['stream'].split(',') if x]
                    STATE['cursor'] = 0
            return self.send(200, {'ok': True})
        if u.path == '/_log':
            with LOCK:
                lines = ''.join(json.dumps(e) + '\n' for e in STATE['log'])
            return self.send(200, lines.encode())
        body = None
        if self.command == 'POST':
            n = int(self.headers.get('Content-Length', '0'))
            raw = self.rfile.read(n)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode('utf-8', 'replace')
        entry = self.record(u.path, q, body)
        if not entry['auth']:
            return self.send(401, PROBLEMS[401])
        if u.path == '/2/tweets/search/recent':
            with LOCK:
                fail = STATE['fail'].pop(0) if STATE['fail'] else None
            if fail == 'echo':
                # A server that echoes the request's Authorization header
                # in its problem detail, and in the errors of a 200 page.
                return self.send(401, {'title': 'Unauthorized', 'status': 401,
                                       'detail': 'Bad header: Authorization: ' +
                                       self.headers.get('Authorization', '')})
            if fail == 'echoerr':
                page = dict(WORLD[0])
                page['errors'] = [{'title': 'Authorization Error', 'detail':
                                   'seen ' + self.headers.get('Authorization', '')}]
                return self.send(200, page)
            if fail == 429:
                return self.send(429, PROBLEMS[429], remaining=0)
            if fail == 403:
                with open(os.path.join(CORPUS, 'twitter-ruby/already_favorited.json'), 'rb') as f:
                    return self.send(403, f.read())
            if fail:
                return self.send(fail, PROBLEMS[fail])
            return self.search(q)
        if u.path == '/2/tweets/search/stream/rules':
            return self.rules(body)
        if u.path == '/2/tweets/search/stream':
            return self.stream()
        return self.send(404, {"title": "Not Found Error", "type": "about:blank",
                               "status": 404, "detail": "Not Found"})

    def search(self, q):
        if not q.get('query'):
            return self.send(400, PROBLEMS[400])
        world = STATE['world']
        pages = PRETTY if world == 'pretty' else WORLD[1:] if world == 'old' else WORLD
        since = int(q.get('since_id', '0') or 0)
        chain = []
        for p in pages:
            data = [t for t in p['data'] if int(t['id']) > since]
            if data:
                chain.append((p, data))
        token = q.get('next_token', '')
        idx = int(token.rsplit('x', 1)[1]) if token else 0
        if idx >= len(chain):
            page = {'meta': {'result_count': 0}}
        else:
            p, data = chain[idx]
            page = {'data': data}
            for k in ('includes', 'errors'):
                if k in p:
                    page[k] = p[k]
            ids = [int(t['id']) for t in data]
            page['meta'] = {'newest_id': str(max(ids)), 'oldest_id': str(min(ids)),
                            'result_count': len(data)}
            if idx + 1 < len(chain):
                page['meta']['next_token'] = 'b26v89c19zqg8o3fo7gesq314x%d' % (idx + 1)
        with LOCK:
            rem0 = STATE['remaining0']
        if world == 'pretty':
            body = json.dumps(page, indent=2, ensure_ascii=False).encode()
        else:
            body = json.dumps(page).encode()
        self.send(200, body, remaining=0 if rem0 else None)

    def rules(self, body):
        with LOCK:
            if self.command == 'GET':
                r = {'meta': {'sent': sent(), 'result_count': len(STATE['rules'])}}
                if STATE['rules']:
                    r['data'] = STATE['rules']
            elif isinstance(body, dict) and 'add' in body:
                made = []
                for a in body['add']:
                    STATE['next_rule'] += 1
                    rule = {'value': a['value'], 'id': str(STATE['next_rule'])}
                    if a.get('tag'):
                        rule['tag'] = a['tag']
                    made.append(rule)
                STATE['rules'].extend(made)
                r = {'data': made, 'meta': {'sent': sent(), 'summary': {
                    'created': len(made), 'not_created': 0,
                    'valid': len(made), 'invalid': 0}}}
            elif isinstance(body, dict) and 'delete' in body:
                ids = set(body['delete'].get('ids', []))
                before = len(STATE['rules'])
                STATE['rules'] = [x for x in STATE['rules'] if x['id'] not in ids]
                r = {'meta': {'sent': sent(), 'summary': {
                    'deleted': before - len(STATE['rules']), 'not_deleted': 0}}}
            else:
                return self.send(400, load_file('sns-python-twitter/streams_delete_error.json'))
        self.send(200, r)

    def chunk(self, s):
        b = s.encode()
        self.wfile.write(b'%x\r\n%s\r\n' % (len(b), b))
        self.wfile.flush()

    def stream(self):
        with LOCK:
            step = STATE['stream'].pop(0) if STATE['stream'] else 'rest'
        kind, _, n = step.partition(':')
        n = int(n) if n else len(STREAM)
        self.send_response(200)
        self.send_header('Content-Type', 'application/json; charset=utf-8')
        self.send_header('Transfer-Encoding', 'chunked')
        self.send_header('x-rate-limit-limit', '50')
        self.send_header('x-rate-limit-remaining', '49')
        self.send_header('x-rate-limit-reset', str(int(time.time()) + 900))
        self.end_headers()
        try:
            for _ in range(n):
                with LOCK:
                    i = STATE['cursor']
                    if i >= len(STREAM):
                        break
                    STATE['cursor'] += 1
                self.chunk(STREAM[i] + '\r\n')
                self.chunk('\r\n')	# a keep-alive between tweets
                time.sleep(0.05)
            if kind == 'disconnect':
                self.chunk(DISCONNECT + '\r\n')
                self.wfile.write(b'0\r\n\r\n')
            elif kind == 'drop':
                pass	# no last chunk: the connection just ends
            elif kind == 'stall':
                time.sleep(10)
            else:	# rest: keep-alives until the client goes
                for _ in range(600):
                    self.chunk('\r\n')
                    time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


def main():
    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.daemon_threads = True
    tmp = PORT_FILE + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % srv.server_address[1])
    os.rename(tmp, PORT_FILE)
    srv.serve_forever()


if __name__ == '__main__':
    main()
