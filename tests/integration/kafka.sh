#!/bin/sh
# The Kafka pipelines of examples/kafka/ end to end, with real kcat against
# librdkafka's mock cluster (tests/mockbroker.c) and a throwaway MariaDB, run
# as a user runs them:
#   1. producer.sh, stream.sh into MariaDB = the batch aggregation of the
#      same tweets; processed_tweets, analytics, hourly parts
#   2. a new consumer group reading a whole backlog: nothing late
#   3. a live stream: rows while the producer runs, a SIGTERM drain
#   4. batch.sh over processed_tweets, duplicates and all
#   5. the kill loop: stream.sh with a group and a state, SIGKILL of the
#      whole job or of one of its processes at random moments, 20 times,
#      while tweets are produced: per-minute counts = the distinct tweets
#      produced, and batch.sh over processed_tweets gives the same table
#   6. the broker replaced by an empty one: refused, then the documented
#      reset gives exact counts
#   7. scale-out: three consumers in one group, one killed, one added, the
#      partials through a topic into a continuous merge into MariaDB: the
#      table = the single-process aggregation, exactly
#   8. a group member restarted after SIGTERM and after SIGKILL reads
#      again within seconds (no 45-90 s rebalance)
#   9. the brokers die under producer.sh and stream.sh and come back: the
#      producer waits and exits 0, the job ends (status 1), the restarted
#      job counts every tweet once
. "$TW_ROOT/tests/lib.sh"
K=$TW_ROOT/examples/kafka

for c in kcat pkg-config cc mariadb python3 setsid pkill; do
	command -v $c > /dev/null || { skip "kafka pipelines" "$c missing (tests/deps.sh installs it)"; exit 0; }
done
pkg-config --exists rdkafka || { skip "kafka pipelines" "librdkafka-dev missing (tests/deps.sh)"; exit 0; }
cd "$T" || exit 1

SRV=$T/mariadb
PIDS=
SESSIONS=
cleanup() {
	for s in $SESSIONS; do pkill -KILL -s "$s" 2> /dev/null; done
	for p in $PIDS; do kill -TERM "$p" 2> /dev/null; done
	bash "$TW_ROOT/tests/db/stop-mariadb.sh" "$SRV" > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! make -s -C "$TW_ROOT" BUILD="$TW_BUILD" "$TW_BUILD/mockbroker" > cc.err 2>&1; then
	not_ok "mockbroker builds (make mockbroker)" "$(head -3 cc.err | tr '\n' ' ')"
	exit 0
fi
if ! bash "$TW_ROOT/tests/db/start-mariadb.sh" "$SRV" > db.log 2>&1; then
	not_ok "mariadb server starts" "$(tail -3 db.log | tr '\n' ' ')"
	exit 0
fi
. "$SRV/env.sh"
M="mariadb --no-defaults --default-character-set=utf8mb4 --socket=$MYSOCK -uroot $MYDB"
q() { $M -N -B -e "$1"; }
dump() { q "SELECT * FROM $1 ORDER BY window_start, window_end, lang"; }

# waitfor SECONDS COMMAND...: polls every 0.1 s.
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
# start_mock NAME TOPIC:PARTS...: sets B and MOCK (pid).
start_mock() {
	_f=$T/$1.bootstrap
	shift
	"$TW_BUILD/mockbroker" 3 "$@" > "$_f" 2> /dev/null &
	MOCK=$!
	PIDS="$PIDS $MOCK"
	waitfor 10 test -s "$_f" || return 1
	B=$(cat "$_f")
}
# high TOPIC: the sum of the partitions' high watermarks (messages in it);
# low TOPIC: of the low ones (messages the mock has dropped).
high() {
	for _p in $(seq 0 31); do kcat -Q -b "$B" -t "$1:$_p:-1" 2> /dev/null; done |
		awk '{ s += $NF } END { print s + 0 }'
}
low() {
	for _p in $(seq 0 31); do kcat -Q -b "$B" -t "$1:$_p:-2" 2> /dev/null; done |
		awk '{ s += $NF } END { print s + 0 }'
}
# topic_flat TOPIC: the flat tweets in a topic, read whole.
topic_flat() { kcat -C -b "$B" -t "$1" -o beginning -e -J -u -q -X log_level=3 $KCAT_X 2> /dev/null | tw-flatten -q; }
# start_job NAME VAR=VALUE...: stream.sh in a session of its own (SJ, its pid
# and session id), stderr to NAME.err.
start_job() {
	_n=$1
	shift
	env "$@" setsid "$K/stream.sh" > "$_n.out" 2> "$_n.err" < /dev/null &
	SJ=$!
	SESSIONS="$SESSIONS $SJ"
}
# minute_counts: window start (as MariaDB prints it) and the tweets per minute.
minute_counts() {
	python3 -c '
import json, sys, collections, datetime
seen = {}
for l in sys.stdin:
    r = json.loads(l)
    seen[r["id"]] = r["ts"]
c = collections.Counter(datetime.datetime.utcfromtimestamp(ts // 60000 * 60).strftime("%Y-%m-%d %H:%M:%S.000") for ts in seen.values())
for k in sorted(c): print("%s\t%d" % (k, c[k]))'
}

N=100000
SEED=7
AGGS=count,avg:engagement,max:engagement,distinct:author_id
# The mock keeps only 5 MiB per partition (older batches are dropped): zstd
# and batches of a second (linger.ms) keep every tweet; the tests check the
# low watermarks stay 0.
KCAT_X='-X compression.codec=zstd -X linger.ms=1000'
MYSQL=$M
export KCAT_X MYSQL AGGS
topics="raw_tweets:32 processed_tweets:32 analytics:1 live_raw:4 kill_raw:8 kill_processed:8 scale_raw:8 partials:1"

if ! start_mock main $topics; then
	not_ok "mock cluster starts"
	exit 0
fi
ok "mock cluster starts ($B)"

# The reference: the same tweets through the same aggregation, no Kafka.
tw-gen -n $N --seed $SEED | tw-flatten -q > flat.ndjson
tw-agg -q -w 1m -l 1d -g lang -a $AGGS flat.ndjson > expected.ndjson
tw-load -q -d mysql -t lang_1m_expected expected.ndjson | $M
dump lang_1m_expected > expected.txt
eq "reference has one row per window and language" "$(wc -l < expected.txt)" "$(wc -l < expected.ndjson)"

# 1. producer.sh, then stream.sh into MariaDB (to the end of the partitions,
# every window written).
check "producer.sh: tw-gen | kcat -P exits 0" env B="$B" COUNT=$N SEED=$SEED timeout 90 "$K/producer.sh"
eq "raw_tweets holds every tweet, the mock dropped none" "$(high raw_tweets) $(low raw_tweets)" "$N 0"
env -u B "$K/producer.sh" > /dev/null 2> nob.err
eq "producer.sh without B: status 2, said" "$?|$(grep -c 'set B' nob.err)" "2|1"
B=$B EXIT_AT_END=1 FLUSH=1 TABLE=lang_1m PARTS_DIR=$T/lake STATE=$T/s1/stream.state LATENESS=1d \
	timeout 120 "$K/stream.sh" > stream.out 2> stream.err
eq "stream.sh exits 0" "$?" 0
eq "stream.sh: no consumer noise on stderr (CONFWARN, end of partition)" \
    "$(grep -ciE 'CONFWARN|reached end' stream.err)" 0
dump lang_1m > got.txt
same "stream.sh: MariaDB rows = batch aggregation of the same tweets" got.txt expected.txt
eq "processed_tweets holds every flat tweet" "$(high processed_tweets)" $N
kcat -C -b "$B" -t processed_tweets -o beginning -e -q -f '%k %p\n' $KCAT_X 2> /dev/null | sort -u |
	awk '{ n[$1]++ } END { bad = 0; for (k in n) if (n[k] > 1) bad++; print bad }' > split.txt
eq "processed_tweets keyed by author: no author in two partitions" "$(cat split.txt)" 0
kcat -C -b "$B" -t analytics -o beginning -e -q $KCAT_X > analytics.ndjson 2> /dev/null
eq "analytics topic holds every window result" "$(wc -l < analytics.ndjson)" "$(wc -l < expected.ndjson)"
kcat -C -b "$B" -t analytics -o beginning -e -q -f '%k\n' $KCAT_X > analytics.keys 2> /dev/null
eq "analytics keyed by window and group (START|\"lang\"): one key a result" \
    "$(grep -E '^20[0-9-]+T[0-9:.]+Z\|"[^"]*"$' analytics.keys | LC_ALL=C sort -u | wc -l | tr -d ' ')" "$(wc -l < expected.ndjson | tr -d ' ')"
eq "partition files hold every tweet once" \
    "$(zcat $(find lake -name 'part-*') | wc -l | tr -d ' ') $(zcat $(find lake -name 'part-*') | tw-flatten -q -f id | sort -u | wc -l | tr -d ' ')" "$N $N"
check "stream.sh leaves nothing in TMPDIR or beside the state but the state" \
    sh -c "test \"\$(ls '$T/s1' | tr '\n' ' ')\" = 'stream.state stream.state.late '"
check "the state holds every partition's offset and Kafka time" \
    python3 -c "import json; h = json.loads(open('$T/s1/stream.state').readline()); o = h['offsets']; assert sum(x[2] + 1 for x in o) == $N and all(x[4] for x in o), o"
contains "tw-agg --resume-point: a minute before the oldest last message" \
    "$(tw-agg --state s1/stream.state --resume-point > rp.txt; echo rp.txt)" "s@"

# 2. A new consumer group reading the whole backlog (8 partitions come
# interleaved in fetch-sized runs, hours of event time apart) with the
# default 30 s lateness: per-partition watermarks, nothing late.
rm -rf s2
# (IDLE: a partition waits for its next fetch run; under the sanitizers,
# six test jobs on two cores, that wait passed the default 10 s.)
B=$B GROUP=backlog-$$ EXIT_AT_END=1 FLUSH=1 PUBLISH=0 TABLE=lang_1m_backlog STATE=$T/s2/stream.state IDLE=60s \
	timeout 120 "$K/stream.sh" > /dev/null 2> backlog.err
eq "a new group over the backlog: stream.sh exits 0" "$?" 0
eq "a new group over the backlog: zero late records" "$(cat s2/stream.state.late 2> /dev/null | wc -l | tr -d ' ')" 0
check "... and the state says so" grep -q '"late":0' s2/stream.state
dump lang_1m_backlog > backlog.txt
same "a new group over the backlog: the table = the batch aggregation" backlog.txt expected.txt

# 3. A live stream: tweets produced at 1,000 a second while stream.sh
# consumes them with one-second windows. Rows land while the producer runs;
# after a SIGTERM drain the table equals the batch aggregation of everything
# in the topic, nothing late.
NL=10000
start_job live B="$B" RAW_TOPIC=live_raw PUBLISH=0 TABLE=live_1s WINDOW=1s LATENESS=3s IDLE=2s \
	STATE="$T/s3/stream.state" METER_LOG="$T/meter_live.log" METER_EVERY=200ms
SL=$SJ
env B="$B" TOPIC=live_raw RATE=1000 COUNT=$NL timeout 60 "$K/producer.sh" &
PL=$!
early=0
while kill -0 $PL 2> /dev/null; do
	early=$(q 'SELECT count(*) FROM live_1s' 2> /dev/null || echo 0)
	[ "${early:-0}" -gt 0 ] && kill -0 $PL 2> /dev/null && break
	early=0
	sleep 0.25
done
check "live stream: windows in MariaDB while the producer still runs ($early rows)" test "${early:-0}" -gt 0
wait $PL
live_done() { [ "$(q 'SELECT sum(count) FROM live_1s' 2> /dev/null)" = "$NL" ]; }
waitfor 30 live_done
kill -TERM $SL
wait $SL
eq "live stream: stream.sh ends by SIGTERM after draining" "$?" 143
topic_flat live_raw | tw-agg -q -w 1s -l 1d -g lang -a $AGGS | tw-load -q -d mysql -t live_1s_expected | $M
eq "live stream: every tweet produced was counted" "$(q 'SELECT sum(count) FROM live_1s_expected')" $NL
dump live_1s > live_got.txt
dump live_1s_expected > live_want.txt
same "live stream: the table equals the batch aggregation of the topic (idle partitions closed the last windows)" live_got.txt live_want.txt

# 4. batch.sh over processed_tweets, with 500 of its messages produced a
# second time (as a restarted stream.sh does): each tweet counted once.
kcat -C -b "$B" -t processed_tweets -o beginning -c 500 -e -q -K '\t' $KCAT_X 2> /dev/null |
	kcat -P -b "$B" -t processed_tweets -K '\t' $KCAT_X
eq "processed_tweets now holds duplicates" "$(high processed_tweets)" $((N + 500))
check "batch.sh exits 0" env B="$B" TABLE=lang_1m_batch LATE=$T/batch.late timeout 90 "$K/batch.sh"
dump lang_1m_batch > batch.txt
same "batch.sh: MariaDB rows = streaming rows (each tweet id once)" batch.txt expected.txt

# 5. The kill loop. 60,000 tweets produced at 2,000 a second into kill_raw
# while stream.sh (a consumer group, a state saved every second) is killed
# 20 times at random moments: right after a checkpoint, just before one, and
# between; the whole job, or only its tw-agg, tw-load, mariadb client or
# consumer. After each kill it is started again, as a supervisor would.
NK=60000
KILLS=20
stuck= ended0=
[ -n "${TW_SANITIZED:-}" ] && KILLS=8	# (each restart waits for the group)
env B="$B" TOPIC=kill_raw RATE=2000 COUNT=$NK SEED=21 timeout 120 "$K/producer.sh" > /dev/null 2> kprod.err &
KP=$!
kjob() {
	start_job kill B="$B" RAW_TOPIC=kill_raw PROCESSED_TOPIC=kill_processed PUBLISH=1 \
		ANALYTICS_TOPIC=analytics GROUP=killjob-$$ TABLE=kill_1m STATE="$T/s5/stream.state" \
		CHECKPOINT=1s IDLE=2s "$@"
}
mtime() { stat -c %Y "$T/s5/stream.state" 2> /dev/null || echo none; }
kjob
for r in $(seq 1 $KILLS); do
	# Wait until the job has saved a state at least once since it started.
	m0=$(mtime)
	waitfor 30 sh -c "[ \"\$(stat -c %Y '$T/s5/stream.state' 2> /dev/null || echo none)\" != '$m0' ]"
	case $((r % 3)) in
	0) : ;;						# right after a checkpoint
	1) sleep 0.9 ;;					# just before the next one
	2) sleep "$(python3 -c 'import random; print(round(random.uniform(0, 2.5), 2))')" ;;
	esac
	# One process: the job must notice and end by itself (non-zero);
	# else, or then, the whole session (as a crash of the machine).
	case $((r % 5)) in
	0) pkill -KILL -s "$SJ" -x tw-agg ;;
	1) pkill -KILL -s "$SJ" -x tw-load ;;
	2) pkill -KILL -s "$SJ" -x mariadb ;;
	3) pkill -KILL -s "$SJ" -x kcat ;;
	*) pkill -KILL -s "$SJ" ;;
	esac
	if waitfor 10 sh -c "! kill -0 $SJ 2> /dev/null"; then
		wait "$SJ"
		[ $? -ne 0 ] || ended0="$ended0 $r"
	else
		stuck="$stuck $r"
	fi
	pkill -KILL -s "$SJ"
	wait "$SJ" 2> /dev/null
	kjob
done
ok "kill loop: $KILLS kills, each followed by a restart"
eq "kill loop: a job that lost a process ends by itself, with a failure status" "${stuck:-}|${ended0:-}" "|"
wait $KP
eq "kill loop: the producer sent every tweet" "$?" 0
# The last run reads to the end of every partition and writes every window.
# (First the running job is stopped, once it has started: a SIGTERM drains.)
m0=$(mtime)
waitfor 30 sh -c "[ \"\$(stat -c %Y '$T/s5/stream.state' 2> /dev/null || echo none)\" != '$m0' ]"
kill -TERM "$SJ"
if ! waitfor 30 sh -c "! kill -0 $SJ 2> /dev/null"; then
	not_ok "kill loop: the running job stops on SIGTERM"
	pkill -KILL -s "$SJ"
fi
wait "$SJ" 2> /dev/null
kjob EXIT_AT_END=1 FLUSH=1
wait "$SJ"
eq "kill loop: the last run ends well" "$?" 0
topic_flat kill_raw > kill_flat.ndjson
minute_counts < kill_flat.ndjson > kill_want.txt
q 'SELECT window_start, sum(count) FROM kill_1m GROUP BY window_start ORDER BY window_start' > kill_got.txt
same "kill loop: per-minute counts = the distinct tweets produced ($(wc -l < kill_want.txt) minutes, $(tw-flatten -q -f id kill_flat.ndjson | sort -u | wc -l | tr -d ' ') tweets)" kill_got.txt kill_want.txt
tw-agg -q -w 1m -l 1d -g lang -a $AGGS kill_flat.ndjson | tw-load -q -d mysql -t kill_1m_expected | $M
dump kill_1m > kill_rows.txt
dump kill_1m_expected > kill_rows_want.txt
same "kill loop: every row = the batch aggregation of the topic" kill_rows.txt kill_rows_want.txt
check "kill loop: processed_tweets was written again after crashes (at least once)" \
    test "$(high kill_processed)" -ge "$(tw-flatten -q -f id kill_flat.ndjson | sort -u | wc -l)"
check "kill loop: batch.sh over processed_tweets" env B="$B" PROCESSED_TOPIC=kill_processed TABLE=kill_1m_batch \
    LATE=$T/kbatch.late timeout 90 "$K/batch.sh"
dump kill_1m_batch > kill_batch.txt
same "kill loop: ... gives the same table" kill_batch.txt kill_rows_want.txt
eq "kill loop: no FIFO or temporary file left" "$(ls s5 | grep -v -x -e stream.state -e stream.state.late | wc -l | tr -d ' ')" 0

# 6. The broker replaced by an empty one (a new cluster, offsets from 0
# again): the job refuses, saying why; the documented reset counts the new
# log from its start, and the table = the tweets of both logs, once each.
MAINB=$B
tw-gen -n 20000 --seed 31 > x.ndjson
tw-gen -n 20000 --seed 32 --start 2024-01-02T00:00:00Z > y.ndjson
# (Keyed by line, so the four partitions get even shares: the mock cluster
# drops the oldest messages of a partition past about 30 MB.)
if start_mock fault1 raw_tweets:4 && awk '{ print NR "\t" $0 }' x.ndjson | kcat -P -b "$B" -t raw_tweets -K "\t" $KCAT_X; then
	ok "fault: cluster 1 holds tweets X"
else
	not_ok "fault: cluster 1 holds tweets X"
fi
B=$B EXIT_AT_END=1 PUBLISH=0 TABLE=fault_1m STATE=$T/s6/stream.state LATENESS=1d \
	timeout 60 "$K/stream.sh" > /dev/null 2> fault1.err
eq "fault: X counted (windows kept open in the state)" "$?" 0
kill -TERM "$MOCK"
if start_mock fault2 raw_tweets:4 && awk '{ print NR "\t" $0 }' y.ndjson | kcat -P -b "$B" -t raw_tweets -K "\t" $KCAT_X; then
	ok "fault: an empty cluster 2 takes the brokers' place, then holds tweets Y"
else
	not_ok "fault: cluster 2 holds tweets Y"
fi
# (START=beginning: the mock cluster cannot look an offset up by time, and
# answers the resume point's s@TIME with the end of the log.)
B=$B EXIT_AT_END=1 FLUSH=1 PUBLISH=0 TABLE=fault_1m STATE=$T/s6/stream.state LATENESS=1d \
	START=beginning timeout 60 "$K/stream.sh" > /dev/null 2> fault2.err
eq "fault: the job refuses another log (status 1)" "$?" 1
contains "fault: ... and says why" fault2.err "this is not the log the state was saved for"
contains "fault: ... and the way out" fault2.err "--reset-offsets raw_tweets"
eq "fault: nothing was loaded from the new log" "$(q 'SELECT count(*) FROM fault_1m' 2> /dev/null || echo 0)" 0
B=$B EXIT_AT_END=1 FLUSH=1 PUBLISH=0 TABLE=fault_1m STATE=$T/s6/stream.state LATENESS=1d RESET_OFFSETS=1 \
	timeout 60 "$K/stream.sh" > /dev/null 2> fault3.err
eq "fault: RESET_OFFSETS=1 runs" "$?" 0
cat x.ndjson y.ndjson | tw-flatten -q | tw-agg -q -w 1m -l 1d -g lang -a $AGGS |
	tw-load -q -d mysql -t fault_expected | $M
dump fault_1m > fault.txt
dump fault_expected > fault_want.txt
same "fault: after the reset, the table = X and Y counted once each" fault.txt fault_want.txt
kill -TERM "$MOCK"
B=$MAINB

# 7. Scale-out: three consumers in one group over 100,000 tweets in 8
# partitions, produced while they run; one is killed with SIGKILL mid-stream
# (its partitions go to the others), one is added mid-stream; their partials
# go through a topic into a continuous merge (-e update) into MariaDB. The
# final table equals the single-process aggregation, exactly, for count,
# sum, min, max, avg and exact distinct.
SAGGS=count,sum:engagement,min:engagement,max:engagement,avg:engagement,distinct:author_id:exact
export B
# (Under the sanitizers, six test jobs on two cores, a consumer can be
# silent for seconds at a time: then its partitions would go idle and its
# records come late. The lateness and idle time give it that room.)
SLATE=10s SIDLE=5s
[ -n "${TW_SANITIZED:-}${TW_VALGRIND:-}" ] && SLATE=20s SIDLE=10s
start_scale() {
	env GROUP=scale-$$ RAW_TOPIC=scale_raw PARTIALS_TOPIC=partials AGGS=$SAGGS \
		LATENESS=$SLATE IDLE=$SIDLE CHECKPOINT=1s RUN="$T/s7" TABLE=scale_1m MERGE_IDLE=5s \
		setsid "$K/scale.sh" "$@" > "scale_$2.out" 2> "scale_$2.err" < /dev/null &
	SESSIONS="$SESSIONS $!"
	eval "SC_$2=\$!"
}
mkdir -p s7
start_scale merger merger
start_scale consumer a
start_scale consumer b
start_scale consumer c
sleep 4		# the group's first assignment
env TOPIC=scale_raw RATE=8000 COUNT=$N SEED=41 timeout 120 "$K/producer.sh" > /dev/null 2> sprod.err &
SP=$!
sleep 4
pkill -KILL -s "$SC_b"	# killed mid-stream: its partitions are taken over
ok "scale-out: consumer b killed with SIGKILL mid-stream"
sleep 2
start_scale consumer d	# and one added
wait $SP
eq "scale-out: 100,000 tweets produced while the consumers ran, none dropped" "$?|$(high scale_raw)|$(low scale_raw)" "0|$N|0"
topic_flat scale_raw | tw-agg -q -w 1m -l 1d -g lang -a $SAGGS > scale_expected.ndjson
tw-load -q -d mysql -t scale_expected scale_expected.ndjson | $M
sdump() { q "SELECT window_start, window_end, lang, count, sum_engagement, min_engagement, max_engagement, avg_engagement, distinct_author_id FROM $1 ORDER BY window_start, lang"; }
sdump scale_expected > scale_want.txt
scale_done() { sdump scale_1m > scale_got.txt 2> /dev/null && cmp -s scale_got.txt scale_want.txt; }
if waitfor 120 scale_done; then
	ok "scale-out: the merged table = the single-process aggregation, exactly ($(wc -l < scale_want.txt) rows)"
else
	not_ok "scale-out: the merged table = the single-process aggregation, exactly" \
	    "$(diff scale_want.txt scale_got.txt | head -4 | tr '\n' ' ')"
fi
eq "scale-out: every row final" "$(q 'SELECT count(*) FROM scale_1m WHERE NOT final')" 0
for s in a c d merger; do eval "kill -TERM \$SC_$s"; done

# 8. A group member restarted: it has its partitions again within seconds
# (stream.sh sets session.timeout.ms 6 s; a SIGTERM leaves the group at
# once; librdkafka's defaults made a restart wait 45-90 s). "Again" is its
# first stats line with records counted or replayed ones skipped.
rjob() {
	start_job rejoin B="$B" RAW_TOPIC=live_raw GROUP=rejoin-$$ PUBLISH=0 TABLE=rejoin_1s \
		WINDOW=1s LATENESS=1d IDLE=2s STATE="$T/s8/stream.state" STATS=1s
}
resumed() { grep -qE 'Z: [1-9][0-9]* records|[1-9][0-9]* replayed skipped' rejoin.err; }
rjob
waitfor 60 resumed
kill -TERM "$SJ"
wait "$SJ"
t0=$(date +%s)
rjob
waitfor 60 resumed
dt_term=$(($(date +%s) - t0))
pkill -KILL -s "$SJ"
wait "$SJ" 2> /dev/null
t0=$(date +%s)
rjob
waitfor 60 resumed
dt_kill=$(($(date +%s) - t0))
kill -TERM "$SJ"
wait "$SJ"
check "a group member restarted after SIGTERM reads again within 20 s (took $dt_term s)" test "$dt_term" -le 20
check "... after SIGKILL within 30 s, the dead member's session timing out (took $dt_kill s)" test "$dt_kill" -le 30

# 9. The brokers die and come back (the mock takes all three down on
# SIGUSR1, up on SIGUSR2) while producer.sh sends 8,000 tweets at 1,000 a
# second and stream.sh counts them: the producer waits for them (kcat -E
# retries for message.timeout.ms), the job ends by itself with status 1 (as
# for a supervisor to run it again), and the restarted job counts every
# tweet once.
if start_mock down down_raw:4; then
	ok "brokers down: a cluster of three"
else
	not_ok "brokers down: a cluster of three"
fi
env B="$B" TOPIC=down_raw RATE=1000 COUNT=8000 SEED=51 timeout 120 "$K/producer.sh" > /dev/null 2> dprod.err &
DP=$!
djob() {
	start_job down B="$B" RAW_TOPIC=down_raw PUBLISH=0 TABLE=down_1s WINDOW=1s LATENESS=1d IDLE=2s \
		STATE="$T/s9/stream.state" START=beginning "$@"
}
djob
sleep 3
kill -USR1 "$MOCK"
if waitfor 30 sh -c "! kill -0 $SJ 2> /dev/null"; then
	wait "$SJ"
	st=$?
else
	st=stuck
	pkill -KILL -s "$SJ"
fi
eq "brokers down: the job ends by itself, status 1" "$st" 1
sleep 5
kill -USR2 "$MOCK"
wait "$DP"
eq "brokers down: producer.sh waited for them and exits 0" "$?" 0
topic_flat down_raw > down_flat.ndjson
eq "brokers down: the topic holds each of the 8,000 tweets once" \
    "$(wc -l < down_flat.ndjson | tr -d ' ') $(tw-flatten -q -f id down_flat.ndjson | sort -u | wc -l | tr -d ' ')" "8000 8000"
djob EXIT_AT_END=1 FLUSH=1
wait "$SJ"
eq "brokers down: the restarted job ends well" "$?" 0
tw-agg -q -w 1s -l 1d -g lang -a $AGGS down_flat.ndjson | tw-load -q -d mysql -t down_expected | $M
dump down_1s > down.txt
dump down_expected > down_want.txt
same "brokers down: the table = the batch aggregation of the topic ($(q 'SELECT sum(count) FROM down_1s') tweets)" down.txt down_want.txt
kill -TERM "$MOCK"
B=$MAINB

# perf.sh is tested in kafka_perf.sh (its history and LIVE=1 runs).
