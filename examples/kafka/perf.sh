#!/usr/bin/env bash
# perf.sh: batch against streaming on the same tweets, measured by tw-perf.
# Runs batch.sh (processed_tweets from the beginning) and stream.sh (raw_tweets
# from the beginning, stopping at the end of the partitions, PUBLISH=0 so the
# topics are not written twice), each under `tw-perf run` (CPU, memory, I/O of
# the whole process tree) with a tw-perf meter inside (records, throughput,
# latency), then prints the comparison and writes the charts.
# Env: as batch.sh and stream.sh, plus PERF_LOG (perf.log), SVG_DIR (perf-charts),
# BATCH_TABLE (lang_1m_batch), STREAM_TABLE (lang_1m_perf), STATE (perf.state:
# the streaming run's, started afresh).
set -u -o pipefail
H=$(cd "$(dirname "$0")" && pwd)
LOG=${PERF_LOG:-perf.log}
SVG=${SVG_DIR:-perf-charts}
rc=0
tw-perf run -l batch -o "$LOG" -- \
	env METER_LOG="$LOG" LABEL=batch TABLE="${BATCH_TABLE:-lang_1m_batch}" "$H/batch.sh" || rc=1
rm -f "${STATE:-perf.state}"
tw-perf run -l streaming -o "$LOG" -- \
	env METER_LOG="$LOG" LABEL=streaming TABLE="${STREAM_TABLE:-lang_1m_perf}" \
	EXIT_AT_END=1 FLUSH=1 PUBLISH=0 STATE="${STATE:-perf.state}" "$H/stream.sh" || rc=1
tw-perf report --svg "$SVG" "$LOG" || rc=1
exit $rc
