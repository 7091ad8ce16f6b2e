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
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
export PORT HOST=127.0.0.1 LANDING=$T/landing RUN=$T ROLL=1s
N=3000
NS=200
BATCH=202401011200

RESTART_DELAY=0.5 timeout 60 "$H/coordinator.sh" 2> coordinator.err &
COORD=$!
PIDS="$PIDS $COORD"
listening() { nc -z 127.0.0.1 "$PORT" 2> /dev/null; }
if ! waitfor 10 listening; then
	not_ok "collector listens on $PORT" "$(head -3 coordinator.err | tr '\n' ' ')"
	exit 0
fi
ok "collector listens on $PORT"

COUNT=$N RATE=500 SEED=3 SPOOL=$T/spool.ndjson REWIND=1500 RETRY=0.2 \
	timeout 40 "$H/listener.sh" 2> listener.err &
LST=$!
PIDS="$PIDS $LST"
sleep 2
first=$(cat collector.pid)
kill -KILL "-$first"
restarted() { [ -s collector.pid ] && [ "$(cat collector.pid)" != "$first" ] && listening; }
check "coordinator restarts the killed collector" waitfor 10 restarted
wait $LST
eq "listener sends everything and exits 0" "$?" 0
contains "listener reconnected after the crash" listener.err "connection to 127.0.0.1:$PORT lost"

# A search batch, as the crontab runs it every 5 minutes.
check "search batch sent" env MODE=search BATCH=$BATCH COUNT=$NS SPOOL=$T/search.ndjson \
	timeout 20 "$H/listener.sh"
sleep 1	# let the collector drain, then stop it: open parts are published
kill -TERM $COORD
wait $COORD
eq "coordinator stops on SIGTERM" "$?" 0

check "no visible part is incomplete" sh -c 'for f in $(find landing -name "part-*.gz"); do gzip -t "$f" || exit 1; done'
tmps=$(find landing -name '.part-*' | wc -l)
ok "crash left $tmps hidden .tmp part(s), which readers ignore"

# What the source generated: its spool files (paced tw-gen takes the clock as
# event time, so the ids are those of this run).
cat spool.ndjson search.$BATCH.ndjson | tw-flatten -q -c -f id | tail -n +2 | tr -d '"' > want_ids
eq "the source generated every tweet" "$(sort -u want_ids | wc -l)" $((N + NS))
sort -u want_ids > want_ids.s
landed=$(find landing -name 'part-*.gz' -exec zcat {} + | grep -c '"record_type":"tweet"')

check "batch.sh runs (raw, processed, dashboard, ddl)" env DB=$T/wh.db WWW=$T/www DDL=$T/landing.hql WORK=$T/work \
	timeout 30 "$H/batch.sh"
sqlite3 wh.db 'SELECT id FROM tweets' | sort -u > got_ids.s
same "every tweet sent is in the raw table, once ($landed landed incl. resent duplicates)" got_ids.s want_ids.s
eq "raw users hold every author" "$(sqlite3 wh.db 'SELECT count(*) FROM tweets WHERE author_id NOT IN (SELECT id FROM users)')" 0
eq "user_activity: one row per author" "$(sqlite3 wh.db 'SELECT count(*) FROM user_activity')" \
	"$(sqlite3 wh.db 'SELECT count(DISTINCT author_id) FROM tweets')"
eq "user_activity counts add up to the tweets" "$(sqlite3 wh.db 'SELECT sum(count) FROM user_activity')" \
	"$(wc -l < want_ids.s)"
eq "totals: count" "$(sqlite3 wh.db 'SELECT count FROM totals')" "$(wc -l < want_ids.s)"
eq "users_tweets: one row per tweet" "$(sqlite3 wh.db 'SELECT count(*) FROM users_tweets')" "$(wc -l < want_ids.s)"
contains "dashboard written" www/index.html "<svg"
contains "hive DDL: table" landing.hql "CREATE EXTERNAL TABLE IF NOT EXISTS"
contains "hive DDL: partitions" landing.hql "ADD IF NOT EXISTS PARTITION"
sqlite3 wh.db 'SELECT * FROM tweets ORDER BY id' > dump1
check "batch.sh again (cron) runs" env DB=$T/wh.db WWW=$T/www DDL=$T/landing.hql WORK=$T/work timeout 30 "$H/batch.sh"
sqlite3 wh.db 'SELECT * FROM tweets ORDER BY id' > dump2
same "batch.sh again: raw table unchanged" dump1 dump2
