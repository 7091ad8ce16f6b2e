#!/bin/sh
# tw-load into a throwaway MariaDB through the real mariadb client: the
# star schema, hostile strings byte for byte, LOAD DATA, idempotent
# re-loads, live visibility. The server runs in $T and is always stopped.
. "$TW_ROOT/tests/lib.sh"
. "$TW_ROOT/tests/db/load_common.sh"

if ! command -v mariadb > /dev/null || { ! command -v mariadbd > /dev/null && [ ! -x /usr/sbin/mariadbd ]; }; then
	[ "$(id -u)" = 0 ] && sh "$TW_ROOT/tests/deps.sh" > /dev/null 2>&1
fi
if ! command -v mariadb > /dev/null; then
	skip "tw-load mariadb" "no mariadb client or server (tests/deps.sh installs them)"
	exit 0
fi
cd "$T" || exit 1
SRV=$T/mariadb
trap 'bash "$TW_ROOT/tests/db/stop-mariadb.sh" "$SRV" > /dev/null 2>&1; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
if ! bash "$TW_ROOT/tests/db/start-mariadb.sh" "$SRV" > start.log 2>&1; then
	not_ok "mariadb server starts" "$(tail -3 start.log | tr '\n' ' ')"
	exit 0
fi
. "$SRV/env.sh"
M="mariadb --no-defaults --local-infile=1 --socket=$MYSOCK -uroot $MYDB"
client() { $M; }
q() { $M -N -B -e "$1"; }
star() {
	for t in tweets users places media hashtags; do printf '%s %s ' $t "$(q "SELECT count(*) FROM $t")"; done | sed 's/ $//'
}
HEXQ="SELECT CONCAT(id,'|',IF(text IS NULL,'NULL',HEX(text)),'|',IF(username IS NULL,'NULL',HEX(username))) FROM tweets ORDER BY id"

if command -v tw-gen > /dev/null; then
	tw-gen -n 5000 --seed 1 | tw-flatten -q -t all > gen.ndjson
else
	: > gen.ndjson
fi
tw-flatten -q -t all "$C"/twarc-csv/*.jsonl "$C"/python-twitter/*.json > corpus.ndjson 2> /dev/null
cat gen.ndjson corpus.ndjson > all.ndjson
tw-load -d mysql all.ndjson > star.sql 2> star.err
check "star schema: mariadb runs the script" sh -c "$M < star.sql"
eq "star schema: rows per table = distinct keys" "$(star)" "$(counts all.ndjson)"
q "SELECT * FROM tweets ORDER BY id; SELECT * FROM users ORDER BY id; SELECT * FROM hashtags ORDER BY 1,2" > dump1
tw-load -d mysql all.ndjson | client
q "SELECT * FROM tweets ORDER BY id; SELECT * FROM users ORDER BY id; SELECT * FROM hashtags ORDER BY 1,2" > dump2
eq "idempotent: second load, same counts" "$(star)" "$(counts all.ndjson)"
same "idempotent: second load, same content" dump1 dump2
eq "types: BIGINT ids, utf8mb4 text, JSON" \
	"$(q "SELECT GROUP_CONCAT(DATA_TYPE ORDER BY COLUMN_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='$MYDB' AND TABLE_NAME='tweets' AND COLUMN_NAME IN ('id','text','created_at')")" \
	"longtext,bigint,longtext"
eq "table charset utf8mb4 (binary collation)" "$(q "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA='$MYDB' AND TABLE_NAME='tweets'")" "utf8mb4_bin"

storage_suite mysql sh -c "exec $M -N -B"

hostile "$T"
q "DROP TABLE tweets"
tw-load -d mysql hostile.ndjson > h.sql 2> /dev/null
check "hostile: mariadb runs the script" sh -c "$M < h.sql"
q "$HEXQ" > got.txt
same "hostile: every string comes back byte for byte" got.txt expected.txt
eq "hostile: the DROP never ran" "$(q "SELECT count(*) FROM tweets")" "$(count_lines hostile.ndjson)"
check "hostile: safe with NO_BACKSLASH_ESCAPES too" sh -c "q() { :; }; (echo \"SET SESSION sql_mode='NO_BACKSLASH_ESCAPES';\"; cat h.sql) | $M"
q "$HEXQ" > got2.txt
same "hostile: same bytes under NO_BACKSLASH_ESCAPES" got2.txt expected.txt
q "DROP TABLE tweets"
tw-load -d mysql --bulk="$T/h.csv" hostile.ndjson > hb.sql 2> /dev/null
check "bulk: LOAD DATA LOCAL INFILE script runs" sh -c "$M < hb.sql"
q "$HEXQ" > gotb.txt
same "bulk: LOAD DATA keeps every string and NULL exact" gotb.txt expected.txt
$M < hb.sql
eq "bulk: re-load with the key (REPLACE), same count" "$(q "SELECT count(*) FROM tweets")" "$(count_lines hostile.ndjson)"

q "CREATE TABLE live (n BIGINT, s LONGTEXT)"
LIVE_QUERY="$M -N -B -e 'SELECT count(*) FROM live'" check "live: each row visible within 2.5 s while the stream is open" \
	live mysql sh -c "exec $M"
odd_names > odd.ndjson
tw-load -d mysql -t odd odd.ndjson 2> odd.err | $M 2> odd.sqlerr
eq "names: folded, system and long names load (the clashes ignored, reported)" \
    "$(cat odd.sqlerr)|$(q "SELECT count(*) FROM information_schema.columns WHERE table_name='odd'")" "|5"
windows_suite mysql
bool_suite mysql
check "no PWNED file" test ! -e "$T/PWNED"
