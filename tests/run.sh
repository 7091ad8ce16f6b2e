#!/bin/sh
# The one test runner. Usage: tests/run.sh BUILD_DIR
#
# Runs, in order:
#   unit tests      BUILD/unit/*          (each prints "ok - name" / "not ok - name")
#   golden cases    tests/cases/TOOL/NAME/ with files:
#                     cmd      shell commands, run by sh in a fresh temp dir
#                     input    optional, standard input
#                     expout   expected standard output (exact)
#                     experr   optional, expected standard error (exact)
#                     status   optional, expected exit status (default 0)
#   integration     tests/integration/*.sh (print "ok - name" / "not ok - name",
#                     "skip - name: why" for a visible skip)
# and ends with the line "N passed, N failed".
#
# Environment for every test: PATH starts with BUILD, TW_CORPUS is the real
# payload corpus, TW_ROOT the source tree, TW_CASE the case folder.
# TW_FILTER=regex runs only the tests whose name matches.
# TW_SKIP_HEAVY=1 skips, visibly, the slow end-to-end suites (HEAVY below);
# make check-asan does, and CI runs them sanitized separately.
# VALGRIND=1 runs every tool under valgrind --error-exitcode=99.

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
trap 'rm -rf "$TMPROOT"' EXIT INT TERM

# Under the sanitizers every report also goes to a file, so that one from
# a tool early in a pipeline (whose status a test does not see) still
# fails the test that ran it.
SANDIR=
if [ -n "${TW_SANITIZED:-}" ]; then
	SANDIR=$TMPROOT/sanitizer
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
	echo "  $1: sanitizer report:"
	cat "$SANDIR"/* > "$TMPROOT/sanitizer.txt"
	{ grep -E 'ERROR|error|SUMMARY|#[0-3] ' "$TMPROOT/sanitizer.txt" ||
	    cat "$TMPROOT/sanitizer.txt"; } | head -8 | sed 's/^/    /'
	rm -f "$SANDIR"/*
	return 1
}

want() {
	[ -z "${TW_FILTER:-}" ] && return 0
	printf '%s\n' "$1" | grep -Eq -- "$TW_FILTER"
}

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
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	[ "$f" -gt 0 ] && failed_names="$failed_names $name"
	return 0
}

# The real payload corpus is part of the suite: without it the corpus
# tests would run on an empty path, so its absence is a failure, named.
if [ -z "$TW_CORPUS" ] || [ ! -f "$TW_CORPUS/INVENTORY.tsv" ]; then
	echo "  corpus: not found at ${TW_CORPUS:-$ROOT/../shared/corpus} (set TW_CORPUS to its folder)"
	fail=$((fail + 1))
	failed_names="$failed_names corpus"
fi

# Unit tests.
for u in "$BUILD"/unit/*; do
	[ -x "$u" ] || continue
	n=unit/$(basename "$u")
	want "$n" || continue
	out=$TMPROOT/unit.out
	(cd "$TMPROOT" && $VG "$u") > "$out" 2>&1
	rc=$?
	san_check "$n" || echo "not ok - sanitizer report" >> "$out"
	tally "$n" "$out" $rc
done

# Golden cases.
for c in "$ROOT"/tests/cases/*/*/; do
	[ -f "$c/cmd" ] || continue
	c=${c%/}
	n=cases/$(basename "$(dirname "$c")")/$(basename "$c")
	want "$n" || continue
	d=$TMPROOT/case
	rm -rf "$d"
	mkdir -p "$d"
	if [ -f "$c/input" ]; then in=$c/input; else in=/dev/null; fi
	(cd "$d" && TW_CASE=$c timeout 120 sh "$c/cmd" < "$in" > "$d/.out" 2> "$d/.err")
	rc=$?
	want_rc=0
	[ -f "$c/status" ] && want_rc=$(cat "$c/status")
	ok=1
	why=""
	if [ "$rc" != "$want_rc" ]; then ok=0; why="status $rc, expected $want_rc"; fi
	if [ $ok = 1 ] && ! cmp -s "$d/.out" "$c/expout"; then ok=0; why="stdout differs"; fi
	if [ $ok = 1 ] && [ -f "$c/experr" ] && ! cmp -s "$d/.err" "$c/experr"; then ok=0; why="stderr differs"; fi
	if ! san_check "$n"; then ok=0; why="sanitizer report"; fi
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed_names="$failed_names $n"
		echo "  FAIL $n: $why"
		if [ "$why" = "stdout differs" ]; then diff "$c/expout" "$d/.out" | head -10 | sed 's/^/    /'; fi
		if [ "$why" = "stderr differs" ]; then diff "$c/experr" "$d/.err" | head -10 | sed 's/^/    /'; fi
		[ "$why" != "stderr differs" ] && head -5 "$d/.err" | sed 's/^/    err: /'
	fi
done

# Integration tests.
HEAVY="kafka kafka_perf hive demo load_mariadb load_postgres"
for s in "$ROOT"/tests/integration/*.sh; do
	[ -f "$s" ] || continue
	n=integration/$(basename "$s" .sh)
	want "$n" || continue
	if [ -n "${TW_SKIP_HEAVY:-}" ] && printf ' %s ' "$HEAVY" | grep -q " $(basename "$s" .sh) "; then
		echo "  $n: skip - end-to-end suite: run sanitized by make check-asan-heavy (CI)"
		skip=$((skip + 1))
		continue
	fi
	out=$TMPROOT/integ.out
	# (The end-to-end suites run up to half an hour under the sanitizers.)
	to=600
	printf ' %s ' "$HEAVY" | grep -q " $(basename "$s" .sh) " && to=1800
	(cd "$TMPROOT" && TW_TMP=$TMPROOT timeout $to sh "$s") > "$out" 2>&1
	rc=$?
	san_check "$n" || echo "not ok - a sanitizer report (above)" >> "$out"
	tally "$n" "$out" $rc
done

[ -n "$failed_names" ] && echo "failed:$failed_names"
[ "$skip" -gt 0 ] && echo "($skip skipped, see 'skip' lines above)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
