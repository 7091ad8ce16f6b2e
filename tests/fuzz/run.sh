#!/bin/sh
# make fuzz: runs every libFuzzer harness in build-fuzz/ for SECONDS each,
# seeded from the corpus; prints executions and coverage per harness.
# A crash or hang is saved in tests/fuzz/regress/<harness>/ so that
# make check replays it from then on.
SECS=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
PATH=$ROOT/build:$PATH
W=build-fuzz/corpus
rm -rf "$W"
sh tests/fuzz/seed.sh "$W"
status=0
for h in build-fuzz/fuzz-*; do
	n=${h#build-fuzz/fuzz-}
	mkdir -p "tests/fuzz/regress/$n" "$W/$n"
	log=build-fuzz/$n.log
	"$h" -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="tests/fuzz/regress/$n/" \
	    "$W/$n" > "$log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	if [ $rc -eq 0 ]; then
		echo "fuzz $n: ${execs:-?} executions in ${SECS}s, $cov"
	else
		echo "fuzz $n: FAILED (status $rc), input saved in tests/fuzz/regress/$n/; see $log"
		grep -m 3 -E 'ERROR|assertion|SUMMARY' "$log" | sed 's/^/    /'
		status=1
	fi
done
exit $status
