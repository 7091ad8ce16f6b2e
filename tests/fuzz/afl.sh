#!/bin/sh
# make fuzz-afl: runs every harness under AFL++ (built by afl-clang-fast in
# build-afl/) for SECONDS each, seeded like make fuzz; prints executions,
# coverage, crashes and hangs per harness. What crashes or hangs is saved
# in tests/fuzz/regress/<harness>/ (AFL_REGRESS overrides the folder), so
# that make check replays it from then on. Status 1 when anything was found.
# Usage: tests/fuzz/afl.sh [SECONDS]   (AFL_WORK: the working folder;
# AFL_SEEDS: a seed folder made by tests/fuzz/seed.sh)
SECS=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
W=${AFL_WORK:-$ROOT/build-afl/work}
REG=${AFL_REGRESS:-$ROOT/tests/fuzz/regress}
command -v afl-fuzz > /dev/null || { echo "afl: afl-fuzz is not installed (Debian package afl++)" >&2; exit 2; }
rm -rf "$W"
mkdir -p "$W"
# AFL_SEEDS: seeds already made by tests/fuzz/seed.sh (make check's smoke).
SEEDS=${AFL_SEEDS:-$W/seeds}
if [ -z "${AFL_SEEDS:-}" ]; then
	sh tests/fuzz/seed.sh "$SEEDS" > /dev/null 2>&1 || { echo "afl: seeds could not be made" >&2; exit 2; }
fi
# No CPU-governor, core_pattern or affinity demands on a shared CI machine;
# no curses screen. afl-fuzz sets the ASan/UBSan options it needs.
AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 AFL_QUIET=1
export AFL_SKIP_CPUFREQ AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES AFL_NO_UI
export AFL_NO_AFFINITY AFL_FAST_CAL AFL_QUIET
status=0
for h in build-afl/afl-*; do
	[ -x "$h" ] || continue
	n=${h#build-afl/afl-}
	# AFL wants a few small seeds: the 64 smallest that are not empty.
	in=$W/in-$n
	mkdir -p "$in"
	find "$SEEDS/$n" -type f -size +0c -size -65537c -printf '%s %p\n' 2>/dev/null |
	    sort -n | head -64 | while read -r _ f; do cp "$f" "$in/"; done
	[ -n "$(ls "$in")" ] || printf '{}\n' > "$in/empty-object"
	out=$W/out-$n
	log=$W/$n.log
	afl-fuzz -V "$SECS" -i "$in" -o "$out" -m none -t 2000 -- "$ROOT/$h" > "$log" 2>&1
	rc=$?
	st=$out/default/fuzzer_stats
	if [ ! -f "$st" ]; then
		echo "afl $n: afl-fuzz did not run (status $rc); see $log"
		grep -m 3 -E 'PROGRAM ABORT|ERROR|Location' "$log" | sed 's/^/    /'
		status=1
		continue
	fi
	get() { awk -v k="$1" '$1 == k { print $3 }' "$st"; }
	crashes=$(get saved_crashes) hangs=$(get saved_hangs)
	echo "afl $n: $(get execs_done) executions in ${SECS}s, $(get edges_found) edges, bitmap $(get bitmap_cvg), corpus $(get corpus_count), crashes ${crashes:-?}, hangs ${hangs:-?}"
	if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
		mkdir -p "$REG/$n"
		for f in "$out"/default/crashes/id* "$out"/default/hangs/id*; do
			[ -f "$f" ] || continue
			k=$(basename "$(dirname "$f")")
			cp "$f" "$REG/$n/afl-$k-$(basename "$f" | cut -d, -f1 | tr ':' '-')"
		done
		echo "    saved in $REG/$n/"
		status=1
	fi
	[ $rc -eq 0 ] || { echo "afl $n: afl-fuzz ended with status $rc; see $log"; status=1; }
done
exit $status
