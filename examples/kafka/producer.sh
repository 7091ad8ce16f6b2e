#!/usr/bin/env bash
# producer.sh: generated tweets into Kafka (replaces the old Python producer).
#   B=host:port RATE=2000 ./producer.sh          paced, forever
#   B=host:port COUNT=100000 SEED=7 ./producer.sh  as fast as possible, then exit
# Env: B brokers (required), TOPIC (raw_tweets), RATE tweets a second,
# COUNT, SEED, KCAT_X extra kcat options (e.g. '-X compression.codec=zstd'),
# RETRIES (10): how often a producer that lost its brokers starts again,
# after 1, 2, 4, ... 30 s. Each message is keyed by its tweet's id (KEY=none:
# no key), so the partitions get even shares and a tweet sent twice goes to
# the same partition.
#
# Delivery: kcat -P is idempotent (no duplicates from its own retries), and
# with -E it does not end at a broker's error but retries for
# message.timeout.ms (5 minutes) while the brokers are away (without -E it
# exited at the first lost connection). When it gives up ("Delivery failed"
# on stderr, then status 1), what it had not delivered is lost from this run; a
# restart begins again: with COUNT and SEED it sends the same tweets again
# (the readers count each tweet id once), paced it goes on with new ones.
#
# Note: kcat 1.7.1 fread()s its standard input in 1 KiB blocks, so when the
# input is slow a message waits until 1 KiB more has arrived (or EOF). A tweet
# line is about 2 KiB, so at any real rate (RATE >= 1) this costs at most one
# tweet's delay; it only shows with toy rates. (Fixed in kcat after 1.7.1,
# commit c0faad8 "Fix stdin buffering by polling stdin fd".)
set -u -o pipefail
me=producer.sh
if [ -z "${B:-}" ]; then
	echo "$me: set B to the brokers (host:port,...)" >&2
	exit 2
fi
TOPIC=${TOPIC:-raw_tweets}
read -r -a KX <<< "${KCAT_X:-}"
gen=(tw-gen)
[ -n "${RATE:-}" ] && gen+=(--rate "$RATE")
[ -n "${COUNT:-}" ] && gen+=(-n "$COUNT")
[ -n "${SEED:-}" ] && gen+=(--seed "$SEED")
tries=0 wait=1
trap 'exit 143' TERM
trap 'exit 130' INT
# The first "id" of a line: the tweet's (data.id, or id_str's neighbour in v1.1).
keyed() {
	if [ "${KEY:-id}" = none ]; then
		cat
	else
		awk '{ k = NR; if (match($0, /"id(_str)?":"[0-9]+"/)) { k = substr($0, RSTART, RLENGTH); sub(/.*:"/, "", k); sub(/"$/, "", k) }
		       print k "\t" $0; fflush() }'
	fi
}
kopt=(-K '\t')
[ "${KEY:-id}" = none ] && kopt=()
while :; do
	"${gen[@]}" | keyed | kcat -P -E -b "$B" -t "$TOPIC" "${kopt[@]}" -X enable.idempotence=true "${KX[@]}"
	st=$?
	[ "$st" -eq 0 ] && exit 0
	tries=$((tries + 1))
	if [ "$tries" -gt "${RETRIES:-10}" ]; then
		echo "$me: kcat failed $tries times (status $st): giving up" >&2
		exit 1
	fi
	echo "$me: kcat failed (status $st); starting again in $wait s ($tries of ${RETRIES:-10})" >&2
	sleep "$wait"
	wait=$((wait * 2 > 30 ? 30 : wait * 2))
done
