#!/usr/bin/env bash
# stream.sh: the streaming job (replaces Spark Structured Streaming + MySQL).
#
#   raw_tweets --kcat -C -J--> tw-flatten --+--> tw-agg -w 1m ... --+--> tw-load -d mysql | mariadb
#                                           |                       +--> kcat -P analytics
#                                           +--> tw-flatten --kafka-key author_id | kcat -P -K '\t' processed_tweets
#                                           +--> tw-load -p year=../hour=.. -o $PARTS_DIR     (PARTS_DIR=)
#                                           +--> last offset per partition -> $OFFSETS        (OFFSETS=)
#
# Every branch reads the same flat records through a named pipe and `tee -p`,
# so a dead side branch (a kcat producer whose broker went away) does not cut
# the records short for the others: the aggregate, the partition files and the
# offsets file always describe the same records, which is what makes a restart
# from (OFFSETS, STATE) exact. Everything is configured by the environment:
#
#   B=host:port,...       brokers (default localhost:9092)
#   MYSQL='mariadb twpipe' the database client command (word-split)
#   TABLE=lang_1m         table of the windows (upserted by window and group)
#   WINDOW=1m GROUP_BY=lang AGGS=count,avg:engagement,... LATENESS=30s
#   GROUP=id              consume as a member of consumer group id (kcat -G):
#                         offsets are committed to the broker, so a restarted
#                         job resumes where the group left off
#   FROM=beginning        without GROUP: beginning, end, stored or an offset
#   EXIT_AT_END=1         without GROUP: stop at the end of every partition (kcat -e)
#   RESUME=FILE           catch up from an offsets file ("partition offset" lines,
#                         as OFFSETS writes): each partition from offset+1, then exit
#   OFFSETS=FILE          at the end, write (merge into) the last offset consumed per partition
#   STATE=FILE            tw-agg --state: open windows survive a stop; FLUSH=1 on the last run
#   CHECKPOINT=DUR        with STATE: also save it every DUR, with the Kafka offsets counted,
#                         so even a SIGKILLed tw-agg restarts exactly (replay from any
#                         earlier offset: what the state already counted is skipped)
#   PARTS_DIR=DIR         also land the flat tweets as hourly gzip parts under DIR
#   PARTIAL=1             write tw-agg --partial states to stdout instead of loading
#                         (scale-out: several consumers in one GROUP, one tw-agg --merge)
#   PUBLISH=0             do not produce to processed_tweets and analytics (re-runs, measurements)
#   METER_LOG=FILE        meter the flat stream with tw-perf (LABEL=streaming, METER_EVERY=10s)
#   KCAT_X='-X k=v ...'   extra options for every kcat
#
# Stop it with SIGTERM or SIGINT: the consumer is stopped, the records already
# read go through, tw-agg saves its state (or writes its windows), tw-load
# commits. If the brokers go away, kcat prints "% ERROR: ... All broker
# connections are down" and exits 1; the job then drains the same way and
# exits 1 with a message. Exit status: 0 when every stage succeeded, else 1.
set -u -o pipefail
B=${B:-localhost:9092}
RAW=${RAW_TOPIC:-raw_tweets}
PROCESSED=${PROCESSED_TOPIC:-processed_tweets}
ANALYTICS=${ANALYTICS_TOPIC:-analytics}
MYSQL=${MYSQL:-mariadb twpipe}
TABLE=${TABLE:-lang_1m}
WINDOW=${WINDOW:-1m}
GROUP_BY=${GROUP_BY:-lang}
AGGS=${AGGS:-count,avg:engagement,max:engagement,distinct:author_id}
LATENESS=${LATENESS:-30s}
PARTITION_BY=${PARTITION_BY:-year=%Y/month=%m/day=%d/hour=%H}
read -r -a KX <<< "${KCAT_X:-}"
me=stream.sh

W=$(mktemp -d "${TMPDIR:-/tmp}/twstream.XXXXXX") || exit 1
CONS= MAIN= stopping=
# On SIGTERM/SIGINT stop only the consumer: what it already wrote drains
# through every stage, tw-agg saves (or writes) its windows, tw-load commits.
# Signal this script, not its whole process group: tw-flatten and tw-agg stop
# reading at the signal, so records still in the pipes would be dropped.
stop() { stopping=$1; [ -n "$CONS" ] && kill -TERM "$CONS" 2> /dev/null; }
trap 'rm -rf "$W"' EXIT
trap 'stop TERM' TERM
trap 'stop INT' INT

agg_opts=(-w "$WINDOW" -l "$LATENESS" -g "$GROUP_BY" -a "$AGGS")
[ -n "${STATE:-}" ] && agg_opts+=(--state "$STATE")
[ "${FLUSH:-0}" = 1 ] && agg_opts+=(--flush)
[ -n "${STATE:-}" ] && [ -n "${CHECKPOINT:-}" ] && agg_opts+=(--checkpoint "$CHECKPOINT")
[ "${PARTIAL:-0}" = 1 ] && agg_opts+=(--partial)

# consume: the raw tweets as kcat -J envelopes on stdout.
consume() {
	if [ -n "${RESUME:-}" ]; then
		# One partition after the other, each from its recorded offset + 1.
		# (A real deployment would rather keep GROUP: the broker stores the
		# committed offsets and survives the restart; see README.)
		parts=$(kcat -L -b "$B" -t "$RAW" "${KX[@]}" | awk '$1 == "partition" { sub(",", "", $2); print $2 }')
		[ -n "$parts" ] || { echo "$me: no partitions for topic '$RAW'" >&2; return 1; }
		for p in $parts; do
			off=$(awk -v p="$p" '$1 == p { print $2 + 1 }' "$RESUME" 2> /dev/null)
			kcat -C -b "$B" -t "$RAW" -p "$p" -o "${off:-beginning}" -e -J -u -q "${KX[@]}" || return 1
		done
	elif [ -n "${GROUP:-}" ]; then
		exec kcat -b "$B" -G "$GROUP" -X auto.offset.reset=earliest -J -u "${KX[@]}" "$RAW"
	else
		e=; [ "${EXIT_AT_END:-0}" = 1 ] && e=-e
		exec kcat -C -b "$B" -t "$RAW" -o "${FROM:-beginning}" $e -J -u -q "${KX[@]}"
	fi
}

meter() {
	if [ -n "${METER_LOG:-}" ]; then
		exec tw-perf -l "${LABEL:-streaming}" -e "${METER_EVERY:-10s}" -o "$METER_LOG"
	else
		exec cat
	fi
}

# track_offsets: the highest kafka_offset per partition of the records read,
# merged with what OFFSETS already held, written whole (temp file + rename).
track_offsets() {
	tw-agg -q -g kafka_partition -a max:kafka_offset |
		sed -n 's/.*"kafka_partition":\([0-9]*\),"max_kafka_offset":\([0-9]*\).*/\1 \2/p' > "$W/off.new" || return 1
	[ -f "$OFFSETS" ] || : > "$OFFSETS" || return 1
	cat "$OFFSETS" "$W/off.new" |
		awk '!($1 in m) || $2 > m[$1] { m[$1] = $2 } END { for (p in m) print p, m[p] }' |
		sort -n > "$OFFSETS.tmp" && mv "$OFFSETS.tmp" "$OFFSETS"
}

sink() {
	if [ "${PARTIAL:-0}" = 1 ]; then
		exec cat
	else
		tw-load -q -d mysql -t "$TABLE" | $MYSQL
	fi
}

mkfifo "$W/raw" "$W/proc" "$W/ana" || exit 1
names=() pids=()
# branch NAME INPUT COMMAND...: run COMMAND in the background reading INPUT.
branch() { names+=("$1"); _in=$2; shift 2; "$@" < "$_in" & pids+=($!); }

consume > "$W/raw" &
CONS=$!
taps=() ana=()
if [ "${PUBLISH:-1}" = 1 ]; then
	branch "$PROCESSED producer" "$W/proc" bash -c 'set -o pipefail; tw-flatten -q --kafka-key author_id | kcat -P -b "$1" -t "$2" -K "\\t" "${@:3}"' \
		bash "$B" "$PROCESSED" "${KX[@]}"
	taps=("$W/proc")
fi
if [ "${PUBLISH:-1}" = 1 ] && [ "${PARTIAL:-0}" != 1 ]; then
	branch "$ANALYTICS producer" "$W/ana" kcat -P -b "$B" -t "$ANALYTICS" "${KX[@]}"
	ana=("$W/ana")
fi
if [ -n "${PARTS_DIR:-}" ]; then
	mkfifo "$W/parts"
	branch "partition files" "$W/parts" tw-load -q -p "$PARTITION_BY" -o "$PARTS_DIR"
	taps+=("$W/parts")
fi
if [ -n "${OFFSETS:-}" ]; then
	mkfifo "$W/off"
	branch "offsets" "$W/off" track_offsets
	taps+=("$W/off")
fi

(
	tw-flatten -q < "$W/raw" | meter | tee -p "${taps[@]}" |
		tw-agg -q "${agg_opts[@]}" | tee -p "${ana[@]}" | sink
) &
MAIN=$!

rc=0
# wait returns early when a trapped signal arrives: wait again until done.
while :; do
	wait "$MAIN"
	s=$?
	kill -0 "$MAIN" 2> /dev/null || break
done
if [ "$s" -ne 0 ] && ! { [ -n "$stopping" ] && [ "$s" -gt 128 ]; }; then
	echo "$me: aggregation pipeline failed (status $s)" >&2
	rc=1
fi
while :; do
	wait "$CONS"
	s=$?
	kill -0 "$CONS" 2> /dev/null || break
done
if [ "$s" -ne 0 ] && [ "$s" -ne 143 ] && [ "$s" -ne 130 ]; then
	echo "$me: consumer of '$RAW' failed (status $s): stopped early${STATE:+; windows saved in $STATE}${OFFSETS:+, offsets in $OFFSETS}" >&2
	rc=1
fi
for i in "${!pids[@]}"; do
	wait "${pids[$i]}"
	s=$?
	[ "$s" -ne 0 ] && { echo "$me: ${names[$i]} failed (status $s)" >&2; rc=1; }
done
# A requested stop ends by the signal, as every twpipe tool does.
if [ -n "$stopping" ] && [ $rc -eq 0 ]; then
	rm -rf "$W"
	trap - "$stopping" EXIT
	kill -s "$stopping" $$
fi
exit $rc
