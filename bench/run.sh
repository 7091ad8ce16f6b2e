#!/bin/sh
# run.sh: twpipe's benchmarks (`make bench` runs `sh bench/run.sh build`).
#
# usage: sh bench/run.sh [BUILD]
#
#   1. the flatten job: tw-flatten against jq, gojq, Python and Miller on
#      one tw-gen data set, with an agreement check, a cat/wc baseline,
#      the full-record run, tw-gen's speed and tw-flatten's peak memory
#      on N and 4N lines;
#   2. the JSON parser comparison (bench/parsers.c);
#   3. the tw-agg job against Miller, jq, gojq, Python and pandas
#      (bench/agg.sh, which appends its tables to results.txt);
#   4. tw-perf's meter against cat (bench/perf.sh);
#   5. tw-load into SQLite, MariaDB and PostgreSQL against Python
#      loaders, and tw-load's own speed (bench/load.sh);
#   6. the Parquet writer (pqwrite) against DuckDB writing Parquet, speed
#      and size against gzip -6 (bench/parquet.sh).
#   7. gzip and zstd: zlib, ISA-L, libdeflate and zstd side by side,
#      the command-line tools, lib/tw_zout, and tw-flatten on compressed
#      input (bench/codec.sh).
#   8. tw-load's partition writer: gzip, zstd and Parquet parts against
#      gzip -1 and -6, the landing pipeline on two cores, DuckDB over the
#      Parquet and the gzip NDJSON lakes (bench/landing.sh);
#      Parquet's size against the gzip parts on every shape, and the
#      floor each set's own fields give (bench/pqbound.sh).
#
# Environment (defaults in brackets):
#   BENCH_N       lines in the data set [200000]
#   BENCH_PEER_N  lines given to the peers [200000]; fewer keeps jq and
#                 Miller short, and their figures are then per input byte
#   BENCH_SEED    tw-gen seed [7]
#   BENCH_RUNS    timed runs of tw-flatten, tw-gen and the baselines, best kept [5]
#   BENCH_REPS    passes per parser in parsers.c, best kept [3]
#   BENCH_DATA    use this file instead of generating one (for testing)
#   BENCH_KEEP    1 keeps the flattened outputs in bench/out/
#   BENCH_AGG     0 skips the tw-agg benchmark (bench/agg.sh) [1]
#   BENCH_PERF    0 skips the meter benchmark (bench/perf.sh) [1]
#   BENCH_SHAPES_RUN 0 skips the shapes benchmark (bench/shapes.sh) [1]
#   BENCH_LOAD    0 skips the tw-load benchmark (bench/load.sh) [1]
#   BENCH_PARQUET 0 skips the Parquet benchmark (bench/parquet.sh) [1]
#   BENCH_CODEC   0 skips the codec benchmark (bench/codec.sh) [1]
#   BENCH_LANDING 0 skips the partition writer benchmark (bench/landing.sh) [1]
#   BENCH_PQBOUND 0 skips the Parquet size floor (bench/pqbound.sh) [1]
#
# Prints tables to stdout and writes the same to bench/out/results.txt.
# Exits 0 whatever is missing: a tool that is not there is reported as
# "skipped: NAME not installed". Exits 2 on a bad argument.

BUILD=${1:-build}
case $BUILD in -h|--help) sed -n '2,44p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$ROOT" || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

N=${BENCH_N:-200000}
PEER_N=${BENCH_PEER_N:-200000}
SEED=${BENCH_SEED:-7}
RUNS=${BENCH_RUNS:-5}
REPS=${BENCH_REPS:-3}
for v in "$N" "$PEER_N" "$SEED" "$RUNS" "$REPS"; do
	case $v in ''|*[!0-9]*) echo "run.sh: not a number: '$v'" >&2; exit 2 ;; esac
done
[ "$PEER_N" -gt "$N" ] && PEER_N=$N

OUT=$ROOT/bench/out
mkdir -p "$OUT" || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/twbench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

FIELDS=id,created_at,author_id,username,lang,text,is_retweet,retweet_count,like_count,engagement,hashtags
GEN=$BUILD/tw-gen
FLAT=$BUILD/tw-flatten
# CPU and wall time to the microsecond (bench/rusage.c); time(1), which
# cuts CPU seconds to hundredths, when it does not build.
TIME=$TMP/rusage
"${CC:-cc}" -O2 -o "$TIME" "$ROOT/bench/rusage.c" 2>/dev/null || TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

# measure, best, table, mbs_of and the small helpers (bench/lib.sh).
. "$ROOT/bench/lib.sh"

flatten_bench() {
	say "== 1. flatten: one v2 stream line -> one flat record =="
	say "fields: $FIELDS"
	say "machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(loadavg)"
	[ -n "$TIME" ] || say "skipped: peak RSS and cpu s (/usr/bin/time not installed; apt-get install time)"

	# The data set, cached in bench/out and rebuilt when tw-gen changes.
	if [ -n "$BENCH_DATA" ]; then
		DATA=$BENCH_DATA
		say "data: $DATA (BENCH_DATA)"
	elif [ -x "$GEN" ]; then
		DATA=$OUT/v2-n$N-s$SEED.ndjson
		if fresh "$DATA" "$GEN"; then
			say "data: cached (rebuilt when tw-gen changes)"
		else
			say "data: $GEN -n $N --seed $SEED"
			if "$GEN" -n "$N" --seed "$SEED" > "$DATA.tmp"; then
				mv "$DATA.tmp" "$DATA"
			else
				say "tw-gen failed (status $?)"
				rm -f "$DATA.tmp"
				DATA=
			fi
		fi
	else
		DATA=
	fi
	if [ -z "$DATA" ] || [ ! -s "$DATA" ]; then
		say "skipped: flatten benchmark (no data: $GEN not built or failed)"
		return 1
	fi
	DBYTES=$(bytes "$DATA")
	DLINES=$(lines "$DATA")
	say "data: $DATA: $DLINES lines, $(awk -v b="$DBYTES" -v l="$DLINES" \
	    'BEGIN { printf "%.1f MB, %.0f bytes a line", b / 1e6, b / l }')"

	# The slow peers read the first PEER_N lines.
	if [ "$PEER_N" -lt "$DLINES" ]; then
		PDATA=$OUT/$(basename "$DATA" .ndjson).head$PEER_N.ndjson
		fresh "$PDATA" "$DATA" || head -n "$PEER_N" "$DATA" > "$PDATA"
	else
		PDATA=$DATA
	fi
	PBYTES=$(bytes "$PDATA")
	PLINES=$(lines "$PDATA")
	cat "$DATA" "$PDATA" > /dev/null	# warm the page cache

	: > "$ROWS"
	best "cat >/dev/null" "$DLINES" "$DBYTES" /dev/null /dev/null cat "$DATA"
	best "wc -l" "$DLINES" "$DBYTES" /dev/null /dev/null wc -l "$DATA"

	REF=
	if [ -x "$FLAT" ]; then
		best "tw-flatten" "$DLINES" "$DBYTES" /dev/null "$OUT/flat.tw-flatten.jsonl" \
		    "$FLAT" -f "$FIELDS" "$DATA"
		REF=tw-flatten
		REFOUT=$OUT/flat.tw-flatten.jsonl
	else
		say "skipped: tw-flatten not built ($FLAT); peers are checked against jq"
	fi

	[ "$PLINES" -lt "$DLINES" ] &&
	    say "peers read the first $PLINES lines ($(awk -v b="$PBYTES" \
	    'BEGIN { printf "%.1f", b / 1e6 }') MB); their MB/s and ratios are per input byte, \"full s\" is scaled to the whole file"
	if have jq; then
		measure "jq $(jq --version | sed 's/^jq-//')" "$PLINES" "$PBYTES" /dev/null \
		    "$OUT/flat.jq.jsonl" jq -c -f bench/flatten.jq "$PDATA"
	else
		say "skipped: jq not installed"
	fi
	if have gojq; then
		measure "gojq $(gojq --version | awk '{ print $2 }')" "$PLINES" "$PBYTES" \
		    /dev/null "$OUT/flat.gojq.jsonl" gojq -c -f bench/flatten.jq "$PDATA"
	else
		say "skipped: gojq not installed"
	fi
	# The interpreter itself, not a pyenv shim in front of it.
	PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	if [ -n "$PY" ]; then
		say "python: $PY (json module)"
		measure "python $("$PY" -c 'import platform; print(platform.python_version())')" \
		    "$PLINES" "$PBYTES" "$PDATA" "$OUT/flat.python.jsonl" \
		    "$PY" bench/flatten.py
	else
		say "skipped: python3 not installed"
	fi
	if have mlr; then
		# shellcheck disable=SC2016 # $data is Miller's, not the shell's
		measure "mlr $(mlr --version | awk '{ print $2 }')" "$PLINES" "$PBYTES" \
		    /dev/null "$OUT/flat.mlr.jsonl" \
		    mlr --ijson --ojsonl filter 'is_map($data)' 'then' \
		    put -f bench/flatten.mlr "$PDATA"
	else
		say "skipped: mlr (Miller) not installed"
	fi

	say ""
	table "$REF" "$DBYTES" < "$ROWS"
	say "(MB/s and tweets/s: input bytes and lines over wall time; cpu s: user+sys, above wall means more than one core;"
	say " RSS MB: peak resident set; x: tw-flatten's MB/s over that run's; full s: wall scaled to the whole data set)"

	# Agreement, against tw-flatten or, without it, jq.
	say ""
	if [ -z "$REF" ] && [ -s "$OUT/flat.jq.jsonl" ]; then
		REF=jq
		REFOUT=$OUT/flat.jq.jsonl
	fi
	if [ -n "$REF" ] && [ -n "$PY" ]; then
		say "agreement with $REF (each line parsed and compared as an object; hashtags casefolded on both sides):"
		for p in jq gojq python mlr; do
			[ "$p" = "$REF" ] && continue
			[ -f "$OUT/flat.$p.jsonl" ] || continue
			opt=
			[ "$p" = mlr ] && opt=--absent-is-null
			# shellcheck disable=SC2086 # opt is empty or one word
			"$PY" bench/compare.py $opt "$p" "$REF" "$REFOUT" "$OUT/flat.$p.jsonl" "$PLINES"
		done
	else
		say "skipped: agreement check (needs python3 and tw-flatten or jq)"
	fi

	# The targets from the issue.
	if [ "$REF" = tw-flatten ]; then
		tmbs=$(mbs_of '^tw-flatten$')
		jmbs=$(mbs_of '^jq ')
		# MB per CPU second: less disturbed by other work on a shared machine
		tcpu=$(awk -F '|' '$1 == "tw-flatten" && $5 > 0 { printf "%.0f", $3 / 1e6 / $5 }' "$ROWS")
		say ""
		say "targets:"
		awk -v m="$tmbs" -v c="${tcpu:-?}" 'BEGIN { v = "NOT met"; if (m >= 500) v = "met"
		    printf "  tw-flatten >= 500 MB/s on one core: %s (%.0f MB/s; %s MB per CPU second)\n", v, m, c }'
		[ -n "$jmbs" ] && awk -v m="$tmbs" -v j="$jmbs" 'BEGIN { v = "NOT met"
		    if (m / j >= 30) v = "met"
		    printf "  tw-flatten >= 30x jq: %s (%.1fx)\n", v, m / j }'
	fi

	# More tw-flatten and tw-gen figures.
	: > "$ROWS"
	if [ -x "$FLAT" ]; then
		best "tw-flatten -f (above)" "$DLINES" "$DBYTES" /dev/null /dev/null \
		    "$FLAT" -f "$FIELDS" "$DATA"
		best "tw-flatten all fields" "$DLINES" "$DBYTES" /dev/null /dev/null \
		    "$FLAT" "$DATA"
	fi
	if [ -x "$GEN" ]; then
		# The rate is the generator's output: the data set's bytes.
		best "tw-gen -n $N" "$N" "$DBYTES" /dev/null /dev/null \
		    "$GEN" -n "$N" --seed "$SEED"
	else
		say "skipped: tw-gen not built ($GEN)"
	fi
	if [ -s "$ROWS" ]; then
		say ""
		say "tw-flatten to /dev/null, and tw-gen (MB/s = MB of output generated a second):"
		table "" 0 < "$ROWS"
		# tw-gen must never limit a benchmark: at least twice as fast as
		# tw-flatten, on the same lines (its default record and -f).
		gm=$(mbs_of '^tw-gen ')
		fa=$(mbs_of '^tw-flatten all fields')
		ff=$(mbs_of '^tw-flatten -f')
		[ -n "$gm" ] && [ -n "$fa" ] && awk -v g="$gm" -v a="$fa" -v f="$ff" 'BEGIN {
		    printf "  target: tw-gen >= 2x tw-flatten: %s (%.2fx the default record, %.2fx the -f job)\n",
		        g / a >= 2 && g / f >= 2 ? "met" : (g / a >= 2 ? "met for the default record, NOT for -f" : "NOT met"), g / a, g / f }' | while IFS= read -r l; do say "$l"; done
	fi

	# Memory flat in input size: N lines, then the same file four times.
	if [ -x "$FLAT" ] && [ -n "$TIME" ]; then
		D4=$OUT/$(basename "$DATA" .ndjson).x4.ndjson
		cat "$DATA" "$DATA" "$DATA" "$DATA" > "$D4"
		cat "$D4" > /dev/null
		: > "$ROWS"
		measure "tw-flatten N" "$DLINES" "$DBYTES" /dev/null /dev/null \
		    "$FLAT" -f "$FIELDS" "$DATA"
		measure "tw-flatten 4N" $((DLINES * 4)) $((DBYTES * 4)) /dev/null \
		    /dev/null "$FLAT" -f "$FIELDS" "$D4"
		measure "tw-flatten 4N stdin" $((DLINES * 4)) $((DBYTES * 4)) "$D4" \
		    /dev/null "$FLAT" -f "$FIELDS"
		say ""
		say "memory against input size (4N: the data set four times over):"
		table "" 0 < "$ROWS"
		awk -F '|' 'NR == 1 { a = $6 } NR == 2 { b = $6 } END {
		    if (a > 0) printf "peak RSS: N %.1f MB, 4N %.1f MB (4N/N = %.2f)\n", a / 1024, b / 1024, b / a }' "$ROWS"
		rm -f "$D4"	# four times the data set: cheap to rebuild
	fi
	[ "$BENCH_KEEP" = 1 ] || rm -f "$OUT"/flat.*.jsonl
	return 0
}

parsers_bench() {
	say ""
	say "== 2. JSON parsers on the core of the flatten job =="
	say "(parse each line; data.id, author_id, text, lang, public_metrics.like_count; username from includes.users)"
	if [ -z "$DATA" ] || [ ! -s "$DATA" ]; then
		say "skipped: parser comparison (no data set)"
		return
	fi
	CC=${CC:-cc}
	if ! have "$CC"; then
		say "skipped: parser comparison ($CC not installed)"
		return
	fi
	defs='' libs='' inc=''
	# shellcheck disable=SC2086 # $3 and $4 are lists of flags
	# probe NAME HEADER LIBS: can a program include HEADER and link LIBS?
	probe() {
		printf '#include <%s>\nint main(void) { return 0; }\n' "$2" > "$TMP/probe.c"
		if "$CC" $3 -o "$TMP/probe" "$TMP/probe.c" $4 2>/dev/null; then
			return 0
		fi
		say "skipped: $1 not installed (no $2; Debian: $5)"
		return 1
	}
	pc() { pkg-config --cflags --libs "$1" 2>/dev/null || echo "$2"; }
	if [ -f "$BUILD/libtw.a" ] && [ -f lib/tw_json.h ]; then
		defs="$defs -DHAVE_TW"
		inc="-Ilib"
		libs="$BUILD/libtw.a"
	else
		say "skipped: tw_json ($BUILD/libtw.a not built)"
	fi
	probe jsmn jsmn.h "" "" libjsmn-dev && defs="$defs -DHAVE_JSMN"
	f=$(pc yajl -lyajl)
	probe yajl yajl/yajl_tree.h "" "$f" libyajl-dev && { defs="$defs -DHAVE_YAJL"; libs="$libs $f"; }
	f=$(pc libcjson -lcjson)
	probe cJSON cjson/cJSON.h "" "$f" libcjson-dev && { defs="$defs -DHAVE_CJSON"; libs="$libs $f"; }
	f=$(pc json-c -ljson-c)
	probe json-c json-c/json.h "" "$f" libjson-c-dev && { defs="$defs -DHAVE_JSONC"; libs="$libs $f"; }
	probe "libjq (jv)" jv.h "" -ljq libjq-dev && { defs="$defs -DHAVE_JQ"; libs="$libs -ljq"; }
	# libtw.a may pull in zlib, libm and libcsv: the Makefile's LDLIBS.
	cmd="$CC -O2 -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L$defs $inc -o $OUT/parsers bench/parsers.c $libs"
	if ! $cmd -lz -lm 2> "$TMP/cc.err" && ! $cmd -lcsv -lz -lm 2>> "$TMP/cc.err"; then
		say "parsers.c did not build:"
		head -n 20 "$TMP/cc.err"
		return
	fi
	say "built: $(echo "$cmd" | tr -s ' ') -lz -lm"
	"$OUT/parsers" -r "$REPS" "$DATA" ||
	    say "warning: parsers exited with status $?"
	say "(x jq-jv: times faster than libjq's parser; every checksum must match the first row)"
}

main() {
	say "twpipe benchmarks: sh bench/run.sh $1 (BENCH_N=$N BENCH_PEER_N=$PEER_N BENCH_SEED=$SEED)"
	say ""
	flatten_bench
	parsers_bench
	say ""
	say "done: $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(loadavg) (a load near or above the core count means the figures are low)"
}

main "${1:-build}" | tee "$OUT/results.txt.tmp"
mv "$OUT/results.txt.tmp" "$OUT/results.txt"
# 1b. the flatten job on other shapes of data: its own script, appended
if [ "${BENCH_SHAPES_RUN:-1}" != 0 ]; then
	{ echo; sh "$ROOT/bench/shapes.sh" "$BUILD"; } | tee -a "$OUT/results.txt"
fi
# 3. the tw-agg job: its own script, which appends to results.txt
[ "$BENCH_AGG" = 0 ] || sh "$ROOT/bench/agg.sh" "$BUILD"
# 4. and 5.: the meter and the loads, appended too
if [ "${BENCH_PERF:-1}" != 0 ]; then
	{ echo; echo "== 4. tw-perf's meter against cat"; sh "$ROOT/bench/perf.sh" "$BUILD"; } |
	    tee -a "$OUT/results.txt"
fi
if [ "${BENCH_LOAD:-1}" != 0 ]; then
	{ echo; echo "== 5. tw-load into the databases"; sh "$ROOT/bench/load.sh" "$BUILD"; } |
	    tee -a "$OUT/results.txt"
fi
if [ "${BENCH_PARQUET:-1}" != 0 ]; then
	{ echo; echo "== 6. the Parquet writer against DuckDB"; sh "$ROOT/bench/parquet.sh" "$BUILD"; } |
	    tee -a "$OUT/results.txt"
fi
if [ "${BENCH_CODEC:-1}" != 0 ]; then
	{ echo; echo "== 7. gzip and zstd"; sh "$ROOT/bench/codec.sh" "$BUILD"; } |
	    tee -a "$OUT/results.txt"
fi
if [ "${BENCH_LANDING:-1}" != 0 ]; then
	{ echo; echo "== 8. the partition writer and the landing"; sh "$ROOT/bench/landing.sh" "$BUILD"; } |
	    tee -a "$OUT/results.txt"
fi
if [ "${BENCH_PQBOUND:-1}" != 0 ]; then
	{ echo; echo "== 8b. Parquet's size and the data's floor"; sh "$ROOT/bench/pqbound.sh" "$BUILD"; } |
	    tee -a "$OUT/results.txt"
fi
exit 0
