#!/bin/sh
# load.sh: rows per second loaded into SQLite, MariaDB and PostgreSQL
# through tw-load, against Python loaders (executemany through the
# sqlite3 module, python3-pymysql, python3-psycopg2), in one run; and
# tw-load alone to /dev/null (best of three), to show it emits SQL and
# bulk data much faster than any database loads them: the slowest emit
# against the fastest load, for INSERTs, for bulk loads, and across both.
#
# usage: sh bench/load.sh [BUILD]
# Environment: BENCH_LOAD_N tweets [50000], BENCH_SEED [1],
#              PY python with the Debian modules [/usr/bin/python3].
# Servers are throwaway ones (tests/db/*.sh) in a temporary directory,
# stopped at the end. A missing client or module is reported as skipped.

BUILD=${1:-build}
case $BUILD in -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PATH=$BUILD:$PATH
N=${BENCH_LOAD_N:-50000}
PY=${PY:-/usr/bin/python3}
W=$(mktemp -d "${TMPDIR:-/tmp}/twload-bench.XXXXXX")
trap 'bash "$ROOT/tests/db/stop-mariadb.sh" "$W/my" >/dev/null 2>&1; bash "$ROOT/tests/db/stop-postgres.sh" "$W/pg" >/dev/null 2>&1; rm -rf "$W"' EXIT INT TERM

now() { date +%s.%N; }
rate() { echo "$1 $2 $3" | awk '{ d = $3 - $2; if (d <= 0) d = 1e-9; printf "%.0f", $1 / d }'; }
row() { printf '%-40s %12s rows/s\n' "$1" "$2"; echo "$2" >> "$W/loads.$3"; }

tw-gen -n "$N" --seed "${BENCH_SEED:-1}" | tw-flatten -q -t tweets > "$W/t.ndjson"
N=$(wc -l < "$W/t.ndjson" | tr -d ' ')
echo "tw-load: $N flat tweets ($(wc -c < "$W/t.ndjson" | tr -d ' ') bytes), $(nproc) cores"
: > "$W/loads.sql"
: > "$W/loads.bulk"
: > "$W/loads.emit.sql"
: > "$W/loads.emit.bulk"

# The Python loader: the same rows, one executemany per 500.
cat > "$W/pyload.py" <<'PYEOF'
import json, sys
kind, path = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(path, encoding='utf-8')]
cols = [c for c in rows[0] if c != 'record_type']
def val(v):
    return json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
data = [tuple(val(r.get(c)) for c in cols) for r in rows]
if kind == 'sqlite':
    import sqlite3
    db = sqlite3.connect(sys.argv[3]); ph = ','.join('?' * len(cols))
    db.execute('CREATE TABLE IF NOT EXISTS tweets (%s, PRIMARY KEY (id))' % ','.join('"%s"' % c for c in cols))
    sql = 'INSERT OR REPLACE INTO tweets VALUES (%s)' % ph
elif kind == 'mysql':
    import pymysql
    db = pymysql.connect(unix_socket=sys.argv[3], user='root', database='twpipe', charset='utf8mb4')
    ph = ','.join(['%s'] * len(cols))
    sql = 'REPLACE INTO tweets (%s) VALUES (%s)' % (','.join('`%s`' % c for c in cols), ph)
else:
    import psycopg2
    db = psycopg2.connect(host=sys.argv[3], port=sys.argv[4], user='postgres', dbname='twpipe')
    ph = ','.join(['%s'] * len(cols))
    sql = 'INSERT INTO tweets (%s) VALUES (%s) ON CONFLICT (id) DO NOTHING' % (','.join('"%s"' % c for c in cols), ph)
cur = db.cursor()
for i in range(0, len(data), 500):
    cur.executemany(sql, data[i:i + 500]); db.commit()
PYEOF

echo
echo "== tw-load alone (to /dev/null; best of 3)"
# emit LABEL FILE CMD...: the best of three runs of CMD, as a row of FILE.
emit() {
	label=$1 file=$2
	shift 2
	best=
	for i in 1 2 3; do
		t0=$(now); "$@" > /dev/null; t1=$(now)
		r=$(rate "$N" "$t0" "$t1")
		[ -z "$best" ] || [ "$r" -gt "$best" ] && best=$r
	done
	row "$label" "$best" "$file"
}
for d in sqlite mysql postgres; do
	emit "tw-load -d $d > /dev/null" emit.sql tw-load -d $d "$W/t.ndjson"
done
emit "tw-load --bulk=FILE > /dev/null" emit.bulk tw-load --bulk="$W/e.csv" "$W/t.ndjson"
emit "tw-load -d mysql --bulk=FILE > /dev/null" emit.bulk tw-load -d mysql --bulk="$W/e.csv" "$W/t.ndjson"
emit "tw-load -d postgres --bulk > /dev/null" emit.bulk tw-load -d postgres --bulk "$W/t.ndjson"
rm -f "$W/e.csv"

echo
echo "== SQLite"
t0=$(now); tw-load "$W/t.ndjson" | sqlite3 -bail "$W/a.db"; t1=$(now)
row "tw-load | sqlite3" "$(rate "$N" "$t0" "$t1")" sql
t0=$(now); tw-load -t tweets --bulk="$W/b.csv" "$W/t.ndjson" | sqlite3 -bail "$W/b.db"; t1=$(now)
row "tw-load --bulk | sqlite3 (.import)" "$(rate "$N" "$t0" "$t1")" bulk
t0=$(now); "$PY" "$W/pyload.py" sqlite "$W/t.ndjson" "$W/c.db"; t1=$(now)
row "python sqlite3 executemany" "$(rate "$N" "$t0" "$t1")" py

echo
echo "== MariaDB"
if command -v mariadb > /dev/null && bash "$ROOT/tests/db/start-mariadb.sh" "$W/my" > "$W/my.log" 2>&1; then
	. "$W/my/env.sh"
	M="mariadb --no-defaults --local-infile=1 --socket=$MYSOCK -uroot twpipe"
	t0=$(now); tw-load -d mysql "$W/t.ndjson" | $M; t1=$(now)
	row "tw-load -d mysql | mariadb" "$(rate "$N" "$t0" "$t1")" sql
	$M -e "DROP TABLE tweets"
	t0=$(now); tw-load -d mysql --bulk="$W/m.csv" "$W/t.ndjson" | $M; t1=$(now)
	row "tw-load --bulk | mariadb (LOAD DATA)" "$(rate "$N" "$t0" "$t1")" bulk
	$M -e "TRUNCATE tweets"
	if "$PY" -c 'import pymysql' 2> /dev/null; then
		t0=$(now); "$PY" "$W/pyload.py" mysql "$W/t.ndjson" "$MYSOCK"; t1=$(now)
		row "python pymysql executemany" "$(rate "$N" "$t0" "$t1")" py
	else
		echo "skipped: python3-pymysql not installed"
	fi
else
	echo "skipped: MariaDB (no client or server did not start)"
fi

echo
echo "== PostgreSQL"
if command -v psql > /dev/null && bash "$ROOT/tests/db/start-postgres.sh" "$W/pg" > "$W/pg.log" 2>&1; then
	. "$W/pg/env.sh"
	P="psql -X -q -v ON_ERROR_STOP=1"
	t0=$(now); tw-load -d postgres "$W/t.ndjson" | $P; t1=$(now)
	row "tw-load -d postgres | psql" "$(rate "$N" "$t0" "$t1")" sql
	$P -c "DROP TABLE tweets"
	t0=$(now); tw-load -d postgres --bulk "$W/t.ndjson" | $P; t1=$(now)
	row "tw-load --bulk | psql (COPY)" "$(rate "$N" "$t0" "$t1")" bulk
	$P -c "TRUNCATE tweets"
	if "$PY" -c 'import psycopg2' 2> /dev/null; then
		t0=$(now); "$PY" "$W/pyload.py" postgres "$W/t.ndjson" "$PGHOST" "$PGPORT"; t1=$(now)
		row "python psycopg2 executemany" "$(rate "$N" "$t0" "$t1")" py
	else
		echo "skipped: python3-psycopg2 not installed"
	fi
else
	echo "skipped: PostgreSQL (no client or server did not start)"
fi

echo
# ratio WHAT EMITS LOADS: the slowest emit of EMITS over the fastest load.
ratio() {
	e=$(sort -n "$W/loads.$2" | head -1)
	l=$(sort -n "$W/loads.$3" | tail -1)
	[ -n "$e" ] && [ -n "$l" ] || { echo "$1: not measured"; return; }
	echo "$e $l" | awk -v w="$1" '{ r = $1 / $2; printf "%s: slowest tw-load emit %d rows/s, fastest load %d rows/s: %.1fx (%s)\n", w, $1, $2, r, r >= 5 ? "at least 5x: met" : "below 5x: NOT met" }'
}
cat "$W/loads.sql" "$W/loads.bulk" > "$W/loads.all"
cat "$W/loads.emit.sql" "$W/loads.emit.bulk" > "$W/loads.emit.all"
ratio "SQL (INSERT statements, loaded by the clients)" emit.sql sql
ratio "bulk (LOAD DATA, COPY, .import)" emit.bulk bulk
ratio "strictest (any emit against any load)" emit.all all
