# Shared helpers for tests/integration/*.sh (sourced; POSIX sh).
# Each check prints "ok - NAME" or "not ok - NAME"; the runner counts them.

T=${TW_TMP:-/tmp}/$(basename "$0" .sh).$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
C=$TW_CORPUS

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1${2:+: $2}"; }
skip() { echo "skip - $1: $2"; }

# check NAME COMMAND...: passes when the command exits 0.
check() {
	_cn=$1
	shift
	if "$@" > "$T/.check.out" 2>&1; then ok "$_cn"; else
		not_ok "$_cn" "$(head -c 300 "$T/.check.out" | tr '\n' ' ')"
	fi
}

# same NAME FILE1 FILE2: passes when the files are identical.
same() {
	if cmp -s "$2" "$3"; then ok "$1"; else
		not_ok "$1" "$(diff "$2" "$3" | head -5 | tr '\n' ' ' | cut -c1-300)"
	fi
}

# eq NAME GOT WANT: passes when the strings are equal.
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi
}

# contains NAME FILE TEXT: passes when FILE contains TEXT (fixed string).
contains() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else
		not_ok "$1" "'$3' not in: $(head -c 300 "$2" | tr '\n' ' ')"
	fi
}

# timing_check NAME COMMAND...: like check, for wall-clock properties
# (pacing, speed); under the sanitizers (TW_SANITIZED) or valgrind
# (TW_VALGRIND) it is skipped, visibly, since they run several times slower.
timing_check() {
	if [ -n "${TW_SANITIZED:-}${TW_VALGRIND:-}" ]; then
		skip "$1" "timing is checked in the normal build"
	else
		check "$@"
	fi
}
