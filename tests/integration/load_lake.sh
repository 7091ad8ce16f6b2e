#!/bin/sh
# tw-load's partition writer, every codec and Parquet, read back by readers
# we did not write: gzip -t, zcat, zstd -t, DuckDB (read_json_auto,
# read_parquet with hive_partitioning, parquet_metadata) and hyparquet;
# every column of every Parquet part equal to the NDJSON part of the same
# partition (tests/parquet/compare.py); a filter on created_at that skips
# row groups of a lake's part; the Hive DDL of a Parquet lake; one Parquet
# file without partitions; and the bound on files per partition (--max-open
# smaller than the partitions in turn; the README's landing recipe over an
# hour of tweets).
. "$TW_ROOT/tests/lib.sh"
J=$TW_ROOT/tests/js
CMP=$TW_ROOT/tests/parquet/compare.py
cd "$T" || exit 1
have_node=0
if command -v node > /dev/null 2>&1 && node "$J/duckdb.mjs" "SELECT 1" > /dev/null 2>&1; then
	have_node=1
fi
duck() { node "$J/duckdb.mjs" "$@"; }
LAND='record_type=%{record_type}/year=%Y/month=%m/day=%d/hour=%H'

# The data: generated v2 and v1.1 tweets and the real corpus, every record
# type (tw-flatten -t all), interleaved as a collector sees them.
tw-gen -n 3000 --seed 21 --event-rate 2 | tw-flatten -q -t all > a.ndjson
tw-gen -n 1500 --seed 22 --format v1 --event-rate 2 | tw-flatten -q -t all > b.ndjson
tw-flatten -q -t all "$C"/twarc-csv/*.jsonl > c.ndjson 2> /dev/null
cat a.ndjson b.ndjson c.ndjson > all.ndjson
n_all=$(wc -l < all.ndjson | tr -d ' ')

# 1. NDJSON parts of every codec: the records, byte for byte, and readable
# by the standard tools and DuckDB.
for c in gzip zstd none; do
	tw-load -p "$LAND" -o nd.$c --codec $c --max-open 1000 all.ndjson 2> nd.$c.err
	eq "--codec $c: status 0, quiet" "$?:$(cat nd.$c.err)" "0:"
done
check "gzip parts: gzip -t passes for each" sh -c "find nd.gzip -name 'part-*.ndjson.gz' | xargs gzip -t"
check "zstd parts: zstd -t passes for each" sh -c "find nd.zstd -name 'part-*.ndjson.zst' | xargs zstd -q -t"
find nd.gzip -name 'part-*.ndjson.gz' | sort | xargs zcat | sort > gz.txt
find nd.zstd -name 'part-*.ndjson.zst' | sort | xargs zstd -q -d -c | sort > zst.txt
find nd.none -name 'part-*.ndjson' | sort | xargs cat | sort > none.txt
sort all.ndjson > want.txt
same "gzip parts through zcat = the input records" gz.txt want.txt
same "zstd parts through zstd -d = the input records" zst.txt want.txt
same "uncompressed parts = the input records" none.txt want.txt
eq "part names end .ndjson.gz, .ndjson.zst, .ndjson" \
    "$(find nd.gzip -name 'part-*' ! -name '*.ndjson.gz' | wc -l) $(find nd.zstd -name 'part-*' ! -name '*.ndjson.zst' | wc -l) $(find nd.none -name 'part-*' ! -name '*.ndjson' | wc -l)" "0 0 0"
tw-load -p 'lang=%{lang}' -o csv.zstd --format csv -t tweets --codec zstd a.ndjson 2> /dev/null
check "zstd CSV parts: .csv.zst, zstd -t" sh -c "find csv.zstd -name 'part-*.csv.zst' | grep -q . && find csv.zstd -name 'part-*' | xargs zstd -q -t"
# Levels: zlib's level 9 makes smaller parts than ISA-L's default.
tw-load -p x=1 -o lv9 --codec gzip --level 9 a.ndjson && tw-load -p x=1 -o lv2 a.ndjson
check "--level 9 gzip parts are smaller than the default level's" \
    test "$(cat lv9/x=1/part-* | wc -c)" -lt "$(cat lv2/x=1/part-* | wc -c)"
if [ $have_node = 1 ]; then
	for c in gzip zstd; do
		duck "SELECT count(*) FROM read_json_auto('nd.$c/record_type=tweet/**/*.ndjson.*', format='newline_delimited')" > dj.$c
		eq "DuckDB read_json_auto reads the $c tweet parts" "$(cat dj.$c)" "$(grep -c '^{"record_type":"tweet"' all.ndjson)"
	done
	duck "SELECT count(*) FROM read_csv('csv.zstd/**/*.csv.zst', header=true)" > dcsv
	eq "DuckDB read_csv reads the zstd CSV parts" "$(cat dcsv)" "$(grep -c '^{"record_type":"tweet"' a.ndjson)"
fi

# 2. Parquet parts: the same layout, partition columns left out of the files.
for c in snappy zstd; do
	tw-load -p "$LAND" -o pq.$c --format parquet --codec $c --max-open 1000 all.ndjson 2> pq.$c.err
	eq "--format parquet --codec $c: status 0, quiet" "$?:$(cat pq.$c.err)" "0:"
done
eq "Parquet parts in the same directories as the NDJSON parts" \
    "$(cd pq.snappy && find . -name 'part-*.parquet' -exec dirname {} \; | sort | tr '\n' ' ')" \
    "$(cd nd.none && find . -name 'part-*.ndjson' -exec dirname {} \; | sort | tr '\n' ' ')"
if [ $have_node = 0 ]; then
	skip "Parquet lakes read back" "node and the readers are not installed (make deps)"
else
	duck "SELECT record_type, year, count(*) FROM read_parquet('pq.snappy/**/*.parquet', hive_partitioning=true, union_by_name=true) GROUP BY ALL ORDER BY ALL" > hp.got
	python3 -c "
import json, collections
c = collections.Counter()
from datetime import datetime, timezone
for l in open('all.ndjson'):
    r = json.loads(l)
    t = r.get('ts')
    if t is None and r.get('created_at'):
        s = r['created_at']
        t = int(datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp() * 1000) if 'T' in s else int(datetime.strptime(s, '%a %b %d %H:%M:%S %z %Y').timestamp() * 1000)
    y = datetime.fromtimestamp(t / 1000, timezone.utc).year if t is not None else None
    c[(r['record_type'], y)] += 1
for (k, y), n in sorted(c.items(), key=lambda x: (x[0][0], x[0][1] or 0)):
    print('%s\t%s\t%d' % (k, y if y is not None else '\\\\N', n))
" | sort > hp.want
	sort hp.got > hp.sorted
	same "read_parquet(hive_partitioning): partition columns and every row ($n_all)" hp.sorted hp.want
	duck "SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet('pq.snappy/record_type=tweet/**/*.parquet', hive_partitioning=false)) WHERE column_name IN ('record_type', 'year', 'month', 'day', 'hour')" > pcols
	eq "partition columns are not inside the files" "$(cat pcols)" 0
	duck "SELECT DISTINCT compression FROM parquet_metadata('pq.zstd/**/*.parquet')" > codec.z
	duck "SELECT DISTINCT compression FROM parquet_metadata('pq.snappy/**/*.parquet')" > codec.s
	eq "parquet_metadata: the codec of the lake (zstd, snappy)" "$(cat codec.z) $(cat codec.s)" "ZSTD SNAPPY"
	duck "SELECT count(*) FROM parquet_metadata('pq.zstd/record_type=tweet/**/*.parquet') WHERE path_in_schema = 'created_at' AND (stats_min_value IS NULL OR stats_max_value IS NULL OR stats_null_count IS NULL)" > nostat
	eq "parquet_metadata: every created_at chunk has min, max and null count" "$(cat nostat)" 0
	# Column by column: each Parquet part against the NDJSON part of the
	# same partition (one part each: same records, same order), for the
	# four largest partitions of each record type.
	bad=
	nparts=0
	for d in $(cd nd.none && for k in tweet user place media hashtag; do
	    find record_type=$k -name 'part-*.ndjson' -size +0 -exec wc -l {} + | grep -v ' total$' | sort -rn | head -4 | awk '{ print $2 }' | xargs -n1 dirname; done); do
		set -- pq.zstd/$d/part-*.parquet
		[ $# = 1 ] || { bad="$bad $d:$#-parts"; continue; }
		cat nd.none/$d/part-*.ndjson > one.ndjson
		node "$J/hyparquet.mjs" "$1" > one.hy 2> one.err &&
		    python3 "$CMP" one.ndjson one.hy --omit record_type,year,month,day,hour > one.cmp 2>&1 ||
		    bad="$bad $d:hyparquet:$(head -2 one.cmp one.err | tr '\n' ' ' | cut -c1-200)"
		nparts=$((nparts + 1))
	done
	eq "hyparquet: every column of the $nparts Parquet parts equals the NDJSON parts" "$bad" ""
	bad=
	for d in record_type=tweet/year=2024/month=01/day=01/hour=00 record_type=user/year=2024/month=01/day=01/hour=00; do
		set -- pq.snappy/$d/part-*.parquet
		cat nd.none/$d/part-*.ndjson > one.ndjson
		duck "SET TimeZone='UTC'" "COPY (SELECT * FROM read_parquet('$1', hive_partitioning=false)) TO 'one.duck' (FORMAT JSON)" > /dev/null 2> one.err &&
		    python3 "$CMP" one.ndjson one.duck --omit record_type,year,month,day,hour > one.cmp 2>&1 ||
		    bad="$bad $d:$(head -2 one.cmp one.err | tr '\n' ' ' | cut -c1-200)"
	done
	eq "DuckDB: every column of the tweet and user parts equals the NDJSON parts" "$bad" ""
	# Every test must be able to fail: an id changed in the input is found.
	python3 -c "
import sys
l = open(sys.argv[1]).read().split('\\n', 1)
i = l[0].index('\"id\":\"') + 6
d = l[0][i]
l[0] = l[0][:i] + ('1' if d != '1' else '2') + l[0][i + 1:]
sys.stdout.write('\\n'.join(l))" nd.none/record_type=tweet/year=2024/month=01/day=01/hour=00/part-*.ndjson > changed.ndjson
	cmp -s changed.ndjson nd.none/record_type=tweet/year=2024/month=01/day=01/hour=00/part-*.ndjson && not_ok "the id was changed"
	node "$J/hyparquet.mjs" pq.zstd/record_type=tweet/year=2024/month=01/day=01/hour=00/part-*.parquet > ch.hy
	check "  ... and a changed id is found" sh -c "! python3 '$CMP' changed.ndjson ch.hy --omit record_type,year,month,day,hour > /dev/null 2>&1"

	# 3. A filter on created_at skips row groups of a lake's part: garble
	# the row groups whose statistics exclude the filter; the filtered
	# query still answers right, a full scan fails.
	tw-load -p 'lang=%{lang}' -o rg --format parquet --row-group 64k a.ndjson 2> /dev/null
	f=$(ls rg/lang=en/part-*.parquet)
	duck "SELECT row_group_id, min(coalesce(dictionary_page_offset, data_page_offset)), sum(total_compressed_size), max(CASE WHEN path_in_schema = 'created_at' THEN stats_max_value END) FROM parquet_metadata('$f') GROUP BY row_group_id ORDER BY row_group_id" > rg.out
	nrg=$(wc -l < rg.out | tr -d ' ')
	check "--row-group 64k: several row groups in a part ($nrg)" test "$nrg" -ge 4
	cut=$(sed -n "$((nrg - 1))p" rg.out | cut -f4)
	duck "SELECT count(*), sum(like_count) FROM read_parquet('$f') WHERE created_at > TIMESTAMPTZ '$cut'" > skip.want
	python3 - "$f" rg.out "$cut" <<'PY'
import sys
f, rgs, cut = sys.argv[1], sys.argv[2], sys.argv[3]
data = bytearray(open(f, 'rb').read())
for line in open(rgs):
    rg, off, size, mx = line.rstrip('\n').split('\t')
    if mx <= cut:
        off, size = int(off), int(size)
        data[off:off + size] = b'\xee' * size
open('garbled.parquet', 'wb').write(data)
PY
	duck "SELECT count(*), sum(like_count) FROM read_parquet('garbled.parquet') WHERE created_at > TIMESTAMPTZ '$cut'" > skip.got 2> skip.err
	eq "created_at filter on a lake's part: the garbled row groups were skipped" "$(cat skip.got)" "$(cat skip.want)"
	check "  ... and they are unreadable: a full scan fails" sh -c "! node '$J/duckdb.mjs' \"SELECT sum(like_count) FROM read_parquet('garbled.parquet')\" > /dev/null 2>&1"

	# 4. One Parquet file without partitions; numbered files with --roll.
	tw-load --format parquet -o single/out.parquet a.ndjson 2> single.err
	eq "one file: status 0, only the file" "$?:$(ls -A single)" "0:out.parquet"
	contains "  ... records of another kind skipped, said once" single.err "records of another type are skipped"
	grep '^{"record_type":"tweet"' a.ndjson > tweets.ndjson
	node "$J/hyparquet.mjs" single/out.parquet > single.hy
	check "one file: the tweets, every column (others of another kind counted)" python3 "$CMP" tweets.ndjson single.hy
	tw-load -q --format parquet -o single/r.parquet --roll 256k tweets.ndjson
	n=$(ls single/r-*.parquet | wc -l)
	check "one file with --roll 256k: numbered files r-000001.parquet ... ($n)" sh -c "[ $n -ge 3 ] && [ -f single/r-000001.parquet ]"
	eq "  ... holding every tweet" "$(duck "SELECT count(*) FROM read_parquet('single/r-*.parquet')")" "$(wc -l < tweets.ndjson | tr -d ' ')"

	# 5. Hive DDL of a Parquet lake: the files' types, STORED AS PARQUET.
	tw-load -d hive --format parquet -p "$LAND" -o pq.snappy -t tweets tweets.ndjson > hive.sql 2> /dev/null
	contains "hive --format parquet: STORED AS PARQUET" hive.sql "STORED AS PARQUET"
	contains "  ... ids are bigint as in the files" hive.sql '  `id` bigint,'
	contains "  ... times are timestamps" hive.sql '  `created_at` timestamp,'
	contains "  ... hashtags a list of strings" hive.sql '  `hashtags` array<string>'
	check "  ... no partition column among the data columns" sh -c "! grep -q -e '^  \`year\`' -e '^  \`record_type\`' hive.sql"
	duck "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('pq.snappy/record_type=tweet/**/*.parquet', hive_partitioning=false))" > dcols
	sed -n '/^CREATE EXTERNAL/,/^)/p' hive.sql | sed -n 's/^  `\([a-z_]*\)`.*/\1/p' > hcols
	same "  ... the DDL's columns are the files' columns, in order" hcols dcols
	eq "  ... ADD PARTITION for every partition, 100 a statement" \
	    "$(grep -c '^  PARTITION (' hive.sql)" "$(cd pq.snappy && find . -mindepth 5 -maxdepth 5 -type d ! -path '*__HIVE*' | wc -l | tr -d ' ')"
	printf '%s\n' '{"window_start":"2024-01-01T00:00:00.000Z","window_end":"2024-01-01T00:01:00.000Z","lang":"en","count":3}' \
	    '{"window_start":"2024-01-01T00:01:00.000Z","window_end":"2024-01-01T00:02:00.000Z","lang":"fr","count":2.5}' > win.ndjson
	tw-load -d hive --format parquet -p 'year=%Y' -o winlake -t windows win.ndjson > hwin.sql 2> /dev/null
	contains "hive --format parquet, inferred: times and widened columns as the files have them" hwin.sql '  `window_start` timestamp,'
	contains "  ... (count widened to double)" hwin.sql '  `count` double'
fi

# 6. Files per partition: 400 partitions visited in turn with --max-open 8
# give each partition at most 3 parts (2 published early, then the last),
# and every record lands.
python3 -c "
import json
for i in range(8000): print(json.dumps({'ts': 1700000000000 + i, 'v': 'v%d' % (i % 400), 'i': i}))" > turn.ndjson
tw-load -p 'v=%{v}' -o turn --max-open 8 turn.ndjson 2> turn.err
max=$(for d in turn/*; do ls "$d" | wc -l; done | sort -n | tail -1)
check "--max-open 8, 400 partitions in turn: at most 3 parts a partition (most: $max)" test "$max" -le 3
eq "  ... every record written" "$(find turn -name 'part-*' | xargs zcat | wc -l | tr -d ' ')" 8000
contains "  ... and the limit exceeded said so" turn.err "--max-open 8 exceeded"
tw-load --format parquet -p 'v=%{v}' -o turnpq --max-open 8 turn.ndjson 2> /dev/null
max=$(for d in turnpq/*; do ls "$d" | wc -l; done | sort -n | tail -1)
check "  ... Parquet parts alike (most: $max)" test "$max" -le 3
tw-load -p 'v=%{v}' -o few --max-open 400 turn.ndjson
eq "  ... with room for every partition, one part each" "$(find few -name 'part-*' | wc -l | tr -d ' ')" 400
# Parts published at once (evicted eight at a time at the default
# --max-open 64, or all at the end) are synced together, two syncfs a
# set; one to three alone (fsync of the part, then of its directory).
TW_LOAD_TRACE=$T/turn64.trace tw-load -p 'v=%{v}' -o turn64 turn.ndjson 2> /dev/null
max=$(for d in turn64/*; do ls "$d" | wc -l; done | sort -n | tail -1)
check "default --max-open, 400 partitions in turn, evicted in sets: at most 3 parts a partition (most: $max)" test "$max" -le 3
eq "  ... every record written" "$(find turn64 -name 'part-*' | xargs zcat | sort | md5sum)" "$(sort turn.ndjson | md5sum)"
eq "  ... every part published synced together with others" \
	"$(grep -c ' publish .*synced-together' turn64.trace)" "$(find turn64 -name 'part-*' | wc -l | tr -d ' ')"
head -3 turn.ndjson > three.ndjson
TW_LOAD_TRACE=$T/three.trace tw-load -p 'v=%{v}' -o three three.ndjson
eq "  ... three parts at the end: each synced alone" \
	"$(grep -c ' publish ' three.trace):$(grep -c 'synced-together' three.trace)" "3:0"
# At a stream mark, five parts written to are synced together before the
# acknowledgement; two, one by one; a mark with nothing new syncs nothing.
python3 -c "
import json
for i in range(10): print(json.dumps({'ts': 1700000000000 + i, 'v': 'v%d' % (i % 5)}))
print(json.dumps({'twpipe_mark': 't/0.10'}))
for i in range(2): print(json.dumps({'ts': 1700000000000 + i, 'v': 'v%d' % i}))
print(json.dumps({'twpipe_mark': 't/0.12'}))
print(json.dumps({'twpipe_mark': 't/0.13'}))" > mk5.ndjson
TW_LOAD_TRACE=$T/mk5.trace tw-load -p 'v=%{v}' -o mk5 --acks mk5.acks mk5.ndjson
eq "marks: five parts synced together, then two one by one, then none; every mark acknowledged" \
	"$(grep ' mark ' mk5.trace | sed 's/^[0-9]* [0-9]* //' | tr '\n' ';'):$(wc -l < mk5.acks | tr -d ' ')" \
	"mark 1: 5 parts synced-together;mark 2: 2 parts synced one by one;:3"
eq "  ... every record landed" "$(find mk5 -name 'part-*' | xargs zcat | wc -l | tr -d ' ')" 12
# The README's landing recipe over an hour of tweets: a few files per
# record type per hour directory.
tw-gen -n 36000 --seed 5 --event-rate 10 | tw-flatten -q -t all > hour.ndjson
tw-load -p "$LAND" -o hour --max-open 8 hour.ndjson
most=$(find hour -name 'part-*' -exec dirname {} \; | sort | uniq -c | sort -n | tail -1 | awk '{ print $1 }')
check "landing recipe, an hour of tweets, --max-open 8: at most 3 files in any directory (most: $most)" test "$most" -le 3
eq "  ... and every record landed" "$(find hour -name 'part-*' | xargs zcat | wc -l | tr -d ' ')" "$(wc -l < hour.ndjson | tr -d ' ')"
hours=$(find hour/record_type=tweet -name 'part-*' -exec dirname {} \; | sort -u | wc -l | tr -d ' ')
check "  ... tweets span one or two hour directories ($hours)" test "$hours" -le 2

# /dev/full: the acknowledgements cannot be written (the load goes on,
# says so once, and its parts are whole), for every format; and one
# Parquet file is never renamed over a device.
printf '%s\n' '{"ts":0,"lang":"en","id":"1"}' '{"twpipe_mark":"t/1.1"}' '{"ts":0,"lang":"fr","id":"2"}' '{"twpipe_mark":"t/1.2"}' > mk.ndjson
for fo in "--codec gzip" "--codec zstd" "--codec none" "--format parquet"; do
	rm -rf full
	tw-load -p 'lang=%{lang}' -o full $fo --acks /dev/full mk.ndjson 2> full.err
	eq "--acks /dev/full ($fo): status 0, both parts published" "$?:$(find full -name 'part-*' | wc -l | tr -d ' ')" "0:2"
	contains "  ... and said once that acknowledgements stopped" full.err "/dev/full: No space left on device; no more acknowledgements"
done
tw-load --format parquet -o /dev/full mk.ndjson 2> devfull.err
eq "--format parquet -o /dev/full: status 2, the device untouched" "$?:$(test -c /dev/full && echo char)" "2:char"
contains "  ... named as not a regular file" devfull.err "/dev/full: not a regular file"
