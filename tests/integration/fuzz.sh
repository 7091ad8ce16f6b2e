#!/bin/sh
# Fuzzing in make check: every input that ever broke a harness is replayed
# (tests/fuzz/regress/), together with the seed corpus; then, where clang
# and libFuzzer are installed, each harness runs a short smoke
# (TW_FUZZ_SECONDS, default 3; 0 skips).
. "$TW_ROOT/tests/lib.sh"
sh "$TW_ROOT/tests/fuzz/seed.sh" "$T/seeds" > /dev/null 2>&1
for h in "$TW_BUILD"/fuzz/*; do
	[ -x "$h" ] && [ ! -d "$h" ] || continue
	case $h in *.o|*.d) continue ;; esac
	n=$(basename "$h")
	mkdir -p "$T/seeds/$n" "$T/none"
	r=$TW_ROOT/tests/fuzz/regress/$n
	[ -d "$r" ] || r=$T/none	# a harness that never failed has no folder
	check "fuzz $n: saved inputs and seeds replay cleanly" ${TW_VALGRIND:+valgrind -q --error-exitcode=99} "$h" "$r" "$T/seeds/$n"
done

# The fuzz builds use every core (they are most of this test's time).
NCPU=$(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 2)
secs=${TW_FUZZ_SECONDS:-3}
if [ "$secs" = 0 ]; then
	skip "fuzz smoke" "TW_FUZZ_SECONDS=0"
elif [ -n "${TW_SANITIZED:-}${TW_VALGRIND:-}" ]; then
	: # the smoke runs once, in the normal pass
elif ! command -v clang > /dev/null 2>&1; then
	skip "fuzz smoke" "clang is not installed"
elif ! make -s -j"$NCPU" -C "$TW_ROOT" fuzz-build > "$T/build.log" 2>&1; then
	not_ok "fuzz smoke: build" "$(tail -5 "$T/build.log")"
else
	for h in "$TW_ROOT"/build-fuzz/fuzz-*; do
		n=${h##*/fuzz-}
		mkdir -p "$T/regress/$n"
		if "$h" -max_total_time="$secs" -max_len=65536 -timeout=10 -print_final_stats=1 \
		    -artifact_prefix="$T/regress/$n/" "$T/seeds/$n" > "$T/$n.log" 2>&1; then
			ok "fuzz smoke $n: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$T/$n.log" | grep -o '[0-9]*$') runs in ${secs}s"
		else
			# Kept for make check to replay, and shown (base64) so
			# that a crash found in CI can be saved from its log.
			mkdir -p "$TW_ROOT/tests/fuzz/regress/$n"
			cp "$T/regress/$n"/* "$TW_ROOT/tests/fuzz/regress/$n/" 2>/dev/null
			a=$(ls "$T/regress/$n"/* 2> /dev/null | head -1)
			not_ok "fuzz smoke $n" "$(grep -m 2 -E 'ERROR|assertion' "$T/$n.log" | tr '\n' ' ')${a:+ input (base64): $(head -c 3000 "$a" | base64 -w0)}"
		fi
	done
fi

# The same harnesses under AFL++ (they are libFuzzer entry points; AFL++
# links them with its own driver): a short run of each proves it.
asecs=${TW_AFL_SECONDS:-2}
if [ "$asecs" = 0 ]; then
	skip "afl smoke" "TW_AFL_SECONDS=0"
elif [ -n "${TW_SANITIZED:-}${TW_VALGRIND:-}" ]; then
	:
elif ! command -v afl-clang-fast > /dev/null 2>&1 || ! command -v afl-fuzz > /dev/null 2>&1; then
	skip "afl smoke" "afl++ is not installed"
elif ! make -s -j"$NCPU" -C "$TW_ROOT" fuzz-afl-build > "$T/afl-build.log" 2>&1; then
	not_ok "afl smoke: build" "$(tail -5 "$T/afl-build.log")"
else
	AFL_WORK=$T/afl AFL_SEEDS=$T/seeds AFL_REGRESS=$T/afl-regress sh "$TW_ROOT/tests/fuzz/afl.sh" "$asecs" > "$T/afl.out" 2>&1
	arc=$?
	for h in "$TW_ROOT"/build-afl/afl-*; do
		n=${h##*/afl-}
		a=
		l=$(grep "^afl $n: " "$T/afl.out")
		case $l in
		*" executions in "*", crashes 0, hangs 0")
			e=${l#afl $n: }
			e=${e%% *}
			if [ "${e:-0}" -gt 0 ]; then ok "afl smoke $n: ${l#afl $n: }"
			else not_ok "afl smoke $n" "no executions: $l"; fi ;;
		*)
			if [ -d "$T/afl-regress/$n" ]; then
				mkdir -p "$TW_ROOT/tests/fuzz/regress/$n"
				cp "$T/afl-regress/$n"/* "$TW_ROOT/tests/fuzz/regress/$n/"
				a=$(ls "$T/afl-regress/$n"/* | head -1)
			fi
			not_ok "afl smoke $n" "${l:-no result (status $arc)} $(grep -A3 "^afl $n" "$T/afl.out" | tail -3 | tr '\n' ' ')${a:+ input (base64): $(head -c 3000 "$a" | base64 -w0)}" ;;
		esac
	done
fi
