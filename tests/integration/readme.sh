#!/bin/sh
# The README's cookbook, run: every command that needs no Kafka broker or
# database server (those run in kafka.sh and load_*.sh), on generated data,
# and the cron batch with a state file over three runs as files arrive.
# Durations are cut to a second (--duration 1m -> 1s) to keep the run short;
# each command runs under bash with pipefail and must make output of its
# own (example_verdict in tests/lib.sh).
. "$TW_ROOT/tests/lib.sh"
cd "$T" || exit 1

tw-gen -n 3000 --seed 5 > stream.ndjson
tw-gen -n 20000 --seed 6 > big.ndjson
gzip -c "$C/twarc-csv/kpop.jsonl" > search-1.jsonl.gz
gzip -c "$C/twarc-csv/noflat.jsonl" > search-2.jsonl.gz
zstd -q -c "$C/twarc-csv/withheld.jsonl" > search-3.jsonl.zst
# The two halves of the history of the partial/merge recipe.
head -1500 stream.ndjson | gzip > day1.ndjson.gz
tail -n +1501 stream.ndjson | gzip > day2.ndjson.gz

# The indented lines of the Cookbook section; a line ending in '|' goes
# on with the next.
awk '/^## Cookbook/ { on = 1; next } /^## / { on = 0 } on && /^    / { sub(/^    /, ""); print }' \
	"$TW_ROOT/README.md" | awk '{ if (acc != "") acc = acc " " $0; else acc = $0 }
	/\|[ ]*$/ { next } { sub(/^ +/, "", acc); print acc; acc = "" }' > cookbook
[ -s cookbook ] || { not_ok "README cookbook found" "no commands"; exit 0; }
i=0
while IFS= read -r cmd; do
	i=$((i + 1))
	case $cmd in
	*kcat* | *'$B'* | *mariadb* | *psql* | *mysql*)
		skip "README $i: $(printf '%s' "$cmd" | cut -c1-50)" "needs a broker or a server (kafka.sh, load_*.sh)"
		continue ;;
	SHELL=*) continue ;;
	'*/5 '*) echo "$cmd" | cut -d' ' -f6- | sed 's/^ *//' > cron.cmd; continue ;;
	esac
	run=$(printf '%s' "$cmd" | sed -e 's/--duration [0-9]*[sm]/--duration 1s/g')
	# Its own output (stdout, or a file it wrote), every stage exiting 0
	# (tests/lib.sh).
	why=$(TW_EXAMPLE_TIMEOUT=60 example_verdict "$run")
	if [ -z "$why" ]; then
		ok "README $i: $(printf '%s' "$cmd" | cut -c1-70)"
	else
		not_ok "README $i: $cmd" "$why"
	fi
done < cookbook

# The tw-perf recipe: both runs have their tweets and rates, and the mode
# each was measured in (a file: batch, no latency; a paced stream:
# streaming, with a latency).
if [ -s perf.log ]; then
	tw-perf report --format json perf.log | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = {x["label"]: x for x in d["runs"]}
b, s = r["batch"], r["streaming"]
assert b["records"] == 20000 and b["throughput_rps"] > 0 and b["command"], b
assert b["mode"] == "batch" and b["age_ms"] and b["latency_ms"] is None, b
assert s["records"] == 2000 and s["throughput_rps"] > 0, s
assert s["mode"] == "streaming" and s["age_ms"] and s["latency_ms"], s
assert d["comparison"]["modes"] == {"batch": "batch", "streaming": "streaming"}, d["comparison"]' 2> perf.err &&
	    ok "README tw-perf recipe: tweets and tweets/s of both runs, their measured modes, data age and latency" ||
	    not_ok "README tw-perf recipe: figures" "$(tail -3 perf.err)"
else
	not_ok "README tw-perf recipe" "no perf.log"
fi

# The cron batch: files arrive in new/ between three runs; then a last run
# with --flush closes the open windows. The table equals one batch over all
# the data, and every file was read exactly once.
if [ ! -s cron.cmd ]; then
	not_ok "README: the cron batch recipe" "not found"
	exit 0
fi
mkdir -p cron/src cron/new
tw-gen -n 30000 --seed 8 --event-rate 3 | tw-flatten -q > cron/all.ndjson
split -n l/3 -d cron/all.ndjson cron/src/part.
for f in cron/src/part.*; do
	gzip -c "$f" > "cron/new/.$(basename "$f").ndjson.gz.tmp"
	mv "cron/new/.$(basename "$f").ndjson.gz.tmp" "cron/new/$(basename "$f").ndjson.gz"
	(cd cron && bash -c "$(sed 's/^cd [^&]*&& //' ../cron.cmd)") 2> cron.err
	eq "README cron batch: run for $(basename "$f") succeeds and moves its file" \
	    "$?|$(ls cron/new | wc -l)" "0|0"
	case $f in *part.00)
		n=$(sqlite3 cron/tw.db "SELECT count(*) FROM lang_1h" 2>&1)
		check "README cron batch: the first run creates the table, with the open hours ($n rows)" \
		    test "$n" -gt 0
		# No new file: nothing done, status 0, so cron mails nothing.
		(cd cron && bash -c "$(sed 's/^cd [^&]*&& //' ../cron.cmd)") > cron.out 2>&1
		eq "README cron batch: a run with no new file exits 0 and says nothing" \
		    "$?|$(wc -c < cron.out)" "0|0"
	esac
done
(cd cron && tw-agg -w 1h -g lang -a count --state agg.state --flush < /dev/null |
    tw-load -q -t lang_1h | sqlite3 -bail tw.db)
eq "README cron batch: each file read once" "$(ls cron/done | wc -l)" 3
tw-agg -w 1h -g lang -a count cron/all.ndjson | python3 -c '
import json, sys
for r in map(json.loads, sys.stdin): print("%s|%s|%d" % (r["window_start"], r["lang"], r["count"]))' | sort > cron/want
sqlite3 cron/tw.db "SELECT window_start, lang, count FROM lang_1h" | sort > cron/got
same "README cron batch: three runs and a flush equal one batch over all the data" cron/want cron/got
eq "README cron batch: after the flush every row is final" \
    "$(sqlite3 cron/tw.db "SELECT count(*) FROM lang_1h WHERE NOT final")" 0
