"""Reference semantics for tw-agg, used by tests/integration/agg.sh.

gen N SEED DISORDER_MS LATE_FRACTION: writes flat-like records to stdout:
  event times advance ~100 ms a record, shifted back by up to DISORDER_MS;
  a LATE_FRACTION of records are shifted back by 10 minutes (beyond lateness).
ref MODE SIZE HOP GAP LATENESS FILE: prints the expected results as JSON
  lines, sorted like tw-agg (window end, start, group key), with the
  late records (by line) on stderr as "late N".
"""
import json, random, sys, math

def gen(n, seed, disorder, late_frac):
    r = random.Random(seed)
    langs = ['en'] * 8 + ['ja'] * 4 + ['es'] * 3 + ['ko', 'pt', 'ar', 'und']
    tags = ['news', 'kpop', 'brexit', 'ai', 'café', 'Ünïcode', 'bts']
    t0 = 1700000000000
    for i in range(n):
        t = t0 + i * 100 - r.randint(0, disorder)
        if r.random() < late_frac:
            t -= 600000
        rec = {'id': str(1700000000000000000 + i), 'ts': t, 'lang': r.choice(langs),
               'author_id': str(r.randint(1, 200)), 'engagement': r.randint(0, 50) ** 2,
               'like_count': r.choice([None, r.randint(0, 1000)]),
               'hashtags': r.sample(tags, r.randint(0, 3))}
        print(json.dumps(rec, ensure_ascii=False, separators=(',', ':')))

def iso(ms):
    import datetime
    d = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return d.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (ms % 1000)

def ref(mode, size, hop, gap, lateness, path):
    recs = [json.loads(l) for l in open(path, encoding='utf-8')]
    wm = None
    maxev = None
    cells = {}   # (start, end, key) -> list of records
    sess = {}    # key -> list of [start, end, recs]
    for i, r in enumerate(recs, 1):
        t = r['ts']
        if mode == 'tumble':
            first_end = t // size * size + size
        elif mode == 'hop':
            s = t // hop * hop
            while s - hop > t - size:
                s -= hop
            first_end = s + size
        else:
            first_end = t + gap
        late = wm is not None and first_end <= wm
        if late:
            print('late', i, file=sys.stderr)
        key = json.dumps(r['lang'], ensure_ascii=False)
        if mode == 'tumble':
            if not late:
                s = t // size * size
                cells.setdefault((s, s + size, key), []).append(r)
        elif mode == 'hop':
            s = t // hop * hop
            while s > t - size:
                if wm is None or s + size > wm:
                    cells.setdefault((s, s + size, key), []).append(r)
                s -= hop
        else:
            if not late:
                lst = sess.setdefault(key, [])
                new = [t, t + gap, [r]]
                keep = []
                for c in lst:
                    if c[0] < new[1] and new[0] < c[1]:
                        new = [min(c[0], new[0]), max(c[1], new[1]), c[2] + new[2]]
                    else:
                        keep.append(c)
                keep.append(new)
                sess[key] = keep
        maxev = t if maxev is None else max(maxev, t)
        nwm = maxev - lateness
        if wm is None or nwm > wm:
            wm = nwm
        # Windows that close are fixed: nothing more can enter them.
    if mode == 'session':
        for key, lst in sess.items():
            for s, e, rs in lst:
                cells[(s, e, key)] = rs
    out = []
    for (s, e, key), rs in cells.items():
        eng = [x['engagement'] for x in rs]
        likes = [x['like_count'] for x in rs if x['like_count'] is not None]
        o = {'window_start': iso(s), 'window_end': iso(e), 'lang': json.loads(key),
             'count': len(rs), 'sum_engagement': sum(eng), 'avg_engagement': sum(eng) / len(eng),
             'max_engagement': max(eng), 'min_like_count': min(likes) if likes else None,
             'distinct_author_id': len(set(x['author_id'] for x in rs)),
             'first_id': min(rs, key=lambda x: x['ts'])['id']}
        out.append(((e, s, key.encode()), o))
    out.sort(key=lambda x: x[0])
    for _, o in out:
        print(json.dumps(o, ensure_ascii=False))

if __name__ == '__main__':
    if sys.argv[1] == 'gen':
        gen(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        ref(sys.argv[2], *map(int, sys.argv[3:7]), sys.argv[7])
