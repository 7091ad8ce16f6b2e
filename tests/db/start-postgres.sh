#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests (adapted from the
# twpipe DB recipes): initdb as user postgres into DIR, trust auth,
# loopback on a free port, socket in DIR, fsync off, database 'twpipe'.
# Usage: start-postgres.sh DIR   (writes DIR/env.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
DIR=${1:?usage: start-postgres.sh DIR}
PORT=${TWPIPE_PG_PORT:-$(free_port)}
DB=${TWPIPE_PG_DB:-twpipe}
DATA=$DIR/data LOG=$DIR/server.log

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
if [ -z "$(pgbin)" ] || [ ! -x "$(pgbin)/pg_ctl" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "postgresql server missing and not root" >&2; exit 1; }
    apt_install postgresql postgresql-client
fi
PGBIN=$(pgbin)
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    AS=(runuser -u postgres --)
else
    AS=()
fi
mkdir -p "$DIR"
[ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
chmod 700 "$DIR"
# The parents must be searchable by postgres.
d=$DIR; while [ "$d" != / ]; do d=$(dirname "$d"); chmod o+x "$d" 2>/dev/null || true; done
"${AS[@]}" "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 \
    || { echo "initdb failed:" >&2; tail -20 "$DIR/initdb.log" >&2; exit 1; }
# Another server (another test, started at the same moment) may take the
# free port before this one binds it: then a new port, up to three times.
for attempt in 1 2 3; do
    if (cd / && "${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -s \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start); then
        break
    fi
    if [ -z "${TWPIPE_PG_PORT:-}" ] && [ "$attempt" -lt 3 ] &&
        grep -q 'Address already in use' "$LOG" 2>/dev/null; then
        PORT=$(free_port)
        continue
    fi
    echo "postgres failed to start; log tail:" >&2; tail -20 "$LOG" >&2; exit 1
done
psql -X -q -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE \"$DB\" ENCODING 'UTF8' TEMPLATE template0"
cat > "$DIR/env.sh" <<EOT
PGHOST='$DIR'; PGPORT='$PORT'; PGUSER=postgres; PGDATABASE='$DB'
export PGHOST PGPORT PGUSER PGDATABASE
EOT
