#!/bin/sh
# same.sh: a build's tw-flatten against another one, byte for byte (the
# check behind a change that must keep every output).
#
#   sh bench/same.sh OTHER_TW_FLATTEN [BUILD]
#
# On the shape files of bench/shapes.sh (bench/out/shape-*.ndjson, run it
# first; the first 5 MB of each), records passed through (tw-flatten's own
# output read again), and every file of the real corpus: the default
# record, all types, time parts, -f with reordered fields and NAME=PATH,
# --dedup, --csv of each type, --kafka-key, --jq with --csv and keys.
# stdout, stderr and the exit status must be the same. Prints "all
# same (N runs)" or each run that differs; exits 1 when one does.

OTHER=$1
BUILD=${2:-build}
[ -x "$OTHER" ] || { echo "usage: sh bench/same.sh OTHER_TW_FLATTEN [BUILD]" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
NEW=$BUILD/tw-flatten
T=$(mktemp -d "${TMPDIR:-/tmp}/twsame.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
runs=0

# one ARGS...: both builds on $IN
one() {
	runs=$((runs + 1))
	"$NEW" "$@" < "$IN" > "$T/n" 2>&1
	echo "status $?" >> "$T/n"
	"$OTHER" "$@" < "$IN" > "$T/o" 2>&1
	echo "status $?" >> "$T/o"
	if ! cmp -s "$T/n" "$T/o"; then
		echo "differs: $IN: tw-flatten $*"
		fail=1
	fi
}

files=
for f in "$ROOT"/bench/out/shape-*.ndjson; do
	case $f in *.head.ndjson) continue ;; esac
	[ -f "$f" ] || continue
	head -c 5000000 "$f" | sed '$d' > "$T/$(basename "$f")"
	files="$files $T/$(basename "$f")"
done
[ -n "$files" ] || echo "note: no bench/out/shape-*.ndjson (sh bench/shapes.sh makes them): corpus only"
for IN in $files; do
	"$OTHER" -q -t all "$IN" > "$IN.flat" 2> /dev/null
	for IN in "$IN" "$IN.flat"; do
		one -q
		one -q -t all
		one -q --time-parts
		one -q -f text,id,lang,hashtags,created_at,username,X=data.public_metrics
		one -q -t all --dedup
		for t in tweets users places media hashtags polls; do
			one -q --csv -t "$t"
		done
		one -q --csv -f text,id,hashtags,X=data.public_metrics,lang
		one -q --kafka-key id
		one -q --kafka-key text -f id,lang,text
		one -q --kafka-key hashtags -t all
		one -q --jq '{id,lang,text}' --csv
		one -q --jq '{id,text}' --kafka-key text
	done
done
for IN in $(find "$ROOT/../shared/corpus" -name '*.json*' | sort); do
	one
	one -t all
	one --csv -t tweets
	one --csv -t users
	one --kafka-key author_id
done
[ "$fail" = 0 ] && echo "all same ($runs runs)"
exit "$fail"
