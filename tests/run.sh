#!/bin/sh
# The one test runner. Usage: tests/run.sh [-j N] BUILD_DIR
#
# Runs, each test in a folder of its own:
#   unit tests      BUILD/unit/*          (each prints "ok - name" / "not ok - name")
#   golden cases    tests/cases/TOOL/NAME/ with files:
#                     cmd      shell commands, run by sh in a fresh temp dir
#                     input    optional, standard input
#                     expout   expected standard output (exact)
#                     experr   optional, expected standard error (exact)
#                     status   optional, expected exit status (default 0)
#   integration     tests/integration/*.sh (print "ok - name" / "not ok - name",
#                     "skip - name: why" for a visible skip)
# and ends with the line "N passed, N failed". Unit tests and golden cases
# run N at a time (-j N or TW_JOBS; default the number of cores), then the
# integration scripts TW_INTEG_JOBS at a time (default 1); each test's
# report is printed in the order above as soon as it and those before it
# are done (tests/run-one.sh runs one test and writes its report).
#
# Environment for every test: PATH starts with BUILD, TW_CORPUS is the real
# payload corpus, TW_ROOT the source tree, TW_CASE the case folder.
# TW_FILTER=regex runs only the tests whose name matches.
# TW_SKIP_HEAVY=1 skips, visibly, the slow end-to-end suites (HEAVY below);
# make check-asan does, and make check-asan-heavy runs them sanitized (CI,
# tests/ci.sh, runs every test of both builds, in parallel jobs).
# VALGRIND=1 runs every tool under valgrind --error-exitcode=99.
# TW_TIMES=FILE appends "NAME WALL_SECONDS CPU_SECONDS" for every test.

JOBS=${TW_JOBS:-$(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 2)}
if [ "${1:-}" = -j ]; then
	JOBS=${2:-}
	shift 2
fi
case $JOBS in ''|*[!0-9]*|0) echo "run.sh: -j: not a positive number: '$JOBS'" >&2; exit 2 ;; esac
INTEG_JOBS=${TW_INTEG_JOBS:-1}
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
TW_ROOT=$ROOT
TW_CORPUS=${TW_CORPUS:-$(cd "$ROOT/../shared/corpus" 2>/dev/null && pwd)}
export TW_ROOT TW_CORPUS TW_BUILD="$BUILD"
LC_ALL=C.UTF-8
export LC_ALL

PATH=$BUILD:$PATH
export PATH
TW_TOOLS=$BUILD
VG=
if [ "${VALGRIND:-0}" = 1 ]; then
	# Wrap each tool in a script that runs it under valgrind; unit tests
	# and fuzz replays run under it directly.
	VGBIN=$(mktemp -d)
	for t in "$BUILD"/tw-*; do
		n=$(basename "$t")
		printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=no "%s" "$@"\n' "$t" > "$VGBIN/$n"
		chmod +x "$VGBIN/$n"
	done
	PATH=$VGBIN:$PATH
	TW_TOOLS=$VGBIN
	VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
	export PATH TW_VALGRIND=1
fi
# Where the tools are run from (the valgrind wrappers, or BUILD).
export TW_TOOLS

pass=0
fail=0
skip=0
failed_names=""
TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/twtest.XXXXXX")
XPID=
# stop: on the way out (an interrupt, a signal), the pool and every test
# still running (timeout(1) passes the signal on to all its processes).
stop() {
	[ -n "$XPID" ] && kill "$XPID" 2> /dev/null
	for p in "$TMPROOT"/*.list.d/*/self "$TMPROOT"/*.list.d/*/pid; do
		[ -f "$p" ] && [ ! -f "${p%/*}/done" ] && kill -TERM "$(cat "$p")" 2> /dev/null
	done
	wait
}
trap 'stop; rm -rf "$TMPROOT"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export VG

TAB=$(printf '\t')
want() {
	[ -z "${TW_FILTER:-}" ] && return 0
	printf '%s\n' "$1" | grep -Eq -- "$TW_FILTER"
}

# The real payload corpus is part of the suite: without it the corpus
# tests would run on an empty path, so its absence is a failure, named.
if [ -z "$TW_CORPUS" ] || [ ! -f "$TW_CORPUS/INVENTORY.tsv" ]; then
	echo "  corpus: not found at ${TW_CORPUS:-$ROOT/../shared/corpus} (set TW_CORPUS to its folder)"
	fail=$((fail + 1))
	failed_names="$failed_names corpus"
fi

# The tests, as lines "N<TAB>KIND<TAB>PATH<TAB>NAME" of two lists: unit
# tests and golden cases, then the integration scripts.
add() {
	printf '%s\t%s\t%s\t%s\n' $(($(wc -l < "$4") + 1)) "$1" "$2" "$3" >> "$4"
}
: > "$TMPROOT/quick.list"
: > "$TMPROOT/integ.list"
for u in "$BUILD"/unit/*; do
	[ -x "$u" ] || continue
	n=unit/$(basename "$u")
	want "$n" && add unit "$u" "$n" "$TMPROOT/quick.list"
done
for c in "$ROOT"/tests/cases/*/*/; do
	[ -f "$c/cmd" ] || continue
	c=${c%/}
	n=cases/$(basename "$(dirname "$c")")/$(basename "$c")
	want "$n" && add case "$c" "$n" "$TMPROOT/quick.list"
done
HEAVY="kafka kafka_perf hive demo load_mariadb load_postgres"
for s in "$ROOT"/tests/integration/*.sh; do
	[ -f "$s" ] || continue
	n=integration/$(basename "$s" .sh)
	want "$n" || continue
	if [ -n "${TW_SKIP_HEAVY:-}" ] && printf ' %s ' "$HEAVY" | grep -q " $(basename "$s" .sh) "; then
		add skip "$s" "$n" "$TMPROOT/integ.list"
	else
		add integration "$s" "$n" "$TMPROOT/integ.list"
	fi
done

# run_list LIST JOBS: runs the tests of LIST, JOBS at a time, and prints
# their reports in the list's order as soon as they are ready.
run_list() {
	list=$1
	total=$(wc -l < "$list")
	[ "$total" -gt 0 ] || return 0
	TW_RUNDIR=$list.d
	export TW_RUNDIR
	mkdir -p "$TW_RUNDIR"
	xargs -P "$2" -n 1 -d '\n' sh "$ROOT/tests/run-one.sh" < "$list" &
	XPID=$!
	while IFS="$TAB" read -r i kind path name; do
		# Polls the test's done file; the pool ending without it (killed)
		# fails the test, named.
		while [ ! -f "$TW_RUNDIR/$i/done" ]; do
			if ! kill -0 "$XPID" 2> /dev/null && [ ! -f "$TW_RUNDIR/$i/done" ]; then
				echo "  $name: did not run to its end"
				echo "0 1 0" > "$TW_RUNDIR/$i/counts"
				break
			fi
			sleep 0.05
		done
		cat "$TW_RUNDIR/$i/report" 2> /dev/null
		read -r p f s < "$TW_RUNDIR/$i/counts"
		pass=$((pass + p))
		fail=$((fail + f))
		skip=$((skip + s))
		[ "$f" -gt 0 ] && failed_names="$failed_names $name"
		if [ -n "${TW_TIMES:-}" ] && [ -f "$TW_RUNDIR/$i/times" ]; then
			echo "$name $(cat "$TW_RUNDIR/$i/times")" >> "$TW_TIMES"
		fi
	done < "$list"
	wait "$XPID"
	XPID=
}

run_list "$TMPROOT/quick.list" "$JOBS"
run_list "$TMPROOT/integ.list" "$INTEG_JOBS"

[ -n "$failed_names" ] && echo "failed:$failed_names"
[ "$skip" -gt 0 ] && echo "($skip skipped, see 'skip' lines above)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
