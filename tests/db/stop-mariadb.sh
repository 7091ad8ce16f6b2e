#!/usr/bin/env bash
# Stops the MariaDB started by start-mariadb.sh DIR (by its pid). Idempotent.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
DIR=${1:?usage: stop-mariadb.sh DIR}
PIDF=$DIR/mariadbd.pid
if pid_alive "$PIDF"; then
    PID=$(head -n1 "$PIDF")
    kill -TERM "$PID"
    if ! wait_pid_gone "$PID" 30; then
        kill -KILL "$PID" 2>/dev/null || true; wait_pid_gone "$PID" 5 || true
    fi
fi
rm -f "$PIDF" "$DIR/mysqld.sock"
