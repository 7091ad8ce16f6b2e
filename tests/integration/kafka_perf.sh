#!/bin/sh
# examples/kafka/perf.sh end to end, with real kcat against librdkafka's mock
# cluster (tests/mockbroker.c) and a throwaway MariaDB, as a user runs it:
#   1. the history: raw_tweets produced, the job (stream.sh) publishing
#      processed_tweets, some of it published twice; perf.sh compares
#      batch.sh over processed_tweets with stream.sh over raw_tweets: the same
#      tweets (each once), both measured as batch (each reads a backlog), a
#      data age and no latency, the storage of every table
#   2. LIVE=1: tweets produced at a pace while stream.sh follows them: the
#      streaming run is streaming, with a latency; the batch over what it
#      published counts the same tweets
#   3. what must fail: raw_tweets ahead of processed_tweets (not the same
#      tweets: said, status 1); LIVE=1 on a topic that holds messages; no B
. "$TW_ROOT/tests/lib.sh"
K=$TW_ROOT/examples/kafka

for c in kcat pkg-config cc mariadb python3; do
	command -v $c > /dev/null || { skip "kafka perf.sh" "$c missing (tests/deps.sh installs it)"; exit 0; }
done
pkg-config --exists rdkafka || { skip "kafka perf.sh" "librdkafka-dev missing (tests/deps.sh)"; exit 0; }
cd "$T" || exit 1

SRV=$T/mariadb
MOCK=
cleanup() {
	[ -n "$MOCK" ] && kill -TERM "$MOCK" 2> /dev/null
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
"$TW_BUILD/mockbroker" 3 raw_tweets:8 processed_tweets:8 analytics:1 perf_raw:4 perf_processed:4 \
	perf_analytics:1 used_raw:2 > bootstrap 2> /dev/null &
MOCK=$!
if ! waitfor 10 test -s bootstrap; then
	not_ok "mock cluster starts"
	exit 0
fi
B=$(cat bootstrap)
KCAT_X='-X compression.codec=zstd'
MYSQL=$M
export B KCAT_X MYSQL
# ids TOPIC: the distinct tweet ids in a topic.
ids() { kcat -C -b "$B" -t "$1" -o beginning -e -J -u -q -X log_level=3 $KCAT_X 2> /dev/null | tw-flatten -q -f id | sort -u | wc -l | tr -d ' '; }
# runs: the runs of a perf log as "label mode records live age? latency?".
runs() {
	tw-perf report --format json "$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["runs"]:
    print(r["label"], r["mode"], r["records"], r["live_records"], "age" if r["age_ms"] else "noage",
        "latency" if r["latency_ms"] else "nolatency")'
}
# section NAME FILE: the lines of a report section (up to a blank line).
section() { awk -v s="$1" '$0 == s { on = 1; next } on && /^$/ { exit } on' "$2"; }

# 1. The history. 20,000 tweets into raw_tweets; the job counts them and
# publishes them to processed_tweets, 700 of which are published again (as
# after a crash).
N=20000
check "producer.sh: $N tweets into raw_tweets" env COUNT=$N SEED=5 timeout 90 "$K/producer.sh"
check "the job (stream.sh) counts them and publishes processed_tweets" env EXIT_AT_END=1 FLUSH=1 \
    TABLE=lang_1m STATE="$T/job/stream.state" LATENESS=1d timeout 120 "$K/stream.sh"
kcat -C -b "$B" -t processed_tweets -o beginning -c 700 -e -q -K '\t' $KCAT_X 2> /dev/null |
	kcat -P -b "$B" -t processed_tweets -K '\t' $KCAT_X
PERF_LOG=$T/perf.log SVG_DIR=$T/charts STATE=$T/p1/perf.state timeout 300 "$K/perf.sh" > perf1.out 2> perf1.err
eq "perf.sh (history): exits 0" "$?" 0
nraw=$(ids raw_tweets)
nproc=$(ids processed_tweets)
eq "raw_tweets and processed_tweets hold the same $N distinct tweets" "$nraw $nproc" "$N $N"
contains "perf.sh: says both runs counted the same tweets" perf1.out "same tweets: $N tweets in both runs"
eq "both tables count each distinct tweet once" \
    "$(q 'SELECT sum(count) FROM lang_1m_perf_batch') $(q 'SELECT sum(count) FROM lang_1m_perf_stream')" "$N $N"
runs "$T/perf.log" > runs1.txt
check "the batch run: the distinct tweets of processed_tweets ($N of $((N + 700)) messages), measured batch, a data age, no latency" \
    grep -qx "batch batch $N 0 age nolatency" runs1.txt
check "the streaming job replaying raw_tweets: every message, measured batch (a backlog), a data age, no latency" \
    grep -qx "streaming batch $N 0 age nolatency" runs1.txt
check "the report says so: the mode row of the comparison" grep -Eq '^mode +batch +batch' perf1.out
check "the report names the data age (not a latency)" grep -q 'data age p99  latency p99$' perf1.out
section Storage perf1.out > storage1.txt
for t in lang_1m lang_1m_perf_batch lang_1m_perf_stream; do
	check "storage per table: $t, with its bytes" grep -Eq "^tsv:[^ ]+ +$t +[1-9][0-9]* " storage1.txt
done
check "perf.sh: charts written (comparison with each run's mode)" sh -c "test -s '$T/charts/throughput.svg' &&
    grep -q '(batch)' '$T/charts/comparison.svg' && grep -q 'data age p99 s' '$T/charts/comparison.svg'"

# 2. LIVE=1: 8,000 tweets at 1,000 a second into fresh topics while the
# streaming job follows them; then the batch over what it published.
NL=8000
PERF_LOG=$T/live.log SVG_DIR=$T/lcharts STATE=$T/p2/perf.state LIVE=1 COUNT=$NL RATE=1000 SEED=6 \
	timeout 300 "$K/perf.sh" > perf2.out 2> perf2.err
eq "perf.sh LIVE=1: exits 0" "$?" 0
eq "perf_raw and perf_processed hold the same $NL distinct tweets" "$(ids perf_raw) $(ids perf_processed)" "$NL $NL"
contains "perf.sh LIVE=1: the same tweets" perf2.out "same tweets: $NL tweets in both runs"
runs "$T/live.log" > runs2.txt
check "LIVE=1: the streaming job following the topic is streaming, most records live, with a data age and a latency" \
    python3 -c "
import sys
f = open('runs2.txt').read().split('\n')
s = [l.split() for l in f if l.startswith('streaming ')][0]
assert s[1:3] == ['streaming', '$NL'] and int(s[3]) >= 0.8 * $NL and s[4:] == ['age', 'latency'], s"
check "LIVE=1: the batch over what it published is batch, a data age, no latency" \
    grep -qx "batch batch $NL 0 age nolatency" runs2.txt
check "LIVE=1: the comparison's modes" grep -Eq '^mode +batch +streaming' perf2.out
check "LIVE=1: the streaming latency is in ms or s, the batch has none" \
    sh -c "grep -A12 '^Batch vs streaming' perf2.out | grep -Eq '^latency p99 +- +[0-9.]+ (ms|s) '"

# 3. What must fail. Tweets in raw_tweets that the job has not published:
# not the same tweets, said, status 1.
env TOPIC=raw_tweets COUNT=300 SEED=77 timeout 60 "$K/producer.sh"
PERF_LOG=$T/perf3.log SVG_DIR=$T/charts3 STATE=$T/p3/perf.state timeout 300 "$K/perf.sh" > perf3.out 2> perf3.err
eq "perf.sh: raw_tweets ahead of processed_tweets: status 1" "$?" 1
contains "perf.sh: ... and says which counted what" perf3.out "NOT the same tweets: batch counted $N (processed_tweets, each tweet id once), streaming $((N + 300)) (raw_tweets)"
contains "perf.sh: ... the report still comes" perf3.out "Batch vs streaming"
printf '{"a":1}\n' | kcat -P -b "$B" -t used_raw $KCAT_X
PERF_LOG=$T/perf4.log STATE=$T/p4/perf.state LIVE=1 PERF_RAW_TOPIC=used_raw COUNT=10 \
	timeout 60 "$K/perf.sh" > perf4.out 2> perf4.err
eq "perf.sh LIVE=1 on a topic that holds messages: status 2" "$?" 2
contains "perf.sh LIVE=1: ... says what to do" perf4.err "set PERF_RAW_TOPIC and PERF_PROCESSED_TOPIC to new ones"
env -u B "$K/perf.sh" > /dev/null 2> nob.err
eq "perf.sh without B: status 2, said" "$?|$(grep -c 'set B' nob.err)" "2|1"
