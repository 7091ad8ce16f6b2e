#!/usr/bin/env bash
# coordinator.sh: keeps the streaming part alive (replaces the old
# coordinator): runs collector.sh in a process group of its own and starts it
# again, after RESTART_DELAY (1 s), whenever it ends. SIGTERM or SIGINT stops
# the collector group (each tool then publishes what it holds) and exits.
# Env: as collector.sh, plus RUN (a directory for collector.pid, default .).
set -u
H=$(cd "$(dirname "$0")" && pwd)
RUN=${RUN:-.}
me=coordinator.sh
PID= stop=
trap 'stop=1; [ -n "$PID" ] && kill -TERM -- "-$PID" 2> /dev/null' TERM INT
while [ -z "$stop" ]; do
	setsid "$H/collector.sh" &
	PID=$!
	echo "$PID" > "$RUN/collector.pid"
	wait "$PID"
	st=$?
	[ -n "$stop" ] && { wait "$PID" 2> /dev/null; break; }
	echo "$me: collector ended (status $st); restarting" >&2
	sleep "${RESTART_DELAY:-1}"
done
rm -f "$RUN/collector.pid"
