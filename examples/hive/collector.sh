#!/usr/bin/env bash
# collector.sh: the streaming part of the socket pipeline (replaces Spark
# streaming into HDFS): every record type of the tweets received on a TCP
# port lands as hourly, Hive-partitioned gzip parts under LANDING.
#
#   nc -lk 127.0.0.1 $PORT | tw-flatten -t all |
#       tw-load -p 'record_type=%{record_type}/year=%Y/...' -o landing/
#
# Two ports, one pipeline each: PORT for the paced listener, which stays
# connected, and BATCH_PORT for the search batches of cron. openbsd nc -k
# serves one connection at a time, so a batch on the stream's port would
# wait for the stream to end; two pipelines writing into one landing tree
# never clash (a part's name carries its writer's pid).
#
# Env: PORT (9009), BATCH_PORT (PORT + 1), BIND (127.0.0.1), LANDING
# (landing), ROLL (a part is published every ROLL, default 1m: what a crash
# can lose, and what the listener's REWIND must cover). nc -k keeps
# listening when a listener disconnects, so one collector serves
# reconnecting listeners. Each record type lands in a tree of its own
# (record_type=tweet/..., record_type=user/...), one Hive table each.
# Parts are written under dot-names and renamed when whole: Hive, Spark and
# the landing-to-raw step only ever see complete files. SIGTERM publishes the
# open parts; a SIGKILL leaves their .tmp files behind (ignored by readers).
set -u -o pipefail
PORT=${PORT:-9009}
BATCH_PORT=${BATCH_PORT:-$((PORT + 1))}
BIND=${BIND:-127.0.0.1}
LANDING=${LANDING:-landing}
collect() {
	nc -lk "$BIND" "$1" |
		tw-flatten -q -t all |
		tw-load -q -p 'record_type=%{record_type}/year=%Y/month=%m/day=%d/hour=%H' \
		    -o "$LANDING" --roll "${ROLL:-1m}"
}
collect "$PORT" &
A=$!
collect "$BATCH_PORT" &
B=$!
trap 'kill -TERM $A $B 2> /dev/null' TERM INT
# When one pipeline ends, the other is stopped too, so that the
# coordinator restarts both.
wait -n $A $B
st=$?
kill -TERM $A $B 2> /dev/null
wait
exit $st
