#!/usr/bin/env bash
# collector.sh: the streaming part of the socket pipeline (replaces Spark
# streaming into HDFS): every record type of the tweets received on a TCP
# port lands as Hive-partitioned gzip parts under LANDING, filed by the
# hour of the tweet they came with.
#
#   nc -lk 127.0.0.1 $PORT <> acks | tw-flatten -t all |
#       tw-load -p 'record_type=%{record_type}/year=%Y/...' -o landing/ --acks acks
#
# Nothing is lost when a process dies. The listener puts a stream mark
# into its stream every second; tw-load makes every record before a mark
# durable, then writes the mark to the FIFO `acks`, which nc sends back to
# the listener over the same connection. After a crash the listener sends
# again from the line after the last mark it got back, and a restarted
# tw-load salvages the records its killed predecessor had synced (its
# temporary parts), so what was acknowledged is never lost, and what comes
# twice is stored once downstream (batch.sh keys every record).
#
# Two ports, one pipeline each: PORT for the paced listener, which stays
# connected, and BATCH_PORT for the search batches of cron (openbsd nc -k
# serves one connection at a time). Both write into one landing tree; a
# part's name carries its writer's host and pid.
#
# Env: PORT (9009), BATCH_PORT (PORT + 1), BIND (127.0.0.1), LANDING
# (landing), ROLL (a part is published every ROLL, default 5m: how soon
# batch.sh sees records; it costs nothing in safety), RUN (where the ack
# FIFOs live, default .).
# Each record type lands in a tree of its own (record_type=tweet/...,
# record_type=user/...), one Hive table each. Parts are written under
# dot-names and renamed when whole: Hive, Spark and batch.sh only ever see
# complete files. SIGTERM publishes the open parts.
set -u -o pipefail
PORT=${PORT:-9009}
BATCH_PORT=${BATCH_PORT:-$((PORT + 1))}
BIND=${BIND:-127.0.0.1}
LANDING=${LANDING:-landing}
RUN=${RUN:-.}
PATTERN='record_type=%{record_type}/year=%Y/month=%m/day=%d/hour=%H'
me=collector.sh

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$me" "$*" >&2; }

# collect PORT: one pipeline. nc holds the ack FIFO open for reading and
# writing (<>), so neither side waits for the other to open it.
collect() {
	ack=$RUN/acks.$1
	rm -f "$ack" "$RUN/flatten.$1" "$RUN/load.$1"
	mkfifo "$ack" || return 1
	nc -lk "$BIND" "$1" <> "$ack" |
		( echo $BASHPID > "$RUN/flatten.$1"; exec tw-flatten -q -t all ) |
		( echo $BASHPID > "$RUN/load.$1"
		  exec tw-load -q -p "$PATTERN" -o "$LANDING" --roll "${ROLL:-5m}" --acks "$ack" )
}
# 0 while every tw-flatten and tw-load of the pipelines runs. (nc -k keeps
# listening when what it feeds has died: it would take connections and
# drop what they send. The listener would never see acknowledgements, so
# nothing is lost, but nothing would land either.)
alive() {
	local f p
	for f in "$RUN/flatten.$PORT" "$RUN/load.$PORT" "$RUN/flatten.$BATCH_PORT" "$RUN/load.$BATCH_PORT"; do
		p=$(cat "$f" 2> /dev/null) || continue
		# (By name too: a pid that ended may have gone to another program.)
		case $(cat "/proc/$p/comm" 2> /dev/null) in
		tw-flatten | tw-load | bash) ;;
		*) log "$(basename "$f") ended"; return 1 ;;
		esac
	done
}

mkdir -p "$RUN" "$LANDING" || exit 1
collect "$PORT" &
A=$!
collect "$BATCH_PORT" &
B=$!
# SIGTERM stops every process of the pipelines at once: each tool publishes
# what it holds; records still in the pipes were not acknowledged, so the
# listener sends them again.
stop() { trap - TERM INT; pkill -TERM -P "$A,$B" 2> /dev/null; kill -TERM "$A" "$B" 2> /dev/null; }
trap stop TERM INT
log "listening on $BIND:$PORT (stream) and $BIND:$BATCH_PORT (batches), landing in $LANDING"
# When a pipeline, or a process of one, ends, everything is stopped, so
# that the coordinator starts the collector again, whole.
st=0
while kill -0 "$A" 2> /dev/null && kill -0 "$B" 2> /dev/null; do
	alive || { st=1; break; }
	sleep 0.5
done
stop
wait "$A" 2> /dev/null
a=$?
wait "$B" 2> /dev/null
b=$?
[ "$st" -eq 0 ] && st=$((a ? a : b))
rm -f "$RUN/acks.$PORT" "$RUN/acks.$BATCH_PORT" "$RUN"/flatten.* "$RUN"/load.*
[ "$st" -ne 0 ] && log "a pipeline ended (status $st)"
exit "$st"
