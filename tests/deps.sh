#!/bin/sh
# Installs the Debian packages that the build and the tests need, when
# missing. Run by `make deps` (and so by `make check`); `make demo` runs
# `tests/deps.sh demo`, which installs only what the build and the demo
# need (a compiler, the libraries, sqlite3), so that a fresh machine runs
# the demo in a minute or so.
# TW_DEPS_EXTRA adds packages; TW_NO_APT=1 only reports what is missing.
set -u
BUILD_PKGS="gcc make libc6-dev pkg-config zlib1g-dev libisal-dev libzstd-dev libsnappy-dev libjq-dev libcsv-dev libcurl4-openssl-dev"
if [ "${1:-}" = demo ]; then
	PKGS="$BUILD_PKGS sqlite3 ${TW_DEPS_EXTRA:-}"
elif [ "${1:-}" = bench ]; then
	# The test set, plus the peers only the benchmarks run.
	PKGS="$BUILD_PKGS mandoc jq python3 sqlite3 time libjsmn-dev libyajl-dev libcjson-dev libjson-c-dev gojq miller hyperfine mariadb-server mariadb-client postgresql postgresql-client python3-pandas python3-pymysql python3-psycopg2 zstd pigz isal libdeflate-dev ${TW_DEPS_EXTRA:-}"
else
	PKGS="$BUILD_PKGS mandoc jq python3 sqlite3 valgrind strace netcat-openbsd kcat librdkafka-dev mariadb-server mariadb-client postgresql postgresql-client chromium time clang libclang-rt-14-dev afl++ libjsmn-dev libyajl-dev libcjson-dev libjson-c-dev gojq miller hyperfine zstd ${TW_DEPS_EXTRA:-}"
	NODE=1
fi
# The readers we did not write (DuckDB, hyparquet) come from npm, into
# TW_NODE_DIR (outside the tree), at the versions of tests/js/package-lock.json.
NODE_DIR=${TW_NODE_DIR:-$HOME/.cache/twpipe/node}
JS=$(cd "$(dirname "$0")/js" && pwd)
node_deps() {
	[ "${NODE:-0}" = 1 ] || return 0
	if cmp -s "$JS/package-lock.json" "$NODE_DIR/package-lock.json" &&
	    [ -d "$NODE_DIR/node_modules" ]; then
		return 0
	fi
	echo "deps: npm: installing the test readers into $NODE_DIR"
	mkdir -p "$NODE_DIR" && cp "$JS/package.json" "$JS/package-lock.json" "$NODE_DIR/" &&
	    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error > /dev/null) || {
		echo "deps: npm ci failed in $NODE_DIR" >&2
		rm -f "$NODE_DIR/package-lock.json"
		return 1
	}
}
# (Debian's nodejs and npm only where the machine has no npm of its own.)
[ "${NODE:-0}" = 1 ] && ! command -v npm > /dev/null && PKGS="$PKGS nodejs npm"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	node_deps
	exit
fi
echo "deps: installing:$missing"
if [ "${TW_NO_APT:-0}" = 1 ]; then
	echo "deps: TW_NO_APT=1, not installing" >&2
	exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start system database servers: the tests start
# their own, in temporary directories on loopback.
guard=0
if [ ! -e /usr/sbin/policy-rc.d ] && [ -w /usr/sbin ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	guard=1
fi
$SUDO apt-get update -qq >/dev/null 2>&1 || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
rc=$?
[ $guard = 1 ] && rm -f /usr/sbin/policy-rc.d
if [ $rc -ne 0 ]; then
	echo "deps: apt-get install failed for:$missing" >&2
	exit 1
fi
node_deps
