#!/bin/sh
# pqbound.sh: issue 14's size target (Parquet parts at most 40% of the
# bytes of the gzip NDJSON parts of the same records) on several sets of
# data, against a floor the data itself sets.
#
# usage: sh bench/pqbound.sh [BUILD]
#
# Sets: tw-gen's v2 and v1.1 (PQB_N tweets, --seed 1), bench/shapes.py's
# shapes (bench/out/shape-NAME.ndjson, made by bench/shapes.sh: skipped
# when missing) and the real corpus (../shared/corpus, TW_CORPUS). Each
# through tw-flatten; records whose ids do not fit a signed 64-bit
# integer (shapes.py draws some user ids up to 10^19) are rejected by the
# typed Parquet writer and left out of every file, so that both sides
# hold the same records. Generated sets are partitioned by hour
# ('year=%Y/month=%m/day=%d/hour=%H'), the corpus, scattered over years,
# is one partition.
#
# Per set: the gzip NDJSON parts' bytes (tw-load's default), the Parquet
# parts' bytes with zstd at the default level and at level 19, the speed
# of the Parquet writer (MB of flat NDJSON per CPU second, user + sys:
# snappy and zstd at the default level best of PQB_RUNS, level 19 once),
# and floors from bench/pqbound.py: every
# field's values compressed alone by xz -9e, and by brotli -q 11 (the
# brotli command, Debian package brotli: "-" without it), and per field
# the smallest of those and its Parquet level-19 column chunks ("best":
# no footers, headers or levels counted). Percentages are of the gzip
# parts.
#
# Environment: PQB_N [200000], PQB_SETS [v2 v1 small-inc large-inc ascii
# cjk escaped v2-page corpus], PQB_RUNS [3], PQB_FLOOR [1]: 0 leaves the
# floors out (minutes instead of half an hour). Prints a table and
# appends it to bench/out/pqbound.txt. Exit 0 whatever is missing (named).

BUILD=${1:-build}
case $BUILD in -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PATH=$BUILD:$PATH
N=${PQB_N:-200000}
RUNS=${PQB_RUNS:-3}
FLOOR=${PQB_FLOOR:-1}
SETS=${PQB_SETS:-v2 v1 small-inc large-inc ascii cjk escaped v2-page corpus}
CORPUS=${TW_CORPUS:-$ROOT/../shared/corpus}
J=$ROOT/tests/js
W=$(mktemp -d "${TMPDIR:-/tmp}/twpqb.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$ROOT/bench/out"
OUTF=$ROOT/bench/out/pqbound.txt
HOUR='year=%Y/month=%m/day=%d/hour=%H'

if ! command -v node > /dev/null 2>&1 || ! node "$J/duckdb.mjs" "SELECT 1" > /dev/null 2>&1; then
	echo "skipped: node or @duckdb/node-api not installed (make deps)"
	exit 0
fi
size() { find "$1" -type f -name 'part-*' -exec cat {} + | wc -c | tr -d ' '; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", (b > 0 ? 100 * a / b : 0) }'; }
# cpu CMD...: runs CMD, prints its CPU seconds (user + sys) to the
# microsecond, from wait4 (bench/rusage.c; time(1) prints hundredths and
# truncates each: too coarse for the small sets, 50-100 ms a run).
RUSAGE=$W/rusage
"${CC:-cc}" -O2 -o "$RUSAGE" "$ROOT/bench/rusage.c" || exit 1
cpu() {
	"$RUSAGE" -f '%U %S' -o "$W/cpu" "$@"
	_rc=$?
	awk '{ printf "%.6f\n", $1 + $2 }' "$W/cpu"
	return $_rc
}
# mbs OUT RUNS ARGS...: tw-load -q -p $PAT -o $W/OUT ARGS $W/f, RUNS
# times; prints MB of $W/f per CPU second (user + sys) of the best run.
mbs() {
	_o=$1 _n=$2 _b=
	shift 2
	while [ "$_n" -gt 0 ]; do
		rm -rf "$W/$_o"
		_c=$(cpu tw-load -q -p "$PAT" -o "$W/$_o" "$@" "$W/f")
		if [ -z "$_b" ] || awk -v a="$_c" -v b="$_b" 'BEGIN { exit !(a < b) }'; then _b=$_c; fi
		_n=$((_n - 1))
	done
	awk -v b="$(wc -c < "$W/f")" -v c="$_b" 'BEGIN { printf "%.0f", (c > 0 ? b / c / 1e6 : 0) }'
}

main() {
echo "Parquet parts against the gzip NDJSON parts, and the floor the data sets: $(nproc) cores, load $(cut -d ' ' -f 1 /proc/loadavg) at the start"
echo
printf '%-10s %7s %11s %17s %17s %6s %6s %6s %17s %17s %17s\n' set records 'gzip parts' 'parquet zstd' 'zstd 19' snappy zstd z19 'xz -9e fields' 'brotli 11 fields' 'best of all'
printf '%-10s %7s %11s %17s %17s %20s\n' '' '' '' '' '' '(MB/s per CPU s)'
for set in $SETS; do
	PAT=$HOUR
	case $set in
	v2) tw-gen -n "$N" --seed 1 | tw-flatten -q > "$W/f0" ;;
	v1) tw-gen -n "$N" --seed 1 --format v1 | tw-flatten -q > "$W/f0" ;;
	corpus)
		if [ ! -d "$CORPUS" ]; then echo "$set: skipped: $CORPUS not found"; continue; fi
		find "$CORPUS" -type f -name '*.json*' | sort | xargs tw-flatten -q > "$W/f0" 2> /dev/null
		PAT='set=corpus' ;;
	*)
		if [ ! -s "$ROOT/bench/out/shape-$set.ndjson" ]; then
			echo "$set: skipped: bench/out/shape-$set.ndjson missing (sh bench/shapes.sh makes it)"
			continue
		fi
		tw-flatten -q "$ROOT/bench/out/shape-$set.ndjson" > "$W/f0" ;;
	esac
	rm -rf "$W/z" "$W/rej"
	tw-load -q -p "$PAT" -o "$W/z" --format parquet --codec zstd --rejects "$W/rej" "$W/f0" 2> /dev/null
	if [ -s "$W/rej" ]; then
		grep -vxF -f "$W/rej" "$W/f0" > "$W/f"
	else
		cp "$W/f0" "$W/f"
	fi
	rm -rf "$W/g"
	tw-load -q -p "$PAT" -o "$W/g" "$W/f"
	sn=$(mbs s "$RUNS" --format parquet --codec snappy)
	zs=$(mbs z "$RUNS" --format parquet --codec zstd)
	z19s=$(mbs z19 1 --format parquet --codec zstd --level 19)
	g=$(size "$W/g") z=$(size "$W/z") z19=$(size "$W/z19")
	if [ "$FLOOR" = 0 ]; then
		printf '%-10s %7d %11d %9d %7s %9d %7s %6s %6s %6s\n' "$set" "$(wc -l < "$W/f")" "$g" \
		    "$z" "$(pct "$z" "$g")" "$z19" "$(pct "$z19" "$g")" "$sn" "$zs" "$z19s"
		continue
	fi
	if ! node "$J/duckdb.mjs" "SELECT split_part(path_in_schema, ', ', 1), sum(total_compressed_size)
	    FROM parquet_metadata('$W/z19/**/*.parquet') GROUP BY 1" > "$W/cols"; then
		echo "$set: failed: DuckDB could not read the level-19 parts"
		continue
	fi
	python3 "$ROOT/bench/pqbound.py" "$W/f" "$W/cols" > "$W/b"
	xz=$(awk '$1 == "xz" { print $2 }' "$W/b") br=$(awk '$1 == "brotli" { print $2 }' "$W/b")
	best=$(awk '$1 == "best" { print $2 }' "$W/b")
	if [ "$br" -ge 0 ]; then brp=$(pct "$br" "$g"); else br=- brp=-; fi
	printf '%-10s %7d %11d %9d %7s %9d %7s %6s %6s %6s %9d %7s %9s %7s %9d %7s\n' "$set" "$(wc -l < "$W/f")" "$g" \
	    "$z" "$(pct "$z" "$g")" "$z19" "$(pct "$z19" "$g")" "$sn" "$zs" "$z19s" "$xz" "$(pct "$xz" "$g")" \
	    "$br" "$brp" "$best" "$(pct "$best" "$g")"
	sed -n '5,9p' "$W/b" | awk '{ printf "           largest fields (xz, brotli, parquet 19): %s %d %d %d\n", $1, $2, $3, $4 }'
	rej=$(wc -l < "$W/rej" 2> /dev/null | tr -d ' ')
	[ "${rej:-0}" -gt 0 ] && echo "           ($rej records left out: an id beyond signed 64 bits)"
done
}

main | tee -a "$OUTF"
