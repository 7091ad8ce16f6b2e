#!/bin/sh
# CI: the whole suite on a clean clone, as built and under AddressSanitizer
# and UBSan; .ci/run runs it. Usage: sh tests/ci.sh
#
#   1. make deps, the sanitized build (make asan) and the build as built,
#      each with every core (make -j): the sanitized one first, since the
#      longest jobs are sanitized ones.
#   2. The jobs of tests/ci.jobs, the schedule, TW_CI_SLOTS at a time
#      (default 6, three times the cores: most jobs wait on servers,
#      brokers, clocks and pacing more than they compute), started in the
#      order listed.
#   3. A job is tests/run.sh on its build with the tests it names. Its
#      report is printed when it ends, headed by its times; at the end, a
#      table of every job's start and length, and "N passed, N failed"
#      over all of them.
#
# Nothing is skipped by the schedule: every integration script that no
# job names runs in its build's "rest" job, and each build must have its
# "quick" (unit tests and golden cases) and "rest" jobs.
# TW_CI_DRY=1 prints the jobs ("BUILD<TAB>TESTS<TAB>run.sh filter") and
# stops. TW_CI_JOBS=FILE reads another schedule (TW_CI_PARTIAL=1 lets it leave
# tests out, to try a few); TW_CI_TIMES=FILE keeps every test's wall and
# CPU seconds (tests/run.sh's TW_TIMES), to tune the schedule.

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The AFL++ smoke needs an instrumented build of its own (110 CPU seconds
# here, a minute of the two cores CI has): CI leaves it to make check, and
# runs the libFuzzer smoke (28 CPU seconds to build) and every saved input.
TW_AFL_SECONDS=${TW_AFL_SECONDS:-0}
export TW_AFL_SECONDS
SCHED=${TW_CI_JOBS:-$ROOT/tests/ci.jobs}
case $SCHED in /*) ;; *) SCHED=$PWD/$SCHED ;; esac
NAME=${TW_CI_JOBS:-tests/ci.jobs}	# for messages
cd "$ROOT" || exit 1
SLOTS=${TW_CI_SLOTS:-6}
NCPU=$(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 2)
W=$(mktemp -d "${TMPDIR:-/tmp}/twci.XXXXXX")
T0=$(date +%s)
# On the way out (an interrupt, a signal, a closed output): stop every job
# still running (each run.sh stops its tests).
stop() {
	for p in "$W"/job.*.pid; do
		[ -f "$p" ] && kill -TERM "$(cat "$p")" 2> /dev/null
	done
	wait
	rm -rf "$W"
}
trap stop EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

now() { echo $(($(date +%s) - T0)); }
mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }
die() { echo "ci.sh: $NAME: $*" >&2; exit 2; }

# ---- the schedule: "BUILD TESTS..." lines into jobs ----
[ -f "$SCHED" ] || die "no such file"
SCRIPTS=$(cd tests/integration && ls *.sh | sed 's/\.sh$//')
: > "$W/jobs"
for b in normal asan; do
	named=$(awk -v b=$b '!/^#/ && $1 == b { for (i = 2; i <= NF; i++) print $i }' "$SCHED")
	for t in $named; do
		case $t in quick|rest) continue ;; esac
		printf '%s\n' "$SCRIPTS" | grep -qx -- "$t" ||
		    die "$b: no tests/integration/$t.sh"
	done
	dup=$(printf '%s\n' "$named" | sort | uniq -d | tr '\n' ' ' | sed 's/ $//')
	[ -z "$dup" ] || die "$b: named more than once: $dup"
	for t in quick rest; do
		printf '%s\n' "$named" | grep -qx $t && continue
		[ -n "${TW_CI_PARTIAL:-}" ] || die "$b: no '$t' job"
		echo "ci.sh: TW_CI_PARTIAL: $b: no '$t' job, not every test runs" >&2
	done
	# The rest: the scripts no job of this build names.
	printf '%s\n' "$SCRIPTS" | grep -vxF "$(printf '%s\n' "$named" | grep -vx 'quick\|rest')" \
	    > "$W/rest.$b" || true
done
awk '!/^#/ && NF { print }' "$SCHED" | while read -r b tests; do
	case $b in normal|asan) ;; *) die "'$b': a build is normal or asan" ;; esac
	filter=""
	for t in $tests; do
		case $t in
		quick) f='unit/.*|cases/.*' ;;
		rest) f=$(sed 's|^|integration/|' "$W/rest.$b" | paste -sd '|' -) ;;
		*) f="integration/$t" ;;
		esac
		[ -n "$f" ] && filter="${filter:+$filter|}$f"
	done
	printf '%s\t%s\t%s\n' "$b" "$tests" "$filter" >> "$W/jobs"
done || exit 2
NJOBS=$(wc -l < "$W/jobs")
if [ -n "${TW_CI_DRY:-}" ]; then
	cat "$W/jobs"
	exit 0
fi

# ---- the builds ----
echo "== ci: $NJOBS jobs, $SLOTS at a time, $NCPU cores (schedule: $NAME)"
make --no-print-directory deps || exit 1
: > "$W/times"
# build NAME TARGET...: make -j TARGET..., timed; the log when it fails.
build() {
	_n=$1
	shift
	_s=$(now)
	if ! make --no-print-directory -j"$NCPU" "$@" > "$W/$_n.log" 2>&1; then
		cat "$W/$_n.log"
		echo "== ci: $_n failed"
		exit 1
	fi
	echo "$_n $(mmss "$_s") $(($(now) - _s))" >> "$W/times"
	echo "== [$(mmss "$(now)")] $_n: done ($(($(now) - _s)) s)"
}
# The sanitized build first: the longest jobs are sanitized ones.
build build-asan asan
build build all units

# ---- the jobs ----
# start_job I: runs job I in the background; its output, status and end
# go to $W/job.I.*.
start_job() {
	line=$(sed -n "$1p" "$W/jobs")
	b=${line%%"$TAB"*}
	rest=${line#*"$TAB"}
	filter=${rest#*"$TAB"}
	echo "$(now)" > "$W/job.$1.start"
	(
		if [ "$b" = asan ]; then
			VALGRIND= ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:exitcode=99 \
			    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1 \
			    TW_SANITIZED=1 TW_FILTER="^($filter)\$" TW_TIMES="${TW_CI_TIMES:+$W/times.$1}" \
			    sh tests/run.sh build-asan > "$W/job.$1.out" 2>&1 &
		else
			VALGRIND= TW_FILTER="^($filter)\$" TW_TIMES="${TW_CI_TIMES:+$W/times.$1}" \
			    sh tests/run.sh build > "$W/job.$1.out" 2>&1 &
		fi
		echo $! > "$W/job.$1.pid"
		wait $!
		echo $? > "$W/job.$1.rc"
		rm -f "$W/job.$1.pid"
	) &
}

TAB=$(printf '\t')
pass=0 fail=0 skip=0 failed="" running=0 started=0 reported=0
while [ $reported -lt "$NJOBS" ]; do
	# Jobs that ended: their reports.
	j=0
	while [ $j -lt "$NJOBS" ]; do
		j=$((j + 1))
		[ -f "$W/job.$j.rc" ] && [ ! -f "$W/job.$j.seen" ] || continue
		: > "$W/job.$j.seen"
		running=$((running - 1))
		reported=$((reported + 1))
		line=$(sed -n "${j}p" "$W/jobs")
		b=${line%%"$TAB"*}
		rest=${line#*"$TAB"}
		tests=${rest%%"$TAB"*}
		st=$(cat "$W/job.$j.start")
		len=$(($(now) - st))
		last=$(tail -1 "$W/job.$j.out")
		p=$(printf '%s\n' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
		f=$(printf '%s\n' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
		s=$(sed -n 's/^(\([0-9]*\) skipped, .*/\1/p' "$W/job.$j.out")
		if [ -z "$p" ]; then
			p=0 f=1
			echo "  $b $tests: run.sh ended without its count (status $(cat "$W/job.$j.rc"))" >> "$W/job.$j.out"
		fi
		pass=$((pass + p))
		fail=$((fail + f))
		skip=$((skip + ${s:-0}))
		[ "$f" -gt 0 ] && failed="$failed [$b: $tests]"
		echo "== [$(mmss "$(now)")] $b: $tests: $p passed, $f failed (started $(mmss "$st"), $len s)"
		sed '$d' "$W/job.$j.out"
		echo "$b:$(printf '%s' "$tests" | tr ' ' ',') $(mmss "$st") $len" >> "$W/times"
	done
	# Jobs to start, in the schedule's order, while there are free slots.
	while [ $running -lt "$SLOTS" ] && [ $started -lt "$NJOBS" ]; do
		started=$((started + 1))
		running=$((running + 1))
		start_job $started
	done
	[ $reported -lt "$NJOBS" ] && sleep 0.2
done
wait

echo "== ci: job times (start, seconds), $(mmss "$(now)") in all:"
column -t "$W/times" 2> /dev/null | sed 's/^/   /' || sed 's/^/   /' "$W/times"
if [ -n "${TW_CI_TIMES:-}" ]; then
	cat "$W"/times.* > "$TW_CI_TIMES" 2> /dev/null
fi
[ -n "$failed" ] && echo "failed:$failed"
[ "$skip" -gt 0 ] && echo "($skip skipped, see 'skip' lines above)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
