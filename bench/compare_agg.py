#!/usr/bin/env python3
"""compare_agg.py: checks a peer's result of the tw-agg job against tw-agg's.

usage: compare_agg.py NAME REFNAME REFERENCE PEER

REFERENCE and PEER hold one JSON object a line, one per window and
group. Rows are matched as sets, keyed by window_start and lang (the
order of lines does not matter). window_end, count, max_engagement and
distinct_author_id must be equal; avg_engagement within 1e-9 relative
(tw-agg sums integers exactly and divides once; jq and Miller sum
doubles). The fields only tw-agg writes, distinct_author_id_approx and
final, are ignored; any other field missing on one side is a
difference. window_start and window_end are compared as strings, so
both sides must write "2024-01-01T00:01:00.000Z".

Prints "agree (N rows)" or "DISAGREE" with the number of missing, extra
and differing rows and the first difference; exits 0 either way, 1 when
a file cannot be read or parsed.
"""
import json
import sys

IGNORED = ("distinct_author_id_approx", "final")
REL = 1e-9


def load(path):
    rows = {}
    dups = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            for k in IGNORED:
                o.pop(k, None)
            key = (o.get("window_start"), json.dumps(o.get("lang")))
            if key in rows:
                dups += 1
            rows[key] = o
    return rows, dups


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a == b:
            return True
        return abs(a - b) <= REL * max(abs(a), abs(b))
    return a == b


def main():
    if len(sys.argv) != 5:
        sys.stderr.write("usage: compare_agg.py NAME REFNAME REFERENCE PEER\n")
        sys.exit(2)
    name, refname, refpath, peerpath = sys.argv[1:]
    try:
        ref, rdups = load(refpath)
        peer, pdups = load(peerpath)
    except (OSError, ValueError) as e:
        print("  %-8s cannot compare: %s" % (name, e))
        sys.exit(1)
    missing = [k for k in ref if k not in peer]
    extra = [k for k in peer if k not in ref]
    differ = []
    for k in ref:
        if k not in peer:
            continue
        a, b = ref[k], peer[k]
        fields = [f for f in sorted(set(a) | set(b))
                  if f not in a or f not in b or not same(a[f], b[f])]
        if fields:
            differ.append((k, fields))
    if not (missing or extra or differ or pdups) and ref:
        print("  %-8s agree (%d rows)" % (name, len(ref)))
        return
    print("  %-8s DISAGREE with %s: %d rows there, %d here; %d missing, "
          "%d extra, %d differ, %d duplicate keys"
          % (name, refname, len(ref), len(peer), len(missing), len(extra),
             len(differ), pdups))
    if differ:
        k, fields = sorted(differ)[0]
        print("           first difference (%s, lang %s) in %s:"
              % (k[0], k[1], ", ".join(fields)))
        print("           %s: %s" % (refname, json.dumps(
            {f: ref[k].get(f, "(absent)") for f in fields}, ensure_ascii=False)))
        print("           %s: %s" % (name, json.dumps(
            {f: peer[k].get(f, "(absent)") for f in fields}, ensure_ascii=False)))
    if missing:
        print("           first missing: %s %s" % sorted(missing)[0])
    if extra:
        print("           first extra: %s %s" % sorted(extra)[0])
    if rdups:
        print("           (%d duplicate keys in %s's output)" % (rdups, refname))


if __name__ == "__main__":
    main()
