#!/bin/sh
# One test for tests/run.sh, which runs several at once:
#   tests/run-one.sh "N<TAB>KIND<TAB>PATH<TAB>NAME"
# runs test number N (a line of run.sh's list; KIND unit, case,
# integration, or skip for a visible skip) in a folder of its own,
# $TW_RUNDIR/N, and writes there
#   report   the lines run.sh prints for it (nothing when it passed)
#   counts   "PASSED FAILED SKIPPED"
#   times    with TW_TIMES set: "WALL_SECONDS CPU_SECONDS"
#   done     last, when the others are complete
#   self, pid  while it runs: this script's process, and the test's
#            (timeout(1), which passes a signal on to the test's
#            processes), for run.sh to stop them
# The environment (PATH, TW_*, the sanitizers' options, VG) is run.sh's.

TAB=$(printf '\t')
n=${1%%"$TAB"*}
rest=${1#*"$TAB"}
kind=${rest%%"$TAB"*}
rest=${rest#*"$TAB"}
path=${rest%%"$TAB"*}
name=${rest#*"$TAB"}
D=$TW_RUNDIR/$n
mkdir -p "$D/work"
: > "$D/report"
echo $$ > "$D/self"
[ -n "${TW_TIMES:-}" ] && t0=$(date +%s.%N)

# Each test has its own sanitizer log folder, so a report (also from a
# tool early in a pipeline, whose status the test does not see) fails
# the test that made it and no other.
SANDIR=
if [ -n "${TW_SANITIZED:-}" ]; then
	SANDIR=$D/sanitizer
	mkdir -p "$SANDIR"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SANDIR/asan"
	UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SANDIR/ubsan"
	export ASAN_OPTIONS UBSAN_OPTIONS
fi

# san_check NAME: 1 (and the report shown) when a sanitizer wrote one.
san_check() {
	[ -n "$SANDIR" ] || return 0
	set -- "$1" $(ls "$SANDIR" 2> /dev/null)
	[ $# -gt 1 ] || return 0
	cat "$SANDIR"/* > "$D/sanitizer.txt"
	# LeakSanitizer's note on a thread that ended while it stopped them
	# all (it goes on without that thread's registers) is not a report.
	if ! grep -qv '^==[0-9]*==Unable to get registers from thread [0-9]*\.$' "$D/sanitizer.txt"; then
		rm -f "$SANDIR"/*
		return 0
	fi
	echo "  $1: sanitizer report:"
	{ grep -E 'ERROR|error|SUMMARY|#[0-3] ' "$D/sanitizer.txt" ||
	    cat "$D/sanitizer.txt"; } | head -8 | sed 's/^/    /'
	rm -f "$SANDIR"/*
	return 1
}

pass=0 fail=0 skip=0

# Counts the "ok"/"not ok"/"skip" lines of a test program's output.
tally() {
	name=$1 out=$2 rc=$3
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	s=$(grep -c '^skip ' "$out")
	grep -E '^(not ok|skip) ' "$out" | sed "s|^|  $name: |"
	# A shell error in a test script (a missing helper, a syntax error)
	# would otherwise drop its checks silently: it is a failure.
	if grep -Eq ': [0-9]+: .*(not found|Syntax error|parameter not set|Bad substitution)' "$out"; then
		grep -E ': [0-9]+: ' "$out" | head -3 | sed "s|^|  $name: shell error: |"
		f=$((f + 1))
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  $name: exited with status $rc"
		tail -5 "$out" | sed 's/^/    /'
		f=1
	fi
	pass=$p fail=$f skip=$s
}

case $kind in
unit)
	out=$D/out
	(cd "$D/work" && exec $VG "$path") > "$out" 2>&1 < /dev/null &
	echo $! > "$D/pid"
	wait $!
	rc=$?
	san_check "$name" >> "$D/report" || echo "not ok - sanitizer report" >> "$out"
	tally "$name" "$out" $rc >> "$D/report"
	;;
case)
	c=$path
	d=$D/work
	if [ -f "$c/input" ]; then in=$c/input; else in=/dev/null; fi
	(cd "$d" && TW_CASE=$c exec timeout 120 sh "$c/cmd") < "$in" > "$D/out" 2> "$D/err" &
	echo $! > "$D/pid"
	wait $!
	rc=$?
	want_rc=0
	[ -f "$c/status" ] && want_rc=$(cat "$c/status")
	ok=1
	why=""
	if [ "$rc" != "$want_rc" ]; then ok=0; why="status $rc, expected $want_rc"; fi
	if [ $ok = 1 ] && ! cmp -s "$D/out" "$c/expout"; then ok=0; why="stdout differs"; fi
	if [ $ok = 1 ] && [ -f "$c/experr" ] && ! cmp -s "$D/err" "$c/experr"; then ok=0; why="stderr differs"; fi
	if ! san_check "$name" >> "$D/report"; then ok=0; why="sanitizer report"; fi
	if [ $ok = 1 ]; then
		pass=1
	else
		fail=1
		{
			echo "  FAIL $name: $why"
			if [ "$why" = "stdout differs" ]; then diff "$c/expout" "$D/out" | head -10 | sed 's/^/    /'; fi
			if [ "$why" = "stderr differs" ]; then diff "$c/experr" "$D/err" | head -10 | sed 's/^/    /'; fi
			[ "$why" != "stderr differs" ] && head -5 "$D/err" | sed 's/^/    err: /'
		} >> "$D/report"
	fi
	;;
integration)
	out=$D/out
	# (The end-to-end suites run up to half an hour under the sanitizers.)
	to=600
	case " kafka kafka_perf hive demo load_mariadb load_postgres " in
	*" $(basename "$path" .sh) "*) to=1800 ;;
	esac
	(cd "$D/work" && TW_TMP=$D/work exec timeout $to sh "$path") > "$out" 2>&1 < /dev/null &
	echo $! > "$D/pid"
	wait $!
	rc=$?
	san_check "$name" >> "$D/report" || echo "not ok - a sanitizer report (above)" >> "$out"
	tally "$name" "$out" $rc >> "$D/report"
	;;
skip)
	echo "  $name: skip - end-to-end suite: run sanitized by make check-asan-heavy (CI)" >> "$D/report"
	skip=1
	;;
*)
	echo "  $name: run-one.sh: unknown kind '$kind'" >> "$D/report"
	fail=1
	;;
esac

if [ -n "${TW_TIMES:-}" ]; then
	# Wall time, and the test's processes' CPU time (user + system) from
	# the shell's accounting of its waited-for children.
	# (times outside a pipeline: a pipeline would run it in a subshell.)
	times > "$D/times.raw"
	sed -n 2p "$D/times.raw" | awk -v t0="$t0" -v t1="$(date +%s.%N)" '{
		t = 0
		for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); t += a[1] * 60 + a[2] }
		printf "%.1f %.1f\n", t1 - t0, t }' > "$D/times"
fi
echo "$pass $fail $skip" > "$D/counts"
rm -rf "$D/work"
: > "$D/done"
