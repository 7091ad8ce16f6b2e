#!/usr/bin/env bash
# scale.sh: the streaming job on several machines. Consumers in one group
# share raw_tweets' partitions; each counts its own (tw-agg --partial) and
# writes partial states to a topic; one merger reads that topic and writes
# the results into MariaDB as every consumer's watermark passes a window.
#
#   scale.sh consumer NAME    one consumer (run one per machine, any number,
#                             added or removed at any time)
#   scale.sh merger           the merger (one; restart it at will)
#
#   consumer: kcat -G GROUP -o beginning -X enable.auto.commit=false raw_tweets |
#                 tw-flatten | tw-agg --partial --source NAME --state NAME.state --kafka-key |
#                 kcat -P -t partials -K '\t'              (stream.sh PARTIAL=1)
#   merger:   kcat -C -t partials -o beginning | tw-agg --merge --idle 30s -e update |
#                 tw-load -d mysql -t lang_1m | mariadb
#
# Why nothing is lost or counted twice:
#   - A consumer's offsets are in its state, not the group's: it commits
#     nothing, reads each partition it is assigned from the beginning, and
#     skips what it counted before (a restart costs a re-read of the topic).
#   - A partial carries one Kafka partition's share of a window and the
#     highest offset its consumer had read (_hi). When a rebalance (a consumer
#     killed, one added) moves a partition, its new consumer counts it from the
#     start, and the merger keeps one share per partition, the newest: every
#     message counts once.
#   - The merger writes a window when every live consumer's watermark has
#     passed it (the minimum over sources); a consumer silent for MERGE_IDLE
#     (30s) stops holding it back. A share that comes after its window was
#     written (a consumer that lagged, or took a partition over) corrects the
#     row (-e update: tw-load replaces it by window and group) while the
#     merger keeps the window (--retain, RETAIN=1h); later it is late, kept in
#     MERGE_LATE and counted, never silent.
#   - The partials topic is keyed by consumer (one consumer's partials and
#     watermarks stay in order); the merger reads it from the beginning after
#     a restart, which is harmless: shares replace, they do not add. Keep the
#     partials topic's retention longer than RETAIN.
#
# Env: as stream.sh (B required, MYSQL, TABLE, WINDOW, GROUP_BY, AGGS,
# LATENESS, KCAT_X), plus GROUP (twscale), PARTIALS_TOPIC (partials),
# RUN (where the consumers' states go, default .).
set -u -o pipefail
H=$(cd "$(dirname "$0")" && pwd)
me=scale.sh
if [ -z "${B:-}" ]; then
	echo "$me: set B to the brokers (host:port,...)" >&2
	exit 2
fi
PARTIALS_TOPIC=${PARTIALS_TOPIC:-partials}
read -r -a KX <<< "${KCAT_X:-}"
case ${1:-} in
consumer)
	name=${2:?usage: scale.sh consumer NAME}
	RUN=${RUN:-.}
	exec env GROUP="${GROUP:-twscale}" PARTIAL=1 PUBLISH=0 PARTIALS_TOPIC="$PARTIALS_TOPIC" \
		SOURCE="$name" STATE="$RUN/$name.state" "$H/stream.sh"
	;;
merger)
	# the consumers' -u (stream.sh's UNIQUE): their partials carry it
	uq=(-u "${UNIQUE:-id}")
	[ "${UNIQUE:-id}" = none ] && uq=()
	kcat -C -b "$B" -t "$PARTIALS_TOPIC" -o beginning -u -q -X log_level=3 "${KX[@]}" |
		tw-agg -q --merge -w "${WINDOW:-1m}" -l "${MERGE_LATENESS:-0}" -g "${GROUP_BY:-lang}" \
			-a "${AGGS:-count,avg:engagement,max:engagement,distinct:author_id}" \
			--idle "${MERGE_IDLE:-30s}" -e update --retain "${RETAIN:-1h}" \
			--late "${MERGE_LATE:-merger.late}" "${uq[@]}" |
		tw-load -q -d mysql -t "${TABLE:-lang_1m}" | ${MYSQL:-mariadb twpipe}
	;;
*)
	echo "usage: $me consumer NAME | $me merger" >&2
	exit 2
	;;
esac
