#!/bin/sh
# tw-agg against a reference implementation (tests/agg_ref.py), and the
# equivalences the issue asks for: partial/merge, state resume,
# batch vs stream; idle flush and early results in a live pipe.
. "$TW_ROOT/tests/lib.sh"
REF="python3 $TW_ROOT/tests/agg_ref.py"
A="count,sum:engagement,avg:engagement,max:engagement,min:like_count,distinct:author_id,first:id"

cat > "$T/cmp.py" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
b = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
drop = set(sys.argv[3].split(',')) if len(sys.argv) > 3 else set()
def norm(o):
    return {k: v for k, v in o.items() if k not in drop and not k.endswith('_approx') and k != 'final'}
if len(a) != len(b):
    sys.exit(f'{len(a)} results vs {len(b)}')
for i, (x, y) in enumerate(zip(a, b)):
    x, y = norm(x), norm(y)
    if x.keys() != y.keys():
        sys.exit(f'line {i+1}: keys {sorted(x)} vs {sorted(y)}')
    for k in x:
        if isinstance(x[k], float) or isinstance(y[k], float):
            if abs(x[k] - y[k]) > 1e-9 * max(1, abs(x[k])):
                sys.exit(f'line {i+1}: {k}: {x[k]} vs {y[k]}')
        elif x[k] != y[k]:
            sys.exit(f'line {i+1}: {k}: {x[k]!r} vs {y[k]!r}')
PY
CMP="python3 $T/cmp.py"

# 1. Every window type against the reference, with out-of-order and late data.
$REF gen 6000 1 3000 0.01 > "$T/in.ndjson"
run_mode() { # name mode size hop gap lateness tw-agg-window-args...
	name=$1 mode=$2 size=$3 hop=$4 gap=$5 lat=$6
	shift 6
	$REF ref "$mode" "$size" "$hop" "$gap" "$lat" "$T/in.ndjson" > "$T/ref.$name" 2> "$T/late.$name.ref"
	rm -f "$T/late.$name"
	tw-agg "$@" -g lang -a "$A" --late "$T/late.$name" "$T/in.ndjson" > "$T/got.$name" 2> "$T/err.$name"
	check "$name windows match the reference" $CMP "$T/ref.$name" "$T/got.$name"
	python3 -c "
import json,sys
ref = [int(l.split()[1]) for l in open('$T/late.$name.ref')]
lines = open('$T/in.ndjson').read().splitlines()
want = [lines[i-1] for i in ref]
got = open('$T/late.$name').read().splitlines() if ref else []
sys.exit(0 if want == got and len(want) > 0 else 'late records differ: %d vs %d' % (len(want), len(got)))
" > "$T/late.cmp" 2>&1 && ok "$name: late records kept verbatim in --late" || not_ok "$name: late records kept verbatim in --late" "$(tail -3 "$T/late.cmp")"
}
run_mode tumbling tumble 60000 0 0 5000 -w 1m --lateness 5s
run_mode hopping hop 300000 60000 0 5000 -w 5m --hop 1m --lateness 5s
run_mode session session 0 0 2000 5000 --session 2s --lateness 5s
contains "late records are counted in the summary" "$T/err.tumbling" "late"
check "results come in window order" python3 -c "
import json
ends = [json.loads(l)['window_end'] for l in open('$T/got.hopping')]
assert ends == sorted(ends)
"

# 2. Global window and grouping by an array field.
tw-agg -g hashtags -a count "$T/in.ndjson" > "$T/tags"
check "group by an array field counts once per element" python3 -c "
import json, collections
c = collections.Counter(t for l in open('$T/in.ndjson') for t in json.loads(l)['hashtags'])
got = {json.loads(l)['hashtags']: json.loads(l)['count'] for l in open('$T/tags')}
assert got == dict(c), (got, c)
"
tw-agg -a count,top:hashtags:3,p50:engagement,p95:engagement,p99:like_count "$T/in.ndjson" > "$T/global"
check "top-k and quantiles (1% relative error) on the global window" python3 -c "
import json, collections, math
recs = [json.loads(l) for l in open('$T/in.ndjson')]
g = json.loads(open('$T/global').read())
c = collections.Counter(t for r in recs for t in r['hashtags'])
want = sorted(c.items(), key=lambda kv: (-kv[1], json.dumps(kv[0], ensure_ascii=False)))[:3]
assert [(x['value'], x['count']) for x in g['top_hashtags']] == want, g['top_hashtags']
assert g['top_hashtags_approx'] is False
for q, f, name in ((0.5, 'engagement', 'p50_engagement'), (0.95, 'engagement', 'p95_engagement'), (0.99, 'like_count', 'p99_like_count')):
    v = sorted(r[f] for r in recs if r[f] is not None)
    exp = v[math.floor(q * (len(v) - 1))]
    assert abs(g[name] - exp) <= 0.01 * abs(exp) + 1e-9, (name, g[name], exp)
assert g['window_start'] is not None and g['count'] == len(recs)
"

# 3. Partial/merge: split in two by two rules, merge, compare with one process.
$REF gen 8000 2 2000 0 > "$T/clean.ndjson"
W="-w 1m --lateness 5s -g lang"
tw-agg $W -a "$A,top:hashtags:5,p95:engagement" "$T/clean.ndjson" > "$T/single"
awk 'NR % 2 == 1' "$T/clean.ndjson" > "$T/half1"
awk 'NR % 2 == 0' "$T/clean.ndjson" > "$T/half2"
tw-agg $W -a "$A,top:hashtags:5,p95:engagement" --partial "$T/half1" > "$T/p1"
tw-agg $W -a "$A,top:hashtags:5,p95:engagement" --partial "$T/half2" > "$T/p2"
# The merger closes windows at end of input (no --lateness given).
WM="-w 1m -g lang"
cat "$T/p1" "$T/p2" | tw-agg $WM -a "$A,top:hashtags:5,p95:engagement" --merge > "$T/merged"
check "partial/merge (odd/even lines) equals one process" $CMP "$T/single" "$T/merged"
grep '"lang":"en"' "$T/clean.ndjson" > "$T/en"
grep -v '"lang":"en"' "$T/clean.ndjson" > "$T/noten"
tw-agg $W -a "$A,top:hashtags:5,p95:engagement" --partial "$T/en" > "$T/p3"
tw-agg $W -a "$A,top:hashtags:5,p95:engagement" --partial "$T/noten" > "$T/p4"
tw-agg $WM -a "$A,top:hashtags:5,p95:engagement" --merge "$T/p4" "$T/p3" > "$T/merged2"
check "partial/merge (split by language) equals one process" $CMP "$T/single" "$T/merged2"
tw-agg $WM -a count --merge "$T/p1" > /dev/null 2> "$T/mergeerr"
contains "merging partials made with other aggregates is refused" "$T/mergeerr" "partial state made with other aggregates"
tw-agg $WM -g country_code -a "$A,top:hashtags:5,p95:engagement" --merge "$T/p3" > "$T/mg" 2> "$T/mergeerr"
eq "merging partials made with other groups is refused, nothing merged" "$(wc -l < "$T/mg")|$(grep -c 'partial state made with other groups' "$T/mergeerr")" "0|$(grep -c '"_state"' "$T/p3")"
tw-agg -w 5m -g lang -a "$A,top:hashtags:5,p95:engagement" --merge "$T/p3" > "$T/mw" 2> "$T/mergeerr"
eq "merging partials made with other windows is refused, nothing merged" "$(wc -l < "$T/mw")|$(grep -c 'partial state made with other windows' "$T/mergeerr")" "0|$(grep -c '"_state"' "$T/p3")"
sed 's/,"_groups":"[^"]*","_window":"[^"]*"//' "$T/p3" | tw-agg $WM -a "$A,top:hashtags:5,p95:engagement" --merge > /dev/null 2> "$T/mergeerr"
contains "a partial without _groups/_window is refused" "$T/mergeerr" "without _groups/_window"

# 3b. A streaming merge (one given --lateness, --idle or --sources) writes a
# window once every live source's watermark has passed it. Two halves fed
# one after the other (as two --partial runs, or a consumer that lags):
# nothing is late, the result is one process's.
tw-agg $W -a "$A" "$T/clean.ndjson" > "$T/single_a"
tw-agg $W -a "$A" --partial --source h1 "$T/half1" > "$T/ph1"
tw-agg $W -a "$A" --partial --source h2 "$T/half2" > "$T/ph2"
contains "--partial says its watermark" "$T/ph1" '{"_source":"h1","_watermark":'
contains "--partial says when it is done" "$T/ph1" '{"_source":"h1","_watermark":null,"_done":true}'
cat "$T/ph1" "$T/ph2" | tw-agg $WM -a "$A" --merge --lateness 30s > "$T/sm1" 2> "$T/sm1.err"
check "streaming merge: two halves one after the other equal one process" $CMP "$T/single_a" "$T/sm1"
cat "$T/ph1" "$T/ph2" | tw-agg $WM -a "$A" --merge --sources 2 > "$T/sm2" 2> "$T/sm2.err"
check "streaming merge --sources 2: the same" $CMP "$T/single_a" "$T/sm2"
# A source delayed past the merge's grace (h1 is still streaming when the
# windows are written; h2 comes later): with --emit update its partials
# correct the windows written, and the last row of each window and group
# (what tw-load's upsert keeps) is one process's; without it they are late,
# kept in --late and counted.
grep -v '"_done"' "$T/ph1" > "$T/ph1live"
cat > "$T/feed.py" <<'PY'
import sys, time
a = open(sys.argv[1], 'rb').read().splitlines(True)
b = open(sys.argv[2], 'rb').read().splitlines(True)
for l in a:
    sys.stdout.buffer.write(l); sys.stdout.flush(); time.sleep(2.5 / len(a))
time.sleep(0.5)
sys.stdout.buffer.write(b''.join(b)); sys.stdout.flush()
PY
cat > "$T/last.py" <<'PY'
import json, sys
# The rows a keyed upsert keeps: the last one of each window and group.
rows = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    rows[(r['window_start'], r['window_end'], r.get('lang'))] = l
sys.stdout.write(''.join(rows[k] for k in sorted(rows, key=lambda k: (k[1], k[0], str(k[2])))))
PY
python3 "$T/feed.py" "$T/ph1live" "$T/ph2" |
	tw-agg $WM -a "$A" --merge --idle 1s --emit update --interval 100ms > "$T/sm3" 2> "$T/sm3.err"
grep '"final":true' "$T/sm3" > "$T/sm3f"
python3 "$T/last.py" "$T/sm3f" > "$T/sm3last"
check "a delayed source: its partials correct the windows written ($(grep -c . "$T/sm3f") final rows)" \
    $CMP "$T/single_a" "$T/sm3last"
check "  ... windows were written before it came (so corrections were needed)" \
    test "$(grep -c '"final":true' "$T/sm3")" -gt "$(grep -c . "$T/single_a")"
# The issue's case: a source far behind in event time (here all of h2
# comes after all of h1: more than twice --lateness 30s behind), with the
# sources known (--sources 2): the merge waits for it, nothing is late.
python3 "$T/feed.py" "$T/ph1live" "$T/ph2" |
	tw-agg $WM -a "$A" --merge --lateness 30s --sources 2 --late "$T/sm5.late" > "$T/sm5" 2> "$T/sm5.err"
span=$(python3 -c "
import json, sys
ts = lambda f: [json.loads(l)['_watermark'] for l in open(f) if '_watermark' in l and json.loads(l)['_watermark'] is not None]
print(int((max(ts('$T/ph1live')) - min(ts('$T/ph2'))) / 1000) if ts('$T/ph2') else 0)" 2> /dev/null)
check "a source $span s of event time behind (more than twice --lateness 30s) loses nothing" \
    sh -c "[ \"\${1:-0}\" -gt 60 ] && $CMP '$T/single_a' '$T/sm5' && [ ! -s '$T/sm5.late' ]" sh "$span"
rm -f "$T/sm4.late"
python3 "$T/feed.py" "$T/ph1live" "$T/ph2" |
	tw-agg $WM -a "$A" --merge --idle 1s --late "$T/sm4.late" > "$T/sm4" 2> "$T/sm4.err"
check "  ... without --emit update its partials are late, kept ($(grep -c . "$T/sm4.late" 2> /dev/null) in --late)" \
    test -s "$T/sm4.late"
contains "  ... and counted" "$T/sm4.err" "late"
python3 - "$T/sm4" "$T/sm4.late" "$T/single_a" <<'PY' > "$T/sm4.chk" 2>&1
import json, sys
# Nothing silent: written counts plus the late partials' counts = all.
got = sum(json.loads(l)['count'] for l in open(sys.argv[1]))
late = sum(json.loads(l)['_state'][0] for l in open(sys.argv[2]) if '"_state"' in l)
want = sum(json.loads(l)['count'] for l in open(sys.argv[3]))
assert got + late == want, (got, late, want)
PY
check "  ... written plus late = every record" test ! -s "$T/sm4.chk"

# 3c. Partitions that move between consumers (a rebalance, a consumer
# killed): partials carry each Kafka partition's share apart, with the
# highest offset read (_hi); the merge keeps one share per partition, the
# newest, so a partition counted again from the start by its new consumer
# counts once. Consumer A reads partition 0 whole and partitions 1 and 2
# half way, then dies; B takes 1 and 2 over and reads them from the start.
python3 "$TW_ROOT/tests/kafka_pos.py" < "$T/clean.ndjson" > "$T/kclean.ndjson"
tw-agg $W -a "$A" "$T/kclean.ndjson" > "$T/ksingle"
python3 - "$T/kclean.ndjson" "$T/ka.ndjson" "$T/kb.ndjson" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
half = {p: max(r['kafka_offset'] for r in recs if r['kafka_partition'] == p) // 2 for p in (1, 2)}
with open(sys.argv[2], 'w') as a, open(sys.argv[3], 'w') as b:
    for r, l in zip(recs, open(sys.argv[1])):
        p = r['kafka_partition']
        if p == 0 or r['kafka_offset'] <= half[p]:
            a.write(l)
        if p != 0:
            b.write(l)
PY
tw-agg $W -a "$A" --partial --source A "$T/ka.ndjson" | grep -v '"_done"' > "$T/pka"
tw-agg $W -a "$A" --partial --source B "$T/kb.ndjson" > "$T/pkb"
contains "a partial from Kafka names its partition and how far it read" "$T/pka" '"_topic":"raw_tweets","_partition":1,"_hi":'
cat "$T/pka" "$T/pkb" | tw-agg $WM -a "$A" --merge > "$T/kmerged" 2> "$T/kmerged.err"
check "partitions taken over and read again: each message counts once" $CMP "$T/ksingle" "$T/kmerged"
cat "$T/pkb" "$T/pka" | tw-agg $WM -a "$A" --merge > "$T/kmerged2" 2> /dev/null
check "  ... whichever consumer's partials come first" $CMP "$T/ksingle" "$T/kmerged2"
sed 's/,"_topic":"[^"]*","_partition":[0-9]*,"_hi":[0-9]*//' "$T/pka" "$T/pkb" |
	tw-agg $WM -a "$A" --merge > "$T/kdouble" 2> /dev/null
check "  ... (added up without the partitions, they would count twice)" sh -c "! $CMP '$T/ksingle' '$T/kdouble' > /dev/null 2>&1"

# HyperLogLog: 1,000,000 distinct values, split and merged, within 2%.
python3 -c "
import json
for i in range(1000000):
    print('{\"ts\":%d,\"u\":\"user%d\"}' % (1700000000000 + i, i))
" > "$T/distinct.ndjson"
tw-agg -a distinct:u "$T/distinct.ndjson" > "$T/hll1"
awk 'NR % 3 == 0' "$T/distinct.ndjson" | tw-agg -a distinct:u --partial > "$T/hp1"
awk 'NR % 3 != 0' "$T/distinct.ndjson" | tw-agg -a distinct:u --partial > "$T/hp2"
cat "$T/hp1" "$T/hp2" | tw-agg -a distinct:u --merge > "$T/hll2"
check "distinct: HyperLogLog within 2% at 1M values, marked approximate, merge agrees" python3 -c "
import json
a = json.load(open('$T/hll1')); b = json.load(open('$T/hll2'))
assert a['distinct_u_approx'] is True
assert abs(a['distinct_u'] - 1000000) <= 20000, a
assert abs(b['distinct_u'] - 1000000) <= 20000, b
"
head -10000 "$T/distinct.ndjson" | tw-agg -a distinct:u > "$T/exact"
contains "distinct: exact at 10,000 values" "$T/exact" '"distinct_u":10000,"distinct_u_approx":false'

# 4. State resume: a stream cut in two runs equals one run.
tw-agg $W -a "$A" "$T/in.ndjson" > "$T/one"
head -2500 "$T/in.ndjson" > "$T/cut1"
tail -n +2501 "$T/in.ndjson" > "$T/cut2"
rm -f "$T/st.json"
# (--retain 0: windows written are not written again after the restart;
# section 4c tests that.)
tw-agg $W -a "$A" --state "$T/st.json" --retain 0 "$T/cut1" > "$T/r1" 2>/dev/null
cp "$T/st.json" "$T/st.open.json"
tw-agg $W -a "$A" --state "$T/st.json" --retain 0 --flush "$T/cut2" > "$T/r2" 2>/dev/null
cat "$T/r1" "$T/r2" > "$T/two"
check "state resume: two runs with --state equal one run" $CMP "$T/one" "$T/two"
check "state file is saved, and left with no open windows after --flush" \
	test "$(wc -l < "$T/st.json")" -eq 2 -a "$(tail -1 "$T/st.json")" = '{"twpipe_agg_state_end":0}'
tw-agg -w 5m -g lang -a "$A" --state "$T/st.json" "$T/cut2" > /dev/null 2> "$T/sterr"; rc=$?
eq "state saved with other options is refused" "$rc" 1
# The fingerprint names the window kind; a state of tw-agg 0.1 (the kind as
# a number) still loads, and one whose number means another kind does not.
head -n "$(($(wc -l < "$T/cut1") / 2))" "$T/cut1" | tw-agg $W -a "$A" --state "$T/old.json" > /dev/null 2>&1
grep -q '"spec":"window=tumbling;' "$T/old.json" && sed -i 's/"spec":"window=tumbling;/"spec":"mode=1;/' "$T/old.json"
check "a state with the old fingerprint (mode=1) loads" tw-agg $W -a "$A" --state "$T/old.json" "$T/cut2"
sed -i 's/"spec":"window=tumbling;/"spec":"mode=2;/' "$T/old.json"
tw-agg $W -a "$A" --state "$T/old.json" < /dev/null > /dev/null 2>&1
eq "... one whose number means another window kind (mode=2) is refused" "$?" 1
contains "  ... with a message" "$T/sterr" "saved by tw-agg with other options"

# 4c. Windows written are kept in the state for --retain (30 s by
# default): a restart within it writes them again (a sink killed before it
# committed them gets them again; a keyed one replaces them by the same);
# a later one does not.
rm -f "$T/rt.json"
tw-agg $W -a "$A" --state "$T/rt.json" "$T/cut1" > "$T/rt1" 2>/dev/null
n1=$(wc -l < "$T/rt1")
tw-agg $W -a "$A" --state "$T/rt.json" --flush < /dev/null > "$T/rt2" 2>/dev/null
check "--retain: a restart within it writes the last windows again ($n1 written)" \
    sh -c "test $n1 -gt 0 && head -n $n1 '$T/rt2' | cmp -s - '$T/rt1'"
rm -f "$T/rt.json"
tw-agg $W -a "$A" --state "$T/rt.json" "$T/cut1" > /dev/null 2>&1
sed -i 's/"_written":[0-9]*/"_written":1000/' "$T/rt.json"
tw-agg $W -a "$A" --state "$T/rt.json" --flush < /dev/null > "$T/rt3" 2>/dev/null
eq "--retain: ... and not once it has passed" "$(grep -c '"final":true' "$T/rt3")" \
    "$(grep -vc -e '"_written"' -e twpipe_agg_state "$T/st.open.json")"

# 4b. Kafka positions in the state: records carrying kafka_topic,
# kafka_partition and kafka_offset (3 partitions; every 4th message of a
# partition gives two records at one offset, as a v2 page does). A resume
# that replays the input from the start counts nothing twice, also when
# the first run stopped between the two records of one message.
python3 "$TW_ROOT/tests/kafka_pos.py" < "$T/in.ndjson" > "$T/kin.ndjson"
tw-agg $W -a "$A" "$T/kin.ndjson" > "$T/kone"
bad=""
for cut in 1 9 10 11 12 13 1999 2000 2001 2002 2003 2004; do
	rm -f "$T/kst.json"
	head -n $cut "$T/kin.ndjson" | tw-agg $W -a "$A" --state "$T/kst.json" --retain 0 > "$T/k1" 2>/dev/null
	tw-agg $W -a "$A" --state "$T/kst.json" --retain 0 --flush "$T/kin.ndjson" > "$T/k2" 2> "$T/kerr"
	cat "$T/k1" "$T/k2" > "$T/k12"
	$CMP "$T/kone" "$T/k12" > /dev/null 2>&1 || bad="$bad $cut"
	grep -qF "$cut records already counted in $T/kst.json skipped" "$T/kerr" || bad="$bad $cut:msg"
done
eq "kafka offsets in the state: a replay from the start counts nothing twice (12 cut points)" "$bad" ""
check "  ... the state names each partition's offset and the records counted at it" \
	grep -qF '"offsets":[["raw_tweets",0,' "$T/kst.json"
cat "$T/kin.ndjson" "$T/kin.ndjson" | tw-agg $W -a "$A" --state "$T/kst2.json" --retain 0 > "$T/krw" 2> "$T/krwerr"
tw-agg $W -a "$A" --state "$T/kst2.json" --retain 0 --flush < /dev/null >> "$T/krw" 2>/dev/null
check "a rewound consumer (the input twice in one run) counts each message once" $CMP "$T/kone" "$T/krw"
contains "  ... and says how many records it skipped" "$T/krwerr" \
	"$(wc -l < "$T/kin.ndjson" | tr -d ' ') records already counted"
head -1 "$T/kst.json" | sed 's/"offsets":\[\[/"offsets":[[1,/' > "$T/kbad.json"
tw-agg $W -a "$A" --state "$T/kbad.json" < /dev/null > /dev/null 2> "$T/kbaderr"; rc=$?
eq "a state file with malformed offsets is refused: status 1" "$rc" 1
contains "  ... with a message" "$T/kbaderr" "corrupt state file: bad offsets"
# A state file cut short at any line end is refused (its end line counts
# the windows); only the whole file loads.
n=$(wc -l < "$T/st.open.json")
loaded=0
i=1
while [ $i -le "$n" ]; do
	head -n $i "$T/st.open.json" > "$T/stcut.json"
	tw-agg $W -a "$A" --state "$T/stcut.json" < /dev/null > /dev/null 2>&1 && loaded=$((loaded + 1))
	i=$((i + 1))
done
eq "a state file cut at each of its $n line ends: only the whole one loads" "$loaded" 1
# Limits: a state file with more cells than --max-groups is refused.
for i in $(seq 1 10); do echo "{\"ts\":1000,\"g\":\"$i\"}"; done |
	tw-agg -w 1h -g g -a count --state "$T/big.json" > /dev/null
tw-agg -w 1h -g g -a count --state "$T/big.json" --max-groups 5 < /dev/null > /dev/null 2> "$T/bigerr"; rc=$?
eq "a state file past --max-groups is refused: status 1" "$rc" 1
contains "  ... with a message" "$T/bigerr" "too many open windows x groups (limit --max-groups)"
tw-agg -w 1h -g g -a count --state "$T/big.json" --max-groups 10 --flush < /dev/null > "$T/bigout" 2>&1
eq "  ... and loads at the limit" "$(grep -c '"count":1' "$T/bigout")" 10
tw-agg $W -a count --checkpoint 1s < /dev/null > /dev/null 2> "$T/ckerr"; rc=$?
eq "--checkpoint without --state: status 2" "$rc" 2
contains "  ... with a message" "$T/ckerr" "--checkpoint goes with --state"
# --checkpoint saves while the stream runs (the pipe stays open).
rm -f "$T/kst3.json"
python3 - "$T" <<'PY' > "$T/ck.out" 2>&1
import json, os, subprocess, sys, time
T = sys.argv[1]
lines = open(T + '/kin.ndjson', 'rb').read().split(b'\n')[:3000]
p = subprocess.Popen(['tw-agg', '-w', '1m', '-g', 'lang', '-a', 'count', '--state',
    T + '/kst3.json', '--checkpoint', '100ms'], stdin=subprocess.PIPE,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
p.stdin.write(b'\n'.join(lines[:1000]) + b'\n'); p.stdin.flush()
time.sleep(0.6)
h = json.loads(open(T + '/kst3.json').readline())
assert p.poll() is None, 'tw-agg ended early'
assert len(h['offsets']) == 3, h
# 1000 records: the offsets saved cover them (the next is one past).
import collections
want = collections.defaultdict(int)
for l in lines[:1000]:
    r = json.loads(l); want[r['kafka_partition']] = max(want[r['kafka_partition']], r['kafka_offset'])
got = {o[1]: o[2] for o in h['offsets']}
assert got == dict(want), (got, dict(want))
p.stdin.close(); p.wait(5)
PY
if [ -s "$T/ck.out" ]; then not_ok "--checkpoint saves the state while the pipe stays open" "$(tail -c 300 "$T/ck.out")"
else ok "--checkpoint saves the state (with offsets) while the pipe stays open"; fi


# 4d. A log that is not the one the state was saved for: the same offsets
# with other Kafka times (a topic recreated, a new cluster) are refused,
# counting nothing, with the way out; --reset-offsets counts it afresh.
python3 - "$T/kin.ndjson" "$T/kts1.ndjson" "$T/kts2.ndjson" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[2], 'w') as a, open(sys.argv[3], 'w') as b:
    for r in recs:
        r['kafka_ts'] = 1700000000000 + r['kafka_offset']
        a.write(json.dumps(r, separators=(',', ':')) + '\n')
        r['kafka_ts'] += 3600000          # an hour later: another log
        b.write(json.dumps(r, separators=(',', ':')) + '\n')
PY
rm -f "$T/kid.json"
rm -f "$T/kid3.late"
head -n 3000 "$T/kts1.ndjson" | tw-agg -v $W -a "$A" --state "$T/kid.json" --retain 0 --late "$T/kid3.late" \
    > "$T/kid1.out" 2> "$T/kid1.err"
cp "$T/kid.json" "$T/kid0.json"
tw-agg $W -a "$A" --state "$T/kid.json" --retain 0 "$T/kts1.ndjson" > /dev/null 2> "$T/kid.err"
eq "the same log replayed: counted once, no complaint" "$?|$(grep -c 'not the log' "$T/kid.err")" "0|0"
cp "$T/kid0.json" "$T/kid.json"
tw-agg $W -a "$A" --state "$T/kid.json" --retain 0 "$T/kts2.ndjson" > "$T/kid2.out" 2> "$T/kid2.err"
eq "another log at the same offsets: refused (status 1), nothing written" "$?|$(wc -c < "$T/kid2.out" | tr -d ' ')" "1|0"
contains "  ... with the reason" "$T/kid2.err" "this is not the log the state was saved for"
contains "  ... and the way out" "$T/kid2.err" "--reset-offsets raw_tweets"
check "  ... the state is left as it was" cmp -s "$T/kid.json" "$T/kid0.json"
tw-agg -v $W -a "$A" --state "$T/kid.json" --retain 0 --reset-offsets raw_tweets --flush --late "$T/kid3.late" \
    "$T/kts2.ndjson" > "$T/kid3.out" 2> "$T/kid3.err"
eq "--reset-offsets: the new log is counted, said on stderr" "$?|$(grep -c 'forgotten' "$T/kid3.err")" "0|1"
python3 - "$T/kid1.out" "$T/kid3.out" "$T/kts1.ndjson" "$T/kts2.ndjson" "$T/kid3.late" "$T/kid1.err" "$T/kid3.err" <<'PY' > "$T/kid3.chk" 2>&1
import json, sys
# What the first log's run wrote, the rest with the whole new log, and the
# new log's records too late for windows already written (the new log here
# repeats the first one's tweets, so its early ones are late): every record
# with a time is counted once.
def timed(lines):
    n = 0
    for l in lines:
        try:
            r = json.loads(l)
        except ValueError:
            continue
        n += isinstance(r, dict) and isinstance(r.get('ts'), int)
    return n
import re
got = sum(json.loads(l)['count'] for f in sys.argv[1:3] for l in open(f) if l.startswith('{"window'))
late = sum(1 for l in open(sys.argv[5]))
# (The data holds records with bad values on purpose: reported, not counted.)
bad = sum(int(m.group(1)) for f in sys.argv[6:8] for m in re.finditer(r'(\d+) bad lines', open(f).read()))
want = timed(open(sys.argv[3]).readlines()[:3000]) + timed(open(sys.argv[4])) - bad
assert got + late == want, (got, late, bad, want)
PY
check "  ... every record of both logs is in a window or kept as late ($(cat "$T/kid3.chk" | tail -1))" test ! -s "$T/kid3.chk"
# A first offset past the saved one + 1: messages never read.
tail -n +4000 "$T/kts1.ndjson" | tw-agg $W -a "$A" --state "$T/kid0.json" > /dev/null 2> "$T/kgap.err"
eq "offsets skipped since the state was saved: refused (status 1)" "$?" 1
contains "  ... saying which" "$T/kgap.err" "were never read"
contains "tw-agg --resume-point: a minute before the oldest partition's last message" \
    "$(tw-agg --state "$T/kid0.json" --resume-point > "$T/rp"; echo "$T/rp")" "s@16999999"

# 5. Batch vs stream: the same records through a slow pipe give the same lines.
cat > "$T/slow.py" <<'PY'
import sys, time
lines = open(sys.argv[1], 'rb').read().splitlines(True)
out = sys.stdout.buffer
for i, l in enumerate(lines):
    out.write(l)
    if i % 500 == 0:
        out.flush(); time.sleep(0.05)
out.flush()
PY
python3 "$T/slow.py" "$T/in.ndjson" | tw-agg $W -a "$A" > "$T/stream" 2>/dev/null
same "batch and stream give identical results" "$T/one" "$T/stream"

# 6. A quiet stream: --idle closes windows by the clock; --emit update shows early results.
cat > "$T/live.py" <<'PY'
import json, select, subprocess, sys, time
args = sys.argv[1:]
p = subprocess.Popen(['tw-agg', *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
# Five events 100 ms before their window ends (2023-11-14T22:14:00Z).
for i in range(5):
    p.stdin.write(b'{"ts":%d,"lang":"en"}\n' % (1700000039900 + i * 10))
p.stdin.flush()
t0 = time.time()
r, _, _ = select.select([p.stdout], [], [], 5)
if not r:
    sys.exit('no result while the input stayed open')
line = json.loads(p.stdout.readline())
waited = time.time() - t0
p.stdin.close(); p.wait(5)
print(json.dumps(line), round(waited, 2))
if '--idle' in args:
    assert line['final'] is True and line['count'] == 5, line
else:
    assert line['final'] is False and line['count'] == 5, line
PY
check "--idle: a window closes while the input stays open" python3 "$T/live.py" -w 1m -g lang -a count --idle 500ms
check "--emit update: early results (final false) while input is open" python3 "$T/live.py" -w 1m -g lang -a count --emit update --interval 200ms

# 7. SIGTERM with --state: saves, and a restart with --flush completes the job.
rm -f "$T/st2.json"
python3 - "$T" <<'PY' > "$T/sig.out" 2>&1
import os, signal, subprocess, sys, time
T = sys.argv[1]
lines = open(T + '/cut1', 'rb').read()
p = subprocess.Popen(['tw-agg', '-w', '1m', '--lateness', '5s', '-g', 'lang', '-a',
    'count,sum:engagement,avg:engagement,max:engagement,min:like_count,distinct:author_id,first:id',
    '--state', T + '/st2.json', '--retain', '0'], stdin=subprocess.PIPE, stdout=open(T + '/s1', 'wb'),
    stderr=subprocess.DEVNULL)
p.stdin.write(lines); p.stdin.flush()
time.sleep(0.5)
p.send_signal(signal.SIGTERM)
rc = p.wait(5)
assert rc == -signal.SIGTERM, rc
assert os.path.getsize(T + '/st2.json') > 0
PY
tw-agg $W -a "$A" --state "$T/st2.json" --retain 0 --flush "$T/cut2" > "$T/s2" 2>/dev/null
cat "$T/s1" "$T/s2" > "$T/s12"
if [ -s "$T/sig.out" ]; then not_ok "SIGTERM saves state" "$(cat "$T/sig.out")"; else
	check "SIGTERM saves state; the restart completes the job with nothing lost" $CMP "$T/one" "$T/s12"; fi

# 7b. SIGINT the same; a signal with --flush still saves (the window is
# counted once, by the next run); a signal as the input ends is not lost.
python3 - "$T" <<'PY' > "$T/sig2.out" 2>&1
import json, os, signal, subprocess, sys, time
T = sys.argv[1]
def run(args, data, sig, wait=0.5):
    p = subprocess.Popen(['tw-agg'] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    p.stdin.write(data); p.stdin.flush()
    time.sleep(wait)
    p.send_signal(sig)
    out, _ = p.communicate(timeout=5)
    return p.returncode, out
st = T + '/sigint.json'
rc, out = run(['-w', '1m', '-a', 'count', '--state', st], b'{"ts":1000}\n{"ts":2000}\n', signal.SIGINT)
assert rc == -signal.SIGINT and out == b'' and os.path.getsize(st) > 0, ('SIGINT', rc, out)
st = T + '/sigflush.json'
rc, out = run(['-w', '1m', '-a', 'count', '--state', st, '--flush'], b'{"ts":1000}\n{"ts":2000}\n', signal.SIGTERM)
assert rc == -signal.SIGTERM and out == b'', ('SIGTERM with --flush writes nothing', rc, out)
r = subprocess.run(['tw-agg', '-w', '1m', '-a', 'count', '--state', st, '--flush'],
                   input=b'{"ts":3000}\n', capture_output=True)
rows = [json.loads(l) for l in r.stdout.splitlines()]
assert [x['count'] for x in rows] == [3], ('the restart counts the window once', rows)
# SIGTERM and end of input together: status 143, never 0.
for i in range(5):
    p = subprocess.Popen(['tw-agg', '-a', 'count'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    p.send_signal(signal.SIGTERM)
    p.communicate(b'{"ts":1}\n', timeout=5)
    assert p.returncode == -signal.SIGTERM, ('signal at end of input', p.returncode)
PY
if [ -s "$T/sig2.out" ]; then not_ok "SIGINT, SIGTERM with --flush, a signal at end of input" "$(tail -c 300 "$T/sig2.out")"
else ok "SIGINT saves state; SIGTERM with --flush saves instead of emitting; a signal at end of input is reported"; fi

# 7c. --time now: processing time; one window over a quick input.
eq "--time now: every record in the current window" \
    "$(head -100 "$T/in.ndjson" | tw-agg -w 1h --time now -a count | python3 -c '
import json, sys, time
rows = [json.loads(l) for l in sys.stdin]
now = time.time() * 1000
import datetime
s = datetime.datetime.strptime(rows[0]["window_start"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000
print(sum(r["count"] for r in rows), 0 <= now - s <= 3600000 + 60000)')" "100 True"

# 8. Output on /dev/full and a full disk for the state file.
tw-agg -a count "$T/in.ndjson" > /dev/full 2> "$T/full"; rc=$?
eq "stdout on /dev/full: status 1" "$rc" 1
contains "  ... with a message" "$T/full" "write error: No space left on device"
if [ "$(id -u)" = 0 ] && mkdir -p "$T/tiny" && mount -t tmpfs -o size=64k tmpfs "$T/tiny" 2>/dev/null; then
	python3 -c "
import json
for i in range(20000):
    print(json.dumps({'ts': 1700000000000 + i, 'u': 'x%d' % i}))
" > "$T/many"
	head -5 "$T/many" | tw-agg -w 1h -g u -a count --state "$T/tiny/st.json" > /dev/null
	cp "$T/tiny/st.json" "$T/st.before"
	tw-agg -w 1h -g u -a count --state "$T/tiny/st.json" "$T/many" > /dev/null 2> "$T/tinyerr"; rc=$?
	eq "full disk for the state file: status 1" "$rc" 1
	contains "  ... with a message" "$T/tinyerr" "cannot save state"
	same "  ... and the old state file is intact" "$T/st.before" "$T/tiny/st.json"
	eq "  ... and no temporary file is left" "$(ls "$T/tiny" | wc -l)" 1
	umount "$T/tiny"
else
	skip "full disk for the state file" "needs root to mount a small tmpfs"
fi

# 9. --stats: a line of counts every DUR while records come, late ones and
# counts since the state began included; under a fast stream too.
rm -f "$T/stats.st"
( printf '{"ts":1000,"lang":"en"}\n{"ts":5000,"lang":"en"}\n'; sleep 1.2
  printf '{"ts":2000,"lang":"en"}\n'; sleep 1.2 ) |
    tw-agg -w 1s -a count --stats 500ms --state "$T/stats.st" > /dev/null 2> "$T/stats.err"
contains "--stats: a line while the input is quiet" "$T/stats.err" ": 2 records (+2), 0 late (+0), 0 bad (+0)"
contains "  ... the late record counted in the next line" "$T/stats.err" "3 records (+1), 1 late (+1)"
contains "  ... and since the state began" "$T/stats.err" "since the state began: 3 records, 1 late, 0 bad"
python3 -c "
import json, sys, time
t = 1700000000000
for i in range(3000000):
    print('{\"ts\":%d}' % (t + i))
" | tw-agg -w 1s -a count --stats 200ms > /dev/null 2> "$T/stats3.err"
check "--stats: lines under a fast stream too" test "$(grep -c '^tw-agg: stats' "$T/stats3.err")" -ge 2
