#!/usr/bin/env bash
# batch.sh: the batch job over the landed history: everything in
# processed_tweets from the beginning, aggregated with the streaming job's
# options, into a table of its own (TABLE, default lang_1m_batch).
# Env as stream.sh: B (required), MYSQL, WINDOW, GROUP_BY, AGGS, KCAT_X,
# METER_LOG, LABEL.
#
# processed_tweets is at least once (a restarted stream.sh writes again the
# tweets of its last checkpoint): each tweet id is counted once here
# (tw-flatten -u remembers at least the last 500,000 ids; a duplicate comes
# within a checkpoint's worth of messages of its first copy).
#
# LATENESS defaults to 1d here: kcat reads the partitions of the topic
# interleaved in fetch-sized runs, so over a whole history event time is out
# of order by up to the length of the history; a batch writes every window at
# the end anyway, so a lateness longer than the history gives exactly the
# result of an in-order pass. Late records are kept in LATE (batch.late) and
# counted on standard error.
set -u -o pipefail
me=batch.sh
if [ -z "${B:-}" ]; then
	echo "$me: set B to the brokers (host:port,...)" >&2
	exit 2
fi
TOPIC=${PROCESSED_TOPIC:-processed_tweets}
MYSQL=${MYSQL:-mariadb twpipe}
TABLE=${TABLE:-lang_1m_batch}
read -r -a KX <<< "${KCAT_X:-}"
meter() {
	if [ -n "${METER_LOG:-}" ]; then
		tw-perf --label "${LABEL:-batch}" --every "${METER_EVERY:-10s}" -o "$METER_LOG"
	else
		cat
	fi
}
kcat -C -b "$B" -t "$TOPIC" -o beginning -e -u -q -X log_level=3 "${KX[@]}" |
	tw-flatten -q -u | meter |
	tw-agg -q -w "${WINDOW:-1m}" -l "${LATENESS:-1d}" -g "${GROUP_BY:-lang}" \
		-a "${AGGS:-count,avg:engagement,max:engagement,distinct:author_id}" \
		--late "${LATE:-batch.late}" |
	tw-load -q -d mysql -t "$TABLE" | $MYSQL
