#!/bin/sh
# tw-flatten in a live stream: prompt output at low rates, signals, rejects.
. "$TW_ROOT/tests/lib.sh"

cat > "$T/stream.py" <<'PY'
import os, select, signal, subprocess, sys, time
line = b'{"data":{"id":"%d","text":"hello"}}\n'
def start(*args):
    return subprocess.Popen(['tw-flatten', '-f', 'id', *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
def read_line(p, timeout=5):
    r, _, _ = select.select([p.stdout], [], [], timeout)
    if not r:
        return None
    return p.stdout.readline()
mode = sys.argv[1]
if mode == 'prompt':
    p = start()
    for i in range(3):
        p.stdin.write(line % i); p.stdin.flush()
        got = read_line(p)
        assert got == b'{"id":"%d"}\n' % i, ('record %d not delivered while input open' % i, got)
    p.stdin.close(); assert p.wait(5) == 0
elif mode in ('TERM', 'INT'):
    p = start()
    p.stdin.write(line % 1); p.stdin.flush()
    assert read_line(p) == b'{"id":"1"}\n'
    p.send_signal(getattr(signal, 'SIG' + mode))
    rc = p.wait(5)
    assert rc == -getattr(signal, 'SIG' + mode), rc
    assert p.stderr.read() == b'', 'no message on a signal'
elif mode == 'rejects':
    rej = sys.argv[2]
    p = start('--rejects', rej)
    p.stdin.write(b'{"broken\n'); p.stdin.write(line % 2); p.stdin.flush()
    assert read_line(p) == b'{"id":"2"}\n'
    for _ in range(50):
        if os.path.exists(rej) and open(rej, 'rb').read() == b'{"broken\n':
            break
        time.sleep(0.1)
    else:
        raise SystemExit('rejects file not written while the stream is open')
    p.stdin.close(); assert p.wait(5) == 0
elif mode == 'blocks':
    # At a high rate output comes in large writes: count write calls.
    pass
PY
check "a record leaves at once while the input stays open" python3 "$T/stream.py" prompt
check "SIGTERM: output flushed, killed by the signal, no noise" python3 "$T/stream.py" TERM
check "SIGINT: the same" python3 "$T/stream.py" INT
check "rejects reach the file while the stream is open" python3 "$T/stream.py" rejects "$T/rej.txt"

# A later stage that ends is seen at once while the input is quiet (its
# writer, e.g. a Kafka consumer waiting for messages, would otherwise keep
# the whole pipeline alive): tw-flatten ends as by a closed pipe, and so does
# tw-perf's meter (at its next tick). The input FIFO stays open and silent.
mkfifo "$T/quiet"
sleep 60 > "$T/quiet" &
QW=$!
s0=$(date +%s)
{ tw-flatten < "$T/quiet"; echo $? > "$T/flat.st"; } | true
eq "tw-flatten, quiet input, reader gone: ends at once as by SIGPIPE (status, seconds)" \
    "$(cat "$T/flat.st") $(($(date +%s) - s0 < 3))" "141 1"
s0=$(date +%s)
{ tw-perf --every 1s -o /dev/null < "$T/quiet"; echo $? > "$T/perf.st"; } | true
eq "tw-perf's meter: the same within its tick" "$(cat "$T/perf.st") $(($(date +%s) - s0 < 4))" "141 1"
s0=$(date +%s)
{ tw-flatten < "$T/quiet" > "$T/file.out" & F=$!; sleep 1; kill -0 $F; echo $? > "$T/file.st"; kill $F; }
eq "... but output to a file is not watched (it runs on)" "$(cat "$T/file.st")" 0
kill $QW 2> /dev/null

# At a high rate, output is written in large blocks (strace counts writes).
if command -v strace > /dev/null 2>&1; then
	for i in 1 2 3 4 5 6 7 8; do cat "$C/twarc-csv/withheld.jsonl"; done > "$T/big.jsonl"
	# LeakSanitizer cannot run under ptrace: it stops with an error.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -e trace=write -o "$T/strace" tw-flatten "$T/big.jsonl" > "$T/big.out"
	writes=$(grep -c '^[0-9]* *write(1,' "$T/strace")
	bytes=$(wc -c < "$T/big.out")
	check "high rate: stdout written in blocks of >= 64 KiB ($writes writes for $bytes bytes)" \
		test $((bytes / writes)) -ge 65536
else
	skip "large output blocks" "strace not installed"
fi
