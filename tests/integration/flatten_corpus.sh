#!/bin/sh
# tw-flatten on the real API corpus: every file, counts, and fields
# checked against the source payloads.
. "$TW_ROOT/tests/lib.sh"

# 1. Every file flattens without a crash, with the inventory's tweet count.
# Documented exception: a v1.1 status without "user" (a broken_* file) is
# emitted with null author fields instead of being skipped.
tab=$(printf '\t')
bad=""
n=0
tail -n +2 "$C/INVENTORY.tsv" | while IFS="$tab" read -r f shape tweets rest; do
	want=$tweets
	case $f in
	*original_format_missing_user.json) want=1 ;;
	esac
	got=$(tw-flatten -q "$C/$f" 2>"$T/err" | wc -l)
	rc=$?
	# Bad lines are allowed only where the inventory says so.
	case $shape in *bad-line*) ;; *)
		if [ -s "$T/err" ]; then echo "$f: stderr: $(head -c 200 "$T/err")"; fi ;;
	esac
	[ "$got" = "$want" ] || echo "$f: $got tweets, inventory says $want"
done > "$T/counts"
if [ -s "$T/counts" ]; then not_ok "corpus tweet counts match INVENTORY.tsv" "$(head -5 "$T/counts" | tr '\n' ';')"
else ok "corpus tweet counts match INVENTORY.tsv ($(tail -n +2 "$C/INVENTORY.tsv" | wc -l) files)"; fi

# 2. Every record type on every file: exit status 0 or 1 only, valid JSON out.
: > "$T/all.ndjson"
for f in $(tail -n +2 "$C/INVENTORY.tsv" | cut -f1); do
	tw-flatten -q -t all "$C/$f" >> "$T/all.ndjson" 2>/dev/null
	rc=$?
	[ $rc -le 1 ] || echo "$f: status $rc" >> "$T/crash"
done
if [ -f "$T/crash" ]; then not_ok "all record types on every corpus file" "$(cat "$T/crash")"
else ok "all record types on every corpus file"; fi
check "output of -t all is valid JSON with known record types" python3 -c "
import json,sys
seen=set()
for l in open('$T/all.ndjson'):
    r=json.loads(l); seen.add(r['record_type'])
assert seen=={'tweet','user','place','media','hashtag','poll'}, seen
"

# 3. Fields against the source payloads, with Python's json as the reference.
cat > "$T/check.py" <<'PY'
import json, sys, glob, html, os, re, subprocess
C = os.environ['TW_CORPUS']
errors = []
def flat(path, extra=()):
    out = subprocess.run(['tw-flatten', '-q', *extra, path], capture_output=True, text=True).stdout
    return {r['id']: r for r in map(json.loads, out.splitlines())}
def docs(path):
    txt = open(path, encoding='utf-8').read()
    try:
        yield json.loads(txt); return
    except ValueError:
        pass
    for l in txt.splitlines():
        try: yield json.loads(l)
        except ValueError: pass
def low(tags): return sorted(set(t.lower() for t in tags))
def cmp(where, name, got, want):
    if got != want:
        errors.append(f'{where}: {name}: got {got!r} want {want!r}')
ntw = 0
# v2 pages and stream lines (twarc2 output): expansions resolved from includes
for path in sorted(glob.glob(C + '/twarc-csv/*.jsonl')):
    if 'flat.jsonl' in path or 'compliance' in path: continue
    out = flat(path)
    for d in docs(path):
        if not isinstance(d, dict) or 'data' not in d: continue
        data = d['data'] if isinstance(d['data'], list) else [d['data']]
        inc = d.get('includes', {})
        users = {u['id']: u for u in inc.get('users', [])}
        tws = {t['id']: t for t in inc.get('tweets', [])}
        places = {p['id']: p for p in inc.get('places', [])}
        for t in data:
            if 'text' not in t: continue
            r = out.get(t['id']); w = f"{os.path.basename(path)}:{t['id']}"
            if r is None: errors.append(w + ': missing'); continue
            ntw += 1
            refs = {x['type']: x['id'] for x in t.get('referenced_tweets', [])}
            src = tws.get(refs['retweeted'], t) if 'retweeted' in refs else t
            text = (src.get('note_tweet') or {}).get('text') or src['text']
            cmp(w, 'text', r['text'], html.unescape(text) if '&' in text else text)
            cmp(w, 'username', r['username'], users.get(t.get('author_id'), {}).get('username'))
            cmp(w, 'ts/created_at', r['created_at'], t['created_at'])
            cmp(w, 'is_retweet', r['is_retweet'], 'retweeted' in refs)
            # a retweet has the quote facts of its original (issue 17)
            srefs = {x['type']: x['id'] for x in src.get('referenced_tweets', [])}
            cmp(w, 'quoted_id', r['quoted_id'], srefs.get('quoted') if src is not t else refs.get('quoted'))
            ent = src.get('entities', {})
            cmp(w, 'hashtags', sorted(r['hashtags']), low(h['tag'] for h in ent.get('hashtags', [])))
            cmp(w, 'mentions', sorted(r['mentions']), sorted(set(m['username'] for m in ent.get('mentions', []))))
            mk = (src.get('attachments') or t.get('attachments') or {}).get('media_keys', [])
            cmp(w, 'media keys', [m['media_key'] for m in r['media']], mk)
            pid = (t.get('geo') or {}).get('place_id')
            cmp(w, 'place_name', r['place_name'], places.get(pid, {}).get('full_name'))
            pm = t.get('public_metrics', {})
            cmp(w, 'engagement', r['engagement'], sum(pm.get(k, 0) for k in ('retweet_count','reply_count','like_count','quote_count')) if pm else None)
            cmp(w, 'source', r['source'], t.get('source'))
# v1.1: REST arrays, search pages, premium search, streaming lines
for path in sorted(glob.glob(C + '/python-twitter/*.json') + glob.glob(C + '/twitter-ruby/premium*.json') + glob.glob(C + '/tweepy/testsearchtweets*.json')):
    out = flat(path)
    for d in docs(path):
        items = d if isinstance(d, list) else d.get('statuses') or d.get('results') or [d]
        for t in items:
            if not isinstance(t, dict) or 'user' not in t or ('text' not in t and 'full_text' not in t): continue
            ntw += 1
            w = f"{os.path.basename(path)}:{t['id_str']}"
            r = out.get(t['id_str'])
            if r is None: errors.append(w + ': missing'); continue
            src = t.get('retweeted_status') or t
            text = (src.get('extended_tweet') or {}).get('full_text') or src.get('full_text') or src['text']
            cmp(w, 'text', r['text'], html.unescape(text))
            cmp(w, 'id exact', r['id'], str(t['id']))
            cmp(w, 'author', (r['author_id'], r['username']), (t['user']['id_str'], t['user']['screen_name']))
            ent = (src.get('extended_tweet') or {}).get('entities') or src.get('entities', {})
            cmp(w, 'hashtags', sorted(r['hashtags']), low(h['text'] for h in ent.get('hashtags', [])))
            cmp(w, 'retweeted_id', r['retweeted_id'], (t.get('retweeted_status') or {}).get('id_str'))
            co = (t.get('coordinates') or {}).get('coordinates')
            cmp(w, 'lon/lat', [r['lon'], r['lat']] if r['lon'] is not None else None, co)
            cmp(w, 'country_code', r['country_code'], (t.get('place') or {}).get('country_code'))
            # v1.1 source is an HTML anchor (its '<' usually sent as \u003c): its text.
            m = re.match(r'<a [^>]*>(.*)</a>$', t.get('source') or '')
            cmp(w, 'source', r['source'], m.group(1) if m else t.get('source'))
print(ntw, 'tweets checked')
if errors:
    print('\n'.join(errors[:20])); sys.exit(1)
PY
check "fields of real v2 and v1.1 tweets match the source payloads" python3 "$T/check.py"

# 4. Emoji offsets: in the flat text, each hashtag after a non-BMP emoji is
# found at the code-point offsets its source entity gives.
check "hashtags after non-BMP emoji keep code-point offsets in the flat text" python3 -c "
import json, subprocess
src = '$C/twarc-csv/withheld.jsonl'
flat = {}
for l in subprocess.run(['tw-flatten', '-q', '-f', 'id,text,hashtags', src], capture_output=True, text=True, check=True).stdout.splitlines():
    r = json.loads(l); flat[r['id']] = r
n = 0
for l in open(src):
    d = json.loads(l)
    for t in d.get('data', []):
        if t.get('referenced_tweets') or '&' in t['text']:
            continue
        for h in t.get('entities', {}).get('hashtags', []):
            if not any(ord(ch) > 0xFFFF for ch in t['text'][:h['start']]):
                continue
            r = flat[t['id']]
            seg = r['text'][h['start']:h['end']]
            assert seg[1:].lower() == h['tag'].lower(), (t['id'], seg, h)
            assert h['tag'].lower() in r['hashtags'], (t['id'], h, r['hashtags'])
            n += 1
assert n > 0, 'no emoji-before-hashtag case found'
print(n, 'hashtags after emoji checked')
"

# 5. Idempotence: flat records pass through unchanged.
tw-flatten -q -t all "$C/twarc-csv/2sets.jsonl" "$C/python-twitter/get_search_raw.json" > "$T/once"
tw-flatten -q -t all "$T/once" > "$T/twice"
same "flattening is idempotent (flat records pass through)" "$T/once" "$T/twice"
tw-flatten -q -f id,text "$T/once" > "$T/sel1"
tw-flatten -q -f id,text "$C/twarc-csv/2sets.jsonl" "$C/python-twitter/get_search_raw.json" > "$T/sel2"
same "field selection applies to flat records too" "$T/sel1" "$T/sel2"

# 6. Pretty-printed documents (as jq . writes them) read like compact ones.
jq . "$C/twarc-csv/brexit.jsonl" > "$T/pretty.json"
tw-flatten "$C/twarc-csv/brexit.jsonl" > "$T/compact.out"
tw-flatten "$T/pretty.json" > "$T/pretty.out"
same "pretty-printed page gives the same records" "$T/compact.out" "$T/pretty.out"
{ head -3 "$C/twarc-csv/streaming_output_with_error.jsonl"; jq . "$C/sns-python-twitter/apis_tweet_tweet_resp.json"; tail -n +4 "$C/twarc-csv/streaming_output_with_error.jsonl"; } > "$T/mixed.json"
tw-flatten -q "$T/mixed.json" > "$T/mixed.out" 2>/dev/null
eq "NDJSON with a pretty document and a truncated line in between" "$(wc -l < "$T/mixed.out")" 8

# 7. gzip input, and several files in order.
gzip -c "$C/twarc-csv/noflat.jsonl" > "$T/n.gz"
tw-flatten "$C/twarc-csv/noflat.jsonl" > "$T/plain.out"
tw-flatten "$T/n.gz" > "$T/gz.out"
same "gzip input is read transparently" "$T/plain.out" "$T/gz.out"

# 8. kcat -J envelopes keep topic/partition/offset.
python3 -c "
import json
for i, l in enumerate(open('$C/twarc-csv/streaming_output_with_error.jsonl')):
    print(json.dumps({'topic':'raw_tweets','partition':2,'offset':100+i,'tstype':'create','ts':1690000000000+i,'broker':1,'key':None,'payload':l.rstrip('\n')}))
print(json.dumps({'topic':'raw_tweets','partition':2,'offset':999,'tstype':'create','ts':1,'broker':1,'key':None,'payload':None}))
" > "$T/kcat.ndjson"
tw-flatten -f id,kafka_topic,kafka_partition,kafka_offset "$T/kcat.ndjson" > "$T/kcat.out" 2> "$T/kcat.err"
eq "kcat envelopes: tweets flattened" "$(wc -l < "$T/kcat.out")" 7
contains "kcat envelopes: provenance kept" "$T/kcat.out" '"kafka_topic":"raw_tweets","kafka_partition":2,"kafka_offset":100}'
contains "kcat envelope with a truncated payload is reported" "$T/kcat.err" "kcat payload: truncated JSON"

# 9. De-duplication by id, with bounded memory.
cat "$C/twarc-csv/noflat.jsonl" "$C/twarc-csv/noflat.jsonl" > "$T/twice.jsonl"
tw-flatten --dedup "$T/twice.jsonl" > "$T/dedup.out"
same "--dedup drops repeated tweets" "$T/plain.out" "$T/dedup.out"
eq "--dedup=2 still removes a repeat that comes right after" \
	"$(cat "$C/twarc-csv/cotweet.jsonl" "$C/twarc-csv/cotweet.jsonl" | tw-flatten --dedup=2 | wc -l)" 1

# 10. Dimension records: users/places/media/hashtags from a page.
tw-flatten -t users,places,media,hashtags "$C/twarc-csv/2sets.jsonl" > "$T/dims"
check "dimension records match the page includes" python3 -c "
import json
recs = [json.loads(l) for l in open('$T/dims')]
by = lambda k: [r for r in recs if r['record_type'] == k]
src = [json.loads(l) for l in open('$C/twarc-csv/2sets.jsonl')]
users = set(u['id'] for d in src for u in d['includes'].get('users', []))
assert set(r['id'] for r in by('user')) == users, 'users'
places = set(p['id'] for d in src for p in d['includes'].get('places', []))
assert set(r['id'] for r in by('place')) == places, 'places'
media = set(m for d in src for t in d['data'] + d['includes'].get('tweets', []) for m in t.get('attachments', {}).get('media_keys', []))
assert set(r['media_key'] for r in by('media')) <= media and len(by('media')) > 0, 'media'
pairs = set((t['id'], h['tag'].lower()) for d in src for t in d['data'] if not any(r['type']=='retweeted' for r in t.get('referenced_tweets',[])) for h in t.get('entities', {}).get('hashtags', []))
got = set((r['tweet_id'], r['tag']) for r in by('hashtag'))
assert pairs <= got, sorted(pairs - got)[:3]
"

# 11. CSV through libcsv: header, quoting, nulls, and a round trip.
tw-flatten -c -t tweets -f id,text,hashtags,lon "$C/twarc-csv/2sets.jsonl" > "$T/t.csv"
check "CSV output parses back to the same values" python3 -c "
import csv, json, subprocess
rows = list(csv.DictReader(open('$T/t.csv', newline='', encoding='utf-8')))
recs = [json.loads(l) for l in subprocess.run(['tw-flatten','-f','id,text,hashtags,lon','$C/twarc-csv/2sets.jsonl'],capture_output=True,text=True).stdout.splitlines()]
assert len(rows) == len(recs) == 200
for r, j in zip(rows, recs):
    assert r['id'] == j['id'] and r['text'] == j['text'], r['id']
    assert json.loads(r['hashtags']) == j['hashtags']
    assert (r['lon'] == '') == (j['lon'] is None)
"
eq "CSV header" "$(head -1 "$T/t.csv")" "id,text,hashtags,lon"
tw-flatten -c -t tweets,users "$C/twarc-csv/2sets.jsonl" > /dev/null 2> "$T/csverr"; rc=$?
eq "CSV with two record types is a usage error" "$rc" 2

# 12. --jq filters and transforms records; ids stay exact.
tw-flatten -j 'select(.lang == "ko") | {id, n: (.hashtags | length)}' "$C/twarc-csv/2sets.jsonl" > "$T/jq.out"
tw-flatten -f id,lang,hashtags "$C/twarc-csv/2sets.jsonl" > "$T/jqref"
check "--jq select and project" python3 -c "
import json
want = [(r['id'], len(r['hashtags'])) for r in map(json.loads, open('$T/jqref')) if r['lang'] == 'ko']
got = [(r['id'], r['n']) for r in map(json.loads, open('$T/jq.out'))]
assert got == want and len(got) > 0, (len(got), len(want))
"
check "--jq keeps 64-bit ids exact (as strings)" grep -qE '^\{"id":"[0-9]{19}",' "$T/jq.out"
echo '{"data":{"id":"1","text":"x"}}' | tw-flatten -j 'error("boom")' > /dev/null 2> "$T/jqerr"
contains "--jq runtime error is reported with file:line" "$T/jqerr" "<stdin>:1: jq: boom"
tw-flatten -j '.[' < /dev/null 2> "$T/jqc"; rc=$?
eq "--jq compile error is a usage error" "$rc" 2
