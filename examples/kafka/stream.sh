#!/usr/bin/env bash
# stream.sh: the streaming job (replaces Spark Structured Streaming + MySQL).
#
#   kcat -C -J -o $(tw-agg --state S --resume-point) -t raw_tweets |
#       tw-flatten | tw-agg -w 1m -g lang ... --state S --checkpoint 5s \
#           --tee >(to processed_tweets) --kafka-key --copy >(tw-load | mariadb) |
#       kcat -P -K '\t' -t analytics
#
# Every tweet is counted once in the table, whatever kills what: the
# offsets that count are those in tw-agg's state (STATE, saved every
# CHECKPOINT with the open windows), not a consumer group's. A restart reads
# each partition again from a little before them and tw-agg skips what it
# had counted; windows of the last 30 s (--retain) are written again, and
# tw-load upserts by window and group. A state saved for another log (the
# topic recreated, a new cluster) is refused with a message, not trusted.
#
# The topics it writes are at least once, with stable keys:
#   processed_tweets  the flat tweets counted (never the ones a restart
#                     skips), keyed by author_id; after a crash the last
#                     CHECKPOINT's tweets come again: count each id once
#                     (batch.sh does)
#   analytics         the window results keyed START|GROUP...: keep the
#                     last of each key (a restart writes the last ones again)
#
# Env:
#   B=host:port,...       the brokers (required; the mock cluster prints them)
#   MYSQL='mariadb twpipe' the database client command (word-split)
#   TABLE=lang_1m         the table of windows (upserted by window and group)
#   WINDOW=1m GROUP_BY=lang AGGS=count,avg:engagement,... LATENESS=30s
#   UNIQUE=id             count each tweet id once (a producer's resend);
#                         none: every message
#   STATS=1m              tw-agg's counts (records, late, bad) on stderr this
#                         often (none: only at the end)
#   STATE=stream.state    tw-agg's state: windows, offsets, counts
#   CHECKPOINT=5s         how often the state is saved (what a SIGKILL redoes)
#   IDLE=10s              a partition quiet this long stops holding the
#                         watermark (give more for a backlog on a busy machine)
#   LATE=FILE             keep late records there (default STATE.late)
#   GROUP=id              share the partitions with the group's other members
#                         (kcat -G; with PARTIAL=1, see scale.sh). The group
#                         commits nothing: each assignment reads its
#                         partitions from the start, the state skips what was
#                         counted. A restart joins within about 10 s
#                         (session.timeout.ms 6 s; a SIGTERM leaves at once)
#   EXIT_AT_END=1         stop at the end of every partition
#   START=beginning       kcat's -o instead of the resume point (for a broker
#                         that cannot look offsets up by time, s@, such as
#                         librdkafka's mock cluster); counted ones are skipped
#   FLUSH=1               at the end, write every window (the last run)
#   RESET_OFFSETS=1       forget the state's offsets of RAW_TOPIC (after the
#                         topic was recreated or moved: tw-agg says so)
#   PARTS_DIR=DIR         also land the flat tweets as hourly gzip parts
#   PARTIAL=1             write tw-agg --partial states to PARTIALS_TOPIC (or
#                         stdout) instead of loading: see scale.sh
#   SOURCE=NAME           with PARTIAL: this consumer's name (default host:pid)
#   PUBLISH=0             do not produce to processed_tweets and analytics
#   METER_LOG=FILE        meter the flat stream with tw-perf (LABEL=streaming)
#   KCAT_X='-X k=v ...'   extra options for every kcat
#   STOP_WAIT=10          seconds a stopping consumer gets before SIGKILL
#
# SIGTERM or SIGINT stops the consumer; what it read goes through, tw-agg
# saves its state, tw-load commits, and the job ends by the same signal. If
# the brokers go away, or a stage dies, the job ends with status 1 (run it
# again: the state holds what was counted).
set -u -o pipefail
me=stream.sh
if [ -z "${B:-}" ]; then
	echo "$me: set B to the brokers (host:port,...)" >&2
	exit 2
fi
RAW=${RAW_TOPIC:-raw_tweets}
MYSQL=${MYSQL:-mariadb twpipe}
STATE=${STATE:-stream.state}
read -r -a KX <<< "${KCAT_X:-}"
# Quiet consumers: no end-of-partition notices, no configuration warnings.
KQ=(-u -q -X log_level=3)

agg=(tw-agg -q -w "${WINDOW:-1m}" -l "${LATENESS:-30s}" -g "${GROUP_BY:-lang}"
    -a "${AGGS:-count,avg:engagement,max:engagement,distinct:author_id}"
    --state "$STATE" --checkpoint "${CHECKPOINT:-5s}" --idle "${IDLE:-10s}"
    --late "${LATE:-$STATE.late}")
[ "${UNIQUE:-id}" != none ] && agg+=(-u "${UNIQUE:-id}")
[ "${STATS:-1m}" != none ] && agg+=(--stats "${STATS:-1m}")
[ "${PARTIAL:-0}" = 1 ] && agg+=(--partial ${SOURCE:+--source "$SOURCE"})
[ "${FLUSH:-0}" = 1 ] && agg+=(--flush)
[ "${RESET_OFFSETS:-0}" = 1 ] && agg+=(--reset-offsets "$RAW")

# The consumer; its pid goes to STATE.consumer, for the stop.
consume() {
	local from=beginning e=
	[ "${EXIT_AT_END:-0}" = 1 ] && e=-e
	if [ -n "${GROUP:-}" ]; then
		kcat -b "$B" -G "$GROUP" -o beginning $e -J "${KQ[@]}" \
			-X enable.auto.commit=false -X session.timeout.ms=6000 \
			-X heartbeat.interval.ms=500 "${KX[@]}" "$RAW" &
	else
		if [ -n "${START:-}" ]; then
			from=$START
		elif [ "${RESET_OFFSETS:-0}" != 1 ]; then
			from=$(tw-agg --state "$STATE" --resume-point) || return 1
		fi
		kcat -C -b "$B" -t "$RAW" -o "$from" $e -J "${KQ[@]}" "${KX[@]}" &
	fi
	echo $! > "$STATE.consumer"
	wait $!
}
# stop_consumer [SIGNAL]: only while the pid still names a kcat (once it
# has ended, the pid may be another program's).
stop_consumer() {
	local c
	c=$(cat "$STATE.consumer" 2> /dev/null) && [ -n "$c" ] &&
		[ "$(cat "/proc/$c/comm" 2> /dev/null)" = kcat ] &&
		kill -"${1:-TERM}" "$c" 2> /dev/null
	return 0
}
produce() { kcat -P -b "$B" -t "$1" -K '\t' "${KX[@]}"; }
flat() {
	if [ -n "${METER_LOG:-}" ]; then
		tw-flatten -q | tw-perf --label "${LABEL:-streaming}" \
			--every "${METER_EVERY:-10s}" -o "$METER_LOG"
	else
		tw-flatten -q
	fi
}
load() { tw-load -q -d mysql -t "${TABLE:-lang_1m}" | $MYSQL; }
# The counted flat tweets (tw-agg --tee): to processed_tweets, keyed by
# author, and/or hourly parts.
side() {
	local parts=(tw-load -q -p "${PARTITION_BY:-year=%Y/month=%m/day=%d/hour=%H}" -o "${PARTS_DIR:-}")
	local pub=(produce "${PROCESSED_TOPIC:-processed_tweets}")
	if [ -n "${PARTS_DIR:-}" ] && [ "${PUBLISH:-1}" = 1 ]; then
		tee >("${parts[@]}") | tw-flatten -q --kafka-key author_id | "${pub[@]}"
	elif [ -n "${PARTS_DIR:-}" ]; then
		"${parts[@]}"
	else
		tw-flatten -q --kafka-key author_id | "${pub[@]}"
	fi
}

mkdir -p "$(dirname "$STATE")" || exit 1
rm -f "$STATE.consumer"		# a killed run's pid is not ours
# Side outputs read named pipes beside the state (made again at each start,
# so a killed run leaves nothing elsewhere), and are waited for.
sides=()
fifo() { rm -f "$STATE.$1" && mkfifo "$STATE.$1" || exit 1; }
if [ "${PUBLISH:-1}" = 1 ] || [ -n "${PARTS_DIR:-}" ]; then
	fifo side
	side < "$STATE.side" &
	sides+=($!)
	agg+=(--tee "$STATE.side")
fi
if [ "${PARTIAL:-0}" = 1 ]; then
	if [ -n "${PARTIALS_TOPIC:-}" ]; then
		# (keyed by source: one source's partials stay in order)
		agg+=(--kafka-key)
		job() { flat | "${agg[@]}" | produce "$PARTIALS_TOPIC"; }
	else
		job() { flat | "${agg[@]}"; }
	fi
elif [ "${PUBLISH:-1}" = 1 ]; then
	fifo load
	load < "$STATE.load" &
	sides+=($!)
	agg+=(--kafka-key --copy "$STATE.load")
	job() { flat | "${agg[@]}" | produce "${ANALYTICS_TOPIC:-analytics}"; }
else
	job() { flat | "${agg[@]}" | load; }
fi

stopping= killer=
# SIGTERM/SIGINT: stop only the consumer, so that what it read drains
# through every stage; a consumer that hangs while it leaves its group is
# killed after STOP_WAIT seconds (that loses nothing: the offsets are in the
# state).
stop() {
	stopping=$1
	stop_consumer TERM
	[ -n "$killer" ] && return
	{ sleep "${STOP_WAIT:-10}" && stop_consumer KILL; } > /dev/null 2>&1 &
	killer=$!
}
trap 'stop TERM' TERM
trap 'stop INT' INT

# A stage that dies takes the others down (tw-flatten and tw-perf see a
# later stage go even while their input is quiet); then the consumer, which
# may not write for a long time, is stopped.
( consume | { job; st=$?; stop_consumer; exit $st; } ) &
PIPE=$!
while :; do
	wait "$PIPE"
	st=$?
	# (above 128 while it still runs: a trapped signal ended the wait)
	[ "$st" -gt 128 ] && kill -0 "$PIPE" 2> /dev/null || break
done
for p in "${sides[@]}"; do
	wait "$p" || { echo "$me: a side output (load or producer) failed" >&2; [ "$st" -eq 0 ] && st=1; }
done
[ -n "$killer" ] && { pkill -P "$killer"; kill "$killer"; } 2> /dev/null
rm -f "$STATE.consumer" "$STATE.side" "$STATE.load"
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
