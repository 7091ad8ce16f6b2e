#!/bin/sh
# tw-load into a throwaway PostgreSQL through the real psql: the star
# schema, hostile strings byte for byte, COPY (text format), idempotent
# re-loads, live visibility. The server runs in $T and is always stopped.
. "$TW_ROOT/tests/lib.sh"
. "$TW_ROOT/tests/db/load_common.sh"

if ! command -v psql > /dev/null || ! ls /usr/lib/postgresql/*/bin/pg_ctl > /dev/null 2>&1; then
	[ "$(id -u)" = 0 ] && sh "$TW_ROOT/tests/deps.sh" > /dev/null 2>&1
fi
if ! command -v psql > /dev/null; then
	skip "tw-load postgres" "no psql or server (tests/deps.sh installs them)"
	exit 0
fi
cd "$T" || exit 1
SRV=$T/pg
trap 'bash "$TW_ROOT/tests/db/stop-postgres.sh" "$SRV" > /dev/null 2>&1; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
if ! bash "$TW_ROOT/tests/db/start-postgres.sh" "$SRV" > start.log 2>&1; then
	not_ok "postgres server starts" "$(tail -3 start.log | tr '\n' ' ')"
	exit 0
fi
. "$SRV/env.sh"
P="psql -X -q -v ON_ERROR_STOP=1"
q() { psql -X -Atc "$1"; }
star() {
	for t in tweets users places media hashtags; do printf '%s %s ' $t "$(q "SELECT count(*) FROM $t")"; done | sed 's/ $//'
}
HEXQ="SELECT id||'|'||COALESCE(upper(encode(convert_to(text,'UTF8'),'hex')),'NULL')||'|'||COALESCE(upper(encode(convert_to(username,'UTF8'),'hex')),'NULL') FROM tweets ORDER BY id"

if command -v tw-gen > /dev/null; then
	tw-gen -n 5000 --seed 1 | tw-flatten -q -t all > gen.ndjson
else
	: > gen.ndjson
fi
tw-flatten -q -t all "$C"/twarc-csv/*.jsonl "$C"/python-twitter/*.json > corpus.ndjson 2> /dev/null
cat gen.ndjson corpus.ndjson > all.ndjson
tw-load -d postgres all.ndjson > star.sql 2> star.err
check "star schema: psql runs the script" sh -c "$P < star.sql"
eq "star schema: rows per table = distinct keys" "$(star)" "$(counts all.ndjson)"
q "SELECT * FROM tweets ORDER BY id; SELECT * FROM users ORDER BY id; SELECT * FROM hashtags ORDER BY 1,2" > dump1
tw-load -d postgres all.ndjson | $P
q "SELECT * FROM tweets ORDER BY id; SELECT * FROM users ORDER BY id; SELECT * FROM hashtags ORDER BY 1,2" > dump2
eq "idempotent: second load, same counts" "$(star)" "$(counts all.ndjson)"
same "idempotent: second load, same content" dump1 dump2
eq "types: bigint ids, text, jsonb" \
	"$(q "SELECT string_agg(data_type, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name='tweets' AND column_name IN ('id','text','hashtags')")" \
	"jsonb,bigint,text"

storage_suite postgres psql -X -At

hostile "$T"
q "DROP TABLE tweets"
tw-load -d postgres hostile.ndjson > h.sql 2> /dev/null
check "hostile: psql runs the script" sh -c "$P < h.sql"
q "$HEXQ" > got.txt
same "hostile: every string comes back byte for byte" got.txt expected.txt
eq "hostile: the DROP never ran" "$(q "SELECT count(*) FROM tweets")" "$(count_lines hostile.ndjson)"
q "DROP TABLE tweets"
tw-load -d postgres --bulk hostile.ndjson > hb.sql 2> /dev/null
contains "bulk: COPY in text format" hb.sql "FROM STDIN;"
check "bulk: COPY script runs (a line '\\.' in a value cannot end it)" sh -c "$P < hb.sql"
q "$HEXQ" > gotb.txt
same "bulk: COPY keeps every string and NULL exact" gotb.txt expected.txt
$P < hb.sql
eq "bulk: re-load with the key, same count" "$(q "SELECT count(*) FROM tweets")" "$(count_lines hostile.ndjson)"
tw-load -d postgres --bulk -t tweets all.ndjson 2> /dev/null | $P
eq "bulk: star data into tweets (duplicates in one COPY, last wins)" "$(q "SELECT count(*) FROM tweets WHERE id < 1000 OR id > 1100")" "$(counts all.ndjson | cut -d' ' -f2)"

q "CREATE TABLE live (n bigint, s text)"
LIVE_QUERY="psql -X -Atc 'SELECT count(*) FROM live'" check "live: each row visible within 2.5 s while the stream is open" \
	live postgres psql -X -q -v ON_ERROR_STOP=1
client() { $P; }
odd_names > odd.ndjson
tw-load -d postgres -t odd odd.ndjson 2> odd.err | $P 2> odd.sqlerr
eq "names: folded, system and long names load (the clashes ignored, reported)" \
    "$(cat odd.sqlerr)|$(q "SELECT count(*) FROM information_schema.columns WHERE table_name='odd'")" "|5"
contains "names: a clash is reported" odd.err "field 'id' is not a column"
windows_suite postgres
bool_suite postgres
check "no PWNED file" test ! -e "$T/PWNED"
