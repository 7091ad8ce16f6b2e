#!/bin/sh
# parquet.sh: twpipe's Parquet writer (pqwrite, the test driver of
# lib/tw_pqrec + lib/tw_parquet) against DuckDB writing Parquet from the
# same NDJSON (COPY (SELECT * FROM read_json_auto(...)) TO ...), in one
# run, on two shapes of flat tweets: tw-gen's v2 payloads and its v1.1
# payloads, each through tw-flatten.
#
# For each: MB/s of NDJSON input (CPU time, user + sys, and wall time;
# best of BENCH_RUNS) with snappy and zstd (gzip and none for pqwrite
# too), and the file's size against gzip -6 of the same NDJSON (what
# tw-load's NDJSON parts are), with gzip -6's own speed. DuckDB runs with
# one thread and with two; its time is the COPY alone (the same process
# running SELECT 1 is subtracted). Every file is read back by DuckDB and
# must hold N rows.
#
# usage: sh bench/parquet.sh [BUILD]
# Environment: BENCH_PQ_N tweets [200000], BENCH_SEED [1], BENCH_RUNS [3].

BUILD=${1:-build}
case $BUILD in -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PATH=$BUILD:$PATH
N=${BENCH_PQ_N:-200000}
RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-1}
J=$ROOT/tests/js
W=$(mktemp -d "${TMPDIR:-/tmp}/twpq-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
# CPU and wall time to the microsecond (bench/rusage.c); time(1), which
# cuts CPU seconds to hundredths, when it does not build.
TIME=$W/rusage
"${CC:-cc}" -O2 -o "$TIME" "$ROOT/bench/rusage.c" 2>/dev/null || TIME=/usr/bin/time

if ! command -v pqwrite > /dev/null 2>&1; then
	echo "parquet: pqwrite is not built (make units)" >&2
	exit 1
fi
duck=1
if ! command -v node > /dev/null 2>&1 || ! node "$J/duckdb.mjs" "SELECT 1" > /dev/null 2>&1; then
	duck=0
fi

# best CMD...: runs CMD RUNS times; prints the best "cpu wall" seconds.
best() {
	b=
	for i in $(seq "$RUNS"); do
		"$TIME" -f '%U %S %e' -o "$W/t" "$@" > /dev/null 2>> "$W/err" || return 1
		r=$(awk '{ printf "%.3f %.3f", $1 + $2, $3 }' "$W/t")
		if [ -z "$b" ] || [ "$(echo "$r $b" | awk '{ print ($1 < $3) }')" = 1 ]; then b=$r; fi
	done
	echo "$b"
}

# row SHAPE WRITER CODEC "CPU WALL" SIZE: one line of the table.
row() {
	echo "$1 $2 $3 $4 $5 $BYTES $GZ" | awk '{
		cpu = $4 > 0 ? $7 / $4 / 1e6 : 0; wall = $5 > 0 ? $7 / $5 / 1e6 : 0
		printf "%-5s %-16s %-7s %9.0f %9.0f %12d %8.1f%%\n", $1, $2, $3, cpu, wall, $6, 100 * $6 / $8 }'
}

rows_ok() {
	[ "$duck" = 1 ] || return 0
	n=$(node "$J/duckdb.mjs" "SELECT count(*) FROM read_parquet('$1')")
	[ "$n" = "$N" ] || echo "  !! $1: $n rows, want $N"
}

echo "Parquet writers: $N flat tweets a shape, $(nproc) cores, best of $RUNS"
printf '%-5s %-16s %-7s %9s %9s %12s %9s\n' shape writer codec 'MB/s cpu' 'MB/s wall' bytes 'vs gzip'
for shape in v2 v1; do
	if [ $shape = v2 ]; then tw-gen -n "$N" --seed "$SEED" | tw-flatten -q > "$W/in.ndjson"
	else tw-gen -n "$N" --seed "$SEED" --format v1 | tw-flatten -q > "$W/in.ndjson"; fi
	BYTES=$(wc -c < "$W/in.ndjson" | tr -d ' ')
	gzip -6 -c "$W/in.ndjson" > "$W/in.ndjson.gz"
	GZ=$(wc -c < "$W/in.ndjson.gz" | tr -d ' ')
	row $shape gzip-6 - "$(best sh -c "gzip -6 -c '$W/in.ndjson' > '$W/x.gz'")" "$GZ"
	for c in snappy zstd gzip none; do
		t=$(best pqwrite -c $c -o "$W/p.$c.parquet" "$W/in.ndjson")
		row $shape pqwrite $c "$t" "$(wc -c < "$W/p.$c.parquet")"
		rows_ok "$W/p.$c.parquet"
	done
	if [ "$duck" = 0 ]; then
		echo "$shape duckdb: skipped: node or @duckdb/node-api not installed (make deps)"
		continue
	fi
	for th in 1 2; do
		base=$(TW_DUCKDB_THREADS=$th best node "$J/duckdb.mjs" "SELECT 1")
		for c in snappy zstd; do
			t=$(TW_DUCKDB_THREADS=$th best node "$J/duckdb.mjs" \
			    "COPY (SELECT * FROM read_json_auto('$W/in.ndjson')) TO '$W/d.$c.parquet' (FORMAT PARQUET, COMPRESSION $c)")
			t=$(echo "$t $base" | awk '{ printf "%.3f %.3f", $1 - $3, $2 - $4 }')
			row $shape "duckdb/${th}thread$([ $th = 1 ] || echo s)" $c "$t" "$(wc -c < "$W/d.$c.parquet")"
			rows_ok "$W/d.$c.parquet"
		done
	done
done
[ -s "$W/err" ] && { echo "stderr of the runs:"; sort -u "$W/err" | head -5; }
exit 0
