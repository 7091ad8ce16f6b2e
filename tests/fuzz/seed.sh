#!/bin/sh
# Builds a seed corpus for each harness in DIR/<harness>/ from the real
# API corpus, the golden test inputs and small hand-written seeds.
# Usage: tests/fuzz/seed.sh DIR
set -e
D=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=${TW_CORPUS:-$ROOT/../shared/corpus}
mkdir -p "$D/json" "$D/input" "$D/flatten" "$D/agg_opts" "$D/agg_state" "$D/csv" "$D/fetch" "$D/part" "$D/parquet"
i=0
# One document per file for the parsers, whole files for the reader.
for f in "$C"/*/*.json* "$ROOT"/tests/cases/*/*/input; do
	[ -f "$f" ] || continue
	i=$((i + 1))
	head -c 65536 "$f" > "$D/input/f$i"
	head -n 1 "$f" | head -c 65536 > "$D/json/f$i"
	cp "$D/json/f$i" "$D/flatten/f$i"
done
# Compressed input for the reader: real gzip and zstd files (skippable
# and concatenated frames too) for the decoders' error paths, and the
# harness's modes 1-3 (first byte), which compress the rest themselves.
i=0
for f in "$D"/input/f*; do
	i=$((i + 1))
	[ $i -le 12 ] || break
	head -c 16384 "$f" > "$D/input/plain.tmp"
	gzip -c "$D/input/plain.tmp" > "$D/input/gz$i"
	if command -v zstd > /dev/null 2>&1; then
		zstd -q -c "$D/input/plain.tmp" > "$D/input/zst$i"
		zstd -q -c --no-check -1 "$D/input/plain.tmp" > "$D/input/zstnock$i"
	fi
	for m in 1 2 3; do
		printf "\\00$m" > "$D/input/mode$m-$i"
		cat "$D/input/plain.tmp" >> "$D/input/mode$m-$i"
	done
done
rm -f "$D/input/plain.tmp"
if command -v zstd > /dev/null 2>&1; then
	# A skippable frame first (as pzstd writes), then two frames.
	printf 'P*M\030\004\000\000\000meta' > "$D/input/zskip"
	printf '{"a":1}\n' | zstd -q -c >> "$D/input/zskip"
	printf '{"b":2}\n' | zstd -q -c >> "$D/input/zskip"
	# A frame cut in its middle, and one followed by junk.
	head -c 60 "$D/input/zst1" > "$D/input/zcut" 2> /dev/null
	{ printf 'x\n' | zstd -q -c; printf 'junk'; } > "$D/input/zjunk"
fi
# Generated lines of each format (long, escaped, many strings: the
# two-stage parser's kind of input), when tw-gen is built.
if command -v tw-gen > /dev/null 2>&1; then
	for fmt in v2 v1 v2-page; do
		ps=
		[ "$fmt" = v2-page ] && ps="--page-size 3"
		# shellcheck disable=SC2086 # ps is empty or two words
		tw-gen -n 12 --seed 3 --format "$fmt" $ps | head -c 262144 |
		    awk -v d="$D" -v f="$fmt" '{ n++; for (h = 1; h <= 2; h++) {
		        dir = h == 1 ? "json" : "flatten"
		        print > (d "/" dir "/gen-" f "-" n); close(d "/" dir "/gen-" f "-" n) } }'
	done
fi
# kcat -J envelopes (payload a JSON string): a stream line, a page, a
# pretty page, a null payload, a truncated one.
python3 - "$C" "$D" <<'PY'
import json, sys, glob
c, d = sys.argv[1], sys.argv[2]
lines = open(c + '/twarc-csv/streaming_output_with_error.jsonl').read().splitlines()
page = open(c + '/twarc-csv/two_tweets.jsonl').readline().rstrip('\n')
payloads = [lines[0], page, json.dumps(json.loads(page), indent=2), None, lines[0][:200]]
for i, p in enumerate(payloads):
    env = {'topic': 'raw_tweets', 'partition': i, 'offset': 100 + i, 'tstype': 'create',
           'ts': 1690000000000 + i, 'broker': 1, 'key': 'k%d' % i, 'payload': p}
    for h in ('flatten', 'json', 'input'):
        open('%s/%s/kcat%d' % (d, h, i), 'w').write(json.dumps(env) + '\n')
PY
# Partition patterns, an event time (8 bytes), then values for the %{field}s.
n=0
for pat in 'year=%Y/month=%m/day=%d/hour=%H' 'lang=%{lang}/country=%{country_code}' \
	'dt=%Y-%m-%d/%{a}%{b}' 'x=%j/%M/100%%' '/abs' 'a/../b' 'a=%{' 'a=%q' 'k=%{f}/'; do
	for vals in 'en\nUS' '..\n.' 'a/b\nc=d' '\n' '%2F\n../..' '__HIVE_DEFAULT_PARTITION__\nx#y?z'; do
		n=$((n + 1))
		{ printf '%s\n' "$pat"; printf '\000\320\243\277\213\001\000\000'; printf "$vals"; } > "$D/part/s$n"
	done
done
printf '[1,"a",null,true,{"x":"y\\n"},""]' > "$D/csv/s1"
printf '["he said \\"hi\\"","a,b","line\\nbreak",1.5e3,[]]' > "$D/csv/s2"
n=0
for a in count 'sum:x,avg:x' 'top:hashtags:10,p99.9:like_count' 'distinct:u,first:id,last:id' \
	5m 500ms 1.5h 64M 10k -3 'p50:x,p95:x,max:engagement'; do
	n=$((n + 1))
	printf '%s' "$a" > "$D/agg_opts/s$n"
done
# Real states from tw-agg --partial, one per aggregate kind (first byte
# picks the kind, in the order the harness lists them).
if command -v tw-agg > /dev/null 2>&1; then
	printf '{"ts":1,"x":1}\n{"ts":2,"x":2.5}\n{"ts":3,"x":-4}\n{"ts":4,"x":7}\n' |
		tw-agg -a 'count,sum:x,avg:x,min:x,max:x,first:x,last:x,distinct:x,top:x:3,p95:x' --partial > "$D/partial.ndjson"
	python3 - "$D" <<'PY'
import json, sys
d = sys.argv[1]
rec = json.loads(open(d + '/partial.ndjson').readline())
for i, st in enumerate(rec['_state']):
    open('%s/agg_state/k%d' % (d, i), 'wb').write(bytes([i]) + json.dumps(st).encode())
PY
	rm -f "$D/partial.ndjson"
fi
# Responses for tw-gen fetch: pages (one line and pretty), error bodies,
# stream lines, rate limit headers and rules file lines.
n=0
for f in "$C"/twarc-csv/two_tweets.jsonl "$C"/twarc-csv/withheld.jsonl \
	"$C"/twarc-csv/streaming_output_with_error.jsonl "$C"/tweepy/test_client_search_recent_tweets__00.json \
	"$C"/sns-python-twitter/apis_searches_search_tweets_query.json "$C"/sns-python-twitter/streams_*.json \
	"$C"/twitter-ruby/already_*.json; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	head -c 65536 "$f" > "$D/fetch/r$n"
done
printf '{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"This stream has been disconnected upstream for operational reasons.","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}' > "$D/fetch/s1"
printf '{"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}' > "$D/fetch/s2"
printf '\r\n' > "$D/fetch/s3"
printf 'x-rate-limit-reset: 1700000002\r\n' > "$D/fetch/s4"
printf 'X-Rate-Limit-Remaining: 0\r\n' > "$D/fetch/s5"
printf 'cats\tcat has:media -grumpy\n' > "$D/fetch/s6"
printf '{"value":"dog has:images","tag":"dog pictures"}\n' > "$D/fetch/s7"
printf '{"data":[{"id":"1","text":"a"}],"meta":{"newest_id":"1","oldest_id":"1","result_count":1,"next_token":"b26v89c\\u0000"}}' > "$D/fetch/s8"
# The Parquet writer: an option byte, then NDJSON records: the golden
# inputs, flat tweets and every record type, tw-agg windows.
n=0
for f in "$ROOT"/tests/cases/pqwrite/*/input; do
	[ -s "$f" ] || continue
	for o in '\000' '\007' '\036' '\375'; do
		n=$((n + 1))
		{ printf "$o"; head -c 30000 "$f"; } > "$D/parquet/c$n"
	done
done
if command -v tw-gen > /dev/null 2>&1 && command -v tw-flatten > /dev/null 2>&1; then
	tw-gen -n 30 --seed 9 | tw-flatten -t all > "$D/all.ndjson"
	{ printf '\005'; head -c 60000 "$D/all.ndjson"; } > "$D/parquet/g1"
	{ printf '\016'; grep '"record_type":"tweet"' "$D/all.ndjson" | head -c 60000; } > "$D/parquet/g2"
	if command -v tw-agg > /dev/null 2>&1; then
		{ printf '\024'; tw-gen -n 300 --seed 9 | tw-flatten | tw-agg -w 1m -g lang \
		    -a count,avg:like_count,top:hashtags:2 2> /dev/null; } > "$D/parquet/g3"
	fi
	rm -f "$D/all.ndjson"
fi
printf '\004{"a":1}\n{"a":1.5}\n{"a":"x"}\n{"a":true,"b":null}\n{"b":[1]}\n' > "$D/parquet/s1"
printf '\044{"record_type":"tweet","id":"1","text":"\\u0000\377"}\n{"record_type":"user"}\n' > "$D/parquet/s2"
