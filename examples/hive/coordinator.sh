#!/usr/bin/env bash
# coordinator.sh: keeps the streaming part alive (replaces the old
# coordinator, which supervised the listener and the Spark job): runs
# collector.sh and, unless LISTENER=0, the paced listener.sh, each in a
# session of its own, and starts either again, after RESTART_DELAY (1 s),
# whenever it ends (a listener that ends with status 0, having sent its
# COUNT tweets, is done). Before a restart, every process left in the dead one's
# session is stopped (a collector killed with SIGKILL leaves nc, tw-flatten
# and tw-load behind; a second nc would share the port with the orphan).
# The same is done at start for the sessions named in RUN/*.pid, so a
# coordinator that was itself killed leaves nothing running twice.
# SIGTERM or SIGINT stops both (each tool publishes what it holds) and exits.
#
# Env: as collector.sh and listener.sh (PORT, BATCH_PORT, LANDING, ROLL,
# RATE, SPOOL, ...), plus RUN (collector.pid, listener.pid; default .),
# LISTENER (1: also run and supervise the paced listener; 0: not).
set -u
H=$(cd "$(dirname "$0")" && pwd)
RUN=${RUN:-.}
export RUN
me=coordinator.sh

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$me" "$*" >&2; }

# reap SID: stops every process of session SID (TERM, then KILL after 5 s).
reap() {
	pkill -TERM -s "$1" 2> /dev/null || return 0
	for _ in $(seq 50); do
		pgrep -s "$1" > /dev/null || return 0
		sleep 0.1
	done
	log "session $1 did not stop on SIGTERM: SIGKILL"
	pkill -KILL -s "$1" 2> /dev/null
	return 0
}

names=(collector)
[ "${LISTENER:-1}" = 1 ] && names+=(listener)
declare -A pid
mkdir -p "$RUN" || exit 1
# Leftovers of an earlier run (a coordinator killed with SIGKILL).
for n in "${names[@]}"; do
	f=$RUN/$n.pid
	if [ -s "$f" ] && old=$(cat "$f") && pgrep -s "$old" > /dev/null; then
		log "stopping what is left of an earlier $n (session $old)"
		reap "$old"
	fi
done

start() {
	# setsid makes the script the leader of a new session: its pid is the
	# session id of everything it starts.
	setsid "$H/$1.sh" < /dev/null &
	pid[$1]=$!
	echo "${pid[$1]}" > "$RUN/$1.pid"
}

stop=
trap 'stop=1; for n in "${names[@]}"; do kill -TERM "${pid[$n]}" 2> /dev/null; done' TERM INT
for n in "${names[@]}"; do start "$n"; done
while [ -z "$stop" ]; do
	# (bash's "Killed" notice for a killed child is the log's noise.)
	wait -n -p done "${pid[@]}" 2> /dev/null
	st=$?
	[ -n "$stop" ] && break
	[ -z "${done:-}" ] && continue	# a signal, not an end
	for n in "${names[@]}"; do
		[ "${pid[$n]}" = "$done" ] || continue
		reap "$done"
		if [ "$n" = listener ] && [ "$st" -eq 0 ]; then
			# A listener with COUNT has sent everything, acknowledged.
			log "listener finished"
			unset "pid[$n]"
			names=(collector)
			continue
		fi
		log "$n ended (status $st); restarting"
		sleep "${RESTART_DELAY:-1}"
		[ -z "$stop" ] && start "$n"
	done
done
# Stopping: the scripts stop their pipelines on SIGTERM; wait for them,
# then make sure nothing of their sessions is left.
for n in "${names[@]}"; do
	wait "${pid[$n]}" 2> /dev/null
	reap "${pid[$n]}"
	rm -f "$RUN/$n.pid"
done
