#!/bin/sh
# The socket pipelines of examples/hive/ end to end over loopback with real
# netcat-openbsd: listener -> nc -> collector (kept alive by the coordinator,
# SIGKILLed once mid-stream) -> landing parts -> batch.sh (raw tables, fact
# tables, dashboard, Hive DDL). Checks that no tweet is lost and that the
# tweets resent after the crash are stored once.
. "$TW_ROOT/tests/lib.sh"
H=$TW_ROOT/examples/hive

for c in nc sqlite3 python3 setsid; do
	command -v $c > /dev/null || { skip "hive pipelines" "$c missing (tests/deps.sh installs it)"; exit 0; }
done
nc -h 2>&1 | grep -q OpenBSD || { skip "hive pipelines" "nc is not netcat-openbsd"; exit 0; }
cd "$T" || exit 1
PIDS=
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2> /dev/null; done
	[ -s "$T/collector.pid" ] && kill -KILL "-$(cat "$T/collector.pid")" 2> /dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
waitfor() {
	_n=$(($1 * 10))
	shift
	while [ $_n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PORT=$(freeport)
BATCH_PORT=$(freeport)
# LINGER: a listener stays connected that long after its last line, so a
# collector crash within the collector's ROLL is seen and the end resent.
export PORT BATCH_PORT HOST=127.0.0.1 LANDING=$T/landing RUN=$T ROLL=1s LINGER=3
N=3000
NS=200
BATCH=202401011200

RESTART_DELAY=0.5 timeout 60 "$H/coordinator.sh" 2> coordinator.err &
COORD=$!
PIDS="$PIDS $COORD"
listening() { nc -z 127.0.0.1 "$PORT" 2> /dev/null && nc -z 127.0.0.1 "$BATCH_PORT" 2> /dev/null; }
if ! waitfor 10 listening; then
	not_ok "collector listens on $PORT and $BATCH_PORT" "$(head -3 coordinator.err | tr '\n' ' ')"
	exit 0
fi
ok "collector listens on $PORT (stream) and $BATCH_PORT (batches)"

COUNT=$N RATE=500 SEED=3 SPOOL=$T/spool.ndjson REWIND=1500 RETRY=0.2 \
	timeout 40 "$H/listener.sh" 2> listener.err &
LST=$!
PIDS="$PIDS $LST"
sleep 1
# A search batch, as the crontab runs it every 5 minutes, while the paced
# listener holds the stream port.
MODE=search BATCH=$BATCH COUNT=$NS SPOOL=$T/search.ndjson PORT=$BATCH_PORT RETRY=0.2 \
	timeout 30 "$H/listener.sh" 2> search.err &
SRCH=$!
PIDS="$PIDS $SRCH"
sleep 1
first=$(cat collector.pid)
kill -KILL "-$first"
restarted() { [ -s collector.pid ] && [ "$(cat collector.pid)" != "$first" ] && listening; }
check "coordinator restarts the killed collector" waitfor 10 restarted
wait $LST
eq "listener sends everything and exits 0" "$?" 0
wait $SRCH
eq "search batch sent while the stream is connected (batch port), across the crash" "$?" 0
contains "listener reconnected after the crash" listener.err "connection to 127.0.0.1:$PORT lost"

# MODE=fetch: the real listener job, tw-gen fetch search against a fake API
# that serves recorded pages; a second run sends nothing new.
TOKEN=hive-test-token-0123456789
python3 "$TW_ROOT/tests/fakeapi.py" "$C" "$T/api.port" "$TOKEN" > /dev/null 2> fake.err &
FAKE=$!
PIDS="$PIDS $FAKE"
waitfor 10 test -s "$T/api.port"
for b in 202401011205 202401011210; do
	TW_BEARER_TOKEN=$TOKEN TW_API_URL=http://127.0.0.1:$(cat "$T/api.port") MODE=fetch QUERY='news' \
	    SINCE_ID_FILE=$T/since_id.txt BATCH=$b SPOOL=$T/fetch.ndjson PORT=$BATCH_PORT \
	    timeout 20 "$H/listener.sh" 2> fetch.$b.err
	echo "$?" > fetch.$b.rc
done
eq "MODE=fetch: both cron runs exit 0" "$(cat fetch.202401011205.rc) $(cat fetch.202401011210.rc)" "0 0"
check "MODE=fetch: the first run sent pages, the since-id file was written" \
    sh -c "test -s '$T/fetch.202401011205.ndjson' && test -s '$T/since_id.txt'"
eq "MODE=fetch: the second run sent nothing new" "$(wc -c < "$T/fetch.202401011210.ndjson")" 0
sleep 1	# let the collector drain, then stop it: open parts are published
kill -TERM $COORD
wait $COORD
eq "coordinator stops on SIGTERM" "$?" 0

check "no visible part is incomplete" sh -c 'for f in $(find landing -name "part-*.gz"); do gzip -t "$f" || exit 1; done'
eq "every unpublished part is hidden (a dot-name) from readers" "$(find landing -name '*.tmp' ! -name '.*' | wc -l)" 0
eq "each record type lands in its own tree" \
    "$(ls landing | tr '\n' ' ')" "record_type=hashtag record_type=media record_type=place record_type=tweet record_type=user "

# What the source generated: its spool files (paced tw-gen takes the clock as
# event time, so the ids are those of this run).
cat spool.ndjson search.$BATCH.ndjson | tw-flatten -q -c -f id | tail -n +2 | tr -d '"' > want_gen
eq "the source generated every tweet" "$(sort -u want_gen | wc -l)" $((N + NS))
cat spool.ndjson search.$BATCH.ndjson fetch.*.ndjson | tw-flatten -q -c -f id | tail -n +2 | tr -d '"' > want_ids
cat spool.ndjson search.$BATCH.ndjson fetch.*.ndjson | tw-flatten -q -t places,media > want_dims
sort -u want_ids > want_ids.s
landed=$(find landing -name 'part-*.gz' -exec zcat {} + | grep -c '"record_type":"tweet"')

check "batch.sh runs (raw, processed, dashboard, ddl)" env DB=$T/wh.db WWW=$T/www DDL=$T/landing.hql WORK=$T/work \
	timeout 30 "$H/batch.sh"
sqlite3 wh.db 'SELECT id FROM tweets' | sort -u > got_ids.s
same "every tweet sent is in the raw table, once ($landed landed incl. resent duplicates)" got_ids.s want_ids.s
# (Real API pages may lack some authors in their includes: generated
# tweets only.)
sqlite3 wh.db 'SELECT id FROM tweets WHERE author_id NOT IN (SELECT id FROM users)' | sort > no_author
eq "raw users hold every author of the generated tweets" "$(sort -u want_gen | comm -12 - no_author | wc -l)" 0
eq "raw places: every place sent, once" "$(sqlite3 wh.db 'SELECT count(*) FROM places')" \
    "$(grep '"record_type":"place"' want_dims | python3 -c 'import json,sys; print(len({r["id"] for r in map(json.loads, sys.stdin)}))')"
eq "raw media: every media item sent, once" "$(sqlite3 wh.db 'SELECT count(*) FROM media')" \
    "$(grep '"record_type":"media"' want_dims | python3 -c 'import json,sys; print(len({(r["media_key"], r["tweet_id"]) for r in map(json.loads, sys.stdin)}))')"
eq "user_activity: one row per author" "$(sqlite3 wh.db 'SELECT count(*) FROM user_activity')" \
	"$(sqlite3 wh.db 'SELECT count(DISTINCT author_id) FROM tweets')"
eq "user_activity counts add up to the tweets" "$(sqlite3 wh.db 'SELECT sum(count) FROM user_activity')" \
	"$(wc -l < want_ids.s)"
eq "totals: count" "$(sqlite3 wh.db 'SELECT count FROM totals')" "$(wc -l < want_ids.s)"
eq "users_tweets: one row per tweet" "$(sqlite3 wh.db 'SELECT count(*) FROM users_tweets')" "$(wc -l < want_ids.s)"
contains "dashboard written" www/index.html "<svg"
contains "hive DDL: table" landing.hql "CREATE EXTERNAL TABLE IF NOT EXISTS"
eq "hive DDL: one table per record type" "$(grep -c 'CREATE EXTERNAL TABLE' landing.hql)" 5
contains "hive DDL: the tweets table is the tweet tree" landing.hql "LOCATION '$(cd landing && pwd)/record_type=tweet'"
contains "hive DDL: partitions" landing.hql "ADD IF NOT EXISTS PARTITION"
sqlite3 wh.db 'SELECT * FROM tweets ORDER BY id' > dump1
check "batch.sh again (cron) runs" env DB=$T/wh.db WWW=$T/www DDL=$T/landing.hql WORK=$T/work timeout 30 "$H/batch.sh"
sqlite3 wh.db 'SELECT * FROM tweets ORDER BY id' > dump2
same "batch.sh again: raw table unchanged" dump1 dump2

# The crontab: the stream and the batches use the collector's two ports.
CT=$H/crontab.txt
eq "crontab: the coordinator gets both ports" "$(grep -c 'coordinator.sh' "$CT")|$(grep 'coordinator.sh' "$CT" | grep -o 'BATCH_PORT=[0-9]*')" "1|BATCH_PORT=9010"
eq "crontab: the paced listener on the stream port, the batch on the batch port" \
    "$(grep 'listener.sh' "$CT" | grep -o ' PORT=[0-9]*' | tr -d ' ' | tr '\n' ' ')" "PORT=9009 PORT=9010 "
contains "crontab: the batch fetches from the API" "$CT" "MODE=fetch"
