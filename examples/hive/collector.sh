#!/usr/bin/env bash
# collector.sh: the streaming part of the socket pipeline (replaces Spark
# streaming into HDFS): every record type of the tweets received on a TCP
# port lands as hourly, Hive-partitioned gzip parts under LANDING.
#
#   nc -lk 127.0.0.1 $PORT | tw-flatten -t all | tw-load -p 'year=%Y/...' -o landing/
#
# Env: PORT (9009), BIND (127.0.0.1), LANDING (landing), ROLL (a part is
# published every ROLL, default 1m: what a crash can lose, and what the
# listener's REWIND must cover). nc -k keeps listening when a listener
# disconnects, so one collector serves reconnecting listeners.
# Parts are written under dot-names and renamed when whole: Hive, Spark and
# the landing-to-raw step only ever see complete files. SIGTERM publishes the
# open parts; a SIGKILL leaves their .tmp files behind (ignored by readers).
set -u -o pipefail
PORT=${PORT:-9009}
BIND=${BIND:-127.0.0.1}
LANDING=${LANDING:-landing}
nc -lk "$BIND" "$PORT" |
	tw-flatten -q -t all |
	tw-load -q -p 'year=%Y/month=%m/day=%d/hour=%H' -o "$LANDING" --roll "${ROLL:-1m}"
