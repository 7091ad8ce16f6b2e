#!/bin/sh
# tw-perf: the meter passes bytes through unchanged and measures them;
# run measures a command; signals, write errors, promptness; batch or
# streaming from what arrives; data age apart from latency; old logs.
. "$TW_ROOT/tests/lib.sh"

# --- byte-identical pass-through ---
n=0
for f in $(find "$C" -type f \( -name '*.json' -o -name '*.jsonl' -o -name '*.ndjson' -o -name '*.txt' \) | sort | head -40); do
	tw-perf -o "$T/m.log" < "$f" > "$T/out" 2>/dev/null
	if ! cmp -s "$f" "$T/out"; then not_ok "passthrough corpus $f"; n=-1000; fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] && ok "passthrough: $n corpus files byte-identical"
printf '{"a":1}\n{"a":2}' > "$T/nonl"
tw-perf -o "$T/nonl.log" "$T/nonl" > "$T/out"; same "passthrough: last line without newline" "$T/nonl" "$T/out"
head -c 1048576 /dev/urandom > "$T/rnd"
tw-perf -o "$T/m.log" < "$T/rnd" > "$T/out"; same "passthrough: random bytes with NULs" "$T/rnd" "$T/out"
printf '{"a":1}\r\n\r\n{"a":2}\r\n' > "$T/crlf"
tw-perf -o "$T/crlf.log" < "$T/crlf" > "$T/out"; same "passthrough: CRLF" "$T/crlf" "$T/out"
: > "$T/empty"
tw-perf -o "$T/empty.log" < "$T/empty" > "$T/out"; same "passthrough: empty input" "$T/empty" "$T/out"
cat "$T/rnd" | tw-perf -o "$T/m.log" | cat > "$T/out"; same "passthrough: through pipes" "$T/rnd" "$T/out"
gzip -c "$T/nonl" > "$T/gz"
tw-perf -o "$T/m.log" "$T/gz" > "$T/out"; same "passthrough: gzip is not inflated" "$T/gz" "$T/out"

# --- counts ---
field() { python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1])]
s=[x for x in r if x.get("type")=="summary"][-1]
v=s
for k in sys.argv[2].split("."): v=v[k] if v is not None else None
print(v)' "$@"; }
eq "counts: records without a trailing newline" "$(field "$T/nonl.log" records)" 2
eq "counts: bytes" "$(field "$T/nonl.log" bytes)" 15
eq "counts: CRLF records, blank keep-alives apart" "$(field "$T/crlf.log" records) $(field "$T/crlf.log" blank)" "2 1"
eq "counts: empty input" "$(field "$T/empty.log" records) $(field "$T/empty.log" bytes) $(field "$T/empty.log" latency_ms)" "0 0 None"
eq "mode: batch at end of input" "$(field "$T/empty.log" mode) $(field "$T/empty.log" ended)" "batch eof"
# The vector line scanner (64 bytes at a time) against the plain one
# (TW_SIMD=0) and against Python: lines of every length around the
# 64-byte blocks and the 256 KiB reads, blank and "\r" lines, newline
# runs, a line longer than a read, no final newline; from a file and a pipe.
python3 - "$T/lay" <<'PY'
import random, sys
r = random.Random(5)
out = []
for i in range(60000):
    k = r.random()
    if k < 0.05: out.append(b"")
    elif k < 0.08: out.append(b"\r")
    elif k < 0.10: out.append(b"\n" * r.randint(1, 70))
    else: out.append(b"x" * r.randint(0, 200) + (b"\r" if k < 0.2 else b""))
data = b"\n".join(out) + b"\n" + b"y" * 300000 + b"\n\r\n" + b"tail"
open(sys.argv[1], "wb").write(data)
recs = sum(1 for l in data.split(b"\n") if l not in (b"", b"\r"))
blank = data.count(b"\n") - (recs - 1)	# the tail has no newline
print(recs, blank, file=open(sys.argv[1] + ".want", "w"))
PY
want=$(cat "$T/lay.want")
tw-perf -o "$T/lay1.log" "$T/lay" > "$T/out"; same "line scanner: output byte-identical" "$T/lay" "$T/out"
TW_SIMD=0 tw-perf -o "$T/lay0.log" "$T/lay" > /dev/null
cat "$T/lay" | tw-perf -o "$T/lay2.log" > /dev/null
tw-perf -o "$T/lay3.log" "$T/lay" | cat > "$T/out3"; same "line scanner: output byte-identical into a pipe (128 KiB reads)" "$T/lay" "$T/out3"
eq "line scanner: records and blank lines, vector path" "$(field "$T/lay1.log" records) $(field "$T/lay1.log" blank)" "$want"
eq "line scanner: records and blank lines, plain path" "$(field "$T/lay0.log" records) $(field "$T/lay0.log" blank)" "$want"
eq "line scanner: records and blank lines, from a pipe" "$(field "$T/lay2.log" records) $(field "$T/lay2.log" blank)" "$want"
eq "line scanner: records and blank lines, into a pipe" "$(field "$T/lay3.log" records) $(field "$T/lay3.log" blank)" "$want"

python3 -c 'import sys
for i in range(10000): sys.stdout.write("{\"i\":%d}\n" % i)' > "$T/10k"
tw-perf --label ten -o "$T/10k.log" "$T/10k" > /dev/null
eq "counts: 10000 records, bytes, label" "$(field "$T/10k.log" records) $(field "$T/10k.log" bytes) $(field "$T/10k.log" label)" "10000 $(wc -c < "$T/10k") ten"
python3 - "$T/10k.log" <<'PY' && ok "rates: throughput = records / processing_s" || not_ok "rates: throughput = records / processing_s"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
t = s["processing_s"]
assert t > 0 and abs(s["throughput_rps"] * t - s["records"]) <= 0.02 * s["records"] + 1, s
assert abs(s["throughput_bps"] * t - s["bytes"]) <= 0.02 * s["bytes"] + 1, s
for k in ("start", "end", "cpu_user_s", "cpu_sys_s", "peak_rss_kb"): assert k in s, k
PY

# --- data age from known event times (a file: batch, no latency) ---
python3 - "$T/lat.ndjson" <<'PY'
import json, sys, time, datetime
now = int(time.time() * 1000)
with open(sys.argv[1], "w") as f:
    # 900 flat records 100 ms old, 90 v2 lines 1 s old, 10 v1.1 5 s old.
    for i in range(900):
        f.write(json.dumps({"record_type": "tweet", "id": str(i), "ts": now - 100}) + "\n")
    for i in range(90):
        iso = datetime.datetime.utcfromtimestamp((now - 1000) / 1000).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        f.write(json.dumps({"data": {"id": str(i), "created_at": iso}}) + "\n")
    for i in range(10):
        f.write(json.dumps({"created_at": "Wed Oct 10 20:19:24 +0000 2018", "timestamp_ms": str(now - 5000)}) + "\n")
    f.write(json.dumps({"record_type": "user", "created_at": "2009-01-01T00:00:00.000Z"}) + "\n")
PY
tw-perf -o "$T/lat.log" "$T/lat.ndjson" > /dev/null
python3 - "$T/lat.log" <<'PY' && ok "data age: p50, p95, p99, max from ts, data.created_at, timestamp_ms; a file has no latency" || not_ok "data age: p50/p99/max wrong" "$(tail -1 "$T/lat.log")"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
l = s["age_ms"]
assert s["age_samples"] == 1000, s   # the user record has no event time
assert s["mode"] == "batch" and s["latency_ms"] is None and s["latency_samples"] == 0, s
def near(v, want, slack): return want - 20 <= v <= want * 1.02 + slack
assert near(l["p50"], 100, 400), l
assert near(l["p95"], 1000, 400), l
assert near(l["p99"], 1000, 400), l
assert near(l["max"], 5000, 400), l
PY

# --- sampling: every line of a slow live stream, 1 in 1024 of a backlog ---
python3 - "$T/live.log" <<'PY' && ok "sampling: every line of a live stream is measured" || not_ok "sampling: live stream" "$(tail -1 "$T/live.log")"
import json, subprocess, sys, time
p = subprocess.Popen(["tw-perf", "-o", sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
for i in range(300):
    p.stdin.write(b'{"ts":%d}\n' % int(time.time() * 1000)); p.stdin.flush()
    if i % 10 == 0: time.sleep(0.01)
p.stdin.close(); assert p.wait(10) == 0
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["records"] == 300 and s["age_samples"] == 300, s
PY
python3 -c '
import sys
line = b"{\"ts\":1700000000000,\"pad\":\"" + b"x" * 200 + b"\"}\n"
sys.stdout.buffer.write(line * 200000)' > "$T/backlog.ndjson"
tw-perf -o "$T/backlog.log" "$T/backlog.ndjson" > /dev/null
python3 - "$T/backlog.log" <<'PY' && ok "sampling: a file read in full reads is sampled 1 in 1024" || not_ok "sampling: backlog" "$(tail -1 "$T/backlog.log")"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["records"] == 200000, s
assert 150 <= s["age_samples"] <= 400, s   # 195 from the 1-in-1024 rule
PY

# --- stats every --every, from a slow producer ---
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "{\"i\":$i}"; sleep 0.1; done |
	tw-perf --label slow --every 200ms -o "$T/slow.log" > "$T/slow.out"
python3 - "$T/slow.log" <<'PY' && ok "stats: a record every --every 200ms" || not_ok "stats: every 200ms" "$(head -c 300 "$T/slow.log")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
st = [x for x in r if x["type"] == "stats"]
assert 4 <= len(st) <= 10, len(st)
assert r[-1]["type"] == "summary" and r[-1]["records"] == 12
for x in st:
    for k in ("label", "time", "elapsed_s", "records", "bytes", "rate_rps", "rate_bps", "live_records", "age_ms", "latency_ms"): assert k in x, k
seen = [x["records"] for x in st]
assert seen == sorted(seen) and len(set(seen)) >= 3, seen
assert 2 <= st[2]["rate_rps"] <= 20, st
PY

# --- promptness: a line passes before input ends ---
python3 - <<'PY' && ok "promptness: a line leaves at once" || not_ok "promptness: a line leaves at once"
import subprocess, select, sys, time
p = subprocess.Popen(["tw-perf", "-o", "/dev/null"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(b'{"a":1}\n'); p.stdin.flush()
r, _, _ = select.select([p.stdout], [], [], 2.0)
got = p.stdout.readline() if r else b""
p.stdin.close(); p.wait()
sys.exit(0 if got == b'{"a":1}\n' else 1)
PY

# --- SIGTERM mid-stream: summary written, dies by SIGTERM ---
(sh -c 'printf "{\"a\":1}\n{\"a\":2}\n"; sleep 3' |
	sh -c 'echo $$ > "$1/term.pid"; exec tw-perf --label live -o "$1/term.log"' sh "$T" > "$T/term.out"
	echo $? > "$T/term.rc") &
# Once both records have gone through (passed on when the input idles).
two_lines() { [ "$(wc -l < "$T/term.out" 2> /dev/null || echo 0)" -ge 2 ] && [ -s "$T/term.pid" ]; }
wait_for 30 two_lines
# The input pauses (3 s); let the meter see half a second of it, so the
# window is live however late a loaded machine ran it.
sleep 0.5
kill -TERM "$(cat "$T/term.pid")"
wait
eq "SIGTERM: dies by the signal" "$(cat "$T/term.rc")" 143
eq "SIGTERM: summary, ended by the signal; streaming (the input paused)" "$(field "$T/term.log" ended) $(field "$T/term.log" mode) $(field "$T/term.log" records)" "signal streaming 2"

# --- write errors, closed pipes ---
if [ -w /dev/full ]; then
	tw-perf -o "$T/m.log" "$T/10k" > /dev/full 2> "$T/full.err"; rc=$?
	eq "write error: status 1" "$rc" 1
	contains "write error: message" "$T/full.err" "write error"
	tw-perf report "$T/10k.log" > /dev/full 2> "$T/full.err"; rc=$?
	eq "report write error: status 1" "$rc" 1
	contains "report write error: message" "$T/full.err" "write error"
fi
python3 -c 'import sys
for i in range(200000): sys.stdout.write("{\"i\":%d}\n" % i)' > "$T/200k"
tw-perf "$T/200k" 2> "$T/head.err" | head -1 > /dev/null
eq "| head -1 is quiet" "$(cat "$T/head.err")" ""

# --- progress display on a terminal ---
if command -v script > /dev/null 2>&1; then
	script -qec "sh -c 'sleep 0.7; echo {}' | tw-perf > /dev/null" /dev/null > "$T/tty.out" 2>&1
	contains "progress: a live line on a terminal" "$T/tty.out" "rec/s"
else
	skip "progress: a live line on a terminal" "no script(1)"
fi

# --- run ---
tw-perf run -o "$T/run.log" -- sh -c 'exit 3'; eq "run: exit status of the command" "$?" 3
eq "run: exit_status in the record" "$(field "$T/run.log" exit_status)" 3
tw-perf run -o "$T/run.log" -- sh -c 'kill -KILL $$'; eq "run: 128+signal" "$?" 137
tw-perf run -o "$T/run.log" -- /nonexistent/cmd 2> "$T/run.err"; eq "run: missing command is 127" "$?" 127
echo hello | tw-perf run -o "$T/run.log" -- cat > "$T/run.out"
eq "run: stdin and stdout pass to the command" "$(cat "$T/run.out")" hello
tw-perf run --label lbl -o "$T/run.log" -- sh -c 'head -c 3000000 /dev/zero > /dev/null'
python3 - "$T/run.log" <<'PY' && ok "run: summary record fields, I/O of exited children" || not_ok "run: summary record" "$(tail -1 "$T/run.log")"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["type"] == "summary" and s["label"] == "lbl" and s["ended"] == "exit" and s["metered"] is False
assert s["mode"] is None and s["records"] is None, s   # counted by a meter only
assert s["command"] == "sh -c 'head -c 3000000 /dev/zero > /dev/null'", s["command"]
assert s["io_wchar"] >= 3000000 and s["io_rchar"] >= 3000000, s
for k in ("start", "end", "processing_s", "cpu_user_s", "cpu_sys_s", "peak_rss_kb", "max_single_rss_kb"): assert k in s, k
PY
if [ -x /usr/bin/time ]; then
	PY='x = bytearray(200*1024*1024); import time; time.sleep(0.5)'
	/usr/bin/time -v python3 -c "$PY" 2> "$T/time.err"
	want=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time.err")
	tw-perf run -o "$T/mem.log" -- python3 -c "$PY"
	got=$(field "$T/mem.log" peak_rss_kb)
	if [ -n "$want" ] && [ $((got * 10)) -ge $((want * 9)) ] && [ $((got * 10)) -le $((want * 11)) ]; then
		ok "run: peak memory within 10% of time -v ($got vs $want kB)"
	else
		not_ok "run: peak memory within 10% of time -v" "got $got, want $want"
	fi
	got=$(tw-perf run -o /dev/stdout -- sh -c "python3 -c '$PY'; python3 -c '$PY'" | field /dev/stdin peak_rss_kb)
	[ "$got" -ge $((want * 9 / 10)) ] && [ "$got" -le $((want * 15 / 10)) ] && ok "run: tree memory through sh" || not_ok "run: tree memory through sh" "$got vs $want"
	# A command that allocates and exits at once (no sleep): between two
	# samples, yet within 10%.
	PY2='x = bytearray(200*1024*1024)'
	/usr/bin/time -v python3 -c "$PY2" 2> "$T/time2.err"
	want2=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time2.err")
	fails=0
	for i in 1 2 3; do
		got=$(tw-perf run -o /dev/stdout -- python3 -c "$PY2" | field /dev/stdin peak_rss_kb)
		[ $((got * 10)) -ge $((want2 * 9)) ] && [ $((got * 10)) -le $((want2 * 11)) ] || fails="$fails $got"
	done
	eq "run: a short command's peak memory within 10% of time -v, 3 runs (want $want2 kB)" "$fails" 0
	# Two children at once: the tree's peak is their sum; max_single_rss_kb
	# is what time -v reports (the largest process).
	# (Each holds its memory 2 s: on a loaded machine the second may start
	# well after the first.)
	PY3='x = bytearray(200*1024*1024); import time; time.sleep(2)'
	tw-perf run -o "$T/two.log" -- sh -c "python3 -c '$PY3' & python3 -c '$PY3'; wait"
	got=$(field "$T/two.log" peak_rss_kb)
	one=$(field "$T/two.log" max_single_rss_kb)
	[ "$got" -ge $((want * 18 / 10)) ] && [ "$got" -le $((want * 23 / 10)) ] && [ $((one * 10)) -ge $((want * 9)) ] && [ $((one * 10)) -le $((want * 11)) ] &&
	    ok "run: two children at once: peak is the sum ($got kB), max_single the largest ($one kB)" ||
	    not_ok "run: two children at once" "peak $got, max_single $one, one child $want"
else
	skip "run: peak memory vs time -v" "/usr/bin/time missing (Debian package time)"
fi
(sh -c 'echo $$ > "$1/rterm.pid"; exec tw-perf run -o "$1/rterm.log" -- sleep 5' sh "$T"
	echo $? > "$T/rterm.rc") &
# Once the command runs (a child of tw-perf run).
has_child() { [ -s "$T/rterm.pid" ] && pgrep -P "$(cat "$T/rterm.pid")" > /dev/null; }
wait_for 30 has_child
kill -TERM "$(cat "$T/rterm.pid")"
wait
eq "run: SIGTERM passed to the command" "$(cat "$T/rterm.rc") $(field "$T/rterm.log" ended)" "143 signal"

# --- batch or streaming, from what arrived; data age apart from latency ---
# summ LOG LABEL: the last meter summary of LABEL, as JSON on one line.
summ() { python3 -c 'import json, sys
s = [r for r in map(json.loads, open(sys.argv[1])) if r.get("type") == "summary" and r.get("label") == sys.argv[2] and "command" not in r]
print(json.dumps(s[-1]) if s else "{}")' "$@"; }
# expect NAME LOG LABEL CONDITION: a Python condition on the summary s
# (n: its records, a: its data age, l: its latency, {} when null).
expect() {
	_j=$(summ "$2" "$3")
	if python3 -c 'import json, sys
s = json.loads(sys.argv[1]); n = s.get("records")
a = s.get("age_ms") or {}; l = s.get("latency_ms") or {}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$_j" "$4" 2> "$T/expect.err"; then
		ok "$1"
	else
		not_ok "$1" "$4: $(head -c 400 "$T/expect.err") $_j"
	fi
}
ML=$T/modes.log
: > "$ML"
# A paced stream (event time follows the clock): streaming, both figures.
tw-gen --rate 1000 --duration 2s --seed 3 | tw-perf --label paced -o "$ML" | tw-flatten -q > /dev/null
expect "mode: a paced stream is streaming, nearly every record live" "$ML" paced \
    's["mode"] == "streaming" and n == 2000 and s["live_records"] >= 0.9 * n'
expect "mode: ... with a latency (ms) and a data age" "$ML" paced \
    'l and 0 <= l["p99"] < 1500 and a and a["p99"] < 1500 and s["latency_samples"] >= 0.9 * n'
tw-gen --rate 1000 --duration 2s --seed 3 | tw-flatten -q | tw-perf --label pacedflat -o "$ML" > /dev/null
expect "mode: the same stream flattened (ts) is streaming" "$ML" pacedflat \
    's["mode"] == "streaming" and s["live_records"] >= 0.9 * n'
# The same kind of tweets read as fast as they come: batch, an age, no latency.
tw-gen -n 5000 --seed 3 > "$T/g5k"
tw-perf --label file -o "$ML" "$T/g5k" > /dev/null
tw-perf --label stdinfile -o "$ML" < "$T/g5k" > /dev/null
cat "$T/g5k" | tw-perf --label pipe -o "$ML" > /dev/null
tw-gen -n 5000 --seed 3 | tw-perf --label gen -o "$ML" > /dev/null
for lb in file stdinfile pipe gen; do
	expect "mode: $lb read fast is batch: a data age (of 2024 tweets: > 300 days), no latency" "$ML" $lb \
	    's["mode"] == "batch" and s["live_records"] == 0 and s["latency_ms"] is None and a["p50"] > 300 * 86400e3'
done
# Young tweets (their event times end now) read fast are batch too: 50 s
# of event time passed in a moment.
start=$(python3 -c 'import time; print(int(time.time()) - 50)')
tw-gen -n 5000 --seed 3 --start "$start" --event-rate 100 | tw-perf --label young -o "$ML" > /dev/null
expect "mode: young tweets read fast are batch (50 s of event time in a moment)" "$ML" young \
    's["mode"] == "batch" and s["latency_ms"] is None and a["max"] < 120e3'
# Records without a time: a paced source pauses (streaming), a busy one not.
python3 -c 'import sys
for i in range(200000): sys.stdout.write("{\"i\":%d}\n" % i)' | tw-perf --label timeless -o "$ML" > /dev/null
expect "mode: timeless records from a busy pipe are batch" "$ML" timeless 's["mode"] == "batch" and s["age_ms"] is None'
for i in 1 2 3 4 5 6 7 8; do echo "{\"i\":$i}"; sleep 0.1; done | tw-perf --label pauses -o "$ML" > /dev/null
expect "mode: timeless records with pauses are streaming (no time: no age, no latency)" "$ML" pauses \
    's["mode"] == "streaming" and s["live_records"] == 8 and s["latency_ms"] is None'
# Latency is measured from the Kafka time (when the broker took the
# record), the data age from the event time: tweets created 5 s before
# they were produced, consumed live.
python3 - "$T/kts.log" <<'PY' && ok "kafka_ts: a live topic: latency from the Kafka time (ms), data age from the event time (5 s)" || not_ok "kafka_ts: latency from the Kafka time" "$(tail -1 "$T/kts.log")"
import json, subprocess, sys, time
p = subprocess.Popen(["tw-perf", "--label", "kts", "-o", sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
for i in range(300):
    now = int(time.time() * 1000)
    p.stdin.write(b'{"record_type":"tweet","id":"%d","ts":%d,"kafka_ts":%d}\n' % (i, now - 5000, now)); p.stdin.flush()
    time.sleep(0.005)
p.stdin.close(); assert p.wait(10) == 0
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["mode"] == "streaming" and s["live_records"] >= 270, s
assert s["latency_ms"]["p99"] < 1000 and 4900 <= s["age_ms"]["p50"] <= 6500, s
PY
# A topic filled with history in a burst, read back at the pace it was
# filled (kafka_ts follows the clock, the event times span hours): batch.
python3 - "$T/burst.log" <<'PY' && ok "kafka_ts: history read at the pace it was produced is batch (pace from the event time)" || not_ok "kafka_ts: history at the producer's pace" "$(tail -1 "$T/burst.log")"
import json, subprocess, sys, time
p = subprocess.Popen(["tw-perf", "--label", "burst", "-o", sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
old = int(time.time() * 1000) - 86400000
for i in range(400):
    p.stdin.write(b'{"record_type":"tweet","id":"%d","ts":%d,"kafka_ts":%d}\n' % (i, old + i * 10000, int(time.time() * 1000))); p.stdin.flush()
    time.sleep(0.005)
p.stdin.close(); assert p.wait(10) == 0
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["mode"] == "batch" and s["live_records"] == 0 and s["latency_ms"] is None, s
PY
# A backlog of several partitions comes interleaved (kcat fetches one
# partition's history, then another's): one newest time for all would
# stand still while the others catch up to it; each partition's pace is
# followed apart.
python3 - "$T/inter.log" <<'PY' && ok "kafka_partition: an interleaved backlog of 4 partitions is batch (pace per partition)" || not_ok "kafka_partition: interleaved backlog" "$(tail -1 "$T/inter.log")"
import json, subprocess, sys, time
p = subprocess.Popen(["tw-perf", "--label", "inter", "-o", sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
t0 = int(time.time() * 1000) - 86400000
# (Partition 0 alone in a window, 1 to 3 in the next: their times stay
# under partition 0's newest.)
for c in range(2):
    for part, pause in ((0, 1.1), (1, 0.3), (2, 0.3), (3, 0.5)):
        p.stdin.write(b"".join(b'{"record_type":"tweet","ts":%d,"kafka_partition":%d,"kafka_ts":%d}\n'
            % (t0 + (c * 100 + j) * 1000, part, t0 + (c * 100 + j) * 1000) for j in range(100)))
        p.stdin.flush()
        time.sleep(pause)
p.stdin.close(); assert p.wait(10) == 0
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["records"] == 800 and s["mode"] == "batch" and s["live_records"] == 0 and s["latency_ms"] is None, s
PY
# A consumer that catches up on an hour of backlog, then follows a live
# topic: the backlog is never live, the latency is the live part's, and
# the mode is what most records were (batch).
python3 - "$T/catch.log" <<'PY' && ok "catch-up then live: backlog never live, latency of the live part only, mode of the majority" || not_ok "catch-up then live" "$(tail -1 "$T/catch.log")"
import json, subprocess, sys, time
p = subprocess.Popen(["tw-perf", "--label", "catch", "-o", sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
now = int(time.time() * 1000)
p.stdin.write(b"".join(b'{"ts":%d}\n' % (now - 3600000 + i * 1200) for i in range(3000))); p.stdin.flush()
for i in range(900):
    p.stdin.write(b'{"ts":%d}\n' % int(time.time() * 1000)); p.stdin.flush()
    time.sleep(1 / 300)
p.stdin.close(); assert p.wait(10) == 0
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["records"] == 3900 and s["mode"] == "batch", s
assert 300 <= s["live_records"] <= 900, s
assert s["latency_ms"]["p99"] < 1000 and s["age_ms"]["max"] >= 3500e3, s
PY

# --- run --meter: the command's standard input, metered ---
RL=$T/runm.log
(cd "$T" && tw-perf run -m --label mbatch -o "$RL" -- sh -c 'tw-flatten -q | wc -l > n.txt' < "$T/g5k")
eq "run -m: exit status of the command; it read every line" "$?|$(tr -d ' ' < "$T/n.txt")" "0|5000"
tw-perf report --format json "$RL" | python3 -c 'import json, sys
d = json.load(sys.stdin)
r = [x for x in d["runs"] if x["label"] == "mbatch"]
assert len(r) == 1, d["runs"]          # the meter row is merged into the run
r = r[0]
assert r["records"] == 5000 and r["command"] and r["mode"] == "batch" and r["throughput_rps"] > 0, r
assert r["age_ms"] and r["latency_ms"] is None, r' 2> "$T/rm.err" &&
    ok "run -m: the run has the records, throughput, mode and data age of its input" || not_ok "run -m: merged" "$(cat "$T/rm.err")"
tw-gen --rate 500 --duration 2s | tw-perf run -m --label mstream -o "$RL" -- tw-flatten -q > /dev/null
expect "run -m: a paced input is streaming" "$RL" mstream 's["mode"] == "streaming" and n == 1000 and l'
# (A FIFO held open here: an input that never ends and says nothing.)
mkfifo "$T/quiet"
exec 3<> "$T/quiet"
t0=$(date +%s%N)
tw-perf run -m --label quiet -o "$RL" -- true <&3
rc=$?
t1=$(date +%s%N)
exec 3>&-
eq "run -m: a command that ends without reading a quiet input ends the run at once" \
    "$rc $([ $(( (t1 - t0) / 1000000 )) -lt 3000 ] && echo prompt)" "0 prompt"
expect "run -m: ... and its meter says how it ended" "$RL" quiet 's["ended"] == "signal" and n == 0'
yes '{"a":1}' | tw-perf run -m -o "$RL" -- head -1 > "$T/head1.out"
eq "run -m: a command that stops reading an endless input" "$?|$(cat "$T/head1.out")" '0|{"a":1}'

# --- the report names them: data age for all, latency for live runs ---
tw-perf report "$ML" > "$T/names.txt"
check "report: columns data age p99 and latency p99" grep -q 'data age p99  latency p99$' "$T/names.txt"
check "report: a batch run has a data age and no latency" sh -c "grep '^file ' '$T/names.txt' | grep -Eq ' [0-9.]+ d +-\$'"
check "report: a streaming run has both, in ms" sh -c "grep '^paced ' '$T/names.txt' | grep -Eq ' [0-9]+ ms +[0-9]+ ms\$'"
contains "report: it says what each figure is" "$T/names.txt" "a batch run has a data age, no latency"
tw-perf report --format markdown "$ML" > "$T/names.md"
contains "report markdown: the columns" "$T/names.md" "| data age p99 | latency p99 |"
grep -E '"label":"(file|paced)"' "$ML" > "$T/pair.log"
tw-perf report --format json --svg "$T/mcharts" "$T/pair.log" | python3 -c 'import json, sys
d = json.load(sys.stdin)
c = d["comparison"]
assert c["modes"] == {"batch": "batch", "streaming": "streaming"}, c
names = [m["metric"] for m in c["metrics"]]
assert "data age p99 ms" in names and "latency p99 ms" in names, names
lat = [m for m in c["metrics"] if m["metric"] == "latency p99 ms"][0]
assert lat["batch"] is None and lat["streaming"] is not None, lat' 2> "$T/nj.err" &&
    ok "report json: modes, data age and latency in the comparison" || not_ok "report json" "$(cat "$T/nj.err")"
for w in "data age p99 s" "latency p99 ms" "(streaming)" "(batch)"; do
	contains "report --svg: comparison.svg shows $w" "$T/mcharts/comparison.svg" "$w"
done

# --- logs written before data age and latency were apart still load ---
cat > "$T/old.log" <<'LOG'
{"type":"stats","label":"s","time":"2024-05-01T11:00:10.000Z","elapsed_s":10,"records":500,"bytes":1000,"rate_rps":50,"rate_bps":100,"latency_ms":{"p50":100,"p95":200,"p99":300,"max":400}}
{"type":"summary","label":"s","mode":"batch","records":1000,"bytes":2000,"blank":0,"start":"2024-05-01T11:00:00.000Z","end":"2024-05-01T11:00:20.000Z","processing_s":20,"throughput_rps":50,"throughput_bps":100,"cpu_user_s":1,"cpu_sys_s":0,"peak_rss_kb":1000,"latency_samples":1000,"latency_ms":{"p50":100,"p95":200,"p99":300,"max":400}}
{"type":"summary","label":"s","mode":"streaming","command":"sh -c x","exit_status":143,"records":null,"bytes":null,"start":"2024-05-01T11:00:00.000Z","end":"2024-05-01T11:00:21.000Z","processing_s":21,"throughput_rps":null,"throughput_bps":null,"cpu_user_s":2,"cpu_sys_s":1,"peak_rss_kb":5000,"max_single_rss_kb":3000,"samples":210,"latency_ms":null}
LOG
tw-perf report --format json "$T/old.log" | python3 -c 'import json, sys
d = json.load(sys.stdin)
assert d["bad_lines"] == 0 and len(d["runs"]) == 1, d
r = d["runs"][0]
assert r["records"] == 1000 and r["mode"] == "streaming", r     # as the old run record said
assert r["age_ms"] == {"p50": 100, "p95": 200, "p99": 300, "max": 400} and r["latency_ms"] is None, r' 2> "$T/old.err" &&
    ok "old logs: load; their latency_ms is read as the data age, the latency is unknown" || not_ok "old logs load" "$(cat "$T/old.err")"

# --- report on real records, and the man page example ---
tw-perf --label batch -o "$T/both.log" "$T/10k" > /dev/null
tw-perf run --label streaming -o "$T/both.log" -- sh -c "tw-perf --label streaming -o '$T/both.log' '$T/10k' > /dev/null"
tw-perf report "$T/both.log" > "$T/rep.out"
contains "report: batch vs streaming side by side" "$T/rep.out" "Batch vs streaming (batch: batch, streaming: streaming)"
check "report: a job labelled streaming that read a file is paired as streaming, its mode batch" \
    grep -Eq '^mode +batch +batch' "$T/rep.out"
tw-perf report --format json "$T/both.log" | python3 -c 'import json,sys
d = json.load(sys.stdin)
assert len(d["runs"]) == 2, d["runs"]
s = d["runs"][1]
assert s["records"] == 10000 and s["command"] and s["peak_rss_kb"] > 0, s' && ok "report: a run summary takes its inner meter's records" || not_ok "report: run and meter merge"

# --- the EXAMPLES of tw-perf(1) ---
if command -v tw-gen > /dev/null 2>&1 && command -v tw-flatten > /dev/null 2>&1; then
	(cd "$T" && tw-gen -n 1000 | tw-perf --label batch --every 5s -o perf.log |
	    tw-flatten > tweets.ndjson &&
	tw-gen -n 1000 > tweets.json &&
	tw-perf run -m --label batch -o perf.log -- sh -c \
	    'tw-flatten | tw-agg -w 1m -g lang -a count >/dev/null' < tweets.json &&
	tw-perf run --label batch -o perf.log -- sh -c \
	    'tw-gen -n 1000 | tw-perf --label batch -o perf.log | tw-flatten >/dev/null' &&
	tw-gen --rate 2000 --duration 1s | tw-perf --label streaming -o perf.log |
	    tw-flatten >/dev/null &&
	tw-perf report --format markdown --svg charts perf.log > ex.md) 2> "$T/ex.err"
	contains "examples: report of a metered pipeline" "$T/ex.md" "| batch "
	check "examples: every batch run has its tweets (three of 1000), the stream is streaming" \
	    sh -c "test \$(grep -Ec '^\\| batch +\\| batch +\\| +1000 \\|' '$T/ex.md') = 3 && grep -Eq '^\\| streaming +\\| streaming +\\| +2000 \\|' '$T/ex.md'"
	check "examples: charts are XML" python3 -c 'import sys, xml.etree.ElementTree as E
[E.parse(f) for f in sys.argv[1:]]' "$T/charts/throughput.svg" "$T/charts/memory.svg"
else
	skip "examples" "tw-gen or tw-flatten not built"
fi
