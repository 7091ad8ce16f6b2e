#!/usr/bin/env python3
"""agg.py: the tw-agg benchmark job with Python's json module.

Reads flat records (tw-flatten output), one JSON object a line, on
stdin and writes one compact JSON object a line per one-minute window
and lang, as
    tw-agg -w 1m -g lang -a count,avg:engagement,max:engagement,distinct:author_id
does (without its distinct_author_id_approx and final fields):
window_start, window_end, lang, count, avg_engagement, max_engagement,
distinct_author_id. The window is floor(ts / 60000) * 60000, ts being
epoch milliseconds. An engagement that is not a number (null, missing)
is skipped by avg and max; both are null when a cell has none. Authors
are kept in a set per cell; a string author_id is used as is, any other
value by its JSON text (so "1" and 1 stay distinct, as in tw-agg).
"""
import json
import sys
import time


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + \
        ".%03dZ" % (ms % 1000)


def main():
    loads = json.loads
    cells = {}      # (window, lang as JSON) -> [lang, count, n, sum, max, authors]
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        r = loads(line)
        w = r["ts"] // 60000 * 60000
        lang = r.get("lang")
        key = (w, lang if isinstance(lang, str) else json.dumps(lang))
        c = cells.get(key)
        if c is None:
            c = cells[key] = [lang, 0, 0, 0, None, set()]
        c[1] += 1
        e = r.get("engagement")
        if isinstance(e, (int, float)) and not isinstance(e, bool):
            c[2] += 1
            c[3] += e
            if c[4] is None or e > c[4]:
                c[4] = e
        a = r.get("author_id")
        c[5].add(a if isinstance(a, str) else json.dumps(a))
    out = sys.stdout
    for (w, _), (lang, count, n, s, mx, authors) in sorted(
            cells.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        out.write(json.dumps({
            "window_start": iso(w),
            "window_end": iso(w + 60000),
            "lang": lang,
            "count": count,
            "avg_engagement": s / n if n else None,
            "max_engagement": mx,
            "distinct_author_id": len(authors),
        }, separators=(",", ":"), ensure_ascii=False))
        out.write("\n")


if __name__ == "__main__":
    main()
