#!/bin/sh
# make demo, end to end: every artefact it promises, and its minute (the
# full 100,000 tweets; 20,000 under the sanitizers, which are slower).
. "$TW_ROOT/tests/lib.sh"
N=100000
[ -n "${TW_SANITIZED:-}${TW_VALGRIND:-}" ] && N=20000
if TW_DEMO_N=$N TW_DEMO_DIR="$T/demo" sh "$TW_ROOT/examples/demo.sh" "${TW_TOOLS:-$TW_BUILD}" > "$T/out" 2>&1; then
	ok "demo runs"
else
	not_ok "demo runs" "$(tail -5 "$T/out" | tr '\n' ' ')"
fi
D=$T/demo
check "demo: star schema and aggregates in SQLite" sh -c "
	test \$(sqlite3 '$D/twpipe.db' 'SELECT COUNT(*) FROM tweets') -ge $N &&
	test \$(sqlite3 '$D/twpipe.db' 'SELECT COUNT(*) FROM users') -gt 0 &&
	test \$(sqlite3 '$D/twpipe.db' 'SELECT SUM(count) FROM lang_1m') -eq $N"
check "demo: partitioned gzip files are complete, and Hive DDL names them" sh -c "
	for f in \$(find '$D/landing' -name '*.gz'); do gzip -t \"\$f\" || exit 1; done &&
	test \$(zcat \$(find '$D/landing' -name '*.gz') | wc -l) -eq $N &&
	grep -q 'ADD IF NOT EXISTS$' '$D/landing.hql' && grep -q '^  PARTITION (' '$D/landing.hql'"
if command -v node > /dev/null 2>&1 && node "$TW_ROOT/tests/js/duckdb.mjs" "SELECT 1" > /dev/null 2>&1; then
	eq "demo: the Parquet landing holds every tweet (DuckDB)" \
	    "$(node "$TW_ROOT/tests/js/duckdb.mjs" "SELECT count(*) FROM read_parquet('$D/landing_parquet/**/*.parquet')")" "$N"
	contains "demo: and shows a DuckDB query on it" "$T/out" "DuckDB, tweets per hour and language"
else
	contains "demo: says the DuckDB query was skipped" "$T/out" "DuckDB query skipped"
fi
check "demo: Parquet DDL" grep -q 'STORED AS PARQUET' "$D/landing_parquet.hql"
check "demo: report compares batch and streaming" grep -q 'Batch vs streaming' "$D/report.txt"
check "demo: dashboard page with four charts" test "$(grep -o '<svg' "$D/www/index.html" | wc -l)" -ge 4
contains "demo: tells the user where to look" "$T/out" "www/index.html"
secs=$(sed -n 's/^Done in \([0-9]*\) s.*/\1/p' "$T/out")
# The demo's CPU seconds (this shell's waited-for children: the demo).
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($16 + $17) / hz }' /proc/$$/stat)
ncpu=$(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 2)
load=$(cut -d' ' -f1 /proc/loadavg)
if [ "${secs:-999}" -ge 60 ] && [ -z "${TW_SANITIZED:-}${TW_VALGRIND:-}" ] &&
    [ "$cpu" -lt $((45 * ncpu)) ] && awk -v l="$load" -v n="$ncpu" 'BEGIN { exit !(l > n) }'; then
	# Tests side by side (CI) took the cores: the demo's own work would
	# fit in the minute (its CPU time), the wall clock cannot be judged.
	skip "demo: the whole pipeline in under a minute (${secs} s, $cpu CPU s)" \
	    "the machine is busy (load $load on $ncpu cores)"
else
	timing_check "demo: the whole pipeline in under a minute (${secs:-?} s, $cpu CPU s for $N tweets)" test "${secs:-999}" -lt 60
fi
# The demo's own dashboard in a real browser: it loads cleanly and shows
# its four charts.
if command -v chromium > /dev/null 2>&1; then
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" --enable-logging=stderr --v=0 \
	    --dump-dom "file://$D/www/index.html" > "$T/dom.html" 2> "$T/chrome.log"
	eq "demo dashboard in chromium: no console errors" "$(grep -iE 'CONSOLE|Uncaught|net::ERR' "$T/chrome.log" | head -3)" ""
	check "demo dashboard in chromium: four charts in the DOM" test "$(grep -o '<svg ' "$T/dom.html" | wc -l)" -ge 4
else
	skip "demo dashboard in chromium" "chromium is not installed"
fi
