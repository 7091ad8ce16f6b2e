#!/bin/sh
# tw-load partition mode: layout, escaping, gzip parts with exactly the
# input records, rolling by size and time, atomic publication (no temp
# files, SIGTERM publishes, SIGKILL leaves only complete parts), a full
# file system, and the Hive DDL listing every partition.
. "$TW_ROOT/tests/lib.sh"
. "$TW_ROOT/tests/db/load_common.sh"
cd "$T" || exit 1

if command -v tw-gen > /dev/null; then
	tw-gen -n 5000 --seed 1 | tw-flatten -q -t all > gen.ndjson
else
	tw-flatten -q -t all "$C"/twarc-csv/*.jsonl > gen.ndjson 2> /dev/null
fi
parts() { find "$1" -type f -name 'part-*' | sort; }
tmps() { find "$1" -name '.*.tmp' | wc -l | tr -d ' '; }

# Layout for a known input.
printf '%s\n' '{"ts":1704067200000,"lang":"en"}' '{"ts":1704070800000,"lang":"en"}' \
	'{"created_at":"2023-12-31T23:59:59.999Z","lang":"fr"}' '{"lang":"de"}' > small.ndjson
tw-load -p 'year=%Y/month=%m/day=%d/hour=%H' -o lay small.ndjson
eq "layout: directories from ts, else created_at, else the default partition" \
	"$(cd lay && find . -type d | sort | tr '\n' ' ')" \
	". ./year=2023 ./year=2023/month=12 ./year=2023/month=12/day=31 ./year=2023/month=12/day=31/hour=23 ./year=2024 ./year=2024/month=01 ./year=2024/month=01/day=01 ./year=2024/month=01/day=01/hour=00 ./year=2024/month=01/day=01/hour=01 ./year=__HIVE_DEFAULT_PARTITION__ ./year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__ ./year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/day=__HIVE_DEFAULT_PARTITION__ ./year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/day=__HIVE_DEFAULT_PARTITION__/hour=__HIVE_DEFAULT_PARTITION__ "
tw-load -p 'd=%j/m=%M/p=%%' -o lay2 small.ndjson
check "layout: %j %M %%" test -d "lay2/d=001/m=00/p=%"

# Hostile partition values stay one directory level inside DIR.
mkdir esc
printf '%s\n' '{"v":"../../x"}' '{"v":"/etc"}' '{"v":"a=b"}' '{"v":"100%"}' '{"v":""}' \
	'{"v":null}' '{}' '{"v":".."}' '{"v":"."}' '{"v":"a\nb:c*?\"#[]^{}\\\u007f"}' '{"v":"ü 😀","i":1}' > esc.ndjson
tw-load -p 'v=%{v}' -o esc/out esc.ndjson
eq "escaping: Hive's escapePathName, '.' and '..' escaped, empty/null default" \
	"$(cd esc/out && find . -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')" \
	"./v=%2E ./v=%2E%2E ./v=%2Fetc ./v=..%2F..%2Fx ./v=100%25 ./v=__HIVE_DEFAULT_PARTITION__ ./v=a%0Ab%3Ac%2A%3F%22%23%5B%5D%5E%7B}%5C%7F ./v=a%3Db ./v=ü 😀 "
eq "escaping: nothing written outside DIR" "$(find esc -type f | grep -vc '^esc/out/v=[^/]*/part-')" 0

# Every record lands exactly once, in readable gzip parts.
tw-load -p 'year=%Y/month=%m/lang=%{lang}' -o all gen.ndjson
check "parts: gzip -t passes for each" sh -c "find all -name 'part-*.ndjson.gz' | xargs gzip -t"
parts all | xargs zcat | sort > got.txt
sort gen.ndjson > want.txt
same "parts: zcat of all parts = the input records" got.txt want.txt
eq "parts: no temporary files after exit" "$(tmps all)" 0
check "parts: each record in the directory of its own time and lang" python3 -c "
import gzip, json, glob, datetime
for p in glob.glob('all/*/*/*/part-*.gz'):
    d = dict(c.split('=') for c in p.split('/')[1:4])
    for l in gzip.open(p):
        r = json.loads(l)
        if r.get('ts') is None: continue
        t = datetime.datetime.utcfromtimestamp(r['ts'] / 1000)
        assert d['year'] == '%04d' % t.year and d['month'] == '%02d' % t.month, p
        assert d['lang'] == (r.get('lang') or '__HIVE_DEFAULT_PARTITION__'), p
"

# Roll by size: uncompressed bytes per part.
tw-load -p 'x=1' -o roll --roll 64k gen.ndjson
n=$(parts roll | wc -l)
check "roll 64k: several parts ($n)" test "$n" -ge 3
check "roll 64k: no part over 64 KiB uncompressed" sh -c "for p in \$(find roll -name 'part-*'); do [ \$(zcat \$p | wc -c) -le 65536 ] || exit 1; done"
# In the order written: by the sequence number, the name's last field.
parts roll | awk -F- '{ print $NF "\t" $0 }' | sort -n | cut -f2 | xargs zcat > rolled.txt
same "roll 64k: parts in order = the input" rolled.txt gen.ndjson

# Roll by time, with a slow producer: parts are published while it runs.
cat > slow.py <<'PY'
import glob, subprocess, sys, time, signal, os
mode = sys.argv[1]
p = subprocess.Popen(['tw-load', '-p', 'x=%{x}', '-o', 'slow_' + mode, '--roll', '1s'], stdin=subprocess.PIPE)
seen_while_running = 0
for i in range(12):
    p.stdin.write(b'{"x":"a","i":%d}\n' % i); p.stdin.flush()
    time.sleep(0.25)
    seen_while_running = max(seen_while_running, len(glob.glob('slow_%s/x=a/part-*' % mode)))
if mode == 'eof':
    p.stdin.close(); rc = p.wait(10)
    assert rc == 0, rc
    assert seen_while_running >= 1, 'nothing published while the stream was open'
elif mode == 'term':
    p.send_signal(signal.SIGTERM); rc = p.wait(10)
    assert rc == -signal.SIGTERM, rc
elif mode == 'kill':
    p.send_signal(signal.SIGKILL); p.wait(10)
PY
check "roll 1s: parts published while a slow stream is open" python3 slow.py eof
eq "roll 1s: all 12 records, no temp files" "$(parts slow_eof | xargs zcat | wc -l | tr -d ' ') $(tmps slow_eof)" "12 0"
check "SIGTERM: dies by the signal" python3 slow.py term
eq "SIGTERM: open parts published, nothing lost, no temp files" "$(parts slow_term | xargs zcat | wc -l | tr -d ' ') $(tmps slow_term)" "12 0"
python3 slow.py kill
check "SIGKILL: every published part is complete gzip" sh -c "find slow_kill -name 'part-*' | xargs -r gzip -t"
check "SIGKILL: leftovers are only hidden .tmp files" sh -c "! find slow_kill -type f ! -name 'part-*' ! -name '.part-*.tmp' | grep -q ."

# CSV parts.
tw-load -p 'lang=%{lang}' -o csvp --format csv -t tweets gen.ndjson 2> csv.err
check "csv parts: header row first, RFC 4180 rows" python3 -c "
import csv, glob, gzip, io
n = 0
for p in glob.glob('csvp/*/part-*.csv.gz'):
    rows = list(csv.reader(io.TextIOWrapper(gzip.open(p), encoding='utf-8', newline='')))
    assert rows[0][:2] == ['id', 'created_at'], rows[0][:3]
    n += len(rows) - 1
want = sum(1 for l in open('gen.ndjson') if l.startswith('{\"record_type\":\"tweet\"'))
assert n == want, (n, want)
"

# A full file system, for every codec and for Parquet: exit 1, a clear
# message, no half-written part.
if [ "$(id -u)" = 0 ] && mkdir -p full && mount -t tmpfs -o size=256k tmpfs full 2> /dev/null; then
	head -c 3000000 /dev/urandom | base64 -w 100 | sed 's/.*/{"ts":0,"r":"&"}/' > rand.ndjson
	for fo in "--codec gzip" "--codec zstd" "--codec none" "--format parquet" "--format parquet --codec zstd --row-group 64k"; do
		rm -rf full/out
		tw-load -p 'y=%Y' -o full/out $fo rand.ndjson 2> full.err
		eq "full disk ($fo): exit 1" "$?" 1
		contains "full disk ($fo): message names the file and the cause" full.err "No space left on device"
		check "full disk ($fo): every published part is complete" sh -c "
			for f in \$(find full -name 'part-*'); do
				case \$f in
				*.gz) gzip -t \$f ;; *.zst) zstd -q -t \$f ;;
				*.parquet) [ \"\$(head -c 4 \$f)\$(tail -c 4 \$f)\" = PAR1PAR1 ] ;;
				esac || exit 1
			done"
		eq "full disk ($fo): no temporary file left" "$(tmps full)" 0
	done
	umount full
else
	skip "full disk" "cannot mount a tmpfs (not root or no permission)"
fi

# Hive DDL: one ALTER per partition directory present.
tw-load -d hive -p 'year=%Y/month=%m/lang=%{lang}' -o all -t tweets gen.ndjson > hive.sql 2> /dev/null
# (Leaves under an INT column's default partition are left out: below.)
leaves() { find "$1" -mindepth 3 -maxdepth 3 -type d ! -path '*year=__HIVE*' ! -path '*month=__HIVE*' | wc -l | tr -d ' '; }
eq "hive: one PARTITION clause per leaf directory" "$(grep -c '^  PARTITION (' hive.sql)" "$(leaves all)"
n=$(leaves all)
eq "hive: partitions added 100 to a statement" "$(grep -c 'ADD IF NOT EXISTS$' hive.sql)" $(((n + 99) / 100))
contains "hive: the location names its file system" hive.sql "LOCATION 'file://$(cd all && pwd)'"
# Only the partitions of the records read: a cron batch declares what is new.
tail -n 50 gen.ndjson > last50.ndjson
tw-load -d hive -p 'year=%Y/month=%m/lang=%{lang}' -o all -t tweets --add-partitions read last50.ndjson > hnew.sql 2> /dev/null
want=$(tw-load -p 'year=%Y/month=%m/lang=%{lang}' -o l50 last50.ndjson && leaves l50)
eq "hive --add-partitions read: only the records' partitions" "$(grep -c '^  PARTITION (' hnew.sql)" "$want"
# A record without a time: the INT partition columns cannot hold Hive's
# default partition name, so that partition is left out, with a warning.
printf '{"i":1,"lang":"en"}\n{"i":2,"lang":"en","ts":1704067200000}\n' > notime.ndjson
tw-load -p 'year=%Y/lang=%{lang}' -o notime notime.ndjson
tw-load -d hive -p 'year=%Y/lang=%{lang}' -o notime -t nt notime.ndjson > hnt.sql 2> hnt.err
eq "hive: a default partition in an INT column is left out" "$(grep -c '^  PARTITION (' hnt.sql) $(grep -c __HIVE_DEFAULT_PARTITION__ hnt.sql)" "1 0"
contains "hive: ... and said so" hnt.err "left out: __HIVE_DEFAULT_PARTITION__ in an INT column"
contains "hive: JsonSerDe DDL" hive.sql "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'"
# CSV parts are read by position: their columns are the DDL's, in order
# (partition columns live in the directory names only).
tw-load -p 'lang=%{lang}/year=%Y' -o csvl --format csv -t tweets gen.ndjson 2> /dev/null
tw-load -d hive -p 'lang=%{lang}/year=%Y' -o csvl --format csv -t tweets gen.ndjson > hcsv.sql 2> /dev/null
zcat "$(find csvl -name 'part-*.csv.gz' | head -1)" | head -1 | tr ',' '\n' > csvcols.txt
sed -n '/^CREATE EXTERNAL/,/^)/p' hcsv.sql | sed -n 's/^  `\([a-z_]*\)`.*/\1/p' > ddlcols.txt
check "hive csv: part columns are the DDL columns in order" cmp -s csvcols.txt ddlcols.txt
eq "hive csv: no partition column inside the parts" "$(grep -cx -e lang -e year csvcols.txt)" 0
tw-load -d hive -p 'v=%{v}' -o esc/out -t esc esc.ndjson > hesc.sql
contains "hive: escaped directory, unescaped value" hesc.sql "PARTITION (\`v\`='../../x') LOCATION 'file://$(cd esc/out && pwd)/v=..%2F..%2Fx'"

tw-load -p '../x' -o bad < /dev/null 2> /dev/null
eq "usage: a pattern with '..' exits 2" "$?" 2
tw-load -p 'a=%Q' -o bad < /dev/null 2> /dev/null
eq "usage: an unknown conversion exits 2" "$?" 2

# Limits: a partition directory name of 200 bytes works, 201 is a bad record.
python3 -c "
import json
print(json.dumps({'ts': 0, 'v': 'a' * 198}))
print(json.dumps({'ts': 0, 'v': 'b' * 199}))" > comp.ndjson
tw-load -p 'v=%{v}' -o comp comp.ndjson 2> comp.err
eq "limit: a 200-byte directory name is written" "$(ls comp | awk '{ print length }')" 200
contains "limit: 201 bytes is a bad record, named" comp.err "comp.ndjson:2:"

# -o a/b/c with none of them existing: created with its parents, for parts
# and for one Parquet file.
tw-load -p 'x=1' -o deep/a/b/c small.ndjson
eq "-o a/b/c, none existing: status 0, the part inside" "$?:$(find deep/a/b/c -name 'part-*.ndjson.gz' | wc -l | tr -d ' ')" "0:1"
tw-load --format parquet -o deep2/a/b/one.parquet small.ndjson
eq "--format parquet -o a/b/FILE, none existing: status 0, the file" "$?:$(ls deep2/a/b)" "0:one.parquet"
: > notadir
tw-load -p 'x=1' -o notadir/sub small.ndjson 2> nd.err
eq "-o under a file: status 2" "$?" 2
