#!/usr/bin/env python3
# pqbound.py FLAT.ndjson COLSIZES: a bound on what any choice of
# encoding and codec a column could reach on these records (bench/pqbound.sh).
#
# For each top-level field of the records: its values one a line (strings
# as their text, anything else as JSON), compressed alone by xz -9e (LZMA2
# at its strongest) and by brotli at quality 11 with a 16 MiB window (the
# strongest codec Parquet allows; the brotli command, skipped when it is
# not installed), and the bytes the same field's column chunks take in a
# Parquet file (COLSIZES: lines "FIELD<TAB>BYTES", from DuckDB's
# parquet_metadata). The field's best is the smallest of the three; the
# sum of the bests, with no footer, no page headers and no levels
# counted, is a floor that a writer choosing the best for every column
# would not get under.
#
# Prints "xz BYTES", "brotli BYTES" (-1 without the command), "parquet
# BYTES", "best BYTES", then the ten largest fields "FIELD XZ BROTLI
# PARQUET".
import collections
import json
import lzma
import multiprocessing
import shutil
import subprocess
import sys

BROTLI = shutil.which('brotli')


def sizes(item):
    name, data = item
    x = len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    b = -1
    if BROTLI:
        b = len(subprocess.run([BROTLI, '-q', '11', '-w', '24', '-c'], input=data,
                               stdout=subprocess.PIPE, check=True).stdout)
    return name, x, b


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pqbound.py FLAT.ndjson COLSIZES")
    cols = collections.OrderedDict()
    with open(sys.argv[1], 'rb') as f:
        for line in f:
            r = json.loads(line)
            for k, v in r.items():
                if k == 'record_type':
                    continue    # not a column of the typed files
                if not isinstance(v, str):
                    v = json.dumps(v, ensure_ascii=False, separators=(',', ':'))
                cols.setdefault(k, []).append(v)
    items = [(k, '\n'.join(v).encode('utf-8', 'surrogatepass')) for k, v in cols.items()]
    # the largest first, so that two workers end together
    items.sort(key=lambda it: -len(it[1]))
    with multiprocessing.Pool(2) as p:
        res = p.map(sizes, items, chunksize=1)
    xz = {k: x for k, x, _ in res}
    br = {k: b for k, _, b in res}
    pq = collections.defaultdict(int)
    with open(sys.argv[2]) as f:
        for line in f:
            k, n = line.rstrip('\n').split('\t')
            pq[k] += int(n)
    def best(k):
        c = [xz[k]] + ([br[k]] if br[k] >= 0 else []) + ([pq[k]] if k in pq else [])
        return min(c)
    print("xz %d" % sum(xz.values()))
    print("brotli %d" % (sum(br.values()) if BROTLI else -1))
    print("parquet %d" % sum(pq[k] for k in xz))
    print("best %d" % sum(best(k) for k in xz))
    for k in sorted(xz, key=lambda k: -best(k))[:10]:
        print("%s %d %d %d" % (k, xz[k], br[k], pq.get(k, 0)))


if __name__ == '__main__':
    main()
