# Shared by tests/integration/load_*.sh (sourced after tests/lib.sh).
# hostile DIR: writes DIR/hostile.ndjson (flat tweet records whose text
# and username hold every known trap) and DIR/expected.txt, the bytes a
# database must return: "id|HEX(text)|HEX(username)", NULL as NULL, with
# tw-load's policy applied (NUL removed, invalid UTF-8 -> U+FFFD).
hostile() {
	python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
pw = d + '/PWNED'
vals = [
    "it's \"quoted\" ''",
    "back\\slash \\\\ double \\' \\\" end\\",
    "line1\nline2\r\nline3\rtab\there",
    "before\n\\.\nafter",
    "\\.",
    "x\n.quit\n.system touch " + pw + "\n.shell touch " + pw + "\ny",
    ".quit",
    "x\n\\q\n\\! touch " + pw + "\ny",
    "\\q",
    "emoji \U0001F600\U0001F389 \U0001D54F and \u00e9\u4e2d \u2028 \u0085",
    "semi; -- dash /* star */ ; DROP TABLE tweets; --",
    "nul\u0000'); DROP TABLE tweets; --",
    "\u0000",
    "@@BAD1@@",
    "@@BAD2@@",
    "lone \ud800 surrogate",
    "",
    "NULL",
    "\\N",
    "%_ LIKE 0x41 X'41' _utf8mb4'x'",
    "ctrl \x01\x02\x1b\x7f end",
    "a" * 100000 + "\U0001F600",
    "many\n" * 1200 + "breaks\r\n" * 300,
    None,
]
bad = {'"@@BAD1@@"': b'"bad \xff\xfe utf8"', '"@@BAD2@@"': b'"trunc \xc3( and \xe2\x82"'}
badval = {"@@BAD1@@": "bad \ufffd\ufffd utf8", "@@BAD2@@": "trunc \ufffd( and \ufffd"}
def expect(v):
    if v is None:
        return "NULL"
    v = badval.get(v, v)
    v = v.replace("\ud800", "\ufffd").replace("\u0000", "")
    return v.encode("utf-8").hex().upper()
with open(d + "/hostile.ndjson", "wb") as f, open(d + "/expected.txt", "w") as e:
    for i, v in enumerate(vals):
        u = vals[(i + 5) % len(vals)]
        rec = {"record_type": "tweet", "id": str(1000 + i), "text": v, "username": u,
               "created_at": "2024-01-01T00:00:00.000Z", "ts": 1704067200000,
               "hashtags": ["a'b", "c\u0000d"], "lang": "en"}
        line = json.dumps(rec, ensure_ascii=False).encode("utf-8", "surrogatepass")
        line = line.replace(b"\xed\xa0\x80", b"\\ud800")
        for k, b in bad.items():
            line = line.replace(k.encode(), b)
        f.write(line + b"\n")
        e.write("%d|%s|%s\n" % (1000 + i, expect(v), expect(u)))
PY
}

# count_lines FILE
count_lines() { wc -l < "$1" | tr -d ' '; }

# counts FILE: the distinct keys per record type, "tweets N users N ..."
counts() {
	python3 - "$1" <<'PY'
import json, sys
keys = {'tweet': ('tweets', 'id'), 'user': ('users', 'id'), 'place': ('places', 'id'),
        'media': ('media', 'media_key', 'tweet_id'), 'hashtag': ('hashtags', 'tweet_id', 'tag'),
        'poll': ('polls', 'tweet_id')}
s = {v[0]: set() for v in keys.values()}
for l in open(sys.argv[1], encoding='utf-8'):
    r = json.loads(l)
    k = keys[r['record_type']]
    s[k[0]].add(tuple(r[f] for f in k[1:]))
print(' '.join('%s %d' % (t, len(s[t])) for t in ('tweets', 'users', 'places', 'media', 'hashtags')))
PY
}

# live DIALECT CLIENT... : tw-load | CLIENT with stdin kept open; each of
# three records must be visible (through $LIVE_QUERY run by sh, printing
# the row count) within 2.5 s while the pipe stays open.
live() {
	_d=$1
	shift
	python3 - "$_d" "$@" <<'PY'
import os, subprocess, sys, time
d, client = sys.argv[1], sys.argv[2:]
q = os.environ['LIVE_QUERY']
load = subprocess.Popen(['tw-load', '-d', d, '--table', 'live', '--no-key'],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
cl = subprocess.Popen(client, stdin=load.stdout, stdout=subprocess.DEVNULL)
load.stdout.close()
try:
    for i in range(1, 4):
        load.stdin.write(b'{"n":%d,"s":"row %d"}\n' % (i, i)); load.stdin.flush()
        t0 = time.time()
        while True:
            out = subprocess.run(['sh', '-c', q], capture_output=True, text=True).stdout.strip()
            if out == str(i):
                break
            if time.time() - t0 > 2.5:
                raise SystemExit('row %d not visible after 2.5 s (count %r)' % (i, out))
            time.sleep(0.1)
finally:
    load.stdin.close()
    load.wait(10); cl.wait(10)
PY
}

# odd_names: one record whose field names the databases fold together
# ("Id", "id"), refuse (xmin, ctid: PostgreSQL system columns; 64
# bytes) or reserve (select).
odd_names() {
	printf '{"Id":1,"id":2,"xmin":3,"ctid":4,"%s":5,"%s":6,"select":7}\n' \
	    "$(printf 'a%.0s' $(seq 63))" "$(printf 'b%.0s' $(seq 64))"
}

# windows_suite DIALECT: tw-agg output grouped by a boolean, by a field
# that is mostly null, and by five text fields, each loaded from a
# prefix of the input and then from all of it, through client (stdin)
# and counted through q (a query; columns joined by '|').
windows_suite() {
	_d=$1 _n=0
	tw-gen -n 2000 --seed 3 | tw-flatten -q > wflat.ndjson
	for _g in verified place_id lang,username,source,author_id,place_id; do
		_n=$((_n + 1))
		tw-agg -w 1h -g $_g -a count,last:username,top:hashtags:3 wflat.ndjson > wa.ndjson
		head -700 wflat.ndjson | tw-agg -w 1h -g $_g -a count,last:username,top:hashtags:3 |
		    tw-load -d "$_d" -t win$_n 2> /dev/null | client
		tw-load -d "$_d" -t win$_n wa.ndjson 2> wa.err | client
		eq "windows -g $_g: nothing rejected" "$(grep -c . wa.err)" 0
		eq "windows -g $_g: a prefix then a full re-load leaves one row per window and group" \
		    "$(q "SELECT sum(count), count(*) FROM win$_n" | tr '\t' '|')" "2000|$(count_lines wa.ndjson)"
	done
}

# storage_suite DIALECT CLIENT...: tw-load --storage-query, run by the
# client (reading SQL on stdin, printing bare rows), gives tw-perf report
# the size of every star-schema table.
storage_suite() {
	_d=$1
	shift
	tw-load -d "$_d" --storage-query | "$@" > sizes.tsv 2> sizes.err
	tw-perf report --format json --storage tsv:sizes.tsv > sizes.json 2> sizes.rerr
	check "storage: --storage-query through the client gives each table's bytes to tw-perf report" python3 -c "
import json, sys
d = json.load(open('sizes.json'))
st = {s['name']: s['bytes'] for s in d['storage']}
for t in ('tweets', 'users', 'places', 'media', 'hashtags'):
    assert t in st and st[t] > 0, (t, st, open('sizes.err').read(), open('sizes.rerr').read())
"
}

# bool_suite DIALECT: an inferred column that starts boolean and then takes
# text reads the same in every database: 'true', 'false', then the text.
bool_suite() {
	printf '{"n":1,"a":true}\n{"n":2,"a":false}\n{"n":3,"a":"x"}\n' |
	    tw-load -d "$1" -t bw --batch 2 2> /dev/null | client
	eq "widened booleans read 'true' and 'false' (as the later rows write them)" \
	    "$(q "SELECT a FROM bw ORDER BY n" | tr '\n' ' ')" "true false x "
}

# near_data: generated data whose times end near now (one tweet every
# 30 s for the 20 hours up to 30 s ago, so that the last hour is a
# twentieth of it, which a planner reads by index): near.ndjson (every
# record type), nearflat.ndjson (tweets), and tw-agg results by hour
# grouped by author, by language and by hashtag (agg_author.ndjson,
# agg_lang.ndjson, agg_tag.ndjson); nearexp.txt holds the rows that the
# joins must return, as "name value" lines (see near_expect).
near_data() {
	_start=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc) - d.timedelta(seconds=72030)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
	tw-gen -n 2400 --seed 7 --event-rate 0.0333333 --start "$_start" > near.v2
	tw-flatten -q -t all near.v2 > near.ndjson
	tw-flatten -q near.v2 > nearflat.ndjson
	tw-agg -w 1h -g author_id -a count,sum:engagement,last:username nearflat.ndjson > agg_author.ndjson
	tw-agg -w 1h -g lang -a count,sum:engagement nearflat.ndjson > agg_lang.ndjson
	tw-agg -w 1h -g hashtags -a count nearflat.ndjson > agg_tag.ndjson
	FROM=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc) - d.timedelta(hours=22)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
	TO=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc) + d.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
	python3 - <<'PY' > nearexp.txt
import json
n = {'tweet': 0, 'hashtag': 0}
for l in open('near.ndjson', encoding='utf-8'):
    r = json.loads(l)
    if r['record_type'] in n:
        n[r['record_type']] += 1
print('tweets', n['tweet'])
print('hashtags', n['hashtag'])
for f in ('author', 'lang', 'tag'):
    print('agg_' + f, sum(1 for l in open('agg_%s.ndjson' % f)))
PY
}

# near_expect NAME: a number of nearexp.txt
near_expect() { sed -n "s/^$1 //p" nearexp.txt; }

# load_near DIALECT: the star schema and the three aggregate tables
# (by_author, by_lang, by_tag) of near_data, through client.
load_near() {
	tw-load -d "$1" near.ndjson | client
	tw-load -d "$1" -t by_author agg_author.ndjson | client
	tw-load -d "$1" -t by_lang agg_lang.ndjson | client
	tw-load -d "$1" -t by_tag agg_tag.ndjson | client
}

# The joins of an aggregate table with the star schema, in SQL every
# dialect runs: each tweet is in one window of its author, of its
# language and (once per tag) of each of its hashtags.
JOIN_AUTHOR="SELECT count(*) FROM by_author a JOIN users u ON u.id = a.author_id AND u.username = a.last_username JOIN tweets t ON t.author_id = a.author_id AND t.created_at >= a.window_start AND t.created_at < a.window_end"
JOIN_LANG="SELECT count(*) FROM by_lang a JOIN tweets t ON t.lang = a.lang AND t.created_at >= a.window_start AND t.created_at < a.window_end JOIN users u ON u.id = t.author_id"
JOIN_TAG="SELECT count(*) FROM by_tag a JOIN hashtags h ON h.tag = a.hashtags AND h.created_at >= a.window_start AND h.created_at < a.window_end JOIN tweets t ON t.id = h.tweet_id JOIN users u ON u.id = t.author_id"
SUMS="SELECT (SELECT sum(count) FROM by_author), (SELECT sum(count) FROM by_lang), (SELECT sum(count) FROM by_tag)"

# joins_suite: the aggregate tables join tweets and users.
joins_suite() {
	eq "aggregates: by author joins users and tweets (every tweet once)" "$(q "$JOIN_AUTHOR")" "$(near_expect tweets)"
	eq "aggregates: by language joins tweets and users (every tweet once)" "$(q "$JOIN_LANG")" "$(near_expect tweets)"
	eq "aggregates: by hashtag joins hashtags, tweets and users (every tag once)" "$(q "$JOIN_TAG")" "$(near_expect hashtags)"
	eq "aggregates: the joins count what tw-agg counted" "$(q "$SUMS" | tr '\t' '|')" "$(near_expect tweets)|$(near_expect tweets)|$(near_expect hashtags)"
	eq "aggregates: one row per window and group" \
	    "$(q "SELECT (SELECT count(*) FROM by_author), (SELECT count(*) FROM by_lang), (SELECT count(*) FROM by_tag)" | tr '\t' '|')" \
	    "$(near_expect agg_author)|$(near_expect agg_lang)|$(near_expect agg_tag)"
}

# types_suite DIALECT FILE: FILE holds "table|column|type" lines read
# from the database; each must be the type of the TYPES table of
# tw-load(1) (the aggregate tables' columns: the type of the field they
# hold), written as that database reports it.
types_suite() {
	python3 - "$1" "$2" "$TW_ROOT/man/tw-load.1" > types.diff <<'PY'
import re, sys
d, path, man = sys.argv[1:]
col = {'sqlite': 0, 'mysql': 1, 'postgres': 2}[d]
doc, on = {}, False
for l in open(man, encoding='utf-8'):
    if l.startswith('.Sh TYPES'):
        on = True
    elif l.startswith('.Sh ') or l.startswith('.El'):
        if doc:
            break
    elif on and l.startswith('.It Li '):
        cells = [c.strip() for c in l[len('.It Li '):].split(' Ta ')]
        name = cells[0].replace(' No (places)', ' (places)')
        doc[name] = cells[1 + col]
# How each database names a documented type.
seen_as = {
    'mysql': {'BIGINT': 'bigint(20)', 'DATETIME(3)': 'datetime(3)', 'VARCHAR(191)': 'varchar(191)',
              'LONGTEXT': 'longtext', 'JSON': 'longtext', 'BOOLEAN': 'tinyint(1)', 'DOUBLE': 'double'},
    'postgres': {'timestamptz': 'timestamp with time zone'},
}.get(d, {})
# Aggregate columns that hold a known field (the others are inferred).
agg = {'window_start': 'created_at', 'window_end': 'created_at', 'author_id': 'author_id',
       'last_username': 'username', 'lang': 'lang', 'hashtags': 'tag'}
bad, n, tables = [], 0, set()
for l in open(path, encoding='utf-8'):
    t, c, ty = l.rstrip('\n').split('|')
    tables.add(t)
    if t.startswith('by_'):
        f = agg.get(c)
        if f is None:
            continue
    else:
        f = c + ' (places)' if (t, c) == ('places', 'id') else c
    if f not in doc:
        bad.append('%s.%s (%s) is not in the TYPES table of tw-load(1)' % (t, c, ty))
        continue
    want = seen_as.get(doc[f], doc[f])
    n += 1
    if ty != want:
        bad.append('%s.%s is %s, documented %s (%s)' % (t, c, ty, doc[f], want))
want = {'tweets', 'users', 'places', 'media', 'hashtags', 'by_author', 'by_lang', 'by_tag'}
if tables != want:
    bad.append('tables read: %s, want %s' % (sorted(tables), sorted(want)))
print('\n'.join(bad) if bad else 'ok %d' % n)
PY
	check "types: every column of the star schema and of the aggregates has its documented type" \
	    sh -c "grep -q '^ok' types.diff || { cat types.diff; exit 1; }"
}
