#!/usr/bin/env python3
"""compare.py: checks a peer's flatten output against tw-flatten's.

usage: compare.py [--absent-is-null] NAME REFNAME REFERENCE PEER [LINES]

NAME and REFNAME label the two outputs (REFNAME is "tw-flatten" unless
tw-flatten is not built, when the peers are checked against jq). Both
files hold one JSON object a line. Each line pair is parsed and
compared as objects (key order and white space do not matter). Hashtags
are casefolded on both sides first: tw-flatten, jq (ascii_downcase),
Python (str.lower) and Miller (tolower) lowercase non-ASCII tags
differently. One case survives casefold: Go (gojq, Miller) lowercases
U+0130 (capital I with dot) to a plain "i", Python to "i" + U+0307, so
U+0307 is dropped from hashtags too. Each tool keeps distinct tags by
its own lowercase, so the list is made distinct again after casefolding. The peer may have fewer lines than
the reference (the slow peers run on a prefix); only those lines are
compared; LINES, when given, is how many the peer must have written.
--absent-is-null (used for Miller, which cannot write a null) drops
null-valued fields on both sides, so an absent field equals a null one.
Prints "agree (N lines)" or "DISAGREE ..." with the first
differing pair, and exits 0 either way unless a file cannot be read.
"""
import json
import sys


def norm(line, absent_is_null):
    o = json.loads(line)
    if absent_is_null and isinstance(o, dict):
        o = {k: v for k, v in o.items() if v is not None}
    if isinstance(o, dict) and isinstance(o.get("hashtags"), list):
        tags = []
        for t in o["hashtags"]:
            if isinstance(t, str):
                t = t.casefold().replace("\u0307", "")
            if t not in tags:
                tags.append(t)
        o["hashtags"] = tags
    return o


def main():
    args = sys.argv[1:]
    absent_is_null = bool(args) and args[0] == "--absent-is-null"
    if absent_is_null:
        args = args[1:]
    if len(args) not in (4, 5):
        sys.stderr.write("usage: compare.py [--absent-is-null] NAME REFNAME "
                         "REFERENCE PEER [LINES]\n")
        sys.exit(2)
    name, refname, ref, peer = args[:4]
    want = int(args[4]) if len(args) == 5 else None
    note = " (absent field = null)" if absent_is_null else ""
    n = 0
    with open(ref, encoding="utf-8") as fr, open(peer, encoding="utf-8") as fp:
        for lp in fp:
            lr = fr.readline()
            n += 1
            if not lr:
                print("%-10s DISAGREE at line %d: more lines than %s"
                      % (name, n, refname))
                return
            try:
                a, b = norm(lr, absent_is_null), norm(lp, absent_is_null)
            except ValueError as e:
                print("%-10s DISAGREE at line %d: not JSON (%s)" % (name, n, e))
                return
            if a != b:
                keys = [k for k in sorted(set(a) | set(b), key=str)
                        if a.get(k, "<absent>") != b.get(k, "<absent>")]
                print("%-10s DISAGREE at line %d (fields: %s)%s"
                      % (name, n, ",".join(keys), note))
                print("  %-10s: %s" % (refname, lr.rstrip("\n")[:600]))
                print("  %-10s: %s" % (name, lp.rstrip("\n")[:600]))
                return
    if n == 0:
        print("%-10s DISAGREE: no output" % name)
        return
    if want is not None and n != want:
        print("%-10s DISAGREE: %d lines out for %d in" % (name, n, want))
        return
    print("%-10s agree (%d lines)%s" % (name, n, note))


if __name__ == "__main__":
    main()
