#!/bin/sh
# Fault injection: allocation failure at every allocation of a small run of
# each tool, input truncated at every byte, a read error mid-file, SIGKILL
# against tw-agg's state file.
. "$TW_ROOT/tests/lib.sh"
if [ -n "${TW_SANITIZED:-}" ]; then
	skip "fault injection" "runs in the normal build (the sanitizers have their own allocator)"
	exit 0
fi
if [ -n "${TW_VALGRIND:-}" ]; then
	skip "fault injection" "runs in the normal build (the allocation hook cannot reach through valgrind)"
	exit 0
fi
cc -shared -fPIC -O2 -o "$T/fail.so" "$TW_ROOT/tests/fault/failalloc.c" -ldl || {
	not_ok "build the fault hook"
	exit 0
}
cd "$T" || exit 1
head -3 "$C/twarc-csv/streaming_output_with_error.jsonl" > small.json
tw-flatten -t all small.json > star.ndjson
tw-flatten small.json > flat.ndjson

# 1. Fail the Nth allocation, for every N: the only acceptable outcomes are
# success with the normal output, or the one out-of-memory message (or
# another clean error) with status 1 and output that is a prefix of the
# normal output. Never a crash.
alloc_test() { # name command...
	name=$1
	shift
	"$@" > want.out 2> /dev/null
	TW_FAIL_COUNT=$T/count LD_PRELOAD=$T/fail.so "$@" > /dev/null 2>&1
	total=$(cat "$T/count")
	# Every allocation for small runs; evenly spaced ones (300) for larger.
	step=$((total / 300 + 1))
	bad=""
	n=1
	while [ "$n" -le "$total" ]; do
		TW_FAIL_ALLOC=$n LD_PRELOAD=$T/fail.so "$@" > got.out 2> got.err
		rc=$?
		if [ $rc -eq 0 ]; then
			cmp -s got.out want.out || bad="$bad #$n:output-differs"
		elif [ $rc -eq 1 ]; then
			grep -q "out of memory" got.err || bad="$bad #$n:no-oom-message"
			# A prefix of the real output: nothing corrupt was written.
			head -c "$(wc -c < got.out)" want.out | cmp -s - got.out || bad="$bad #$n:corrupt"
		else
			bad="$bad #$n:status-$rc"
		fi
		n=$((n + step))
	done
	if [ -z "$bad" ] && [ "$total" -gt 3 ]; then
		ok "allocation failure at $(( (total + step - 1) / step )) of $total allocations: $name"
	else
		not_ok "allocation failure: $name" "$total allocations;$(echo "$bad" | cut -c1-200)"
	fi
}
alloc_test "tw-flatten -t all" tw-flatten -t all small.json
alloc_test "tw-agg" tw-agg -w 1m -g lang -a count,distinct:author_id,top:hashtags:3,p50:engagement,first:id flat.ndjson
alloc_test "tw-gen" tw-gen -n 20 --seed 1
alloc_test "tw-load sqlite" tw-load star.ndjson
tw-agg -g lang -a count flat.ndjson > agg.ndjson 2>/dev/null
alloc_test "tw-plot" tw-plot bar -x lang -y count agg.ndjson
alloc_test "tw-load mysql" tw-load -d mysql star.ndjson
alloc_test "tw-load postgres --bulk" tw-load -d postgres --bulk -t tweets flat.ndjson
alloc_test "tw-load --csv" tw-load --csv -t tweets flat.ndjson
alloc_test "tw-gen v1" tw-gen -n 10 --seed 2 --format v1
alloc_test "tw-perf meter" tw-perf -o /dev/null flat.ndjson
tw-agg -w 1m -g lang -a count,distinct:author_id,top:hashtags:3 --partial flat.ndjson > part.ndjson 2>/dev/null
alloc_test "tw-agg --merge" tw-agg -w 1m -g lang -a count,distinct:author_id,top:hashtags:3 --merge part.ndjson
# The Parquet writer (through its test driver): small row groups so that
# some are written before the failure; zstd and gzip state comes from our
# allocator too. (snappy allocates through C++ new, which aborts: not here.)
tw-gen -n 40 --seed 3 | tw-flatten > pq.ndjson
alloc_test "pqwrite zstd" pqwrite -c zstd -g 8k -p 2k pq.ndjson
alloc_test "pqwrite gzip, inferred and widened" pqwrite -c gzip -g 1k agg.ndjson part.ndjson
alloc_test "pqwrite none, every record type" pqwrite -c none -g 4k star.ndjson
# Compressed input: the decoders, and the decode thread (whose own
# allocation failures come back to the tool's thread as the one message).
gzip -c small.json > small.json.gz
zstd -q -c small.json > small.json.zst
alloc_test "tw-flatten on gzip input (decode thread)" tw-flatten -t all small.json.gz
alloc_test "tw-flatten on zstd input (decode thread)" tw-flatten -t all small.json.zst
alloc_test "tw-flatten on zstd input (inline)" env TW_READER_THREAD=0 tw-flatten -t all small.json.zst
# The compressor, through the test driver of tests/integration/codec.sh.
if cc -O2 -I"$TW_ROOT/lib" -o zwrite "$TW_ROOT/tests/zwrite.c" "$TW_BUILD/libtw.a" \
    -lisal -lzstd -lz -lm -lpthread 2> /dev/null; then
	alloc_test "tw_zout gzip" ./zwrite gzip 0 1000 flat.ndjson
	alloc_test "tw_zout zstd" ./zwrite zstd 0 1000 flat.ndjson
else
	not_ok "tests/zwrite.c builds"
fi

# The partition writer out of memory, for every codec and for Parquet
# (zstd and none: snappy allocates through C++ new, which aborts): status 1
# with the message, and no temporary part left (the die hook removes
# them); published parts whole.
for fo in "--codec gzip" "--codec zstd" "--codec none" "--format parquet --codec zstd" "--format parquet --codec none"; do
	TW_FAIL_COUNT=$T/count LD_PRELOAD=$T/fail.so tw-load -p 'l=%{lang}' -o pa $fo star.ndjson > /dev/null 2>&1
	total=$(cat "$T/count")
	step=$((total / 200 + 1))
	bad=
	n=1
	while [ "$n" -le "$total" ]; do
		rm -rf pa
		TW_FAIL_ALLOC=$n LD_PRELOAD=$T/fail.so tw-load -p 'l=%{lang}' -o pa $fo star.ndjson > /dev/null 2> pa.err
		rc=$?
		[ $rc = 0 ] || { [ $rc = 1 ] && grep -q "out of memory" pa.err; } || bad="$bad #$n:status-$rc"
		[ -z "$(find pa -name '.part-*' 2> /dev/null)" ] || bad="$bad #$n:temp-left"
		for f in $(find pa -name 'part-*.gz' 2> /dev/null); do gzip -t "$f" 2> /dev/null || bad="$bad #$n:torn"; done
		for f in $(find pa -name 'part-*.zst' 2> /dev/null); do zstd -q -t "$f" 2> /dev/null || bad="$bad #$n:torn"; done
		for f in $(find pa -name 'part-*.parquet' 2> /dev/null); do
			[ "$(head -c 4 "$f")$(tail -c 4 "$f")" = PAR1PAR1 ] || bad="$bad #$n:torn"
		done
		n=$((n + step))
	done
	eq "allocation failure at $(( (total + step - 1) / step )) of $total allocations: tw-load -p $fo leaves no temporary part" "$bad" ""
done

# Out of file descriptors: the partition writer publishes a part and goes
# on, nothing is lost.
python3 -c "
import json
for i in range(3000): print(json.dumps({'ts': 1700000000000 + i, 'v': 'v%d' % (i % 500)}))" > many.ndjson
(ulimit -n 40; tw-load -p 'v=%{v}' -o fd many.ndjson 2> fd.err)
eq "few descriptors (ulimit -n 40, 500 partitions): status 0, every record written" \
    "$?|$(zcat $(find fd -name 'part-*.gz') | wc -l)" "0|3000"

# 2. Input cut at every byte: no crash, and the cut line is named.
printf '%s\n' '{"data":{"id":"1","text":"one \u00e9 \ud83d\ude02","created_at":"2024-01-01T00:00:00.000Z","author_id":"7"},"includes":{"users":[{"id":"7","username":"x"}]}}' \
	'{"data":{"id":"2","text":"two","created_at":"2024-01-01T00:00:01.000Z"}}' \
	'{"data":{"id":"3","text":"three","created_at":"2024-01-01T00:00:02.000Z"}}' > sample.json
size=$(wc -c < sample.json)
bad=""
i=0
while [ $i -lt "$size" ]; do
	head -c $i sample.json > cut.json
	tw-flatten cut.json > cut.out 2> cut.err
	rc=$?
	# Lines fully inside the cut are flattened; a cut line is reported by number.
	full=$(head -c $i sample.json | tr -cd '\n' | wc -c)
	# A cut just before a newline leaves a whole last line: a record too.
	whole=0
	[ "$(head -c $((i + 1)) sample.json | tail -c 1 | od -An -c | tr -d ' ')" = '\n' ] && whole=1
	# Status 0, or 1 when the only line is the cut one (no line usable).
	want_rc=0
	[ $((full + whole)) -eq 0 ] && [ $i -gt 0 ] && want_rc=1
	[ $rc -ne $want_rc ] && bad="$bad flatten@$i:status-$rc"
	[ "$(wc -l < cut.out)" -eq $((full + whole)) ] || bad="$bad flatten@$i:records"
	if [ $i -gt 0 ] && [ $whole = 0 ] && [ "$(tail -c 1 cut.json | od -An -c | tr -d ' ')" != '\n' ]; then
		grep -q "cut.json:$((full + 1)): " cut.err || bad="$bad flatten@$i:line-not-named"
	fi
	tw-flatten sample.json 2>/dev/null | head -c $i | tw-agg -w 1m -a count > /dev/null 2>&1
	rc=$?
	[ $rc -gt 1 ] && bad="$bad agg@$i:status-$rc"
	i=$((i + 1))
done
if [ -z "$bad" ]; then ok "input cut at each of $size bytes: no crash, the cut line named"
else not_ok "input cut at every byte" "$(echo "$bad" | cut -c1-300)"; fi

# 3. A file that becomes unreadable in the middle (read() fails with EIO).
for i in $(seq 1 3000); do cat small.json; done > big.json
TW_FAIL_READ=2 LD_PRELOAD=$T/fail.so tw-flatten -f id big.json > eio.out 2> eio.err
rc=$?
eq "read error mid-file: status 1" "$rc" 1
contains "  ... named with its file" eio.err "big.json: read error: Input/output error"
check "  ... and what was read before it is flattened" test "$(wc -l < eio.out)" -gt 30

# ... and in a compressed file, read by the decode thread: the lines
# before it, then the error named, status 1.
tw-gen -n 20000 --seed 3 > many.json
zstd -q -c many.json > many.json.zst
gzip -c many.json > many.json.gz
for z in zst gz; do
	TW_FAIL_READ=4 LD_PRELOAD=$T/fail.so tw-flatten -f id many.json.$z > eio.out 2> eio.err
	rc=$?
	eq "read error mid-file in a .$z file (decode thread): status 1" "$rc" 1
	contains "  ... named with its file" eio.err "many.json.$z: read error: Input/output error"
	check "  ... and what was decoded before it is flattened" test "$(wc -l < eio.out)" -gt 1000
done

# ... and tw-load's syncs of a set of parts (syncfs): when syncfs fails,
# each part is fsynced alone and all land; when one of those fsyncs
# fails too, that part is named and removed, the others land, status 1.
# At a stream mark alike: the parts are fsynced one by one, then acked.
python3 -c "
import json
for i in range(100): print(json.dumps({'ts': 1700000000000 + i, 'v': 'v%d' % (i % 10), 'i': i}))" > sync10.ndjson
TW_FAIL_SYNCFS=1 TW_LOAD_TRACE=$T/sf.trace LD_PRELOAD=$T/fail.so tw-load -p 'v=%{v}' -o sf sync10.ndjson 2> sf.err
eq "syncfs fails: status 0, all ten parts published, each fsynced alone" \
	"$?:$(find sf -name 'part-*' | wc -l | tr -d ' '):$(grep -c 'synced-together' sf.trace):$(grep -c 'syncfs failed' sf.trace)" "0:10:0:1"
eq "  ... every record landed" "$(find sf -name 'part-*' | xargs zcat | sort | md5sum)" "$(sort sync10.ndjson | md5sum)"
TW_FAIL_SYNCFS=1 TW_FAIL_FSYNC='v=v3/.part-' LD_PRELOAD=$T/fail.so tw-load -p 'v=%{v}' -o sf2 sync10.ndjson 2> sf2.err
eq "syncfs and then one part's fsync fail: status 1, nine parts published, no temporary file left" \
	"$?:$(find sf2 -name 'part-*' | wc -l | tr -d ' '):$(find sf2 -name '.*' -type f | wc -l | tr -d ' ')" "1:9:0"
contains "  ... the part named" sf2.err ".tmp: fsync failed: Input/output error"
eq "  ... the other nine partitions' records landed" "$(find sf2 -name 'part-*' | xargs zcat | wc -l | tr -d ' ')" 90
# libsnappy is loaded when the first snappy Parquet file is opened: when
# it is not installed, tw-load names it and ends with status 1, leaving
# no file; other codecs never load it.
mkdir ns
TW_FAIL_DLOPEN=libsnappy LD_PRELOAD=$T/fail.so tw-load --format parquet -o ns/one.parquet sync10.ndjson 2> ns.err
eq "libsnappy missing: snappy Parquet ends with status 1, no file left" "$?:$(ls -A ns | wc -l | tr -d ' ')" "1:0"
contains "  ... the library named" ns.err "cannot load libsnappy.so.1 (snappy)"
TW_FAIL_DLOPEN=libsnappy LD_PRELOAD=$T/fail.so tw-load -p 'v=%{v}' -o ns/lake --format parquet sync10.ndjson 2> /dev/null
eq "  ... partitioned: status 1, no part and no temporary file" "$?:$(find ns -type f | wc -l | tr -d ' ')" "1:0"
TW_FAIL_DLOPEN=libsnappy LD_PRELOAD=$T/fail.so tw-load --format parquet --codec zstd -o ns/z.parquet sync10.ndjson 2> /dev/null
eq "  ... zstd Parquet does not need it" "$?:$(find ns -type f -name z.parquet -size +0 | wc -l | tr -d ' ')" "0:1"
head -20 sync10.ndjson | grep '"v[01]"' > sync2.ndjson
TW_FAIL_FSYNC='sf3/lake$' LD_PRELOAD=$T/fail.so tw-load -p 'v=%{v}' -o sf3/lake sync2.ndjson 2> sf3.err
eq "the fsync of a directory a partition was made in fails: status 1, nothing published" \
	"$?:$(find sf3 -name 'part-*' | wc -l | tr -d ' ')" "1:0"
contains "  ... the directory named" sf3.err "fsync of the directory failed: Input/output error"
{ cat sync10.ndjson; echo '{"twpipe_mark":"t/0.100"}'; } > sync10m.ndjson
TW_FAIL_SYNCFS=1 TW_LOAD_TRACE=$T/sfm.trace LD_PRELOAD=$T/fail.so tw-load -p 'v=%{v}' -o sfm --acks sfm.acks sync10m.ndjson 2> /dev/null
eq "syncfs fails at a mark: the ten parts synced one by one, then the mark acknowledged" \
	"$?:$(grep -c ' mark 1: 10 parts synced one by one' sfm.trace):$(cat sfm.acks)" '0:1:{"twpipe_mark":"t/0.100"}'

# 4. SIGKILL in a loop against tw-agg --state --checkpoint, on records
# with Kafka positions (3 partitions; some messages give two records at
# one offset). Every run replays the input from its start, as a consumer
# restarted from an old commit would, paced so that the kill lands
# mid-stream. After each kill the state file is whole and loads; at the
# end, the windows written by all the runs, each taken once, are exactly
# those of one uninterrupted run: nothing lost, nothing counted twice.
python3 "$TW_ROOT/tests/agg_ref.py" gen 20000 5 0 0 | python3 "$TW_ROOT/tests/kafka_pos.py" > ev.ndjson
AG="-w 1m -g lang -a count,distinct:author_id,sum:engagement"
tw-agg $AG ev.ndjson | sort > one.sorted
split -l 250 ev.ndjson chunk.
feed() { for f in chunk.*; do cat "$f" || return; sleep 0.01; done; }
rm -f st.json all.out
bad=""
k=0
while [ $k -lt 10 ]; do
	k=$((k + 1))
	feed | tw-agg $AG --state st.json --checkpoint 30ms >> all.out 2> /dev/null &
	pid=$!
	sleep "0.$((k % 8 + 1))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if [ -f st.json ]; then
		python3 -c "
import json, sys
lines = open('st.json').read().split('\\n')
assert lines[-1] == '', 'no final newline'
h = json.loads(lines[0]); assert h['twpipe_agg_state'] == 2
assert json.loads(lines[-2])['twpipe_agg_state_end'] == len(lines) - 3
for l in lines[1:-1]: json.loads(l)
" 2>/dev/null || bad="$bad kill$k:corrupt"
		tw-agg $AG --state st.json < /dev/null > /dev/null 2>&1 ||
			bad="$bad kill$k:restart-failed"
	fi
	# A save cut by the kill leaves its temp name; the next run removes it.
done
feed | tw-agg $AG --state st.json --flush >> all.out 2> /dev/null
check "  ... and no temporary state file is left behind" sh -c '! ls st.json.tmp.* 2> /dev/null | grep -q .'
eq "SIGKILL x10 against tw-agg --state --checkpoint: the state file is always whole" "$bad" ""
sort -u all.out > all.sorted
same "  ... and the restarts together equal one run (nothing lost or counted twice)" one.sorted all.sorted
check "  ... the kills landed mid-stream (windows were written more than once)" \
	test "$(wc -l < all.out)" -gt "$(wc -l < one.sorted)"

# A full disk under a file a tool appends to (a meter log, a rejects
# file): the write that fails is cut back, so the file ends with a whole
# record, and the next run's records are not glued to half of one.
if [ "$(id -u)" = 0 ] && mkdir -p tiny && mount -t tmpfs -o size=64k tmpfs tiny 2> /dev/null; then
	tw-gen -n 300 --seed 4 > small.ndjson
	n=0
	while [ $n -lt 40 ] && tw-perf -o tiny/p.log small.ndjson > /dev/null 2>&1; do n=$((n + 1)); done
	python3 - tiny/p.log <<'PY' > torn.out 2>&1
import json, sys
raw = open(sys.argv[1], 'rb').read()
assert raw.endswith(b'\n'), 'the log ends inside a record'
for l in raw.split(b'\n')[:-1]:
    json.loads(l)
PY
	eq "full disk under tw-perf -o LOG: the log still ends with a whole record ($n runs fitted)" "$(cat torn.out)" ""
	rm -f tiny/*
	head -c 40000 /dev/zero | tr '\0' 'x' > tiny/fill
	yes 'not json at all, a bad line of some length to fill the disk' | head -3000 |
	    tw-flatten -q -r tiny/rej > /dev/null 2> rej.err
	eq "full disk under the rejects file: status 1" "$?" 1
	check "  ... the rejects file ends with a whole line" sh -c '[ ! -s tiny/rej ] || [ "$(tail -c 1 tiny/rej | od -An -c | tr -d " ")" = "\n" ]'
	umount tiny
else
	skip "full disk under an appended file" "cannot mount a tmpfs (not root)"
fi

# --help and --version are output too: on /dev/full, status 1.
bad=
for t in tw-gen tw-flatten tw-agg tw-load tw-perf tw-plot; do
	for o in --help --version; do
		$t $o > /dev/full 2> /dev/null
		[ $? = 1 ] || bad="$bad $t$o"
	done
done
tw-gen fetch --help > /dev/full 2> /dev/null || [ $? != 1 ] || :
tw-gen fetch --help > /dev/full 2> /dev/null; [ $? = 1 ] || bad="$bad tw-gen-fetch--help"
eq "--help and --version on /dev/full: status 1 for every tool" "$bad" ""

# SIGKILL x5 against tw-load's partition writer, each run fed the whole
# input again (as a replaying source does): after every kill each visible
# part is a complete gzip, the next run salvages the dead run's temporary
# parts (publishes their whole records, removes them), and the runs
# together lose nothing.
tw-gen -n 4000 --seed 12 | tw-flatten -q > pk.ndjson
rm -rf pk
bad=
for k in 1 2 3 4 5; do
	python3 -c "
import sys, time
data = open('pk.ndjson', 'rb').read().splitlines(True)
for i in range(0, len(data), 200):
    sys.stdout.buffer.write(b''.join(data[i:i + 200])); sys.stdout.flush(); time.sleep(0.02)
" 2> /dev/null | tw-load -p 'lang=%{lang}' -o pk --roll 100ms 2> pk.err.$k &
	# $! is the pipeline's last process, this tw-load (not another test's).
	pk=$!
	sleep "0.$((k * 7 % 9 + 1))"
	kill -KILL $pk 2> /dev/null
	wait 2> /dev/null
	for f in $(find pk -name 'part-*.gz'); do gzip -t "$f" 2> /dev/null || bad="$bad kill$k:$f"; done
	[ $k -gt 1 ] && ! grep -q -e 'salvaged [0-9]* records' -e 'removed [0-9]* temporary' pk.err.$k && [ -n "$(cat pk.tmps.$((k - 1)) 2> /dev/null)" ] && bad="$bad kill$k:not-cleaned"
	# Each salvaged part bears the name its dead writer would have used.
	for f in $(cat pk.tmps.$((k - 1)) 2> /dev/null); do
		[ -e "$f" ] && bad="$bad kill$k:left:$f"
		g=$(dirname "$f")/$(basename "$f" .tmp | sed 's/^\.//')
		[ -e "$g" ] || grep -q 'removed' pk.err.$k || bad="$bad kill$k:not-salvaged:$g"
	done
	find pk -name '.part-*.tmp' > pk.tmps.$k
done
tw-load -p 'lang=%{lang}' -o pk pk.ndjson 2> pk.err.last
eq "SIGKILL x5 against tw-load -p: every visible part complete, stale temp parts salvaged" "$bad" ""
eq "  ... no temporary part left after a clean run" "$(find pk -name '.part-*' | wc -l)" 0
zcat $(find pk -name 'part-*.gz') | tw-flatten -q -f id | sort -u > pk.got
tw-flatten -q -f id pk.ndjson | sort -u > pk.want
same "  ... every record is in some published part (nothing lost)" pk.want pk.got
# A dead writer whose pid went to another program (pids wrap around): its
# part is still salvaged, as the writer's lock is gone. Here the "writer"
# pid is this shell's, which runs.
mkdir -p reuse/lang=en
h=$(hostname)
printf '{"id":"1","lang":"en","text":"a"}\n{"id":"2","lang":"en","text":"b"}\n' | gzip -c \
	> "reuse/lang=en/.part-1700000000000-$h-$$-1.ndjson.gz.tmp"
touch -d '1 minute ago' "reuse/lang=en/.part-1700000000000-$h-$$-1.ndjson.gz.tmp"	# not one being created
tw-load -p 'lang=%{lang}' -o reuse < /dev/null 2> reuse.err
eq "a dead writer's part whose pid runs another program is salvaged" \
    "$(zcat reuse/lang=en/part-1700000000000-$h-$$-1.ndjson.gz 2> /dev/null | wc -l | tr -d ' '):$(find reuse -name '.part-*' | wc -l | tr -d ' ')" "2:0"
# Its lock alone says whether its writer lives, even for a part just
# written (a killed writer's parent may not have reaped it yet, so its pid
# "runs"): a locked part is left alone, the same part unlocked is salvaged
# at once. And a writer publishes a part (renames it) before it lets the
# lock go.
printf '{"id":"3","lang":"en","text":"c"}\n' | gzip -c > "reuse/lang=en/.part-1700000000001-$h-$$-2.ndjson.gz.tmp"
flock -o "reuse/lang=en/.part-1700000000001-$h-$$-2.ndjson.gz.tmp" sleep 30 &
FL=$!
wait_for 5 sh -c "! flock -n 'reuse/lang=en/.part-1700000000001-$h-$$-2.ndjson.gz.tmp' true"
tw-load -p 'lang=%{lang}' -o reuse < /dev/null 2> reuse2.err
eq "a live writer's part (locked) is left alone" "$(find reuse -name '.part-*2.ndjson.gz.tmp' | wc -l | tr -d ' ')" 1
kill $FL
wait $FL 2> /dev/null
# A writer still dying when the next tw-load starts (its lock not yet
# gone): that tw-load watches the part and salvages it once the lock goes,
# while it runs.
printf '{"id":"4","lang":"en","text":"d"}\n' | gzip -c > "reuse/lang=en/.part-1700000000002-$h-$$-3.ndjson.gz.tmp"
flock -o "reuse/lang=en/.part-1700000000002-$h-$$-3.ndjson.gz.tmp" sleep 30 &
FL=$!
wait_for 5 sh -c "! flock -n 'reuse/lang=en/.part-1700000000002-$h-$$-3.ndjson.gz.tmp' true"
{ sleep 3; echo '{"id":"5","lang":"de","text":"e"}'; sleep 1; } | tw-load -p 'lang=%{lang}' -o reuse 2> reuse4.err &
LW=$!
sleep 1
kill $FL
wait $FL 2> /dev/null
wait $LW
eq "a part whose writer was still dying at the start is salvaged by the running tw-load once its lock goes" \
    "$(zcat reuse/lang=en/part-1700000000002-$h-$$-3.ndjson.gz 2> /dev/null | wc -l | tr -d ' '):$(grep -c 'still held' reuse4.err)" "1:1"
tw-load -p 'lang=%{lang}' -o reuse < /dev/null 2> reuse3.err
eq "... and salvaged as soon as the lock is free, a second old" \
    "$(zcat reuse/lang=en/part-1700000000001-$h-$$-2.ndjson.gz 2> /dev/null | wc -l | tr -d ' '):$(find reuse -name '.part-*' | wc -l | tr -d ' ')" "1:0"

# SIGTERM while a tw-load salvages a dead writer's part (a collector
# restarted and stopped again at once, as hive.sh's kill loop does): the
# salvage is finished before it stops, never cut short. (It was: the
# reader took the signal for the end of the file, and the part was
# published with the records read so far, or removed as empty, and the
# rest lost.) 300,000 records, stopped after 20-400 ms.
mkdir -p sterm
awk 'BEGIN { for (i = 1; i <= 300000; i++) printf "{\"id\":\"%d\",\"lang\":\"en\",\"text\":\"a tweet long enough to take a moment %d\"}\n", i, i * 7 }' |
	gzip -1 > sterm/big.gz
bad=
for d in 0.02 0.05 0.1 0.2 0.4; do
	rm -rf sterm/o && mkdir -p sterm/o/lang=en
	cp sterm/big.gz "sterm/o/lang=en/.part-1700000000000-$h-$$-1.ndjson.gz.tmp"
	sleep 5 | TW_LOAD_TRACE=sterm/trace tw-load -p 'lang=%{lang}' -o sterm/o 2> sterm/err1 &
	p=$!
	sleep $d
	kill -TERM $p
	wait
	tw-load -p 'lang=%{lang}' -o sterm/o < /dev/null 2> sterm/err2
	n=$(find sterm/o -name 'part-*' -exec zcat {} + | wc -l | tr -d ' ')
	[ "$n" = 300000 ] || bad="$bad ${d}s:$n"
done
eq "SIGTERM during a salvage: it is finished first (300,000 records after stops at 20-400 ms)" "$bad" ""
# TW_LOAD_TRACE: each of those salvages, read whole and published.
eq "TW_LOAD_TRACE: every salvage's events (read whole, published)" \
    "$(grep -c 'salvage-read .*records=300000 whole' sterm/trace):$(grep -c ' salvaged .* -> ' sterm/trace):$(grep -c ' start ' sterm/trace)" "5:5:5"
# A trace that cannot be written (a full disk, a directory) only ends the
# trace: the load goes on and succeeds.
for tf in /dev/full sterm; do
	rm -rf sterm/t2
	printf '{"id":"1","lang":"en","text":"a"}\n{"twpipe_mark":"x/1"}\n{"id":"2","lang":"de","text":"b"}\n' |
		TW_LOAD_TRACE=$tf tw-load -p 'lang=%{lang}' -o sterm/t2 2> sterm/t2.err
	eq "TW_LOAD_TRACE=$tf (not writable): the load succeeds, every record lands" \
	    "$?:$(find sterm/t2 -name 'part-*' -exec zcat {} + | wc -l | tr -d ' '):$(wc -c < sterm/t2.err | tr -d ' ')" "0:2:0"
done
# The same for tw-agg's state: a signal while it loads must not look like
# a state cut short (the run ended with status 1, "cut short ... remove it
# to start over", and a state loaded in part would be saved back).
awk 'BEGIN { for (i = 1; i <= 200000; i++) printf "{\"id\":\"%d\",\"created_at\":\"2024-01-01T00:00:%02dZ\",\"x\":%d}\n", i, i % 60, i }' > sterm/agg.ndjson
tw-agg -w 1h -g id -a count,sum:x --state sterm/st sterm/agg.ndjson > /dev/null
bad=
for d in 0.05 0.15 0.3; do
	sleep 5 | tw-agg -w 1h -g id -a count,sum:x --state sterm/st > /dev/null 2> sterm/aerr &
	p=$!
	sleep $d
	kill -TERM $p
	wait $p
	st=$?
	[ $st = 143 ] || bad="$bad ${d}s:status$st:$(head -c 80 sterm/aerr)"
done
eq "SIGTERM while tw-agg loads its state: status 143, no false 'cut short'" "$bad" ""
eq "... and the state still holds every window" \
    "$(tw-agg -w 1h -g id -a count,sum:x --state sterm/st --flush < /dev/null | wc -l | tr -d ' ')" 200000

# SIGKILL against the partition writer of every codec and of Parquet, on a
# stream with marks and --acks: after each kill the next start salvages
# (NDJSON, CSV) or removes (Parquet) the dead writer's temporary parts;
# then every visible part is complete, and every record before the last
# acknowledged mark is in a published part. Parquet acknowledges a mark
# only once the parts open at it are published, so losing its temporary
# parts loses nothing acknowledged.
cat > killrun.py <<'PY'
import os, signal, subprocess, sys, time
args, delay = sys.argv[1:-1], float(sys.argv[-1])
data = open('pk.ndjson', 'rb').read().splitlines(True)
p = subprocess.Popen(['tw-load'] + args, stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
t0 = time.time()
try:
    for i in range(0, len(data), 100):
        p.stdin.write(b''.join(data[i:i + 100]))
        p.stdin.write(b'{"twpipe_mark":"pk/1.%d"}\n' % (i // 100 + 1))
        p.stdin.flush()
        time.sleep(0.01)
        if time.time() - t0 > delay:
            break
except BrokenPipeError:
    pass
p.send_signal(signal.SIGKILL)
p.wait()
PY
ids() { tw-flatten -q -f id | sed -n 's/^{"id":"\([0-9]*\)"}$/\1/p' | sort -u; }
have_duck=0
node "$TW_ROOT/tests/js/duckdb.mjs" "SELECT 1" > /dev/null 2>&1 && have_duck=1
for fmt in gzip zstd none csv parquet; do
	case $fmt in
	csv) fo="--format csv -t tweets" ;;
	parquet) fo="--format parquet --roll 150ms" ;;
	*) fo="--codec $fmt --roll 150ms" ;;
	esac
	if [ $fmt = parquet ] && [ $have_duck = 0 ]; then
		skip "SIGKILL with marks: parquet" "node and @duckdb/node-api not installed (make deps)"
		continue
	fi
	bad=
	acked=0
	for k in 1 2 3 4; do
		o=pm.$fmt.$k
		rm -rf $o
		: > $o.acks
		python3 killrun.py -p 'lang=%{lang}' -o $o $fo --acks $o.acks "0.$((k * 2 + 1))"
		tmp=$(find $o -name '.part-*.tmp' | wc -l)
		tw-load -p 'lang=%{lang}' -o $o $fo < /dev/null 2> $o.err || bad="$bad kill$k:salvage-status"
		[ -z "$(find $o -name '.*.tmp')" ] || bad="$bad kill$k:temp-left"
		last=$(tail -n 1 $o.acks | sed -n 's/.*pk\/1\.\([0-9]*\).*/\1/p')
		[ -n "$last" ] && acked=$((acked + 1))
		head -n $((${last:-0} * 100)) pk.ndjson | ids > $o.want
		case $fmt in
		gzip) for f in $(find $o -name 'part-*.gz'); do gzip -t "$f" || bad="$bad kill$k:torn"; done
		      find $o -name 'part-*.gz' | xargs -r zcat | ids > $o.got ;;
		zstd) for f in $(find $o -name 'part-*.zst'); do zstd -q -t "$f" || bad="$bad kill$k:torn"; done
		      find $o -name 'part-*.zst' | xargs -r zstd -q -d -c | ids > $o.got ;;
		none) find $o -name 'part-*.ndjson' | xargs -r cat | ids > $o.got ;;
		csv) python3 -c "
import csv, glob, gzip, io
ids = set()
for p in glob.glob('$o/*/part-*.csv.gz'):
    rows = list(csv.reader(io.TextIOWrapper(gzip.open(p), encoding='utf-8', newline='')))
    ids.update(r[0] for r in rows[1:])
print('\n'.join(sorted(ids)))" > $o.got ;;
		parquet)
		      if [ -n "$(find $o -name 'part-*.parquet')" ]; then
			node "$TW_ROOT/tests/js/duckdb.mjs" "SELECT id FROM read_parquet('$o/**/*.parquet')" > $o.ids || bad="$bad kill$k:unreadable"
			sort -u $o.ids > $o.got
		      else : > $o.got; fi ;;
		esac
		[ "$(comm -23 $o.want $o.got | wc -l)" = 0 ] || bad="$bad kill$k:lost-$(comm -23 $o.want $o.got | wc -l)-of-$(wc -l < $o.want)"
		[ $tmp = 0 ] || [ $fmt = parquet ] || grep -q -e salvaged -e removed $o.err || bad="$bad kill$k:not-salvaged"
		[ $tmp = 0 ] || [ $fmt != parquet ] || grep -q "temporary Parquet parts" $o.err || bad="$bad kill$k:parquet-not-removed"
	done
	eq "SIGKILL x4 with marks, $fmt parts: visible parts whole, everything before the last acknowledged mark published" "$bad" ""
	check "  ... marks were acknowledged before the kills ($fmt: $acked of 4 runs)" test "$acked" -ge 2
done
