# lib.sh: the measuring harness of bench/run.sh and bench/agg.sh, sourced
# by both after they set
#   TMP    a scratch folder of their own
#   TIME   bench/rusage.c built, or /usr/bin/time, or empty
#   RUNS   how many times best runs a command
# and used as
#   measure NAME LINES BYTES STDIN STDOUT CMD...   one run, one row
#   best NAME LINES BYTES STDIN STDOUT CMD...      RUNS runs, the fastest row
#   table REF FULL_BYTES [COUNT RATE] < rows       the rows as a table
#   mbs_of REGEX                                   a row's MB/s
# A row is "NAME|LINES|BYTES|WALL|CPU|RSS_KB|STATUS" in $ROWS.

have() { command -v "$1" >/dev/null 2>&1; }
say() { printf '%s\n' "$*"; }
bytes() { wc -c < "$1" | tr -d ' '; }
lines() { wc -l < "$1" | tr -d ' '; }
nsec() { date +%s%N; }
# The 1-minute load average: above zero, other work shared the cores.
loadavg() { cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo '?'; }
# newer A B: file A was modified after file B (test -nt is not POSIX).
newer() { [ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]; }
# fresh FILE SOURCE...: FILE exists, is not empty and is not older than
# any SOURCE.
fresh() {
	_f=$1
	shift
	[ -s "$_f" ] || return 1
	for _s; do
		[ -e "$_s" ] && newer "$_s" "$_f" && return 1
	done
	return 0
}

# measure NAME LINES BYTES STDIN STDOUT CMD...
# Runs CMD once with the given stdin and stdout and appends the row
# "NAME|LINES|BYTES|WALL|CPU|RSS_KB|STATUS" to $ROWS. Wall time comes from
# date(1) in nanoseconds; CPU (user+sys) and peak RSS from /usr/bin/time
# ($TIME: bench/rusage.c, or /usr/bin/time; "-" without either).
ROWS=$TMP/rows
measure() {
	_name=$1 _lines=$2 _bytes=$3 _in=$4 _out=$5
	shift 5
	rm -f "$TMP/time"
	_t0=$(nsec)
	if [ -n "$TIME" ]; then
		"$TIME" -f '%U %S %M' -o "$TMP/time" "$@" < "$_in" > "$_out" 2> "$TMP/err"
	else
		"$@" < "$_in" > "$_out" 2> "$TMP/err"
	fi
	_rc=$?
	_t1=$(nsec)
	if [ -s "$TMP/time" ]; then
		# a failing command makes time(1) write a "Command exited" line first
		_ur=$(awk 'END { printf "%.3f|%d", $1 + $2, $3 }' "$TMP/time")
	else
		_ur="-|-"
	fi
	if [ "$_rc" -ne 0 ]; then
		say "warning: $_name exited with status $_rc:"
		head -n 3 "$TMP/err"
	fi
	echo "$_name|$_lines|$_bytes|$(awk -v a="$_t0" -v b="$_t1" \
	    'BEGIN { printf "%.3f", (b - a) / 1e9 }')|$_ur|$_rc" >> "$ROWS"
}

# best NAME LINES BYTES STDIN STDOUT CMD...: measure RUNS times and
# keep the fastest run's row.
best() {
	_rows=$ROWS
	ROWS=$TMP/best
	: > "$ROWS"
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		measure "$@"
		_i=$((_i + 1))
	done
	ROWS=$_rows
	sort -t '|' -k4,4g "$TMP/best" | head -n 1 >> "$ROWS"
}

# table REF FULL_BYTES [COUNT RATE] < rows: the rows as a table. "x" is
# how many times REF's MB/s a run's is (REF itself shows "-"); "full s"
# is the wall time scaled to FULL_BYTES of input ("-" when FULL_BYTES is
# 0). COUNT and RATE head the lines and lines-a-second columns ["lines",
# "tweets/s"].
table() {
	awk -F '|' -v ref="$1" -v full="$2" -v count="${3:-lines}" \
	    -v rate="${4:-tweets/s}" '
	{ name[NR] = $1; ln[NR] = $2; by[NR] = $3; wall[NR] = $4
	  cpu[NR] = $5; rss[NR] = $6; rc[NR] = $7
	  if ($1 == ref && $4 > 0) refmbs = $3 / 1e6 / $4 }
	END {
		printf "%-22s %8s %8s %8s %7s %8s %10s %8s %8s %7s\n", "run", count,
		    "in MB", "wall s", "cpu s", "MB/s", rate, "RSS MB",
		    "full s", "x"
		for (i = 1; i <= NR; i++) {
			mbs = 0
			if (wall[i] > 0)
				mbs = by[i] / 1e6 / wall[i]
			x = "-"
			if (refmbs > 0 && mbs > 0 && name[i] != ref)
				x = sprintf(refmbs < mbs ? "%.2f" : "%.1f", refmbs / mbs)
			r = "-"
			if (rss[i] != "-")
				r = sprintf("%.1f", rss[i] / 1024)
			fs = "-"
			if (by[i] > 0 && full > 0)
				fs = sprintf("%.2f", wall[i] * full / by[i])
			lps = 0
			if (wall[i] > 0)
				lps = ln[i] / wall[i]
			st = ""
			if (rc[i] != 0)
				st = "  (exit " rc[i] ")"
			printf "%-22s %8d %8.1f %8.3f %7s %8.0f %10.0f %8s %8s %7s%s\n",
			    name[i], ln[i], by[i] / 1e6, wall[i], cpu[i], mbs,
			    lps, r, fs, x, st
		}
	}'
}

# The MB/s of the first row whose name matches a regex.
mbs_of() { awk -F '|' -v re="$1" '$1 ~ re && $4 > 0 { printf "%.3f", $3 / 1e6 / $4; exit }' "$ROWS"; }
