#!/bin/sh
# tw-perf: the meter passes bytes through unchanged and measures them;
# run measures a command; signals, write errors, promptness, latency.
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
eq "mode: batch at end of input" "$(field "$T/empty.log" mode)" batch
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
tw-perf -l ten -o "$T/10k.log" "$T/10k" > /dev/null
eq "counts: 10000 records, bytes, label" "$(field "$T/10k.log" records) $(field "$T/10k.log" bytes) $(field "$T/10k.log" label)" "10000 $(wc -c < "$T/10k") ten"
python3 - "$T/10k.log" <<'PY' && ok "rates: throughput = records / processing_s" || not_ok "rates: throughput = records / processing_s"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
t = s["processing_s"]
assert t > 0 and abs(s["throughput_rps"] * t - s["records"]) <= 0.02 * s["records"] + 1, s
assert abs(s["throughput_bps"] * t - s["bytes"]) <= 0.02 * s["bytes"] + 1, s
for k in ("start", "end", "cpu_user_s", "cpu_sys_s", "peak_rss_kb"): assert k in s, k
PY

# --- latency from known event times ---
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
python3 - "$T/lat.log" <<'PY' && ok "latency: p50, p95, p99, max from ts, data.created_at, timestamp_ms" || not_ok "latency: p50/p99/max wrong" "$(tail -1 "$T/lat.log")"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
l = s["latency_ms"]
assert s["latency_samples"] == 1000, s   # the user record has no event time
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
assert s["records"] == 300 and s["latency_samples"] == 300, s
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
assert 150 <= s["latency_samples"] <= 400, s   # 195 from the 1-in-1024 rule
PY

# --- stats every --every, from a slow producer ---
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "{\"i\":$i}"; sleep 0.1; done |
	tw-perf -l slow -e 200ms -o "$T/slow.log" > "$T/slow.out"
python3 - "$T/slow.log" <<'PY' && ok "stats: a record every --every 200ms" || not_ok "stats: every 200ms" "$(head -c 300 "$T/slow.log")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
st = [x for x in r if x["type"] == "stats"]
assert 4 <= len(st) <= 10, len(st)
assert r[-1]["type"] == "summary" and r[-1]["records"] == 12
for x in st:
    for k in ("label", "time", "elapsed_s", "records", "bytes", "rate_rps", "rate_bps", "latency_ms"): assert k in x, k
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
	sh -c 'echo $$ > "$1/term.pid"; exec tw-perf -l live -o "$1/term.log"' sh "$T" > "$T/term.out"
	echo $? > "$T/term.rc") &
# Once both records have gone through (passed on when the input idles).
two_lines() { [ "$(wc -l < "$T/term.out" 2> /dev/null || echo 0)" -ge 2 ] && [ -s "$T/term.pid" ]; }
wait_for 30 two_lines
kill -TERM "$(cat "$T/term.pid")"
wait
eq "SIGTERM: dies by the signal" "$(cat "$T/term.rc")" 143
eq "SIGTERM: summary, mode streaming" "$(field "$T/term.log" mode) $(field "$T/term.log" records)" "streaming 2"

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
tw-perf run -l lbl -o "$T/run.log" -- sh -c 'head -c 3000000 /dev/zero > /dev/null'
python3 - "$T/run.log" <<'PY' && ok "run: summary record fields, I/O of exited children" || not_ok "run: summary record" "$(tail -1 "$T/run.log")"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["type"] == "summary" and s["label"] == "lbl" and s["mode"] == "batch"
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
	tw-perf run -o "$T/two.log" -- sh -c "python3 -c '$PY' & python3 -c '$PY'; wait"
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
eq "run: SIGTERM passed to the command" "$(cat "$T/rterm.rc") $(field "$T/rterm.log" mode)" "143 streaming"

# --- report on real records, and the man page example ---
tw-perf -l batch -o "$T/both.log" "$T/10k" > /dev/null
tw-perf run -l streaming -o "$T/both.log" -- sh -c "tw-perf -l streaming -o '$T/both.log' '$T/10k' > /dev/null"
tw-perf report "$T/both.log" > "$T/rep.out"
contains "report: batch vs streaming side by side" "$T/rep.out" "Batch vs streaming (batch: batch, streaming: streaming)"
tw-perf report -f json "$T/both.log" | python3 -c 'import json,sys
d = json.load(sys.stdin)
assert len(d["runs"]) == 2, d["runs"]
s = d["runs"][1]
assert s["records"] == 10000 and s["command"] and s["peak_rss_kb"] > 0, s' && ok "report: a run summary takes its inner meter's records" || not_ok "report: run and meter merge"

# --- the EXAMPLES of tw-perf(1) ---
if command -v tw-gen > /dev/null 2>&1 && command -v tw-flatten > /dev/null 2>&1; then
	(cd "$T" && tw-gen -n 1000 | tw-perf -l batch -e 5s -o perf.log |
	    tw-flatten > tweets.ndjson &&
	tw-perf run -l batch -o perf.log -- sh -c \
	    'tw-gen -n 1000 | tw-perf -l batch -o perf.log | tw-flatten >/dev/null' &&
	tw-perf report -f markdown --svg charts perf.log > ex.md) 2> "$T/ex.err"
	contains "examples: report of a metered pipeline" "$T/ex.md" "| batch "
	check "examples: charts are XML" python3 -c 'import sys, xml.etree.ElementTree as E
[E.parse(f) for f in sys.argv[1:]]' "$T/charts/throughput.svg" "$T/charts/memory.svg"
else
	skip "examples" "tw-gen or tw-flatten not built"
fi
