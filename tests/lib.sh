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

# wait_for SECONDS COMMAND...: waits until COMMAND succeeds (tried every
# 20 ms), at most SECONDS; returns 1 when it never did. For an event a
# test needs (a process ready, a line written) instead of a fixed sleep.
wait_for() {
	_wn=$(($1 * 50))
	shift
	until "$@"; do
		_wn=$((_wn - 1))
		[ $_wn -gt 0 ] || return 1
		sleep 0.02
	done
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

# example_verdict CMD: runs CMD, a documented example (a man page's
# EXAMPLES line, a README recipe), in the current folder under bash with
# errexit and pipefail, so that a failing stage anywhere in a pipeline or
# a failing command of a list fails it, with a time limit (TW_EXAMPLE_TIMEOUT
# seconds, 300). Prints nothing when it passed, else why. It passes when
# it exits 0 and made output of its own: something on standard output, or
# a file it created or changed (what earlier commands wrote does not
# count). A stage ended by SIGPIPE (a reader that stopped early) fails it
# too: an example that relies on that must say so in its command.
example_verdict() {
	mkdir -p "$T/.example"
	example_files > "$T/.example/before"
	timeout "${TW_EXAMPLE_TIMEOUT:-300}" bash -c "set -eo pipefail; $1" \
	    > "$T/.example/out" 2> "$T/.example/err" < /dev/null
	_rc=$?
	if [ $_rc -ne 0 ]; then
		echo "status $_rc: $(head -c 300 "$T/.example/err" | tr '\n' ' ')"
		return
	fi
	example_files > "$T/.example/after"
	if [ ! -s "$T/.example/out" ] && cmp -s "$T/.example/before" "$T/.example/after"; then
		echo "no output of its own (nothing on standard output, no file written)"
	fi
}

# The files under the current folder with size and modification time
# (nanoseconds), without example_verdict's own.
example_files() {
	find . -path "./.example" -prune -o -path "$T/.example" -prune -o \
	    -type f -printf '%P %s %T@\n' | LC_ALL=C sort
}
