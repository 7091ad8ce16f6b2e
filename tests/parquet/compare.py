#!/usr/bin/env python3
"""compare.py INPUT.ndjson ROWS.jsonl [--reasons FILE] [--omit a,b] [--repair]

Checks that the rows a Parquet reader printed (ROWS, one JSON object a
line: tests/js/hyparquet.mjs, or DuckDB's COPY ... (FORMAT JSON)) hold, column
by column, the records of INPUT that pqwrite wrote: the records of the first
record's kind, minus the lines listed as rejected in FILE (pqwrite --rejects
FILE.reasons: "file:line<TAB>reason").

Each value is compared under the documented mapping (lib/tw_pqrec.h):
ids and integers exactly (as digits, never through a float), times to the
millisecond (ISO 8601 on both sides, any offset form), doubles as numbers,
strings with NUL removed (and, with --repair, invalid UTF-8 and lone
surrogates as U+FFFD), lists element by element, media objects member by
member, JSON columns as values, widened columns as the text of the value.
Prints "ok N rows" or the first differences, and exits 1 on any.
"""
import json
import re
import sys
from datetime import datetime, timezone

args = sys.argv[1:]
inp, rows_path = args[0], args[1]
reasons = None
omit = set()
repair = False
i = 2
while i < len(args):
    if args[i] == '--reasons':
        reasons = args[i + 1]
        i += 2
    elif args[i] == '--omit':
        omit = set(args[i + 1].split(','))
        i += 2
    elif args[i] == '--repair':
        repair = True
        i += 1
    else:
        sys.exit('compare.py: unknown argument ' + args[i])

rejected = set()
if reasons:
    for line in open(reasons, encoding='utf-8', errors='replace'):
        where = line.split('\t', 1)[0]
        rejected.add(int(where.rsplit(':', 1)[1]))

SURR = re.compile('[\ud800-\udfff]')


def clean(s):
    s = s.replace('\x00', '')
    if repair:
        s = SURR.sub('\ufffd', s)
    return s


def norm(v):
    if isinstance(v, str):
        return clean(v)
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {clean(k): norm(x) for k, x in v.items()}
    return v


def ms(s):
    try:
        d = datetime.fromisoformat(s.replace(' +0000', '+00:00'))
    except ValueError:
        try:
            d = datetime.strptime(s, '%a %b %d %H:%M:%S %z %Y')
        except ValueError:
            return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    delta = d - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def text_of(v):
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    return None


def eq(exp, got):
    if exp is None:
        return got is None
    if isinstance(exp, bool):
        return got is exp or got == text_of(exp)
    if isinstance(exp, int):
        if isinstance(got, bool):
            return False
        if isinstance(got, int):
            return got == exp
        if isinstance(got, float):
            return got == float(exp)
        if isinstance(got, str):
            try:
                return int(got) == exp or float(got) == float(exp)
            except ValueError:
                return ms(got) is not None and ms(got) == exp
        return False
    if isinstance(exp, float):
        if isinstance(got, (int, float)) and not isinstance(got, bool):
            return float(got) == exp
        if isinstance(got, str):
            try:
                return float(got) == exp
            except ValueError:
                return False
        return False
    if isinstance(exp, str):
        if isinstance(got, str):
            if got == exp:
                return True
            a, b = ms(exp), ms(got)
            return a is not None and a == b
        if isinstance(got, bool):
            return False
        if isinstance(got, int):
            return exp.lstrip('-').isdigit() and int(exp) == got
        if isinstance(got, float):
            try:
                return float(exp) == got
            except ValueError:
                return False
        return False
    if isinstance(exp, (list, dict)) and isinstance(got, str):
        try:
            return json.loads(got) == exp
        except ValueError:
            return False
    if isinstance(exp, list):
        return isinstance(got, list) and len(got) == len(exp) and \
            all(eq(a, b) for a, b in zip(exp, got))
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            return False
        if 'media_key' in got or 'url' in got:
            return all(eq(exp.get(k), x) for k, x in got.items())
        return set(exp) == set(got) and all(eq(exp[k], got[k]) for k in exp)
    return False


def first_wins(pairs):
    d = {}
    for k, v in pairs:
        d.setdefault(k, v)
    return d


want = []
kind = None
with open(inp, 'rb') as f:
    for n, raw in enumerate(f, 1):
        if n in rejected or not raw.strip():
            continue
        try:
            text = raw.decode('utf-8')
        except UnicodeDecodeError:
            if not repair:
                sys.exit('compare.py: line %d: invalid UTF-8 not rejected' % n)
            text = raw.decode('utf-8', errors='replace')
        # The first of repeated keys wins, as in the writer.
        rec = json.loads(text, object_pairs_hook=first_wins)
        if not isinstance(rec, dict):
            continue
        k = rec.get('record_type') if isinstance(rec.get('record_type'), str) else ''
        if kind is None:
            kind = k
        if k != kind:
            continue
        want.append((n, norm(rec)))

got = [json.loads(l) for l in open(rows_path, encoding='utf-8') if l.strip()]
bad = []
if len(got) != len(want):
    bad.append('%d rows, want %d' % (len(got), len(want)))
for (n, w), g in zip(want, got):
    for key in omit:
        if key in g:
            bad.append('line %d: omitted column %s present' % (n, key))
    for key, v in g.items():
        if not eq(w.get(key), v):
            bad.append('line %d: %s: got %s, want %s' % (
                n, key, json.dumps(v, ensure_ascii=True)[:120],
                json.dumps(w.get(key), ensure_ascii=True)[:120]))
    for key in w:
        if key not in g and key not in omit and w[key] is not None:
            bad.append('line %d: %s: no such column' % (n, key))
if bad:
    print('\n'.join(bad[:10]))
    sys.exit(1)
print('ok %d rows' % len(got))
