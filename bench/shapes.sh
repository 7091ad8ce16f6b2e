#!/bin/sh
# shapes.sh: the flatten benchmark on several shapes of data (bench/README.md,
# section 1), run by run.sh and alone:
#
#   sh bench/shapes.sh [BUILD]
#
# For each shape, in one run: the memchr floor (bench/floor.c), tw-flatten's
# default record, the -f job of section 1, --csv and --kafka-key id (best
# of BENCH_RUNS each), the same four with the build in BENCH_BEFORE when it
# is set (before and after side by side, interleaved), then jq, gojq,
# Python and DuckDB (two threads) on the -f job over a prefix of the file,
# once each. Every peer's records
# are checked against tw-flatten's (bench/compare.py).
#
# Shapes (bench/out/shape-NAME.ndjson, made once and kept):
#   v2         tw-gen: v2 filtered-stream lines (the data of section 1)
#   v2-page    tw-gen --format v2-page: search pages of 200 tweets
#   v1         tw-gen --format v1: v1.1 statuses (non-ASCII as \u escapes)
#   small-inc  bench/shapes.py: only the author in includes
#   large-inc  bench/shapes.py: every expansion, ten to twenty users
#   ascii      bench/shapes.py: English text and names
#   cjk        bench/shapes.py: Chinese, Japanese, Korean and emoji
#   escaped    bench/shapes.py: \u escapes, \/, quotes and newlines in text
#   corpus     ../shared/corpus: every JSON document, one a line, copied
#              over until the size is reached
#
# Environment (defaults in brackets):
#   BENCH_SHAPES        the shapes to run [all of the above]
#   BENCH_SHAPE_MB      MB of data a shape [100]
#   BENCH_SHAPE_PEER_MB MB the peers read (a prefix) [20]
#   BENCH_RUNS          timed runs of tw-flatten and the floor [5]
#   BENCH_BEFORE        another tw-flatten to run side by side (a path)
#   BENCH_PEERS         the peers to run [jq gojq python duckdb]
#   BENCH_KEEP          1 keeps the outputs in bench/out/shape.*.jsonl
#
# Prints tables to stdout and appends them to bench/out/shapes.txt. Exits 0
# whatever is missing ("skipped: NAME ..."); 2 on a bad argument.

BUILD=${1:-build}
case $BUILD in -h|--help) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$ROOT" || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

SHAPES=${BENCH_SHAPES:-v2 v2-page v1 small-inc large-inc ascii cjk escaped corpus}
MB=${BENCH_SHAPE_MB:-100}
PEER_MB=${BENCH_SHAPE_PEER_MB:-20}
RUNS=${BENCH_RUNS:-5}
PEERS=${BENCH_PEERS:-jq gojq python duckdb}
for v in "$MB" "$PEER_MB" "$RUNS"; do
	case $v in ''|*[!0-9]*) echo "shapes.sh: not a number: '$v'" >&2; exit 2 ;; esac
done
[ "$RUNS" -ge 1 ] || RUNS=1
BEFORE=${BENCH_BEFORE:-}
if [ -n "$BEFORE" ] && [ ! -x "$BEFORE" ]; then
	echo "shapes.sh: BENCH_BEFORE: not an executable: $BEFORE" >&2
	exit 2
fi

FIELDS=id,created_at,author_id,username,lang,text,is_retweet,retweet_count,like_count,engagement,hashtags
GEN=$BUILD/tw-gen
FLAT=$BUILD/tw-flatten
OUT=$ROOT/bench/out
CORPUS=$ROOT/../shared/corpus
mkdir -p "$OUT" || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/twshapes.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP
# CPU and wall time to the microsecond (bench/rusage.c); time(1), which
# cuts CPU seconds to hundredths, when it does not build.
TIME=$TMP/rusage
"${CC:-cc}" -O2 -o "$TIME" "$ROOT/bench/rusage.c" 2>/dev/null || TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

have() { command -v "$1" >/dev/null 2>&1; }
say() { printf '%s\n' "$*" | tee -a "$OUT/shapes.txt.tmp"; }
bytes() { wc -c < "$1" | tr -d ' '; }
lines() { wc -l < "$1" | tr -d ' '; }
nsec() { date +%s%N; }
loadavg() { cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo '?'; }

# measure NAME TWEETS BYTES STDOUT CMD...: runs CMD once with stdin from
# /dev/null; appends "NAME|TWEETS|BYTES|WALL|CPU|STATUS" to $ROWS (wall
# from date(1), user+sys from $TIME, "-" without it).
ROWS=$TMP/rows
measure() {
	_name=$1 _tw=$2 _bytes=$3 _out=$4
	shift 4
	rm -f "$TMP/time"
	_t0=$(nsec)
	if [ -n "$TIME" ]; then
		"$TIME" -f '%U %S' -o "$TMP/time" "$@" < /dev/null > "$_out" 2> "$TMP/err"
	else
		"$@" < /dev/null > "$_out" 2> "$TMP/err"
	fi
	_rc=$?
	_t1=$(nsec)
	_cpu=-
	[ -s "$TMP/time" ] && _cpu=$(awk 'END { printf "%.4f", $1 + $2 }' "$TMP/time")
	[ "$_rc" -ne 0 ] && { say "warning: $_name exited with status $_rc:"; head -n 3 "$TMP/err"; }
	echo "$_name|$_tw|$_bytes|$(awk -v a="$_t0" -v b="$_t1" \
	    'BEGIN { printf "%.4f", (b - a) / 1e9 }')|$_cpu|$_rc" >> "$ROWS"
}

# best F...: runs the functions F (each one measure) RUNS times in turn and
# keeps each one's fastest row.
best() {
	_rows=$ROWS
	ROWS=$TMP/b.all
	: > "$ROWS"
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		for _f; do
			"$_f"
		done
		_i=$((_i + 1))
	done
	ROWS=$_rows
	awk -F '|' '!($1 in seen) { seen[$1] = 1; order[++n] = $1 } END {
	    for (i = 1; i <= n; i++) print order[i] }' "$TMP/b.all" | while IFS= read -r _n; do
		awk -F '|' -v n="$_n" '$1 == n' "$TMP/b.all" | sort -t '|' -k4,4g | head -n 1
	done >> "$ROWS"
}

# The MB/s of the row named NAME.
mbs_of() { awk -F '|' -v n="$1" '$1 == n && $4 > 0 { printf "%.3f", $3 / 1e6 / $4; exit }' "$ROWS"; }

# table: the rows of $ROWS. x: for the floor, tw-flatten's default record
# over it (below 1: how close); for --csv and --kafka-key, the default
# record (NDJSON) over it (1: as fast); for a before row, this build over
# it (the same job); for a peer, tw-flatten -f over it (the same job).
table() {
	awk -F '|' '
	{ name[NR] = $1; tw[NR] = $2; by[NR] = $3; wall[NR] = $4; cpu[NR] = $5; rc[NR] = $6
	  m[NR] = $4 > 0 ? $3 / 1e6 / $4 : 0; mb[$1] = m[NR] }
	END {
		printf "  %-26s %8s %7s %7s %9s %9s %10s %8s\n", "run", "in MB", "wall s",
		    "cpu s", "MB/s", "MB/cpu-s", "tweets/s", "x"
		for (i = 1; i <= NR; i++) {
			ref = ""
			if (name[i] == "memchr floor") ref = "tw-flatten (default)"
			else if (name[i] ~ /^tw-flatten --/) ref = "tw-flatten (default)"
			else if (name[i] ~ /^before /) ref = "tw-flatten " substr(name[i], 8)
			else if (name[i] !~ /^tw-flatten/) ref = "tw-flatten -f job"
			x = "-"
			if (ref != "" && m[i] > 0 && mb[ref] > 0)
				x = sprintf(mb[ref] / m[i] < 10 ? "%.2f" : "%.1f", mb[ref] / m[i])
			tps = wall[i] > 0 && tw[i] > 0 ? sprintf("%.0f", tw[i] / wall[i]) : "-"
			mc = cpu[i] > 0 ? sprintf("%.0f", by[i] / 1e6 / cpu[i]) : "-"
			printf "  %-26s %8.1f %7.3f %7s %9.0f %9s %10s %8s%s\n", name[i],
			    by[i] / 1e6, wall[i], cpu[i], m[i], mc, tps, x,
			    rc[i] != 0 ? "  (exit " rc[i] ")" : ""
		}
	}' "$ROWS" | while IFS= read -r l; do say "$l"; done
}

# make_shape NAME FILE: the data, about MB megabytes, kept in bench/out.
make_shape() {
	_f=$2
	[ -s "$_f" ] && return 0
	_want=$((MB * 1000000))
	case $1 in
	v2|v2-page|v1)
		[ -x "$GEN" ] || { say "skipped: $1 ($GEN not built)"; return 1; }
		_fmt=v2
		[ "$1" = v2 ] || _fmt=$1
		_per=$("$GEN" -n 2000 --seed 7 --format "$_fmt" | wc -c)
		_n=$((_want / (_per / 2000) + 1))
		"$GEN" -n "$_n" --seed 7 --format "$_fmt" > "$_f.tmp" ;;
	corpus)
		[ -d "$CORPUS" ] || { say "skipped: corpus ($CORPUS not found)"; return 1; }
		"$PY" bench/shapes.py corpus "$CORPUS" 1 > "$TMP/one" || return 1
		_n=$((_want / $(bytes "$TMP/one") + 1))
		"$PY" bench/shapes.py corpus "$CORPUS" "$_n" > "$_f.tmp" ;;
	*)
		_per=$("$PY" bench/shapes.py "$1" 500 | wc -c)
		_n=$((_want / (_per / 500) + 1))
		"$PY" bench/shapes.py "$1" "$_n" > "$_f.tmp" ;;
	esac || { say "skipped: $1 (could not make the data)"; rm -f "$_f.tmp"; return 1; }
	mv "$_f.tmp" "$_f"
}

# The DuckDB job for a shape (bench/sql), or nothing.
duck_sql() {
	case $1 in
	v2-page) echo bench/sql/flatten_page.sql ;;
	v1) echo bench/sql/flatten_v1.sql ;;
	corpus) ;;
	*) echo bench/sql/flatten_v2.sql ;;
	esac
}

# The timed runs of a shape (data $DATA, $DB bytes, $TW tweets).
m_floor() { measure "memchr floor" "$TW" "$DB" /dev/null "$OUT/floor" "$DATA"; }
m_default() { measure "tw-flatten (default)" "$TW" "$DB" /dev/null "$FLAT" -q "$DATA"; }
m_job() { measure "tw-flatten -f job" "$TW" "$DB" /dev/null "$FLAT" -q -f "$FIELDS" "$DATA"; }
m_csv() { measure "tw-flatten --csv" "$TW" "$DB" /dev/null "$FLAT" -q --csv "$DATA"; }
m_key() { measure "tw-flatten --kafka-key id" "$TW" "$DB" /dev/null "$FLAT" -q --kafka-key id "$DATA"; }
m_bdefault() { measure "before (default)" "$TW" "$DB" /dev/null "$BEFORE" -q "$DATA"; }
m_bjob() { measure "before -f job" "$TW" "$DB" /dev/null "$BEFORE" -q -f "$FIELDS" "$DATA"; }
m_bcsv() { measure "before --csv" "$TW" "$DB" /dev/null "$BEFORE" -q --csv "$DATA"; }
m_bkey() { measure "before --kafka-key id" "$TW" "$DB" /dev/null "$BEFORE" -q --kafka-key id "$DATA"; }

run_shape() {
	S=$1
	DATA=$OUT/shape-$S.ndjson
	make_shape "$S" "$DATA" || return
	DB=$(bytes "$DATA")
	DL=$(lines "$DATA")
	# the peers read a prefix of whole lines
	PDATA=$OUT/shape-$S.head.ndjson
	if [ ! -s "$PDATA" ] || [ "$PDATA" -ot "$DATA" ]; then
		head -c $((PEER_MB * 1000000)) "$DATA" | sed '$d' > "$PDATA"
	fi
	PB=$(bytes "$PDATA")
	cat "$DATA" "$PDATA" > /dev/null
	: > "$ROWS"
	# tweets: the records of the -f job
	"$FLAT" -q -f "$FIELDS" "$DATA" > "$OUT/shape.tw-flatten.jsonl"
	TW=$(lines "$OUT/shape.tw-flatten.jsonl")
	"$FLAT" -q -f "$FIELDS" "$PDATA" > "$OUT/shape.ref.jsonl"
	PT=$(lines "$OUT/shape.ref.jsonl")
	say ""
	say "== $S: $(awk -v b="$DB" -v l="$DL" -v t="$TW" 'BEGIN {
	    printf "%.1f MB, %d lines (%.0f bytes a line), %d tweets", b / 1e6, l, b / l, t }')"
	if [ -n "$BEFORE" ]; then
		best m_floor m_default m_job m_csv m_key m_bdefault m_bjob m_bcsv m_bkey
	else
		best m_floor m_default m_job m_csv m_key
	fi
	for p in $PEERS; do
		case $p in
		jq|gojq)
			have "$p" || { say "  skipped: $p not installed"; continue; }
			measure "$p $("$p" --version 2>&1 | sed 's/^jq-//; s/^gojq //; s/ .*//')" \
			    "$PT" "$PB" "$OUT/shape.$p.jsonl" "$p" -c -f bench/flatten.jq "$PDATA" ;;
		python)
			measure "python $("$PY" -c 'import platform; print(platform.python_version())')" \
			    "$PT" "$PB" "$OUT/shape.python.jsonl" sh -c '"$1" bench/flatten.py < "$2"' sh "$PY" "$PDATA" ;;
		duckdb)
			_sql=$(duck_sql "$S")
			if [ -z "$_sql" ]; then
				say "  skipped: duckdb (mixed shapes: its reader wants one schema a file)"
				continue
			fi
			[ -n "$DUCK" ] || continue
			sed "s|@INPUT@|$PDATA|; s|@OUTPUT@|$OUT/shape.duckdb.jsonl|" "$_sql" > "$TMP/job.sql"
			# the job's own time, measured in the process (node and
			# DuckDB starting are not part of it)
			if node bench/duckdb_job.mjs "$TMP/job.sql" > "$TMP/duck" 2> "$TMP/err"; then
				echo "duckdb $DUCK (2 threads)|$PT|$PB|$(awk '{ print $1 "|" $2 }' "$TMP/duck")|0" >> "$ROWS"
			else
				say "  warning: duckdb failed: $(head -n 1 "$TMP/err")"
			fi ;;
		esac
	done
	table
	# the targets
	awk -F '|' -v s="$S" '
	{ m[$1] = $4 > 0 ? $3 / 1e6 / $4 : 0; c[$1] = $5 > 0 ? $3 / 1e6 / $5 : 0 }
	$1 ~ /^jq / { jq = m[$1] }
	END {
		d = m["tw-flatten (default)"]
		# the speed of one core: MB per CPU second (user + system),
		# wall time only when there is no CPU time
		dc = c["tw-flatten (default)"] > 0 ? c["tw-flatten (default)"] : d
		printf "  target: default record >= 1000 MB per CPU second: %s (%.0f MB per CPU second; %.0f MB/s wall)\n",
		    dc >= 1000 ? "met" : "NOT met", dc, d
		b = "-"
		if (m["before --csv"] > 0)
			b = sprintf("%.2fx", m["before (default)"] / m["before --csv"])
		if (m["tw-flatten --csv"] > 0)
			printf "  --csv: %.2fx the time of NDJSON (before: %s)\n", d / m["tw-flatten --csv"], b
		if (jq > 0)
			printf "  target: >= 30x jq: %s (-f job %.1fx, default record %.1fx)\n",
			    m["tw-flatten -f job"] / jq >= 30 ? "met" : "NOT met",
			    m["tw-flatten -f job"] / jq, d / jq
	}' "$ROWS" | while IFS= read -r l; do say "$l"; done
	if [ "$S" = corpus ]; then
		say "  agreement: not checked (the peers read the v2 lines, pages and v1.1 statuses; tw-flatten every shape)"
	else
		for p in jq gojq python duckdb; do
			[ -s "$OUT/shape.$p.jsonl" ] || continue
			"$PY" bench/compare.py "$p" tw-flatten "$OUT/shape.ref.jsonl" \
			    "$OUT/shape.$p.jsonl" "$PT" | sed 's/^/  /' | while IFS= read -r l; do say "$l"; done
		done
	fi
	[ "$BENCH_KEEP" = 1 ] || rm -f "$OUT"/shape.*.jsonl
}

: > "$OUT/shapes.txt.tmp"
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -n "$PY" ] || { say "skipped: shapes benchmark (python3 not installed)"; exit 0; }
[ -x "$FLAT" ] || { say "skipped: shapes benchmark ($FLAT not built)"; exit 0; }
CC=${CC:-cc}
"$CC" -O2 -o "$OUT/floor" bench/floor.c || { say "skipped: shapes benchmark (bench/floor.c did not build)"; exit 0; }
DUCK=
if echo " $PEERS " | grep -q ' duckdb ' && have node; then
	DUCK=$(node tests/js/duckdb.mjs "select version()" 2>/dev/null)
	if [ -z "$DUCK" ]; then
		say "skipped: duckdb (@duckdb/node-api not installed: make deps)"
	fi
fi
say "== 1b. flatten on several shapes of data (sh bench/shapes.sh)"
say "machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(loadavg)"
say "build: $FLAT${BEFORE:+; before: $BEFORE}; best of $RUNS runs, interleaved; peers once on the first $PEER_MB MB"
say "-f job: -f $FIELDS (the peers' job); default record: all fields"
[ -n "$DUCK" ] && say "duckdb: $DUCK, 2 threads, the job's time measured in the process (bench/duckdb_job.mjs)"
for s in $SHAPES; do
	run_shape "$s"
done
say ""
say "done: $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(loadavg) (a load near or above the core count means the figures are low)"
cat "$OUT/shapes.txt.tmp" >> "$OUT/shapes.txt"
rm -f "$OUT/shapes.txt.tmp"
exit 0
