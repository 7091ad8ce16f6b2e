#!/usr/bin/env bash
# stream.sh: the streaming job (replaces Spark Structured Streaming + MySQL).
#
#   kcat -C -J -o $(tw-agg --resume-point) raw_tweets | tw-flatten |
#       tw-agg -w 1m -g lang ... --state S --checkpoint 5s \
#           --tee (to processed_tweets) --copy (to analytics) |
#       tw-load -d mysql -t lang_1m | mariadb
#
# Every tweet is counted once, whatever kills what. The offsets that count
# are the ones in tw-agg's state (STATE), saved every CHECKPOINT with the
# open windows, not a consumer group's: a restart reads each partition again
# from a little before the state's offsets (tw-agg --resume-point) and
# tw-agg skips what it had counted. Windows written in the last --retain
# (30 s) are written again after a restart, so rows a killed mariadb had not
# committed come back; tw-load upserts by window and group, so a row written
# twice is stored once. A state saved for another log (the topic recreated,
# a new cluster) is refused with a message, not trusted.
#
# The topics it writes are at least once, with stable keys:
#   processed_tweets  the flat tweets counted (tw-agg --tee: never the ones
#                     a restart skips), keyed by author_id for partitioning;
#                     after a crash the last CHECKPOINT's tweets come again:
#                     a reader counts each tweet id once (batch.sh does)
#   analytics         the window results, keyed START|GROUP...; a restart writes the last ones
#                     again: a reader keeps one row per window and group
#
# Env:
#   B=host:port,...       the brokers (required; the mock cluster prints them)
#   MYSQL='mariadb twpipe' the database client command (word-split)
#   TABLE=lang_1m         the table of windows (upserted by window and group)
#   WINDOW=1m GROUP_BY=lang AGGS=count,avg:engagement,... LATENESS=30s
#   UNIQUE=id             count each tweet id once in a window (tw-agg -u): a
#                         tweet a restarted producer sent again is skipped
#                         (UNIQUE=none counts every message)
#   STATS=1m              tw-agg prints its counts (records, late, bad) on
#                         stderr this often (STATS=none: only at the end)
#   STATE=stream.state    tw-agg's state: windows, offsets, counts
#   CHECKPOINT=5s         how often the state is saved (what a SIGKILL redoes)
#   IDLE=10s              a partition quiet this long stops holding the watermark
#                         (reading a backlog on a busy machine, give more: a
#                         partition waiting for its next fetch is quiet too)
#   LATE=FILE             keep late records there (default STATE.late)
#   GROUP=id              consume as a member of consumer group id (kcat -G),
#                         for scale-out (with PARTIAL=1): the group assigns the
#                         partitions, commits nothing, and each assignment reads
#                         its partitions from the beginning; the state skips
#                         what was counted (so a restart costs a re-read)
#   EXIT_AT_END=1         stop at the end of every partition (GROUP too)
#   START=beginning       where kcat starts (its -o) instead of the resume
#                         point: tw-agg still skips what it counted. For a
#                         broker that cannot look offsets up by time (s@),
#                         such as librdkafka's mock cluster
#   FLUSH=1               at the end, write every window (tw-agg --flush): the
#                         last run of a job
#   RESET_OFFSETS=1       forget the state's offsets of RAW_TOPIC (after the
#                         topic was recreated or moved: tw-agg says so)
#   PARTS_DIR=DIR         also land the flat tweets as hourly gzip parts under DIR
#   PARTIAL=1             write tw-agg --partial states (to PARTIALS_TOPIC, or
#                         stdout) instead of loading: see scale.sh
#   SOURCE=NAME           with PARTIAL: this consumer's name (default host:pid)
#   PUBLISH=0             do not produce to processed_tweets and analytics
#   METER_LOG=FILE        meter the flat stream with tw-perf (LABEL=streaming)
#   KCAT_X='-X k=v ...'   extra options for every kcat
#
# Stop it with SIGTERM or SIGINT: the consumer is stopped, the records
# already read go through, tw-agg saves its state, tw-load commits. If the
# brokers go away, kcat exits 1; the job drains the same way and exits 1.
set -u -o pipefail
me=stream.sh
if [ -z "${B:-}" ]; then
	echo "$me: set B to the brokers (host:port,...)" >&2
	exit 2
fi
RAW=${RAW_TOPIC:-raw_tweets}
PROCESSED=${PROCESSED_TOPIC:-processed_tweets}
ANALYTICS=${ANALYTICS_TOPIC:-analytics}
MYSQL=${MYSQL:-mariadb twpipe}
TABLE=${TABLE:-lang_1m}
STATE=${STATE:-stream.state}
LATE=${LATE:-$STATE.late}
PARTITION_BY=${PARTITION_BY:-year=%Y/month=%m/day=%d/hour=%H}
read -r -a KX <<< "${KCAT_X:-}"
# Quiet consumers: no end-of-partition notices, no configuration warnings.
KQ=(-q -X log_level=3)

agg=(tw-agg -q -w "${WINDOW:-1m}" -l "${LATENESS:-30s}" -g "${GROUP_BY:-lang}"
    -a "${AGGS:-count,avg:engagement,max:engagement,distinct:author_id}"
    --state "$STATE" --checkpoint "${CHECKPOINT:-5s}" --idle "${IDLE:-10s}" --late "$LATE")
[ "${UNIQUE:-id}" != none ] && agg+=(-u "${UNIQUE:-id}")
[ "${STATS:-1m}" != none ] && agg+=(--stats "${STATS:-1m}")
[ "${PARTIAL:-0}" = 1 ] && agg+=(--partial ${SOURCE:+--source "$SOURCE"})
[ "${FLUSH:-0}" = 1 ] && agg+=(--flush)
[ "${RESET_OFFSETS:-0}" = 1 ] && agg+=(--reset-offsets "$RAW")

# The consumer. Its pid goes to STATE.consumer so that a stop reaches it.
consume() {
	local from e=
	[ "${EXIT_AT_END:-0}" = 1 ] && e=-e
	if [ -n "${GROUP:-}" ]; then
		kcat -b "$B" -G "$GROUP" -o beginning $e -J -u "${KQ[@]}" \
			-X enable.auto.commit=false -X session.timeout.ms=6000 \
			-X heartbeat.interval.ms=500 "${KX[@]}" "$RAW" &
	else
		# (A reset forgets the offsets: read that topic from the start.)
		from=beginning
		if [ -n "${START:-}" ]; then
			from=$START
		elif [ "${RESET_OFFSETS:-0}" != 1 ]; then
			from=$(tw-agg --state "$STATE" --resume-point) || return 1
		fi
		kcat -C -b "$B" -t "$RAW" -o "$from" $e -J -u "${KQ[@]}" "${KX[@]}" &
	fi
	echo $! > "$STATE.consumer"
	wait $!
}
meter() {
	if [ -n "${METER_LOG:-}" ]; then
		tw-perf --label "${LABEL:-streaming}" --every "${METER_EVERY:-10s}" -o "$METER_LOG"
	else
		cat
	fi
}
# The counted flat tweets: to processed_tweets, keyed by author, and/or hourly parts.
side() {
	if [ -n "${PARTS_DIR:-}" ] && [ "${PUBLISH:-1}" = 1 ]; then
		tee >(tw-load -q -p "$PARTITION_BY" -o "$PARTS_DIR") | to_processed
	elif [ -n "${PARTS_DIR:-}" ]; then
		tw-load -q -p "$PARTITION_BY" -o "$PARTS_DIR"
	else
		to_processed
	fi
}
to_processed() {
	tw-flatten -q --kafka-key author_id | kcat -P -b "$B" -t "$PROCESSED" -K '\t' "${KX[@]}"
}
sink() {
	if [ "${PARTIAL:-0}" = 1 ] && [ -n "${PARTIALS_TOPIC:-}" ]; then
		# Keyed by source: one source's partials and watermarks stay in order.
		sed -u 's/^\(.*"_source":"\([^"]*\)".*\)$/\2\t\1/' |
			kcat -P -b "$B" -t "$PARTIALS_TOPIC" -K '\t' "${KX[@]}"
	elif [ "${PARTIAL:-0}" = 1 ]; then
		cat
	else
		load
	fi
}
load() { tw-load -q -d mysql -t "$TABLE" | $MYSQL; }
# The window results keyed by window and group ("START|v1|v2"): a result
# written again (a restart, -e update) has the key of the one it replaces,
# so a reader, or a compacted topic, keeps the last of each.
analytics_keyed() {
	awk -v g="${GROUP_BY:-lang}" 'BEGIN { n = split(g, f, ",") }
	{
		k = ""
		if (match($0, /"window_start":"[^"]*"/))
			k = substr($0, RSTART + 16, RLENGTH - 17)
		for (i = 1; i <= n; i++) {
			v = ""
			if (match($0, "\"" f[i] "\":(\"([^\"\\\\]|\\\\.)*\"|[^,}]*)"))
				v = substr($0, RSTART + length(f[i]) + 3, RLENGTH - length(f[i]) - 3)
			k = k "|" v
		}
		print k "\t" $0
		fflush()
	}'
}

mkdir -p "$(dirname "$STATE")" || exit 1
# The side outputs read named pipes beside the state (made again at each
# start, so a killed run leaves nothing elsewhere); they are waited for, so
# what the job counted has been handed to the producers when it exits.
sides=()
if [ "${PUBLISH:-1}" = 1 ] || [ -n "${PARTS_DIR:-}" ]; then
	rm -f "$STATE.side" && mkfifo "$STATE.side" || exit 1
	side < "$STATE.side" &
	sides+=($!)
	agg+=(--tee "$STATE.side")
fi
if [ "${PUBLISH:-1}" = 1 ] && [ "${PARTIAL:-0}" != 1 ]; then
	rm -f "$STATE.analytics" && mkfifo "$STATE.analytics" || exit 1
	analytics_keyed < "$STATE.analytics" |
		kcat -P -b "$B" -t "$ANALYTICS" -K '\t' "${KX[@]}" &
	sides+=($!)
	agg+=(--copy "$STATE.analytics")
fi

stopping= termed=
# On SIGTERM/SIGINT stop only the consumer: what it already wrote drains
# through every stage, tw-agg saves its state, tw-load commits.
stop() {
	stopping=$1
	stop_consumer
}
# A consumer in a group can hang while it leaves (a rebalance that does not
# end): after STOP_WAIT seconds (10) it is killed, which loses nothing, the
# offsets being in the state.
stop_consumer() {
	[ -s "$STATE.consumer" ] || return 0
	runs "$(cat "$STATE.consumer")" kcat && kill -TERM "$(cat "$STATE.consumer")" 2> /dev/null
	[ -n "$termed" ] || termed=$(date +%s)
}
# runs PID NAME...: PID is a process running one of the NAMEs. A pid read
# from a file may have ended and been given to another program (pids wrap
# around quickly on a busy machine): that one must not get our signals.
runs() {
	local p=$1 c
	shift
	[ -n "$p" ] && c=$(cat "/proc/$p/comm" 2> /dev/null) || return 1
	for n in "$@"; do [ "$c" = "$n" ] && return 0; done
	return 1
}
trap 'stop TERM' TERM
trap 'stop INT' INT

# In a subshell: its status is the pipeline's (pipefail). A process that
# dies takes the others down: downstream tools see the end of their input,
# upstream ones a reader gone (tw-agg then ends without saving a state that
# assumed its output arrived, tw-load when its client has gone). Only the
# consumer, waiting for messages, may not write for a long time: once
# tw-agg has ended, it is stopped.
rm -f "$STATE.consumer" "$STATE.agg"	# a killed run's pids are not ours
( consume | tw-flatten -q | meter | ( echo $BASHPID > "$STATE.agg"; exec "${agg[@]}" ) | sink ) &
PIPE=$!
while kill -0 "$PIPE" 2> /dev/null; do
	sleep 0.5
	a=$(cat "$STATE.agg" 2> /dev/null)
	c=$(cat "$STATE.consumer" 2> /dev/null)
	# (tw-agg's subshell is bash until its exec.)
	if [ -n "$a" ] && [ -n "$c" ] && ! runs "$a" tw-agg bash; then
		stop_consumer
	fi
	if [ -n "$termed" ] && [ $(($(date +%s) - termed)) -ge "${STOP_WAIT:-10}" ] &&
	    runs "$c" kcat; then
		kill -KILL "$c" 2> /dev/null
	fi
done
wait "$PIPE"
st=$?
for p in "${sides[@]}"; do
	wait "$p" || { echo "$me: a producer of the side outputs failed" >&2; st=${st:-1}; [ "$st" -eq 0 ] && st=1; }
done
rm -f "$STATE.consumer" "$STATE.agg" "$STATE.side" "$STATE.analytics"
if [ -n "$stopping" ]; then
	trap - "$stopping"
	[ "$st" -ne 0 ] && [ "$st" -lt 128 ] && { echo "$me: the pipeline failed while stopping (status $st)" >&2; exit 1; }
	kill -s "$stopping" $$
fi
if [ "$st" -ne 0 ]; then
	echo "$me: the pipeline ended with status $st (the state in $STATE holds what was counted; run again to go on)" >&2
	exit 1
fi
exit 0
