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
eq "times: the first tweet's time to the millisecond" "$(q "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM tweets WHERE id = (SELECT min(id) FROM tweets)")" \
	"$(python3 -c "import json,sys; r=[json.loads(l) for l in open('all.ndjson') if '\"tweet\"' in l[:30]]; print(min(r, key=lambda r: int(r['id']))['created_at'])")"
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
eq "bulk: times in COPY's data are what timestamptz takes" "$(q "SELECT DISTINCT extract(epoch FROM created_at)::bigint FROM tweets")" "1704067200"
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

# Typed tables: tw-agg results grouped by author, language and hashtag
# join the star schema; a time filter of PostgreSQL's form uses the
# indexes; the types are the documented ones (tests/db/load_common.sh).
q "DROP TABLE tweets, users, hashtags"
near_data
load_near postgres
joins_suite
q "ANALYZE"
LAST="now() - interval '1 hour'"
# (windows over two hours: the last tweet is tens of seconds old, so in
# the first minute of an hour its window began more than an hour ago)
LASTW="now() - interval '2 hours'"
eq "time filter: the last hour is the last hour (tweets; windows over two hours), and not empty" \
	"$(q "SELECT (SELECT count(*) FROM by_author WHERE window_start >= $LASTW) = (SELECT count(*) FROM by_author WHERE extract(epoch FROM window_start) >= extract(epoch FROM now()) - 7200), (SELECT count(*) FROM tweets WHERE created_at >= $LAST) = (SELECT count(*) FROM tweets WHERE extract(epoch FROM created_at) >= extract(epoch FROM now()) - 3600), (SELECT count(*) FROM by_author WHERE window_start >= $LASTW) > 0, (SELECT count(*) FROM tweets WHERE created_at >= $LAST) BETWEEN 100 AND 125")" \
	"t|t|t|t"
q "EXPLAIN SELECT count(*) FROM by_author WHERE window_start >= $LAST" > plan1
contains "time filter: the windows' primary key serves window_start" plan1 "by_author_pkey"
q "EXPLAIN SELECT * FROM tweets WHERE created_at >= $LAST" > plan2
contains "time filter: tweets use tweets_created_at_idx" plan2 "tweets_created_at_idx"
q "EXPLAIN SELECT * FROM tweets WHERE author_id = 12" > plan3
contains "a user's tweets use tweets_author_id_idx" plan3 "tweets_author_id_idx"
q "EXPLAIN SELECT * FROM hashtags WHERE tag = 'ai'" > plan4
contains "a hashtag's rows use hashtags_tag_idx" plan4 "hashtags_tag_idx"
q "SELECT window_start AS \"time\", count AS value, lang AS metric FROM by_lang WHERE window_start BETWEEN '$FROM' AND '$TO' ORDER BY 1, 3" > grafana.txt
eq "grafana-style query (time, value, metric; Grafana's ISO 8601 range): a row per window and language" \
	"$(count_lines grafana.txt)" "$(near_expect agg_lang)"
q "SELECT table_name || '|' || column_name || '|' || data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('tweets', 'users', 'places', 'media', 'hashtags', 'by_author', 'by_lang', 'by_tag') ORDER BY table_name, ordinal_position" > dbtypes.txt
types_suite postgres dbtypes.txt
ALLQ="SELECT * FROM tweets ORDER BY id; SELECT * FROM users ORDER BY id; SELECT * FROM hashtags ORDER BY 1, 2; SELECT * FROM by_author ORDER BY 1, 3; SELECT * FROM by_lang ORDER BY 1, 3; SELECT * FROM by_tag ORDER BY 1, 3"
q "$ALLQ" > near1
load_near postgres
q "$ALLQ" > near2
same "typed tables: a second load changes nothing (star schema and aggregates)" near1 near2
tw-load -d postgres --no-key -t by_author_nk agg_author.ndjson | client
q "ANALYZE by_author_nk"
q "EXPLAIN SELECT count(*) FROM by_author_nk WHERE window_start >= $LAST" > plan5
eq "indexes: window_start gets its own when the key does not begin with it" \
	"$(q "SELECT indexname FROM pg_indexes WHERE tablename = 'by_author_nk'")|$(grep -c by_author_nk_window_start_idx plan5)" "by_author_nk_window_start_idx|1"
tw-load -d postgres --no-index -t tweets_ni nearflat.ndjson | client
eq "--no-index: only the primary key" "$(q "SELECT string_agg(indexname, ',') FROM pg_indexes WHERE tablename = 'tweets_ni'")" "tweets_ni_pkey"

# Tables an earlier tw-load made (text times, text group fields) keep
# their types and get the same text: keys meet, re-loads stay idempotent;
# the optional conversion of tw-load(1) then makes them join.
q 'CREATE TABLE "old_author" ("window_start" text NOT NULL, "window_end" text NOT NULL, "group_key" text NOT NULL, "author_id" text, "count" bigint, "sum_engagement" bigint, "last_username" text, "final" boolean, PRIMARY KEY ("window_start", "window_end", "group_key"))'
tw-load -d postgres -t old_author agg_author.ndjson | client
tw-load -d postgres -t old_author agg_author.ndjson | client
tw-load -d postgres --bulk -t old_author agg_author.ndjson | client
eq "old tables: loaded three times (COPY too), one row per key, the text as before" \
	"$(q "SELECT count(*), min(window_start), pg_typeof(min(author_id)) FROM old_author")" \
	"$(near_expect agg_author)|$(head -1 agg_author.ndjson | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["window_start"])')|text"
q "SELECT count(*) FROM old_author a JOIN users u ON u.id = a.author_id" > oldjoin.out 2> oldjoin.err
contains "old tables: text author_id does not join bigint ids (the issue)" oldjoin.err "operator does not exist: bigint = text"
q "ALTER TABLE old_author ALTER window_start TYPE timestamptz USING window_start::timestamptz, ALTER window_end TYPE timestamptz USING window_end::timestamptz, ALTER author_id TYPE bigint USING author_id::bigint"
tw-load -d postgres -t old_author agg_author.ndjson | client
eq "old tables: after the documented conversion, a load meets the old rows, and they join" \
	"$(q "SELECT (SELECT count(*) FROM old_author), (SELECT count(*) FROM old_author a JOIN users u ON u.id = a.author_id)")" \
	"$(near_expect agg_author)|$(near_expect agg_author)"
