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
# Delivery is at least once, and what is sent again is decided by what the
# collector acknowledged, not by a guess. The spool holds stream marks
# (tw-gen --marks: one every MARKS, default 1s, and one at the end); the
# collector's tw-load sends a mark back once everything before it is
# durable in the landing, and the sender appends what comes back to
# SPOOL.acks. After a broken connection, or when the listener itself is
# restarted, it sends the spool again from the line after the last
# acknowledged mark. At the end it waits (ACK_WAIT, 120 s at most) until
# its last mark has come back, so a batch is never left half-landed. The
# landing-to-raw step keys every record, so a tweet sent twice is stored
# once.
#
# Env: HOST (127.0.0.1), PORT (9009), SPOOL (spool.ndjson; a batch uses
# SPOOL.BATCH.ndjson), RATE (200), MODE (stream), COUNT, SEED, MARKS (1s),
# SOURCE (the marks' name, default HOST-PORT-spool name), RUN (where
# listener.pid goes, default: none), RETRY (0.5 s between connection
# attempts). SIGTERM or SIGINT stops it at once (what was not acknowledged
# goes out on the next start).
set -u -o pipefail
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-9009}
SPOOL=${SPOOL:-spool.ndjson}
RATE=${RATE:-200}
MODE=${MODE:-stream}
MARKS=${MARKS:-1s}
ACK_WAIT=${ACK_WAIT:-120}
me=listener.sh

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$me" "$*" >&2; }

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
	gen+=(--format v2-page -n "${COUNT:-500}" --seed "$b" --start "$start")
	SPOOL=${SPOOL%.ndjson}.$b.ndjson
	;;
fetch)
	b=${BATCH:?MODE=fetch needs BATCH (a number, such as yyyymmddHHMM)}
	gen+=(fetch search --query "${QUERY:?MODE=fetch needs QUERY}"
	    --since-id-file "${SINCE_ID_FILE:-since_id.txt}")
	[ -n "${API_URL:-}" ] && gen+=(--api-url "$API_URL")
	SPOOL=${SPOOL%.ndjson}.$b.ndjson
	;;
*) echo "$me: MODE must be stream, search or fetch" >&2; exit 2 ;;
esac
ACKS=$SPOOL.acks
SRC=${SOURCE:-$HOST-$PORT-$(basename "$SPOOL" .ndjson)}
case $SRC in *[\"\\/]*) echo "$me: SOURCE must not hold quotes, backslashes or slashes" >&2; exit 2 ;; esac
[ "$MODE" = stream ] && gen+=(--marks "$MARKS" --source "$SRC")

mkdir -p "$(dirname "$SPOOL")" || exit 1
if [ -n "${RUN:-}" ]; then
	mkdir -p "$RUN" && echo $$ > "$RUN/listener.pid" || exit 1
fi

# The line after the last acknowledged mark of this source (1 when none).
resume_line() {
	_m=$(grep -F "{\"twpipe_mark\":\"$SRC/" "$ACKS" 2> /dev/null | tail -n 1)
	[ -n "$_m" ] || { echo 1; return; }
	_n=$(grep -n -x -F -- "$_m" "$SPOOL" | tail -n 1 | cut -d: -f1)
	echo $((${_n:-0} + 1))
}
# 0 when the spool's last mark has come back.
all_acked() {
	_m=$(grep -F "{\"twpipe_mark\":\"$SRC/" "$SPOOL" | tail -n 1)
	[ -n "$_m" ] && grep -q -x -F -- "$_m" "$ACKS" 2> /dev/null
}

# A batch spool is new each time, unless this is a restart of the same
# batch: then it is sent again from where the collector had got to.
if [ "$MODE" != stream ] && [ -s "$SPOOL" ] && all_acked; then
	log "batch $b already landed ($SPOOL)"
	exit 0
fi
[ "$MODE" != stream ] && : > "$SPOOL"
touch "$SPOOL" "$ACKS" || exit 1
# A line cut off by a crash must not swallow the next one.
[ -s "$SPOOL" ] && [ "$(tail -c 1 "$SPOOL" | od -An -c | tr -d ' ')" != '\n' ] && echo >> "$SPOOL"

# Each background job runs in a process group of its own (set -m just for
# the start), so that stopping it stops all of its processes.
GEN= GPG= SEND= SPG=
pgid() { ps -o pgid= -p "$1" | tr -d ' '; }
stop() {
	trap - TERM INT
	[ -n "$SPG" ] && kill -TERM -- "-$SPG" 2> /dev/null
	[ -n "$GPG" ] && kill -TERM -- "-$GPG" 2> /dev/null
	wait 2> /dev/null
	[ -n "${RUN:-}" ] && rm -f "$RUN/listener.pid"
	exit 143
}
trap stop TERM INT
# The generator appends to the spool; a batch ends with a mark of its own.
set -m
if [ "$MODE" = stream ]; then
	"${gen[@]}" >> "$SPOOL" &
else
	{ "${gen[@]}" && printf '{"twpipe_mark":"%s/%s.end"}\n' "$SRC" "$(date +%s%3N)"; } >> "$SPOOL" &
fi
GEN=$!
set +m
GPG=$(pgid "$GEN")

# After the spool is sent (the generator has ended), stay connected until
# its last mark comes back, sending a blank line (skipped downstream) now
# and then so that a dead collector breaks the connection.
linger() {
	_n=$((ACK_WAIT * 5))
	while [ $_n -gt 0 ]; do
		all_acked && return 0
		echo || return 1
		sleep 0.2
		_n=$((_n - 1))
	done
	return 1
}
start=$(resume_line)
while :; do
	# Wait for the collector (a probe connection carries nothing).
	until nc -z "$HOST" "$PORT" 2> /dev/null; do
		if ! kill -0 "$GEN" 2> /dev/null && all_acked; then
			break 2
		fi
		sleep "${RETRY:-0.5}"
	done
	# tail --pid ends once the generator has ended and the spool is sent;
	# nc -N shuts the socket down at the end so the collector sees EOF, and
	# what the collector sends back (acknowledged marks) goes to ACKS. The
	# first byte is a newline: a sender killed in the middle of a line left
	# that part in the collector's stream, and it must not run into (and
	# spoil) the first line sent now (a blank line is skipped downstream).
	set -m
	{ echo && tail -n +"$start" -f --pid="$GEN" "$SPOOL" && linger; } |
		nc -N "$HOST" "$PORT" >> "$ACKS" 2> /dev/null &
	SEND=$!
	set +m
	SPG=$(pgid "$SEND")
	wait "$SEND"
	st=$?
	# nc has ended: tail and linger go too.
	kill -TERM -- "-$SPG" 2> /dev/null
	SEND= SPG=
	if ! kill -0 "$GEN" 2> /dev/null && all_acked; then
		break
	fi
	start=$(resume_line)
	log "connection to $HOST:$PORT lost (status $st); sending again from line $start of $SPOOL"
done
wait "$GEN"
st=$?
[ -n "${RUN:-}" ] && rm -f "$RUN/listener.pid"
exit $st
