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
eq "types: DATETIME times, BIGINT ids, utf8mb4 text" \
	"$(q "SELECT GROUP_CONCAT(DATA_TYPE ORDER BY COLUMN_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='$MYDB' AND TABLE_NAME='tweets' AND COLUMN_NAME IN ('id','text','created_at')")" \
	"datetime,bigint,longtext"
eq "table charset utf8mb4 (binary collation)" "$(q "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA='$MYDB' AND TABLE_NAME='tweets'")" "utf8mb4_bin"

eq "times: the first tweet's time to the millisecond, in UTC" "$(q "SELECT DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ') FROM tweets WHERE id = (SELECT min(id) FROM tweets)" | sed 's/[0-9][0-9][0-9]Z$/Z/')" \
	"$(python3 -c "import json,sys; r=[json.loads(l) for l in open('all.ndjson') if '\"tweet\"' in l[:30]]; print(min(r, key=lambda r: int(r['id']))['created_at'])")"
eq "times: milliseconds kept" "$(q "SELECT COUNT(DISTINCT MICROSECOND(created_at) DIV 1000) > 50, MAX(MICROSECOND(created_at) % 1000) FROM tweets" | tr '\t' '|')" "1|0"
storage_suite mysql sh -c "exec $M -N -B"

hostile "$T"
q "DROP TABLE tweets"
tw-load -d mysql hostile.ndjson > h.sql 2> /dev/null
check "hostile: mariadb runs the script" sh -c "$M < h.sql"
eq "hostile: a user name longer than VARCHAR(191) widens the column to LONGTEXT" \
	"$(q "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='$MYDB' AND TABLE_NAME='tweets' AND COLUMN_NAME='username'")|$(grep -c 'ALTER TABLE `tweets` MODIFY `username` LONGTEXT;' h.sql)" "longtext|1"
q "$HEXQ" > got.txt
same "hostile: every string comes back byte for byte" got.txt expected.txt
eq "hostile: the DROP never ran" "$(q "SELECT count(*) FROM tweets")" "$(count_lines hostile.ndjson)"
check "hostile: safe with NO_BACKSLASH_ESCAPES too" sh -c "q() { :; }; (echo \"SET SESSION sql_mode='NO_BACKSLASH_ESCAPES';\"; cat h.sql) | $M"
q "$HEXQ" > got2.txt
same "hostile: same bytes under NO_BACKSLASH_ESCAPES" got2.txt expected.txt
q "DROP TABLE tweets"
tw-load -d mysql --bulk="$T/h.csv" hostile.ndjson > hb.sql 2> /dev/null
check "bulk: LOAD DATA LOCAL INFILE script runs" sh -c "$M < hb.sql"
contains "bulk: the long user name widens the column before LOAD DATA" hb.sql 'ALTER TABLE `tweets` MODIFY `username` LONGTEXT;'
eq "bulk: times in the CSV are what DATETIME(3) takes" "$(q "SELECT DISTINCT created_at FROM tweets")" "2024-01-01 00:00:00.000"
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

# Typed tables: tw-agg results grouped by author, language and hashtag
# join the star schema; a time filter of MySQL's form uses the indexes;
# the types are the documented ones (tests/db/load_common.sh).
q "DROP TABLE tweets, users, places, media, hashtags"
near_data
load_near mysql
joins_suite
q "ANALYZE TABLE tweets, hashtags, by_author" > /dev/null
LAST="UTC_TIMESTAMP() - INTERVAL 1 HOUR"
# (windows over two hours: the last tweet is tens of seconds old, so in
# the first minute of an hour its window began more than an hour ago)
LASTW="UTC_TIMESTAMP() - INTERVAL 2 HOUR"
eq "time filter: the last hour is the last hour (tweets; windows over two hours), and not empty" \
	"$(q "SET time_zone = '+00:00'; SELECT (SELECT count(*) FROM by_author WHERE window_start >= $LASTW) = (SELECT count(*) FROM by_author WHERE UNIX_TIMESTAMP(window_start) >= UNIX_TIMESTAMP() - 7200), (SELECT count(*) FROM tweets WHERE created_at >= $LAST) = (SELECT count(*) FROM tweets WHERE UNIX_TIMESTAMP(created_at) >= UNIX_TIMESTAMP() - 3600), (SELECT count(*) FROM by_author WHERE window_start >= $LASTW) > 0, (SELECT count(*) FROM tweets WHERE created_at >= $LAST) BETWEEN 100 AND 125" | tr '\t' '|')" \
	"1|1|1|1"
explain_key() { q "EXPLAIN $1" | cut -f6 | head -1; }
eq "time filter: the windows' primary key serves window_start" "$(explain_key "SELECT count(*) FROM by_author WHERE window_start >= $LAST")" PRIMARY
eq "time filter: tweets use tweets_created_at_idx" "$(explain_key "SELECT * FROM tweets WHERE created_at >= $LAST")" tweets_created_at_idx
eq "a user's tweets use tweets_author_id_idx" "$(explain_key "SELECT * FROM tweets WHERE author_id = 12")" tweets_author_id_idx
eq "a hashtag's rows use hashtags_tag_idx" "$(explain_key "SELECT * FROM hashtags WHERE tag = 'ai'")" hashtags_tag_idx
# The session's time zone: tw-load's output sets UTC, so NOW() there is
# UTC whatever the client's zone; without it, a +05:00 session's NOW()
# is five hours ahead of the values (the check can fail).
TZQ="SELECT (SELECT count(*) FROM tweets WHERE created_at >= NOW() - INTERVAL 1 HOUR) = (SELECT count(*) FROM tweets WHERE created_at >= $LAST);"
eq "time zone: NOW() after tw-load's output in a +05:00 client is UTC" \
	"$( (echo '{"n":1}' | tw-load -d mysql -t tz_probe; echo "$TZQ") | $M -N -B --init-command="SET time_zone = '+05:00'" | tail -1)|$(echo "$TZQ" | $M -N -B --init-command="SET time_zone = '+05:00'")" "1|0"
FROM_S=$(python3 -c "import datetime as d; print(int(d.datetime.strptime('$FROM', '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=d.timezone.utc).timestamp()))")
TO_S=$(python3 -c "import datetime as d; print(int(d.datetime.strptime('$TO', '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=d.timezone.utc).timestamp()))")
$M -N -B -e "SET time_zone = '+00:00'; SELECT window_start AS time, count AS value, lang AS metric FROM by_lang WHERE window_start BETWEEN FROM_UNIXTIME($FROM_S) AND FROM_UNIXTIME($TO_S) ORDER BY 1, 3" > grafana.txt
eq "grafana-style query (time, value, metric; a session time zone of +00:00, as Grafana's data source is told, and its FROM_UNIXTIME range): a row per window and language" \
	"$(count_lines grafana.txt)" "$(near_expect agg_lang)"
q "SELECT CONCAT(TABLE_NAME, '|', COLUMN_NAME, '|', COLUMN_TYPE) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$MYDB' AND TABLE_NAME IN ('tweets', 'users', 'hashtags', 'by_author', 'by_lang', 'by_tag') ORDER BY TABLE_NAME, ORDINAL_POSITION" > dbtypes.txt
for rt in place media; do
	grep "\"record_type\":\"$rt\"" all.ndjson | head -50 > one_$rt.ndjson
	tw-load -d mysql one_$rt.ndjson 2> /dev/null | client
done
q "SELECT CONCAT(TABLE_NAME, '|', COLUMN_NAME, '|', COLUMN_TYPE) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$MYDB' AND TABLE_NAME IN ('places', 'media') ORDER BY TABLE_NAME, ORDINAL_POSITION" >> dbtypes.txt
types_suite mysql dbtypes.txt
ALLQ="SELECT * FROM tweets ORDER BY id; SELECT * FROM users ORDER BY id; SELECT * FROM hashtags ORDER BY 1, 2; SELECT * FROM by_author ORDER BY 1, 3; SELECT * FROM by_lang ORDER BY 1, 3; SELECT * FROM by_tag ORDER BY 1, 3"
q "$ALLQ" > near1
load_near mysql
q "$ALLQ" > near2
same "typed tables: a second load changes nothing (star schema and aggregates)" near1 near2
tw-load -d mysql --no-key -t by_author_nk agg_author.ndjson | client
eq "indexes: window_start gets its own when the key does not begin with it" \
	"$(q "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '$MYDB' AND TABLE_NAME = 'by_author_nk'")|$(explain_key "SELECT count(*) FROM by_author_nk WHERE window_start >= $LAST")" \
	"by_author_nk_window_start_idx|by_author_nk_window_start_idx"
tw-load -d mysql --no-index -t tweets_ni nearflat.ndjson | client
eq "--no-index: only the primary key" \
	"$(q "SELECT GROUP_CONCAT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '$MYDB' AND TABLE_NAME = 'tweets_ni'")" "PRIMARY"

# A table an earlier tw-load made (text times, text group fields): the
# script stops before it writes there, and after the conversion that
# tw-load(1) gives, loads meet the rows that were there.
q "CREATE TABLE old_author (window_start VARCHAR(191) NOT NULL, window_end VARCHAR(191) NOT NULL, group_key VARCHAR(191) NOT NULL, author_id LONGTEXT, count BIGINT, sum_engagement BIGINT, last_username LONGTEXT, final BOOLEAN, PRIMARY KEY (window_start, window_end, group_key)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
# Its rows as the earlier tw-load wrote them: times as ISO 8601 text.
tw-load -d mysql --no-create -t old_author agg_author.ndjson 2> /dev/null |
	sed "s/'\([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\) \([0-9:.]*\)'/'\1T\2Z'/g" | client
eq "old tables: the rows hold ISO 8601 text" "$(q "SELECT count(*) FROM old_author WHERE window_start LIKE '%T%Z'")" "$(near_expect agg_author)"
tw-load -d mysql -t old_author agg_author.ndjson 2> /dev/null | $M > old.out 2> old.err
eq "old tables: the script stops (status 1), nothing added" "$?|$(q "SELECT count(*) FROM old_author")" "1|$(near_expect agg_author)"
contains "old tables: the message says where to look" old.err "tw-load: old_author holds times as text: see Old tables in tw-load(1)"
q "UPDATE old_author SET window_start = REPLACE(REPLACE(window_start, 'T', ' '), 'Z', ''), window_end = REPLACE(REPLACE(window_end, 'T', ' '), 'Z', ''); ALTER TABLE old_author MODIFY window_start DATETIME(3) NOT NULL, MODIFY window_end DATETIME(3) NOT NULL, MODIFY author_id BIGINT"
tw-load -d mysql -t old_author agg_author.ndjson 2> /dev/null | client
tw-load -d mysql -t old_author agg_author.ndjson 2> /dev/null | client
eq "old tables: converted as documented, two loads meet the old rows" "$(q "SELECT count(*) FROM old_author")" "$(near_expect agg_author)"
eq "old tables: and the converted table joins users" "$(q "SELECT count(*) FROM old_author a JOIN users u ON u.id = a.author_id")" "$(near_expect agg_author)"
