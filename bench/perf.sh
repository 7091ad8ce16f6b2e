#!/bin/sh
# The meter's overhead against cat(1) on the same data.
# Usage: sh bench/perf.sh [BUILD]   (PERF_MB=500 size, PERF_RUNS=5)
# Times, best of PERF_RUNS, each of:
#   file > /dev/null        the harshest case: the copy is all cat does
#   file | cat > /dev/null  the meter where it sits, between two programs
# and prints the overhead in percent.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PERF=$BUILD/tw-perf
RUNS=${PERF_RUNS:-5}
MB=${PERF_MB:-500}
OUT=$ROOT/bench/out
mkdir -p "$OUT"
DATA=$OUT/perf-${MB}M.ndjson
[ -x "$PERF" ] || { echo "perf: $PERF not built" >&2; exit 1; }
if [ ! -s "$DATA" ]; then
	if [ -x "$BUILD/tw-gen" ]; then
		# tw-gen lines are about 2 KB: MB*500 lines make about MB megabytes.
		"$BUILD/tw-gen" -n $((MB * 500)) | head -c $((MB * 1000000)) > "$DATA"
	else
		: > "$DATA"
		while [ "$(wc -c < "$DATA")" -lt $((MB * 1000000)) ]; do
			find "${TW_CORPUS:-$ROOT/../shared/corpus}" -type f -name '*.json*' \
			    -exec cat {} + >> "$DATA"
		done
	fi
fi
cat "$DATA" > /dev/null	# into the page cache
rm -f "$OUT/perf.cases"

# ms of one run of a shell command
ms() {
	s=$(date +%s%N)
	sh -c "$1"
	e=$(date +%s%N)
	echo $(( (e - s) / 1000000 ))
}

bytes=$(wc -c < "$DATA")
printf 'data: %s (%s bytes)\n' "$DATA" "$bytes"
printf '%-28s %8s %8s %9s\n' case cat_ms perf_ms overhead
for kind in null pipe; do
	if [ $kind = null ]; then
		cc="cat '$DATA' > /dev/null"
		pc="'$PERF' -o /dev/null '$DATA' > /dev/null"
		name="file > /dev/null"
	else
		cc="cat '$DATA' | cat > /dev/null"
		pc="'$PERF' -o /dev/null '$DATA' | cat > /dev/null"
		name="file | cat > /dev/null"
	fi
	# Alternate the two so that drift in machine load hits both alike;
	# keep the best of each.
	c=999999999 p=999999999 i=0
	while [ $i -lt "$RUNS" ]; do
		t=$(ms "$cc"); [ "$t" -lt "$c" ] && c=$t
		t=$(ms "$pc"); [ "$t" -lt "$p" ] && p=$t
		i=$((i + 1))
	done
	printf '%-28s %8d %8d %8s%%\n' "$name" "$c" "$p" \
	    "$(awk -v c="$c" -v p="$p" 'BEGIN { printf "%.1f", (p - c) * 100 / c }')"
	echo "$name $c $p" >> "$OUT/perf.cases"
done
# The target (at most 10% slower than cat) for the meter where it sits,
# in a pipeline; the harshest case is shown beside it.
awk '{ c[NR] = $(NF - 1); p[NR] = $NF; n[NR] = $0 }
END {
	for (i = 1; i <= NR; i++) {
		o = (p[i] - c[i]) * 100 / c[i]
		printf "target: at most 10%% slower than cat (%s): %s (%.1f%%)\n",
		    i == 1 ? "file > /dev/null, the harshest case" : "file | cat, in a pipeline",
		    o <= 10 ? "met" : "NOT met", o
	}
}' "$OUT/perf.cases"
rm -f "$OUT/perf.cases"
