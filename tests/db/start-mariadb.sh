#!/usr/bin/env bash
# Starts a throwaway MariaDB server for the tests (adapted from the
# twpipe DB recipes): private datadir, loopback TCP on a free port and a
# unix socket, utf8mb4, local_infile=1, database 'twpipe', root without
# password. Usage: start-mariadb.sh DIR   (writes DIR/env.sh)
# Installs mariadb-server when missing (without starting the system one).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
DIR=${1:?usage: start-mariadb.sh DIR}
PORT=${TWPIPE_MARIADB_PORT:-$(free_port)}
DB=${TWPIPE_MARIADB_DB:-twpipe}
SOCK=$DIR/mysqld.sock PIDF=$DIR/mariadbd.pid LOG=$DIR/error.log DATA=$DIR/data

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    [ "$(id -u)" -eq 0 ] || { echo "mariadb-server missing and not root" >&2; exit 1; }
    apt_install mariadb-server mariadb-client
fi
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
USER_OPT=(); [ "$(id -u)" -eq 0 ] && USER_OPT=(--user=root)
opts() {
OPTS=(--no-defaults --datadir="$DATA" --socket="$SOCK" --pid-file="$PIDF" "${USER_OPT[@]}"
      --tmpdir="$DIR/tmp"
      --bind-address=127.0.0.1 --port="$PORT" --log-error="$LOG"
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
      --local-infile=1 --innodb-buffer-pool-size=64M --innodb-log-file-size=16M
      --innodb-flush-log-at-trx-commit=0 --skip-name-resolve --skip-log-bin)
}
opts
ping_ok() { mariadb-admin --no-defaults --socket="$SOCK" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

# A temporary folder of its own: servers started at once (tests running
# side by side) would otherwise share /tmp and its temporary table names.
mkdir -p "$DIR/tmp"
if [ ! -d "$DATA/mysql" ]; then
    rm -rf "$DATA"
    mariadb-install-db "${OPTS[@]}" --auth-root-authentication-method=normal \
        --skip-test-db >"$DIR/install.log" 2>&1 \
        || { echo "mariadb-install-db failed:" >&2; tail -20 "$DIR/install.log" >&2; exit 1; }
fi
# Another server (another test, started at the same moment) may take the
# free port before this one binds it: then a new port, up to three times.
for attempt in 1 2 3; do
    setsid nohup "$MARIADBD" "${OPTS[@]}" >>"$DIR/stdout.log" 2>&1 </dev/null &
    SPID=$!
    for _ in $(seq 1 300); do ping_ok && break; kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    ping_ok && break
    if [ -z "${TWPIPE_MARIADB_PORT:-}" ] && [ "$attempt" -lt 3 ] &&
        grep -q 'Address already in use' "$LOG" 2>/dev/null; then
        : > "$LOG"
        PORT=$(free_port)
        opts
        continue
    fi
    break
done
if ! ping_ok; then echo "mariadb did not become ready; log tail:" >&2; tail -20 "$LOG" >&2; exit 1; fi
mariadb --no-defaults --socket="$SOCK" -uroot \
    -e "CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
cat > "$DIR/env.sh" <<EOT
MYSOCK='$SOCK'; MYPORT='$PORT'; MYDB='$DB'
EOT
