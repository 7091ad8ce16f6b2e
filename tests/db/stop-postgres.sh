#!/usr/bin/env bash
# Stops the PostgreSQL started by start-postgres.sh DIR. Idempotent.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
DIR=${1:?usage: stop-postgres.sh DIR}
PIDF=$DIR/data/postmaster.pid
if pid_alive "$PIDF"; then
    PID=$(head -n1 "$PIDF")
    kill -INT "$PID"
    if ! wait_pid_gone "$PID" 30; then
        kill -QUIT "$PID" 2>/dev/null || true; wait_pid_gone "$PID" 5 || true
    fi
fi
