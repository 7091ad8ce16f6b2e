#!/bin/sh
# tw-load into SQLite through the real sqlite3 shell: the star schema,
# hostile strings byte for byte, bulk .import, idempotent re-loads,
# live visibility, CSV, inference, bad lines, write errors.
. "$TW_ROOT/tests/lib.sh"
. "$TW_ROOT/tests/db/load_common.sh"

if ! command -v sqlite3 > /dev/null; then
	skip "tw-load sqlite" "no sqlite3 client (tests/deps.sh installs it)"
	exit 0
fi
cd "$T" || exit 1
q() { sqlite3 "$DB" "$1"; }
HEXQ="SELECT id || '|' || CASE WHEN text IS NULL THEN 'NULL' ELSE hex(text) END || '|' || CASE WHEN username IS NULL THEN 'NULL' ELSE hex(username) END FROM tweets ORDER BY id"
star() {
	for t in tweets users places media hashtags; do printf '%s %s ' $t "$(q "SELECT count(*) FROM $t")"; done | sed 's/ $//'
}

# The star schema: generated and real data, one pass.
if command -v tw-gen > /dev/null; then
	tw-gen -n 5000 --seed 1 | tw-flatten -q -t all > gen.ndjson
else
	skip "generated data" "no tw-gen"
	: > gen.ndjson
fi
tw-flatten -q -t all "$C"/twarc-csv/*.jsonl "$C"/python-twitter/*.json > corpus.ndjson 2> /dev/null
cat gen.ndjson corpus.ndjson > all.ndjson
DB=$T/star.db
tw-load all.ndjson > star.sql 2> star.err
check "star schema: tw-load exits 0" test $? = 0
check "star schema: sqlite3 -bail runs it" sh -c "sqlite3 -bail '$DB' < star.sql"
eq "star schema: rows per table = distinct keys" "$(star)" "$(counts all.ndjson)"
q "SELECT * FROM tweets ORDER BY id; SELECT * FROM users ORDER BY id; SELECT * FROM hashtags ORDER BY 1,2" > dump1
tw-load all.ndjson | sqlite3 -bail "$DB"
q "SELECT * FROM tweets ORDER BY id; SELECT * FROM users ORDER BY id; SELECT * FROM hashtags ORDER BY 1,2" > dump2
eq "idempotent: second load, same counts" "$(star)" "$(counts all.ndjson)"
same "idempotent: second load, same content" dump1 dump2
eq "types: ids are integers, times text" "$(q "SELECT DISTINCT typeof(id) || typeof(created_at) || typeof(ts) FROM tweets")" "integertextinteger"
eq "round trip: created_at as written" "$(q "SELECT created_at FROM tweets WHERE id = (SELECT min(id) FROM tweets)")" \
	"$(python3 -c "import json,sys; r=[json.loads(l) for l in open('all.ndjson') if '\"tweet\"' in l[:30]]; print(min(r, key=lambda r: int(r['id']))['created_at'])")"

# Hostile strings, through INSERTs and through .import.
storage_suite sqlite sqlite3 "$DB"

hostile "$T"
DB=$T/hostile.db
tw-load hostile.ndjson > h.sql 2> h.err
check "hostile: sqlite3 -bail runs the script" sh -c "sqlite3 -bail '$DB' < h.sql"
q "$HEXQ" > got.txt
same "hostile: every string comes back byte for byte (NUL removed, bad UTF-8 -> U+FFFD)" got.txt expected.txt
check "hostile: no dot-command ran (no PWNED file)" test ! -e "$T/PWNED"
eq "hostile: table still there, all rows" "$(q "SELECT count(*) FROM tweets")" "$(count_lines hostile.ndjson)"
contains "hostile: NUL removals are counted" h.err "28 NUL bytes removed"
check "hostile: no raw NUL, CR or LF inside a literal" python3 -c "
import sys
d = open('h.sql', 'rb').read()
assert b'\0' not in d and b'\r' not in d
for l in d.split(b'\n'):
    assert l.count(b\"'\") % 2 == 0, l[:80]
"
DB=$T/bulk.db
tw-load --bulk="$T/bulk.csv" hostile.ndjson > b.sql 2> /dev/null
check "bulk: .import script runs" sh -c "sqlite3 -bail '$DB' < b.sql"
q "$HEXQ" > gotb.txt
same "bulk: .import keeps every string and NULL exact" gotb.txt expected.txt
eq "bulk: numbers stay numbers" "$(q "SELECT DISTINCT typeof(id) || typeof(ts) FROM tweets")" "integerinteger"
DB=$T/star2.db
tw-load --bulk="$T/star.csv" -t tweets gen.ndjson corpus.ndjson > sb.sql 2> /dev/null
sqlite3 -bail "$DB" < sb.sql
sqlite3 -bail "$DB" < sb.sql
eq "bulk: re-load with the key, same count" "$(q "SELECT count(*) FROM tweets")" "$(counts all.ndjson | cut -d' ' -f2)"

# CSV: header, then rows, nothing else; parsed back equal.
tw-load --csv -t tweets hostile.ndjson > h.csv 2> /dev/null
check "csv: RFC 4180, header + one row per record, strings exact" python3 -c "
import csv, json
rows = list(csv.reader(open('h.csv', newline='', encoding='utf-8')))
assert rows[0][:3] == ['id', 'created_at', 'ts'], rows[0][:3]
exp = [l.split('|') for l in open('expected.txt').read().split('\n') if l]
assert len(rows) == len(exp) + 1
t = rows[0].index('text')
for r, e in zip(rows[1:], exp):
    assert r[0] == e[0]
    if e[1] != 'NULL':
        assert r[t].encode().hex().upper() == e[1], (r[0])
"

# Live: rows are visible while the pipe stays open.
DB=$T/live.db
sqlite3 "$DB" "CREATE TABLE live (n INTEGER, s TEXT)"
LIVE_QUERY="sqlite3 '$DB' 'SELECT count(*) FROM live'" check "live: each row visible within 2.5 s while the stream is open" \
	live sqlite sqlite3 "$DB"
# A reader holds the database (a read transaction: a dashboard, a poll)
# when a commit is due: the sqlite3 shell waits for it (.timeout) instead
# of failing the COMMIT, which leaves the rows uncommitted: invisible
# until a later commit, and lost if that was the last one.
held() {
	python3 - "$1" "$2" <<'PY'
import sqlite3, subprocess, sys, time
db, args = sys.argv[1], sys.argv[2].split()
rd = sqlite3.connect(db, isolation_level=None, timeout=0.2)
rd.execute('BEGIN')
rd.execute('SELECT count(*) FROM held').fetchall()	# holds a SHARED lock
load = subprocess.Popen(['tw-load', '-t', 'held', '--no-key'] + args,
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
cl = subprocess.Popen(['sqlite3', db], stdin=load.stdout,
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
load.stdout.close()
load.stdin.write(b'{"n":1}\n'); load.stdin.flush()
time.sleep(1.5)			# tw-load commits at once when input pauses
rd.execute('COMMIT')
t0 = time.time()
while True:
    try:
        seen = sqlite3.connect(db).execute('SELECT count(*) FROM held').fetchone()[0]
    except sqlite3.OperationalError:	# the writer's failed COMMIT holds a lock
        seen = 0
    if seen == 1 or time.time() - t0 > 2.5:
        break
    time.sleep(0.1)
load.stdin.write(b'{"n":2}\n'); load.stdin.close()
load.wait(10)
err = cl.communicate(timeout=10)[1].decode()
n = sqlite3.connect(db).execute('SELECT count(*) FROM held').fetchone()[0]
print('%d %d %s' % (seen, n, 'locked' if 'locked' in err else 'clean'))
PY
}
DB=$T/held.db
sqlite3 "$DB" "CREATE TABLE held (n INTEGER)"
eq "live: a commit waits for a reader that holds the database (no row lost)" "$(held "$DB" '')" "1 2 clean"
DB=$T/held0.db
sqlite3 "$DB" "CREATE TABLE held (n INTEGER)"
eq "live: --busy-timeout 0: that commit fails, row 1 shows only with row 2 (the test can fail)" \
	"$(held "$DB" '--busy-timeout 0')" "0 2 locked"
echo '{"n":1}' | tw-load -t t --busy-timeout soon > bt.out 2> bt.err
eq "--busy-timeout soon: status 2, no output" "$? $(wc -c < bt.out)" "2 0"
contains "--busy-timeout soon: the option is named" bt.err "--busy-timeout: not a number"
eq "--busy-timeout 250ms: the first line" "$(echo '{"n":1}' | tw-load -t t --busy-timeout 250ms | head -1)" ".timeout 250"
eq "--busy-timeout: only SQLite gets the line" "$(echo '{"n":1}' | tw-load -d mysql -t t | grep -c '^\.timeout')" 0

# Inference: tw-agg style windows and unknown records.
DB=$T/infer.db
cat > win.ndjson <<'J'
{"window_start":"2024-01-01T00:00:00.000Z","window_end":"2024-01-01T00:01:00.000Z","lang":"en","count":3,"avg_x":1.5,"final":true,"top_h":["a","b"]}
{"window_start":"2024-01-01T00:00:00.000Z","window_end":"2024-01-01T00:01:00.000Z","lang":"fr","count":2,"avg_x":2,"final":false,"top_h":[]}
{"window_start":"2024-01-01T00:00:00.000Z","window_end":"2024-01-01T00:01:00.000Z","lang":"en","count":4,"avg_x":2.5,"final":true,"top_h":["c"]}
J
tw-load win.ndjson > win.sql 2> win.err
contains "windows: key is the window and the group's hash" win.sql 'PRIMARY KEY ("window_start", "window_end", "group_key")'
contains "windows: integer, real, boolean and JSON columns" win.sql '"count" INTEGER'
sqlite3 -bail "$DB" < win.sql
eq "windows: the last row for a key wins" "$(q "SELECT lang, count, avg_x, top_h FROM windows ORDER BY lang" | tr '\n' ' ')" 'en|4|2.5|["c"] fr|2|2.0|[] '

printf '%s\n' '{"a":1,"b":"x"}' '{"a":2.5,"b":3,"c":1}' '{"a":"z","b":null}' > widen.ndjson
tw-load --batch 1 widen.ndjson > widen.sql 2> widen.err
check "inferred: later values that do not fit still load" sh -c "sqlite3 -bail '$DB' < widen.sql"
eq "inferred: values as given" "$(q "SELECT quote(a), quote(b) FROM records ORDER BY rowid" | tr '\n' ' ')" "1|'x' 2.5|'3' 'z'|NULL "
contains "inferred: an unknown later field is reported" widen.err "field 'c' is not a column"

# Bad lines: reported with file:line, kept, never stop the load.
printf '%s\n' '{"record_type":"tweet","id":"1","text":"ok"}' 'not json' '[1]' \
	'{"record_type":"tweet","id":"99999999999999999999","text":"big"}' \
	'{"record_type":"tweet","id":"2","ts":1.5}' '{"record_type":"tweet","text":"no id"}' \
	'{"record_type":"tweet","id":"3","text":"ok"}' > bad.ndjson
tw-load --rejects rej.ndjson bad.ndjson > bad.sql 2> bad.err
check "bad lines: exit 0" test $? = 0
contains "bad lines: not JSON reported with file:line" bad.err "tw-load: bad.ndjson:2: "
contains "bad lines: not an object" bad.err "bad.ndjson:3: not a JSON object"
contains "bad lines: id over BIGINT" bad.err "bad.ndjson:4: column 'id': not an id that fits BIGINT"
contains "bad lines: non-integer in an integer column" bad.err "bad.ndjson:5: column 'ts'"
contains "bad lines: null key" bad.err "bad.ndjson:6: key column 'id' is null"
eq "bad lines: kept verbatim" "$(sed -n 1p rej.ndjson)|$(count_lines rej.ndjson)" "not json|5"
DB=$T/bad.db
sqlite3 -bail "$DB" < bad.sql
eq "bad lines: the good rows loaded" "$(q "SELECT group_concat(id) FROM tweets")" "1,3"
tw-load --strict bad.ndjson > /dev/null 2> strict.err
eq "--strict: exit 1 at the first bad line" "$?" 1

# Output errors and usage.
tw-load all.ndjson > /dev/full 2> full.err
eq "stdout /dev/full: exit 1" "$?" 1
contains "stdout /dev/full: message" full.err "tw-load: <stdout>: write error: No space left on device"
tw-load --dialect oracle < /dev/null > /dev/null 2>&1
eq "usage: bad dialect exits 2" "$?" 2
tw-load --table 'x; drop' < /dev/null > /dev/null 2>&1
eq "usage: a table name must be a plain name" "$?" 2
check "usage: --help exits 0" sh -c "tw-load --help | grep -q partition-by"

# Names the databases fold together or refuse; tw-agg windows of every
# kind of group (tests/db/load_common.sh).
client() { sqlite3 -bail "$DB"; }
DB=$T/odd.db
odd_names > odd.ndjson
tw-load -t odd odd.ndjson 2> odd.err | sqlite3 -bail "$DB" 2> odd.sqlerr
eq "names: folded, system and long names load (the clashes ignored, reported)" \
    "$(cat odd.sqlerr)|$(q "SELECT count(*) FROM pragma_table_info('odd')")" "|5"
contains "names: a clash is reported" odd.err "field 'id' is not a column"
DB=$T/winsuite.db
windows_suite sqlite
bool_suite sqlite

# Limits: an inferred table of 1000 columns loads; fields past 1000 are
# ignored and counted.
DB=$T/wide.db
python3 -c "
import json
for i in range(3): print(json.dumps({'c%d' % k: k for k in range(1000)}))" > wide1000.ndjson
python3 -c "
import json
for i in range(3): print(json.dumps({'c%d' % k: k for k in range(1001)}))" > wide1001.ndjson
tw-load -t w1000 wide1000.ndjson 2> /dev/null | sqlite3 -bail "$DB"
eq "limit: 1000 columns, all loaded" "$(q "SELECT count(*) FROM pragma_table_info('w1000')")|$(q 'SELECT c999 FROM w1000 LIMIT 1')" "1000|999"
tw-load -t w1001 wide1001.ndjson 2> w1001.err | sqlite3 -bail "$DB"
eq "limit: 1001 fields, 1000 columns" "$(q "SELECT count(*) FROM pragma_table_info('w1001')")" 1000
contains "  ... the field past the limit is reported" w1001.err "field 'c1000' is not a column"

# Typed tables: tw-agg results grouped by author, language and hashtag
# join the star schema; a time filter of SQLite's form uses the indexes;
# the types are the documented ones (tests/db/load_common.sh).
DB=$T/near.db
client() { sqlite3 -bail "$DB"; }
near_data
load_near sqlite
joins_suite
LAST="strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour')"
eq "time filter: the last hour as text of the same form is the last hour (windows, tweets), and not empty" \
	"$(q "SELECT (SELECT count(*) FROM by_author WHERE window_start >= $LAST) = (SELECT count(*) FROM by_author WHERE julianday(window_start) >= julianday('now', '-1 hour')), (SELECT count(*) FROM tweets WHERE created_at >= $LAST) = (SELECT count(*) FROM tweets WHERE julianday(created_at) >= julianday('now', '-1 hour')), (SELECT count(*) FROM by_author WHERE window_start >= $LAST) > 0, (SELECT count(*) FROM tweets WHERE created_at >= $LAST) BETWEEN 100 AND 125")" \
	"1|1|1|1"
eq "times: ISO 8601 text with Z, milliseconds kept, read by SQLite's date functions" \
	"$(q "SELECT typeof(created_at), length(created_at), substr(created_at, 11, 1) || substr(created_at, 24), strftime('%Y-%m-%dT%H:%M:%fZ', created_at) = created_at FROM tweets WHERE id = (SELECT min(id) FROM tweets)")" "text|24|TZ|1"
q "EXPLAIN QUERY PLAN SELECT count(*) FROM by_author WHERE window_start >= $LAST" > plan1
contains "time filter: the windows' primary key serves window_start" plan1 "INDEX sqlite_autoindex_by_author_1 (window_start>?)"
q "EXPLAIN QUERY PLAN SELECT * FROM tweets WHERE created_at >= $LAST" > plan2
contains "time filter: tweets use tweets_created_at_idx" plan2 "INDEX tweets_created_at_idx (created_at>?)"
q "EXPLAIN QUERY PLAN SELECT * FROM tweets WHERE author_id = 12" > plan3
contains "a user's tweets use tweets_author_id_idx" plan3 "INDEX tweets_author_id_idx (author_id=?)"
q "EXPLAIN QUERY PLAN SELECT * FROM hashtags WHERE tag = 'ai'" > plan4
contains "a hashtag's rows use hashtags_tag_idx" plan4 "INDEX hashtags_tag_idx (tag=?)"
q "SELECT window_start AS time, count AS value, lang AS metric FROM by_lang WHERE window_start BETWEEN '$FROM' AND '$TO' ORDER BY 1, 3" > grafana.txt
eq "grafana-style query (time, value, metric): a row per window and language" "$(count_lines grafana.txt)" "$(near_expect agg_lang)"
check "grafana-style query: time is RFC 3339, as Grafana's SQLite plugin parses it" python3 -c "
import datetime
for l in open('grafana.txt'):
    t, v, m = l.rstrip('\n').split('|')
    datetime.datetime.strptime(t, '%Y-%m-%dT%H:%M:%S.%fZ'); int(v); assert m
"
for t in tweets users places media hashtags; do
	sqlite3 "$T/star.db" "SELECT '$t' || '|' || name || '|' || type FROM pragma_table_info('$t')"
done > dbtypes.txt
for t in by_author by_lang by_tag; do q "SELECT '$t' || '|' || name || '|' || type FROM pragma_table_info('$t')"; done >> dbtypes.txt
types_suite sqlite dbtypes.txt
ALLQ="SELECT * FROM tweets ORDER BY id; SELECT * FROM users ORDER BY id; SELECT * FROM hashtags ORDER BY 1, 2; SELECT * FROM by_author ORDER BY 1, 3; SELECT * FROM by_lang ORDER BY 1, 3; SELECT * FROM by_tag ORDER BY 1, 3"
q "$ALLQ" > near1
load_near sqlite
q "$ALLQ" > near2
same "typed tables: a second load changes nothing (star schema and aggregates)" near1 near2
tw-load --no-key -t by_author_nk agg_author.ndjson | client
eq "indexes: window_start gets its own when the key does not begin with it" \
	"$(q "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'by_author_nk'")" "by_author_nk_window_start_idx"
q "EXPLAIN QUERY PLAN SELECT count(*) FROM by_author_nk WHERE window_start >= $LAST" > plan5
contains "  ... and the time filter uses it" plan5 "by_author_nk_window_start_idx (window_start>?)"
tw-load --no-index -t tweets_ni nearflat.ndjson | client
eq "--no-index: no index (the id is the rowid), where tweets have two" \
	"$(q "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tweets_ni'), (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tweets')")" "0|2"
eq "indexes: a name over 63 bytes is idx_ and a hash" \
	"$(tw-load --no-key -t "$(printf 'w%.0s' $(seq 60))" agg_author.ndjson | grep -c '^CREATE INDEX IF NOT EXISTS "idx_[0-9a-f]\{16\}" ON')" 1

# Tables an earlier tw-load made (text times, text group fields) keep
# their types and load the same text: keys meet, re-loads stay idempotent.
DB=$T/old.db
tw-load -t tweets nearflat.ndjson 2> /dev/null | sed -n '/^CREATE TABLE/,/^);/p' | sed 's/ DATETIME/ TEXT/' | client
q 'CREATE TABLE "by_author" ("window_start" TEXT NOT NULL, "window_end" TEXT NOT NULL, "group_key" TEXT NOT NULL, "author_id" TEXT, "count" INTEGER, "sum_engagement" INTEGER, "last_username" TEXT, "final" BOOLEAN, PRIMARY KEY ("window_start", "window_end", "group_key"))'
for i in 1 2; do
	tw-load -t tweets nearflat.ndjson | client
	tw-load -t by_author agg_author.ndjson | client
done
eq "old tables: loaded twice, one row per key" "$(q "SELECT (SELECT count(*) FROM tweets), (SELECT count(*) FROM by_author)")" "$(near_expect tweets)|$(near_expect agg_author)"
eq "old tables: their types stay, times are the text they held" \
	"$(q "SELECT (SELECT group_concat(type) FROM pragma_table_info('by_author') WHERE name IN ('window_start', 'author_id')), (SELECT window_start FROM by_author ORDER BY 1 LIMIT 1), typeof(author_id) FROM by_author LIMIT 1")" \
	"TEXT,TEXT|$(head -1 agg_author.ndjson | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["window_start"])')|text"
eq "old tables: the indexes are added" "$(q "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'tweets_%_idx'")" 2
