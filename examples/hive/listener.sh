#!/usr/bin/env bash
# listener.sh: the tweet source of the socket pipeline (replaces the old
# Python socket listener). Tweets are written to a local spool file first,
# and a sender streams the spool to the collector with nc, reconnecting when
# the collector goes away, so the source never blocks and never drops.
#
#   HOST=127.0.0.1 PORT=9009 RATE=200 ./listener.sh          paced tweets, forever
#   COUNT=4000 ...                                             stop after COUNT tweets
#   MODE=search BATCH=$(date +%Y%m%d%H%M) ./listener.sh       one batch of search pages
#   MODE=fetch QUERY='news lang:en' BATCH=... ./listener.sh    one batch from the X API
#
# MODE=fetch is the old listener's job for real: `tw-gen fetch search` with
# the bearer token from TW_BEARER_TOKEN and a since-id file, so a cron run
# every 5 minutes neither misses nor repeats tweets (TW_API_URL or API_URL
# points it elsewhere). MODE=search is the offline stand-in the tests use:
# a batch is COUNT tweets (default 500) as v2 search pages, seeded and timed
# by the batch id, so that re-running a batch sends the same tweets.
#
# Delivery is at least once. Whatever the collector held when it died (bytes in
# the sockets and pipes, its unpublished part files) is not acknowledged by
# nc, so after a broken connection (also one during the LINGER after the
# last line, see below) the sender resends the last REWIND lines
# (default 10 s of traffic: RATE * 10, at least 2000) before going on. The
# landing-to-raw step upserts by key, so a tweet sent twice is stored once.
# A tweet is lost only if the collector held more than REWIND lines unpublished
# when it died: keep REWIND above RATE times (collector ROLL + a few seconds).
set -u -o pipefail
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-9009}
SPOOL=${SPOOL:-spool.ndjson}
RATE=${RATE:-200}
MODE=${MODE:-stream}
REWIND=${REWIND:-$((RATE * 10 > 2000 ? RATE * 10 : 2000))}
me=listener.sh

gen=(tw-gen)
case $MODE in
stream)
	gen+=(--rate "$RATE")
	[ -n "${COUNT:-}" ] && gen+=(-n "$COUNT")
	[ -n "${SEED:-}" ] && gen+=(--seed "$SEED")
	;;
search)
	b=${BATCH:?MODE=search needs BATCH (a number, such as yyyymmddHHMM)}
	# The batch id seeds the tweets; its time (when it looks like one) starts them.
	start=$(date -u -d "${b:0:8} ${b:8:2}:${b:10:2}" +%s 2> /dev/null || date -u +%s)
	gen+=(-f v2-page -n "${COUNT:-500}" --seed "$b" --start "$start")
	SPOOL=${SPOOL%.ndjson}.$b.ndjson
	: > "$SPOOL"
	;;
fetch)
	b=${BATCH:?MODE=fetch needs BATCH (a number, such as yyyymmddHHMM)}
	gen+=(fetch search --query "${QUERY:?MODE=fetch needs QUERY}"
	    --since-id-file "${SINCE_ID_FILE:-since_id.txt}")
	[ -n "${API_URL:-}" ] && gen+=(--api-url "$API_URL")
	SPOOL=${SPOOL%.ndjson}.$b.ndjson
	: > "$SPOOL"
	;;
*) echo "$me: MODE must be stream, search or fetch" >&2; exit 2 ;;
esac

# When the spool already exists (a restarted listener), go on after it.
touch "$SPOOL" || exit 1
start=$(($(wc -l < "$SPOOL") + 1))
"${gen[@]}" >> "$SPOOL" &
GEN=$!
trap 'kill -TERM $GEN 2> /dev/null' TERM INT

# After the last line, stay connected for LINGER seconds (the collector's
# ROLL and a margin: by then what it received is published), sending a
# blank line (which tw-flatten skips) every half second: if the collector
# dies meanwhile, a write fails, the linger does not finish, and the end of
# the spool is sent again. Without it, a batch sent just before a crash
# would be lost with the collector's open parts.
LINGER=${LINGER:-65}
done_flag=$SPOOL.sent
rm -f "$done_flag"
linger() {
	n=$((LINGER * 2))
	while [ $n -gt 0 ]; do
		echo || exit 1
		sleep 0.5
		n=$((n - 1))
	done
	: > "$done_flag"
}
while :; do
	# Wait for the collector (a probe connection carries nothing), so that a
	# refused connection never counts as lines handed out.
	until nc -z "$HOST" "$PORT" 2> /dev/null; do
		kill -0 $GEN 2> /dev/null || [ "$start" -le "$(wc -l < "$SPOOL")" ] || exit 0
		sleep "${RETRY:-0.5}"
	done
	# tail --pid ends once the generator has ended and the spool is sent;
	# nc -N shuts the socket down at the end so the collector sees EOF.
	{ tail -n +"$start" -f --pid=$GEN "$SPOOL" && linger; } | nc -N "$HOST" "$PORT" 2> /dev/null
	st=$?
	if [ -e "$done_flag" ] && ! kill -0 $GEN 2> /dev/null; then
		rm -f "$done_flag"
		break
	fi
	# Broken: tail hands lines out within a second of their arrival, so about
	# the whole spool went out; resend its last REWIND lines, then go on.
	handed=$(wc -l < "$SPOOL")
	next=$((handed - REWIND + 1))
	[ $next -gt "$start" ] && start=$next
	echo "$me: connection to $HOST:$PORT lost (status $st); resending from line $start" >&2
done
wait $GEN
