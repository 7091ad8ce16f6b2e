#!/usr/bin/env bash
# batch.sh: the batch job over the landed history: everything in
# processed_tweets from the beginning, aggregated with the streaming job's
# options, into a table of its own (TABLE, default lang_1m_batch).
# Env as stream.sh: B, MYSQL, WINDOW, GROUP_BY, AGGS, KCAT_X, METER_LOG, LABEL.
#
# LATENESS defaults to 1d here: kcat reads the partitions of the topic
# interleaved in fetch-sized runs, so over a whole history event time is out
# of order by up to the length of the history; a batch writes every window at
# the end anyway, so a lateness longer than the history gives exactly the
# result of an in-order pass (a late record would be reported on stderr:
# tw-agg -q still prints its summary when any record was late or bad).
B=${B:-localhost:9092}
TOPIC=${PROCESSED_TOPIC:-processed_tweets}
MYSQL=${MYSQL:-mariadb twpipe}
TABLE=${TABLE:-lang_1m_batch}
set -o pipefail
meter() {
	if [ -n "${METER_LOG:-}" ]; then
		tw-perf -l "${LABEL:-batch}" -e "${METER_EVERY:-10s}" -o "$METER_LOG"
	else
		cat
	fi
}
# shellcheck disable=SC2086
kcat -C -b "$B" -t "$TOPIC" -o beginning -e -u -q ${KCAT_X:-} | meter |
	tw-agg -q -w "${WINDOW:-1m}" -l "${LATENESS:-1d}" -g "${GROUP_BY:-lang}" \
		-a "${AGGS:-count,avg:engagement,max:engagement,distinct:author_id}" |
	tw-load -q -d mysql -t "$TABLE" | $MYSQL
