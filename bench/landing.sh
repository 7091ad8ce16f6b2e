#!/bin/sh
# landing.sh: tw-load's partition writer (issues 13 and 14) in one run,
# side by side: gzip, zstd and Parquet parts against gzip -1 and gzip -6
# on the same bytes, the landing pipeline on two cores, and a DuckDB query
# over the Parquet lake against the gzip NDJSON lake of the same tweets.
#
# usage: sh bench/landing.sh [BUILD]
#
# Data sets (in a temporary directory):
#   v2      tw-gen -n LAND_N --seed 1 | tw-flatten      (flat tweets)
#   v1      tw-gen -n LAND_N --seed 1 --format v1 | tw-flatten
#   corpus  every file of ../shared/corpus (TW_CORPUS) through tw-flatten;
#           sizes from one copy, speeds from LAND_COPIES copies in a row
#           (the corpus is 3,313 tweets: too little to time)
#
#   A. For each set, MB/s of NDJSON input per CPU second (user + sys, one
#      core) and per wall second, best of LAND_RUNS, and the bytes written:
#      gzip -1 and gzip -6 on the whole file; tw-load -p
#      'year=%Y/month=%m/day=%d/hour=%H' (the corpus, whose tweets are
#      scattered over years: 'year=%Y/month=%m') with --codec gzip (level 2, the
#      default), --codec zstd (level 1), CSV parts with zstd, --format
#      parquet with snappy and zstd.
#      x: CPU speed against gzip -1; size against gzip -1, gzip -6 and
#      tw-load's gzip parts.
#   B. The landing pipeline: tw-gen's raw v2 lines (and the corpus),
#      tw-flatten -t all | tw-load -p 'record_type=%{record_type}/year=%Y/
#      month=%m/day=%d/hour=%H', gzip, zstd and Parquet parts: MB/s of raw
#      input per wall second (the two processes on two cores), and the
#      bound two free cores give: raw bytes over the busier stage's CPU
#      time, each stage timed alone. The corpus also as "backfill": gzip
#      parts with --max-open 2000 (one part a partition).
#   D. Section B's pipeline (gzip parts) on bench/shapes.sh's shapes, when
#      bench/out/shape-*.ndjson exist: wall MB/s of raw input.
#   C. DuckDB (@duckdb/node-api, two threads): SELECT lang, hour, count(*)
#      over the v2 lake as Parquet (snappy, zstd) and as gzip NDJSON
#      (read_json_auto): seconds a query, five in one process, best of
#      LAND_RUNS, less the same process running SELECT 1; the answers
#      must agree.
#
# Environment: LAND_N [200000], LAND_RUNS [3], LAND_COPIES [20].
# Prints the tables and writes them to bench/out/landing.txt. Exit 0
# whatever is missing (named).

BUILD=${1:-build}
case $BUILD in -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PATH=$BUILD:$PATH
N=${LAND_N:-200000}
RUNS=${LAND_RUNS:-3}
COPIES=${LAND_COPIES:-20}
CORPUS=${TW_CORPUS:-$ROOT/../shared/corpus}
J=$ROOT/tests/js
W=$(mktemp -d "${TMPDIR:-/tmp}/twland.XXXXXX") || exit 1
mkdir "$W/trash" || exit 1
# CPU and wall time to the microsecond (bench/rusage.c); time(1), which
# cuts CPU seconds to hundredths, when it does not build.
TIME=$W/rusage
"${CC:-cc}" -O2 -o "$TIME" "$ROOT/bench/rusage.c" 2>/dev/null || TIME=/usr/bin/time
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$ROOT/bench/out"
OUTF=$ROOT/bench/out/landing.txt
HOUR='year=%Y/month=%m/day=%d/hour=%H'
MONTH='year=%Y/month=%m'
LAND='record_type=%{record_type}/year=%Y/month=%m/day=%d/hour=%H'

# best CMD...: runs CMD RUNS times (in sh -c); prints the best "cpu wall".
# The lake of the run before is moved aside, and all of them removed at
# the end: ext4 passes over inodes freed moments ago when it allocates
# (recently_deleted), so a run that follows the rm -rf of thousands of
# files would time the file system's search rather than the writer.
best() {
	b=
	for i in $(seq "$RUNS"); do
		[ -e "$W/lake" ] && mv "$W/lake" "$W/trash/$(date +%s%N)"
		"$TIME" -f '%U %S %e' -o "$W/t" sh -c "$1" > /dev/null 2>> "$W/err" || { echo "0 0"; return 1; }
		r=$(awk '{ printf "%.3f %.3f", $1 + $2, $3 }' "$W/t")
		if [ -z "$b" ] || [ "$(echo "$r $b" | awk '{ print ($1 < $3) }')" = 1 ]; then b=$r; fi
	done
	echo "$b"
}
size() { find "$1" -type f -name "${2:-*}" -exec cat {} + | wc -c | tr -d ' '; }

# row SET NAME "CPU WALL" BYTES INBYTES: MB/s cpu and wall, bytes, and
# speed and size against gzip -1 ($G1T, $G1S), gzip -6 ($G6S) and the
# gzip parts ($GPS).
row() {
	echo "$1|$2|$3|$4|$5|${G1T:-0}|${G1S:-0}|${G6S:-0}|${GPS:-0}" | awk -F'|' '{
		split($3, t, " "); cpu = t[1] > 0 ? $5 / t[1] / 1e6 : 0; wall = t[2] > 0 ? $5 / t[2] / 1e6 : 0
		g1 = $6 > 0 ? $5 / $6 / 1e6 : 0
		printf "%-7s %-22s %8.0f %8.0f %6s %11d %7s %7s %7s\n", $1, $2, cpu, wall,
		    (g1 > 0 ? sprintf("%.2fx", cpu / g1) : "-"), $4,
		    ($7 > 0 ? sprintf("%.1f%%", 100 * $4 / $7) : "-"),
		    ($8 > 0 ? sprintf("%.1f%%", 100 * $4 / $8) : "-"),
		    ($9 > 0 ? sprintf("%.1f%%", 100 * $4 / $9) : "-") }'
}

main() {
echo "tw-load's partition writer: $N tweets a generated set, $(nproc) cores, best of $RUNS, load $(cut -d ' ' -f 1 /proc/loadavg) at the start"
echo
echo "A. NDJSON input (MB/s per CPU second and per wall second), bytes written"
printf '%-7s %-22s %8s %8s %6s %11s %7s %7s %7s\n' set writer 'MB/s cpu' 'MB/s wl' 'x g-1' bytes 'vs g-1' 'vs g-6' 'vs gzp'
for set in v2 v1 corpus; do
	case $set in
	v2) tw-gen -n "$N" --seed 1 | tw-flatten -q > "$W/in.ndjson" ;;
	v1) tw-gen -n "$N" --seed 1 --format v1 | tw-flatten -q > "$W/in.ndjson" ;;
	corpus)
		if [ ! -d "$CORPUS" ]; then echo "corpus: skipped: $CORPUS not found"; continue; fi
		find "$CORPUS" -type f -name '*.json*' | sort | xargs tw-flatten -q > "$W/one.ndjson" 2> /dev/null
		: > "$W/in.ndjson"
		for i in $(seq "$COPIES"); do cat "$W/one.ndjson" >> "$W/in.ndjson"; done ;;
	esac
	IN=$(wc -c < "$W/in.ndjson" | tr -d ' ')
	# tw-gen's sets span an hour or two; the corpus spans years of
	# scattered hours (a few tweets in each), so it goes by month.
	PAT=$HOUR
	[ $set = corpus ] && PAT=$MONTH
	# Sizes: from the file timed, but for the corpus from one copy.
	SZ=$W/in.ndjson
	[ $set = corpus ] && SZ=$W/one.ndjson
	G1T= G1S= G6S= GPS=
	t=$(best "gzip -1 -c '$W/in.ndjson' > '$W/x.gz'")
	G1S=$(gzip -1 -c "$SZ" | wc -c | tr -d ' ')
	G1T=$(echo "$t" | cut -d ' ' -f 1)
	G6S=$(gzip -6 -c "$SZ" | wc -c | tr -d ' ')
	row $set "gzip -1" "$t" "$G1S" "$IN"
	t=$(best "gzip -6 -c '$W/in.ndjson' > '$W/x.gz'")
	row $set "gzip -6" "$t" "$G6S" "$IN"
	sz() { rm -rf "$W/sz"; tw-load -q -p "$PAT" -o "$W/sz" "$@" "$SZ" && size "$W/sz" 'part-*'; }
	t=$(best "tw-load -q -p '$PAT' -o '$W/lake' '$W/in.ndjson'")
	GPS=$(sz)
	row $set "tw-load gzip (2)" "$t" "$GPS" "$IN"
	t=$(best "tw-load -q -p '$PAT' -o '$W/lake' --codec zstd '$W/in.ndjson'")
	row $set "tw-load zstd (1)" "$t" "$(sz --codec zstd)" "$IN"
	t=$(best "tw-load -q -p '$PAT' -o '$W/lake' --format csv --codec zstd '$W/in.ndjson'")
	row $set "tw-load csv zstd (1)" "$t" "$(sz --format csv --codec zstd)" "$IN"
	for c in snappy zstd; do
		t=$(best "tw-load -q -p '$PAT' -o '$W/lake' --format parquet --codec $c '$W/in.ndjson'")
		row $set "tw-load parquet $c" "$t" "$(sz --format parquet --codec $c)" "$IN"
	done
	t=$(best "tw-load -q -p '$PAT' -o '$W/lake' --format parquet --codec zstd --level 9 '$W/in.ndjson'")
	row $set "tw-load parquet zstd 9" "$t" "$(sz --format parquet --codec zstd --level 9)" "$IN"
	# The format apart from partitioning: one Parquet file of the set.
	t=$(best "tw-load -q --format parquet --codec zstd -o '$W/lake/one.parquet' '$W/in.ndjson'")
	rm -rf "$W/sz"; tw-load -q --format parquet --codec zstd -o "$W/sz/one.parquet" "$SZ"
	row $set "one file, parquet zstd" "$t" "$(size "$W/sz" 'one.parquet')" "$IN"
	if [ $set = v2 ]; then
		# The lakes of section C.
		tw-load -q -p "$HOUR" -o "$W/lake.gz" "$W/in.ndjson"
		tw-load -q -p "$HOUR" -o "$W/lake.snappy" --format parquet "$W/in.ndjson"
		tw-load -q -p "$HOUR" -o "$W/lake.zstd" --format parquet --codec zstd "$W/in.ndjson"
	fi
done
echo "(corpus: $COPIES copies timed, sizes of one copy)"

echo
echo "B. The landing pipeline, tw-flatten -t all | tw-load -p '$LAND', two processes"
echo "   (wall: the pipeline as run; bound: raw bytes over the busier stage's CPU"
echo "   time, each stage timed alone: what two free cores give)"
printf '%-7s %-10s %10s %10s %12s %12s %11s\n' set parts 'MB/s wall' 'MB/s bound' 'flatten cpu' 'load cpu' 'raw bytes'
tw-gen -n "$N" --seed 1 > "$W/raw.v2"
if [ -d "$CORPUS" ]; then
	: > "$W/raw.corpus"
	for i in $(seq "$COPIES"); do find "$CORPUS" -type f -name '*.json*' | sort | xargs cat >> "$W/raw.corpus"; done
fi
for set in v2 corpus; do
	[ -s "$W/raw.$set" ] || continue
	RAW=$(wc -c < "$W/raw.$set" | tr -d ' ')
	tf=$(best "tw-flatten -q -t all '$W/raw.$set' 2> /dev/null > '$W/star'" | cut -d ' ' -f 1)
	# The corpus also as a backfill of sparse history would be run: with
	# room for every partition (one file each, not up to three).
	more=
	[ $set = corpus ] && more=backfill
	for f in "gzip" "zstd" "parquet" $more; do
		case $f in gzip) o= ;; zstd) o="--codec zstd" ;; parquet) o="--format parquet" ;;
		backfill) o="--max-open 2000" ;; esac
		wl=$(best "tw-flatten -q -t all '$W/raw.$set' 2> /dev/null | tw-load -q -p '$LAND' -o '$W/lake' $o" | cut -d ' ' -f 2)
		tl=$(best "tw-load -q -p '$LAND' -o '$W/lake' $o '$W/star'" | cut -d ' ' -f 1)
		echo "$set $f $wl $tf $tl $RAW" | awk '{ m = $4 > $5 ? $4 : $5
			printf "%-7s %-10s %10.0f %10.0f %11.2fs %11.2fs %11d\n", $1, $2, ($3 > 0 ? $6 / $3 / 1e6 : 0),
			    (m > 0 ? $6 / m / 1e6 : 0), $4, $5, $6 }'
	done
done

echo
echo "C. DuckDB: count by lang and hour over the v2 lake (seconds, less SELECT 1)"
if ! command -v node > /dev/null 2>&1 || ! node "$J/duckdb.mjs" "SELECT 1" > /dev/null 2>&1; then
	echo "skipped: node or @duckdb/node-api not installed (make deps)"
else
	q() { echo "SELECT lang, date_trunc('hour', created_at) AS h, count(*) AS n FROM $1 GROUP BY ALL ORDER BY ALL"; }
	# Q runs of the query in one process, so that node's start (taken
	# off with SELECT 1) is paid once: seconds a query.
	Q=10
	reps() { i=0; while [ $i -lt $Q ]; do printf ' "%s"' "$1"; i=$((i + 1)); done; }
	base=$(best "node '$J/duckdb.mjs' 'SELECT 1'" | cut -d ' ' -f 2)
	jq_=$(q "read_json_auto('$W/lake.gz/**/*.ndjson.gz', format='newline_delimited')")
	tj=$(best "node '$J/duckdb.mjs' $(reps "$jq_")" | cut -d ' ' -f 2)
	node "$J/duckdb.mjs" "$jq_" > "$W/a.json"
	for c in snappy zstd; do
		pq_=$(q "read_parquet('$W/lake.$c/**/*.parquet')")
		tp=$(best "node '$J/duckdb.mjs' $(reps "$pq_")" | cut -d ' ' -f 2)
		node "$J/duckdb.mjs" "$pq_" > "$W/a.$c"
		agree=yes
		cmp -s "$W/a.json" "$W/a.$c" || agree=NO
		echo "$c $tj $tp $base $agree $Q" | awk '{ j = ($2 - $4) / $6; p = ($3 - $4) / $6
			printf "gzip NDJSON lake %.3f s, Parquet %s lake %.3f s: %.1fx (answers agree: %s)\n", j, $1, p, (p > 0 ? j / p : 0), $5 }'
	done
fi

echo
echo "D. The landing pipeline (gzip parts, as B) on bench/shapes.sh's data, wall"
found=
for s in v2 v2-page v1 small-inc large-inc ascii cjk escaped corpus; do
	f=$ROOT/bench/out/shape-$s.ndjson
	[ -f "$f" ] || continue
	found=1
	raw=$(wc -c < "$f" | tr -d ' ')
	t=$(best "tw-flatten -q -t all '$f' 2> /dev/null | tw-load -q -p '$LAND' -o '$W/lake'" | cut -d ' ' -f 2)
	files=$(find "$W/lake" -type f | wc -l | tr -d ' ')
	echo "$s $raw $t $files" | awk '{ printf "%-10s %6.0f MB/s wall (%d MB, %d files)\n", $1, ($3 > 0 ? $2 / $3 / 1e6 : 0), $2 / 1e6, $4 }'
done
[ -n "$found" ] || echo "skipped: no bench/out/shape-*.ndjson (sh bench/shapes.sh makes them)"
[ -s "$W/err" ] && { echo; echo "stderr of the runs:"; sort -u "$W/err" | head -5; }
}
main | tee "$OUTF"
exit 0
