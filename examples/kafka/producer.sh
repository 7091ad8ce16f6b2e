#!/usr/bin/env bash
# producer.sh: generated tweets into Kafka (replaces the old Python producer).
#   B=host:port RATE=2000 ./producer.sh          paced, forever
#   B=host:port COUNT=100000 SEED=7 ./producer.sh  as fast as possible, then exit
# Env: B brokers (localhost:9092), TOPIC (raw_tweets), RATE tweets a second,
# COUNT, SEED, KCAT_X extra kcat options (e.g. '-X compression.codec=zstd').
#
# Note: kcat 1.7.1 fread()s its standard input in 1 KiB blocks, so when the
# input is slow a message waits until 1 KiB more has arrived (or EOF). A tweet
# line is about 2 KiB, so at any real rate (RATE >= 1) this costs at most one
# tweet's delay; it only shows with toy rates. (Fixed in kcat after 1.7.1,
# commit c0faad8 "Fix stdin buffering by polling stdin fd".)
B=${B:-localhost:9092}
TOPIC=${TOPIC:-raw_tweets}
set --
[ -n "${RATE:-}" ] && set -- "$@" --rate "$RATE"
[ -n "${COUNT:-}" ] && set -- "$@" -n "$COUNT"
[ -n "${SEED:-}" ] && set -- "$@" --seed "$SEED"
set -o pipefail
# shellcheck disable=SC2086
tw-gen "$@" | kcat -P -b "$B" -t "$TOPIC" ${KCAT_X:-}
