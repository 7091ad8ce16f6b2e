#!/usr/bin/env bash
# perf.sh: the Kafka job, batch against streaming on the same tweets,
# measured by tw-perf.
#
#   B=host:port ./perf.sh          the history: batch.sh over processed_tweets
#                                  and stream.sh over raw_tweets, both from the
#                                  beginning
#   B=host:port LIVE=1 ./perf.sh   a live run: COUNT tweets produced at RATE a
#                                  second into fresh topics while stream.sh
#                                  follows them, then batch.sh over what it
#                                  published
#
# Each job runs under `tw-perf run` (CPU, memory and I/O of its process tree)
# with a meter on its flat tweets (records, throughput, data age, latency). The
# report calls each run batch or streaming by what the meter saw arrive, not by
# its name: a topic read from the beginning is a backlog, batch for either job,
# with the data's age (how old the tweets were when read) and no latency; a job
# that follows a live topic is streaming, with a latency from each message's
# Kafka time. So the history comparison is two batches (the streaming job
# replaying its input); LIVE=1 measures the streaming job streaming.
#
# The same tweets: the batch counts each tweet id of processed_tweets once
# (that topic is at least once); the streaming run counts each message of
# raw_tweets once. perf.sh compares their tables row by row (window, group,
# count), says "same tweets" with the count or what differs, and exits 1 when
# they differ (processed_tweets behind raw_tweets: the job has not published
# everything yet; a tweet produced twice; late records).
#
# Storage: each table's bytes as MariaDB reports them (tw-load -d mysql
# --storage-query), in the report.
#
# Env: as batch.sh and stream.sh (B required, MYSQL, WINDOW, GROUP_BY, AGGS,
# KCAT_X, RAW_TOPIC, PROCESSED_TOPIC), plus
#   PERF_LOG=perf.log          tw-perf records (appended; the report is this run's)
#   PERF_SIZES=perf.sizes.tsv  the tables' bytes (table<TAB>bytes) in the report
#   SVG_DIR=perf-charts        the report's charts
#   BATCH_TABLE=lang_1m_perf_batch  STREAM_TABLE=lang_1m_perf_stream
#                              the two runs' tables (dropped first: each run
#                              counts from the beginning)
#   STATE=perf.state           the streaming run's state (started afresh; its
#                              late records in STATE.late, the batch's in
#                              STATE.batch.late)
#   LIVE=1                     the live run: COUNT (20000) tweets at RATE (1000)
#                              a second, SEED, into PERF_RAW_TOPIC (perf_raw),
#                              published by the streaming run to
#                              PERF_PROCESSED_TOPIC (perf_processed) and
#                              PERF_ANALYTICS_TOPIC (perf_analytics): empty
#                              topics (it says so otherwise); WAIT (60) seconds
#                              at most for the job to catch up at the end
set -u -o pipefail
me=perf.sh
if [ -z "${B:-}" ]; then
	echo "$me: set B to the brokers (host:port,...)" >&2
	exit 2
fi
H=$(cd "$(dirname "$0")" && pwd)
LOG=${PERF_LOG:-perf.log}
SVG=${SVG_DIR:-perf-charts}
MYSQL=${MYSQL:-mariadb twpipe}
BT=${BATCH_TABLE:-lang_1m_perf_batch}
ST=${STREAM_TABLE:-lang_1m_perf_stream}
STATE=${STATE:-perf.state}
SIZES=${PERF_SIZES:-${LOG%.log}.sizes.tsv}
read -r -a KX <<< "${KCAT_X:-}"
export B MYSQL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/perf.XXXXXX") || exit 1
job=
# (An interrupted LIVE=1 stops its streaming job, which drains.)
trap '[ -n "$job" ] && kill -TERM "$job" 2> /dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# high TOPIC: the messages in a topic (the sum of its partitions' ends).
high() {
	local n p
	n=$(kcat -L -b "$B" -t "$1" "${KX[@]}" 2> /dev/null | sed -n 's/.* with \([0-9]*\) partitions.*/\1/p' | head -1)
	for p in $(seq 0 $((${n:-0} - 1))); do
		kcat -Q -b "$B" -t "$1:$p:-1" "${KX[@]}" 2> /dev/null
	done | awk '{ s += $NF } END { print s + 0 }'
}
# metered LABEL: the records the meter of LABEL has counted in this run
# (its last stats record; 0 before the first).
metered() {
	local n
	n=$(tail -n +"$from" "$LOG" | grep "\"type\":\"stats\",\"label\":\"$1\"" | tail -1 |
		sed -n 's/.*"records":\([0-9]*\).*/\1/p')
	echo "${n:-0}"
}
# rows TABLE: window, group and count of every row, in order.
rows() {
	printf 'SELECT window_start, window_end, group_key, `count` FROM `%s` ORDER BY 1, 2, 3;\n' "$1" |
		$MYSQL -N -B
}

mkdir -p "$(dirname "$STATE")" "$(dirname "$LOG")" "$(dirname "$SIZES")" || exit 1
touch "$LOG" || exit 1
from=$(($(wc -l < "$LOG") + 1))
printf 'DROP TABLE IF EXISTS `%s`, `%s`;\n' "$BT" "$ST" | $MYSQL || exit 1
rm -f "$STATE" "$STATE.late" "$STATE.batch.late"
rc=0

batch() {
	tw-perf run --label batch -o "$LOG" -- env METER_LOG="$LOG" LABEL=batch TABLE="$BT" \
		LATE="$STATE.batch.late" "$H/batch.sh" "$@"
}
if [ "${LIVE:-0}" != 1 ]; then
	RAW=${RAW_TOPIC:-raw_tweets}
	PROCESSED=${PROCESSED_TOPIC:-processed_tweets}
	echo "$me: batch: $PROCESSED from the beginning; streaming: $RAW from the beginning" >&2
	PROCESSED_TOPIC=$PROCESSED batch || rc=1
	tw-perf run --label streaming -o "$LOG" -- env METER_LOG="$LOG" LABEL=streaming TABLE="$ST" \
		RAW_TOPIC="$RAW" EXIT_AT_END=1 FLUSH=1 PUBLISH=0 STATE="$STATE" "$H/stream.sh" || rc=1
else
	RAW=${PERF_RAW_TOPIC:-perf_raw}
	PROCESSED=${PERF_PROCESSED_TOPIC:-perf_processed}
	for t in "$RAW" "$PROCESSED"; do
		if [ "$(high "$t")" -ne 0 ]; then
			echo "$me: LIVE=1 needs empty topics, and $t holds messages: set PERF_RAW_TOPIC and PERF_PROCESSED_TOPIC to new ones" >&2
			exit 2
		fi
	done
	echo "$me: streaming: ${COUNT:-20000} tweets at ${RATE:-1000}/s into $RAW, followed live; batch: $PROCESSED after it" >&2
	tw-perf run --label streaming -o "$LOG" -- env METER_LOG="$LOG" METER_EVERY=1s LABEL=streaming \
		TABLE="$ST" RAW_TOPIC="$RAW" PROCESSED_TOPIC="$PROCESSED" \
		ANALYTICS_TOPIC="${PERF_ANALYTICS_TOPIC:-perf_analytics}" PUBLISH=1 FLUSH=1 \
		STATE="$STATE" "$H/stream.sh" &
	job=$!
	env TOPIC="$RAW" COUNT="${COUNT:-20000}" RATE="${RATE:-1000}" ${SEED:+SEED="$SEED"} \
		"$H/producer.sh" || rc=1
	# Stop the job once it has read every message (a SIGTERM drains it:
	# every window written, everything counted published).
	want=$(high "$RAW")
	waited=0
	while [ "$(metered streaming)" -lt "$want" ] && [ "$waited" -lt "$((${WAIT:-60} * 4))" ] &&
	    kill -0 "$job" 2> /dev/null; do
		sleep 0.25
		waited=$((waited + 1))
	done
	[ "$(metered streaming)" -ge "$want" ] ||
		echo "$me: the streaming job had read $(metered streaming) of $want messages after ${WAIT:-60} s: stopping it" >&2
	kill -TERM "$job" 2> /dev/null
	wait "$job"
	st=$?
	job=
	[ "$st" -eq 0 ] || [ "$st" -eq 143 ] || rc=1
	PROCESSED_TOPIC=$PROCESSED batch || rc=1
fi

# The same tweets? Row by row: window, group, count.
rows "$BT" > "$tmp/batch" && rows "$ST" > "$tmp/stream" || rc=1
nb=$(awk -F'\t' '{ s += $4 } END { print s + 0 }' "$tmp/batch")
ns=$(awk -F'\t' '{ s += $4 } END { print s + 0 }' "$tmp/stream")
late_b=$(cat "$STATE.batch.late" 2> /dev/null | wc -l | tr -d ' ')
late_s=$(cat "$STATE.late" 2> /dev/null | wc -l | tr -d ' ')
if [ "$nb" -gt 0 ] && cmp -s "$tmp/batch" "$tmp/stream"; then
	echo "same tweets: $nb tweets in both runs ($(wc -l < "$tmp/batch" | tr -d ' ') rows of windows and groups equal; late records: batch $late_b, streaming $late_s)"
else
	diff "$tmp/batch" "$tmp/stream" > "$tmp/diff"
	echo "NOT the same tweets: batch counted $nb ($PROCESSED, each tweet id once), streaming $ns ($RAW);" \
	    "rows that differ: $(grep -c '^<' "$tmp/diff") of the batch's, $(grep -c '^>' "$tmp/diff") of the streaming run's;" \
	    "late records: batch $late_b, streaming $late_s"
	grep '^[<>]' "$tmp/diff" | head -4 | sed 's/^/  /'
	rc=1
fi
echo

# Storage per table (kept in SIZES), and the report of this run's records.
tw-load -q -d mysql --storage-query | $MYSQL -N -B > "$SIZES" || rc=1
tail -n +"$from" "$LOG" | tw-perf report --storage tsv:"$SIZES" --svg "$SVG" - || rc=1
exit $rc
