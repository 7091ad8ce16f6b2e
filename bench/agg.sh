#!/bin/sh
# agg.sh: the tw-agg benchmark (run.sh runs it last; it also runs alone).
#
# usage: sh bench/agg.sh [BUILD]
#
# The job: one-minute tumbling windows by language with count, average
# and maximum engagement and distinct authors,
#   tw-agg -w 1m -g lang -a count,avg:engagement,max:engagement,distinct:author_id FILE
# against Miller, jq, gojq, Python and pandas on the same flat records
# (tw-gen | tw-flatten), on two record sizes: about 540 B (the fields of
# BENCH_AGG_FIELDS) and about 1.1 KB (all of tw-flatten's fields). Every
# peer's result is checked against tw-agg's (bench/compare_agg.py).
#
# Environment (defaults in brackets):
#   BENCH_N          records in the data set [200000]
#   BENCH_PEER_N     records given to the peers [200000]; fewer keeps the
#                    run short, and their figures are then per input byte
#   BENCH_SEED       tw-gen seed [7]
#   BENCH_AGG_RUNS   timed runs of tw-agg, the fastest kept [3]
#   BENCH_AGG_FIELDS the fields of the narrow records
#   BENCH_DATA       a v2 stream file to flatten instead of tw-gen's
#   BENCH_KEEP       1 keeps the results in bench/out/agg.*.jsonl
#
# Prints tables and appends them to bench/out/results.txt. Exits 0
# whatever is missing ("skipped: NAME not installed"); 2 on a bad argument.

BUILD=${1:-build}
case $BUILD in -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$ROOT" || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

N=${BENCH_N:-200000}
PEER_N=${BENCH_PEER_N:-200000}
SEED=${BENCH_SEED:-7}
RUNS=${BENCH_AGG_RUNS:-3}
for v in "$N" "$PEER_N" "$SEED" "$RUNS"; do
	case $v in ''|*[!0-9]*) echo "agg.sh: not a number: '$v'" >&2; exit 2 ;; esac
done
[ "$RUNS" -ge 1 ] || RUNS=1
[ "$PEER_N" -gt "$N" ] && PEER_N=$N
# The narrow record: the issue's 550 B. The 11 fields the job and a
# typical dashboard use come to 410 B a record on tw-gen data; name,
# source, is_retweet, is_reply, reply_count, quote_count and mentions
# bring it to 540 B.
NARROW=${BENCH_AGG_FIELDS:-id,created_at,ts,author_id,username,lang,text,engagement,hashtags,retweet_count,like_count,name,source,is_retweet,is_reply,reply_count,quote_count,mentions}
AGGS=count,avg:engagement,max:engagement,distinct:author_id

OUT=$ROOT/bench/out
mkdir -p "$OUT" || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/twagg.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

GEN=$BUILD/tw-gen
FLAT=$BUILD/tw-flatten
AGG=$BUILD/tw-agg
# CPU and wall time to the microsecond (bench/rusage.c); time(1), which
# cuts CPU seconds to hundredths, when it does not build.
TIME=$TMP/rusage
"${CC:-cc}" -O2 -o "$TIME" "$ROOT/bench/rusage.c" 2>/dev/null || TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

# measure, best, table, mbs_of and the small helpers (bench/lib.sh).
. "$ROOT/bench/lib.sh"

# The v2 stream, shared with run.sh's cache, and the two flat files.
make_data() {
	if [ -n "$BENCH_DATA" ]; then
		V2=$BENCH_DATA
		say "data: $V2 (BENCH_DATA), flattened by $FLAT"
		FULL=$TMP/flat.ndjson
		NAR=$TMP/flat540.ndjson
	else
		V2=$OUT/v2-n$N-s$SEED.ndjson
		if fresh "$V2" "$GEN"; then
			:
		elif [ -x "$GEN" ]; then
			"$GEN" -n "$N" --seed "$SEED" > "$V2.tmp" && mv "$V2.tmp" "$V2" ||
			    { say "tw-gen failed"; rm -f "$V2.tmp"; return 1; }
		else
			say "skipped: tw-agg benchmark ($GEN not built)"
			return 1
		fi
		FULL=$OUT/flat-n$N-s$SEED.ndjson
		NAR=$OUT/flat540-n$N-s$SEED.ndjson
		# other fields: not cached
		[ -n "$BENCH_AGG_FIELDS" ] && NAR=$TMP/flat-fields.ndjson
		say "data: $GEN -n $N --seed $SEED | $FLAT [-f FIELDS] (cached in bench/out, rebuilt when tw-gen, tw-flatten or agg.sh change)"
	fi
	fresh "$FULL" "$V2" "$FLAT" "$0" ||
	    { "$FLAT" -q "$V2" > "$FULL.tmp" && mv "$FULL.tmp" "$FULL"; } ||
	    { say "tw-flatten failed"; return 1; }
	fresh "$NAR" "$V2" "$FLAT" "$0" ||
	    { "$FLAT" -q -f "$NARROW" "$V2" > "$NAR.tmp" && mv "$NAR.tmp" "$NAR"; } ||
	    { say "tw-flatten -f failed"; return 1; }
	return 0
}

# run_variant LABEL FILE: the job on one file, tw-agg and the peers.
run_variant() {
	_label=$1 DATA=$2
	DBYTES=$(bytes "$DATA")
	DLINES=$(lines "$DATA")
	say ""
	say "-- $_label: $DATA: $DLINES records, $(awk -v b="$DBYTES" -v l="$DLINES" \
	    'BEGIN { printf "%.1f MB, %.0f bytes a record", b / 1e6, b / l }')"
	if [ "$PEER_N" -lt "$DLINES" ]; then
		PDATA=$TMP/peer.ndjson
		head -n "$PEER_N" "$DATA" > "$PDATA"
	else
		PDATA=$DATA
	fi
	PBYTES=$(bytes "$PDATA")
	PLINES=$(lines "$PDATA")
	cat "$DATA" "$PDATA" > /dev/null	# warm the page cache

	# tw-gen's event times increase, so no record is late at -l 0.
	"$AGG" -v -w 1m -g lang -a "$AGGS" "$DATA" 2> "$TMP/summary" > /dev/null
	say "tw-agg -v: $(tail -n 1 "$TMP/summary")"

	: > "$ROWS"
	R=$TMP/agg
	best "tw-agg (best of $RUNS)" "$DLINES" "$DBYTES" /dev/null "$R.tw-agg.jsonl" \
	    "$AGG" -w 1m -g lang -a "$AGGS" "$DATA"
	if [ "$PDATA" != "$DATA" ]; then
		# the reference for the agreement check: tw-agg on the peers' prefix
		"$AGG" -q -w 1m -g lang -a "$AGGS" "$PDATA" > "$R.ref.jsonl"
		say "peers read the first $PLINES records ($(awk -v b="$PBYTES" \
		    'BEGIN { printf "%.1f", b / 1e6 }') MB): their MB/s and x are per input byte, \"full s\" is scaled to the whole file"
	else
		cp "$R.tw-agg.jsonl" "$R.ref.jsonl"
	fi
	PEERS=
	if have mlr; then
		measure "mlr $(mlr --version | awk '{ print $2 }')" "$PLINES" "$PBYTES" \
		    /dev/null "$R.mlr.jsonl" mlr --ijsonl --ojsonl put -q -f bench/agg.mlr "$PDATA"
		PEERS="$PEERS mlr"
	else
		say "skipped: mlr (Miller) not installed"
	fi
	if have jq; then
		measure "jq $(jq --version | sed 's/^jq-//')" "$PLINES" "$PBYTES" /dev/null \
		    "$R.jq.jsonl" jq -n -c -f bench/agg.jq "$PDATA"
		PEERS="$PEERS jq"
	else
		say "skipped: jq not installed"
	fi
	if have gojq; then
		measure "gojq $(gojq --version | awk '{ print $2 }')" "$PLINES" "$PBYTES" \
		    /dev/null "$R.gojq.jsonl" gojq -n -c -f bench/agg.jq "$PDATA"
		PEERS="$PEERS gojq"
	else
		say "skipped: gojq not installed"
	fi
	if [ -n "$PY" ]; then
		measure "python $PYV" "$PLINES" "$PBYTES" "$PDATA" "$R.python.jsonl" \
		    "$PY" bench/agg.py
		PEERS="$PEERS python"
	fi
	if [ -n "$PDPY" ]; then
		measure "pandas $PDV" "$PLINES" "$PBYTES" /dev/null "$R.pandas.jsonl" \
		    "$PDPY" bench/agg_pandas.py "$PDATA"
		PEERS="$PEERS pandas"
	fi

	say ""
	table "tw-agg (best of $RUNS)" "$DBYTES" records records/s < "$ROWS"

	say ""
	if [ -n "$PY" ]; then
		say "agreement with tw-agg ($(lines "$R.ref.jsonl") rows; keyed by window_start and lang; avg within 1e-9 relative):"
		for p in $PEERS; do
			"$PY" bench/compare_agg.py "$p" tw-agg "$R.ref.jsonl" "$R.$p.jsonl"
		done
	else
		say "skipped: agreement check (needs python3)"
	fi

	tmbs=$(mbs_of '^tw-agg')
	mmbs=$(mbs_of '^mlr ')
	tcpu=$(awk -F '|' '$1 ~ /^tw-agg/ && $5 > 0 { printf "%.0f", $3 / 1e6 / $5 }' "$ROWS")
	say ""
	say "targets ($_label):"
	awk -v m="$tmbs" -v c="${tcpu:-?}" 'BEGIN { v = "NOT met"; if (m >= 500) v = "met"
	    printf "  tw-agg >= 500 MB/s of flat input on one core: %s (%.0f MB/s; %s MB per CPU second)\n", v, m, c }'
	[ -n "$mmbs" ] && awk -v m="$tmbs" -v j="$mmbs" 'BEGIN { v = "NOT met"
	    if (m / j >= 50) v = "met"
	    printf "  tw-agg >= 50x Miller: %s (%.1fx)\n", v, m / j }'
	if [ "$BENCH_KEEP" = 1 ]; then
		for f in "$R".*.jsonl; do
			b=$(basename "$f" .jsonl)
			cp "$f" "$OUT/agg.$_label.${b#agg.}.jsonl"
		done
	fi
	rm -f "$R".*.jsonl "$TMP/peer.ndjson"
}

main() {
	say ""
	say "== 3. tw-agg: 1-minute tumbling windows by lang: count, avg and max engagement, distinct authors =="
	say "tw-agg -w 1m -g lang -a $AGGS FILE"
	say "machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(loadavg)"
	say "(BENCH_N=$N BENCH_PEER_N=$PEER_N BENCH_SEED=$SEED BENCH_AGG_RUNS=$RUNS)"
	[ -n "$TIME" ] || say "skipped: peak RSS and cpu s (/usr/bin/time not installed; apt-get install time)"
	if [ ! -x "$AGG" ] || [ ! -x "$FLAT" ]; then
		say "skipped: tw-agg benchmark ($AGG or $FLAT not built)"
		return
	fi
	make_data || return
	# Python: the interpreter itself, not a pyenv shim. pandas: that
	# interpreter if it has pandas, else Debian's /usr/bin/python3
	# (python3-pandas).
	PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	PDPY=
	if [ -n "$PY" ]; then
		PYV=$("$PY" -c 'import platform; print(platform.python_version())')
		say "python: $PY ($PYV, json module)"
	else
		say "skipped: python3 not installed (python, pandas, agreement check)"
	fi
	for p in $PY /usr/bin/python3; do
		if PDV=$("$p" -c 'import pandas; print(pandas.__version__)' 2>/dev/null); then
			PDPY=$p
			say "pandas: $PDV under $p ($("$p" -c 'import platform; print(platform.python_version())'))"
			break
		fi
	done
	[ -n "$PDPY" ] || say "skipped: pandas not installed (Debian: apt-get install python3-pandas)"

	run_variant narrow "$NAR"
	run_variant full "$FULL"
	say ""
	say "(MB/s and records/s: input over wall time; cpu s: user+sys, above wall means more than one core; RSS MB: peak"
	say " resident set; x: tw-agg's MB/s over that run's, how many times faster tw-agg is; full s: wall scaled to the whole file)"
	say "narrow: -f $NARROW"
	say "full: tw-flatten's default record (all fields)"
	say "done: $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(loadavg) (a load near or above the core count means the figures are low)"
}

main | tee "$TMP/results"
cat "$TMP/results" >> "$OUT/results.txt"
exit 0
