#!/bin/sh
# The Parquet writer (lib/tw_parquet, lib/tw_pqrec, driven by pqwrite)
# read back by readers we did not write: DuckDB (@duckdb/node-api) and
# hyparquet (with hyparquet-compressors). Every column of every record
# must equal the NDJSON input (tests/parquet/compare.py): generated and
# real tweets, every record type, hostile strings, inferred schemas and
# widening; then DuckDB's view of the metadata (codec, statistics,
# logical types), row groups skipped by a filter on created_at, and the
# failure paths (/dev/full, a full disk, a pipe that cannot be read back).
. "$TW_ROOT/tests/lib.sh"
if ! command -v node > /dev/null 2>&1; then
	skip "parquet readers" "node is not installed (make deps installs it)"
	exit 0
fi
J=$TW_ROOT/tests/js
CMP=$TW_ROOT/tests/parquet/compare.py
cd "$T" || exit 1

duck() { node "$J/duckdb.mjs" "$@"; }

# readers NAME FILE INPUT [compare.py options]: both readers give back
# the input, column by column.
readers() {
	_n=$1 _f=$2 _in=$3
	shift 3
	if node "$J/hyparquet.mjs" "$_f" > "$_f.hy" 2> "$_f.err" &&
	    python3 "$CMP" "$_in" "$_f.hy" "$@" > "$_f.cmp" 2>&1; then
		ok "hyparquet reads back $_n: $(cat "$_f.cmp")"
	else
		not_ok "hyparquet reads back $_n" "$(cat "$_f.err" "$_f.cmp" | head -4 | tr '\n' ' ' | cut -c1-400)"
	fi
	if duck "SET TimeZone='UTC'" "COPY (SELECT * FROM read_parquet('$_f')) TO '$_f.duck' (FORMAT JSON)" \
	    > /dev/null 2> "$_f.err" && python3 "$CMP" "$_in" "$_f.duck" "$@" > "$_f.cmp" 2>&1; then
		ok "duckdb reads back $_n: $(cat "$_f.cmp")"
	else
		not_ok "duckdb reads back $_n" "$(cat "$_f.err" "$_f.cmp" | head -4 | tr '\n' ' ' | cut -c1-400)"
	fi
}

# split_kinds IN PREFIX: one file per record_type, PREFIX.KIND.ndjson.
split_kinds() {
	for k in tweet user place media hashtag; do
		grep "^{\"record_type\":\"$k\"" "$1" > "$2.$k.ndjson"
	done
}

# 1. Generated tweets, every codec; small row groups and pages for one.
tw-gen -n 3000 --seed 11 | tw-flatten > gen.ndjson
for c in snappy zstd gzip none; do
	pqwrite -c $c -o gen.$c.parquet gen.ndjson 2> gen.err
	eq "pqwrite -c $c: status 0, nothing on stderr" "$?:$(cat gen.err)" "0:"
done
readers "3000 generated tweets (snappy)" gen.snappy.parquet gen.ndjson
readers "3000 generated tweets (zstd)" gen.zstd.parquet gen.ndjson
node "$J/hyparquet.mjs" gen.gzip.parquet > gz.hy && node "$J/hyparquet.mjs" gen.none.parquet > none.hy
same "gzip and uncompressed files hold the same rows as snappy (hyparquet)" gz.hy gen.snappy.parquet.hy
same "  ... and uncompressed" none.hy gen.snappy.parquet.hy
pqwrite -c zstd -g 64k -p 8k -o small.parquet gen.ndjson
readers "tweets in 64 KiB row groups and 8 KiB pages" small.parquet gen.ndjson
# Every test must be able to fail: a changed id is found.
sed '1s/"id":\([0-9]*\)[0-9],/"id":\14,/' small.parquet.hy > tampered.hy
if python3 "$CMP" gen.ndjson tampered.hy > /dev/null 2>&1; then
	not_ok "the comparison finds a changed id"
else
	ok "the comparison finds a changed id"
fi

# 1b. The DELTA encodings (DELTA_BINARY_PACKED for integers,
# DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY for strings), chosen per
# chunk where they make the page smaller: integers that step up and down,
# across zero, to the int64 extremes and back, nulls, all equal; strings
# sharing prefixes (one split inside a UTF-8 character), empty, null,
# unique text; a dictionary outgrown in the middle of a chunk (dictionary
# pages, then DELTA_BYTE_ARRAY pages); pages split, row groups, one value;
# integers of a few values in a dictionary, and such a column widened to
# double, then string, after row groups were written (read back).
cat > delta.py <<'PY'
import json, random, sys
rnd = random.Random(5)
M = 2**63
words = ["alpha", "beta", "gamma", "delta", "ñandú", "🔥", "e\u0301", "mot", "x" * 40]
out = sys.stdout
n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
vals = [rnd.randrange(-M, M) for _ in range(40)] + [0, -M, M - 1]
wvals = [rnd.randrange(-2**52, 2**52) for _ in range(40)]  # exact as doubles
for i in range(n):
    r = {"k": "delta"}
    # n: steps up and down, across zero, int64 extremes, nulls.
    if i % 97 == 5:
        r["n"] = None
    elif i % 400 == 17:
        r["n"] = [-M, M - 1, 0, -1][(i // 400) % 4]
    elif 1000 <= i < 1500:
        r["n"] = 100000 - i * 13
    else:
        r["n"] = i * 7 - 5000
    r["c"] = 42
    # u: shared prefixes (one split inside a UTF-8 character), empty, null.
    if i % 17 == 3:
        r["u"] = None
    elif i % 13 == 4:
        r["u"] = ""
    elif i % 10 == 0:
        r["u"] = ["éa", "èa"][i // 10 % 2] + str(i)
    else:
        r["u"] = "https://example.com/ü/status/%d" % (1741610183685509317 + i * 4194304 * 10 + rnd.randrange(4194304))
    # t: unique text, no shared prefix.
    r["t"] = None if i % 11 == 6 else " ".join(rnd.choice(words) for _ in range(rnd.randrange(0, 30))) + " #%d" % i
    # m: a few values, then unique ones past the dictionary's bound.
    r["m"] = "lang%d" % (i % 5) if i < n // 2 else "m-%d-%s" % (i, rnd.choice(words))
    # d: integers of a few scattered values (a dictionary pays).
    r["d"] = rnd.choice(vals)
    # w: the same, widened to double, then to string, late in the file.
    r["w"] = rnd.choice(wvals) if i < n * 5 // 6 or n < 100 else (1.5 if i < n * 11 // 12 else "x%d" % i)
    out.write(json.dumps(r, ensure_ascii=False) + "\n")
PY
python3 delta.py 3000 > delta.ndjson
python3 delta.py 1 > delta1.ndjson
pqwrite -c zstd -o delta.zstd.parquet delta.ndjson
pqwrite -c none -p 8k -o delta.none.parquet delta.ndjson
pqwrite -c snappy -g 16k -p 4k -o delta.rg.parquet delta.ndjson
pqwrite -c none -p 2k -d 1k -o delta.mixed.parquet delta.ndjson
pqwrite -c none -o delta1.parquet delta1.ndjson
readers "DELTA encodings (zstd)" delta.zstd.parquet delta.ndjson
readers "DELTA encodings, uncompressed, 8 KiB pages" delta.none.parquet delta.ndjson
readers "DELTA encodings, 16 KiB row groups, 4 KiB pages" delta.rg.parquet delta.ndjson
readers "a dictionary outgrown: dictionary then DELTA_BYTE_ARRAY pages" delta.mixed.parquet delta.ndjson
readers "one value DELTA_BINARY_PACKED (a header alone)" delta1.parquet delta1.ndjson
encs() { duck "SELECT path_in_schema, string_agg(DISTINCT encodings, ' / ' ORDER BY encodings) FROM parquet_metadata('$1') GROUP BY ALL ORDER BY 1" | tr '\t\n' ':|'; }
# c (all equal) takes a one-value dictionary: its estimates (zstd level
# 1, a sample of 1,024 values) put it 2 bytes under DELTA_BINARY_PACKED.
eq "the encodings chosen (zstd)" "$(encs delta.zstd.parquet)" \
	"c:PLAIN, RLE, RLE_DICTIONARY|d:PLAIN, RLE, RLE_DICTIONARY|k:PLAIN, RLE, RLE_DICTIONARY|m:PLAIN, RLE, RLE_DICTIONARY|n:RLE, DELTA_BINARY_PACKED|t:RLE, DELTA_LENGTH_BYTE_ARRAY|u:PLAIN, RLE|w:PLAIN, RLE, RLE_DICTIONARY|"
eq "the encodings chosen (uncompressed)" "$(encs delta.none.parquet)" \
	"c:PLAIN, RLE, RLE_DICTIONARY|d:PLAIN, RLE, RLE_DICTIONARY|k:PLAIN, RLE, RLE_DICTIONARY|m:PLAIN, RLE, RLE_DICTIONARY|n:RLE, DELTA_BINARY_PACKED|t:RLE, DELTA_BYTE_ARRAY|u:RLE, DELTA_BYTE_ARRAY|w:PLAIN, RLE, RLE_DICTIONARY|"
eq "  ... a chunk of dictionary and DELTA_BYTE_ARRAY pages" "$(encs delta.mixed.parquet | tr '|' '\n' | grep '^m:')" \
	"m:PLAIN, RLE, DELTA_BYTE_ARRAY, RLE_DICTIONARY"
eq "  ... one value" "$(encs delta1.parquet | tr '|' '\n' | grep '^n:')" "n:RLE, DELTA_BINARY_PACKED"
# zstd's three kinds of page in one file: level 1 (random hex: level 3
# does no better on the sample), the file's level (short text) and, over
# 1 MiB, text with big match tables (a 2 MB page).
cat > zmix.py <<'PY'
import json, random
rnd = random.Random(21)
words = ["river", "stone", "ñandú", "🔥", "東京", "light", "e\u0301", "open", "x" * 30, "quiet"]
for i in range(400):
    r = {"k": "zmix", "h": "%032x" % rnd.getrandbits(128)}
    r["w"] = " ".join(rnd.choice(words) for _ in range(rnd.randrange(1, 12)))
    r["t"] = None if i % 50 == 7 else " ".join(rnd.choice(words) + str(rnd.randrange(1000)) for _ in range(rnd.randrange(300, 600)))
    print(json.dumps(r, ensure_ascii=False))
PY
python3 zmix.py > zmix.ndjson
pqwrite -c zstd -o zmix.parquet zmix.ndjson
readers "zstd pages at level 1, at level 3 and with big tables (2 MB of text)" zmix.parquet zmix.ndjson
pqwrite -c none -p 8k --plain -o delta.plain.parquet delta.ndjson
readers "--plain: PLAIN and dictionary only" delta.plain.parquet delta.ndjson
eq "  ... no DELTA encoding" "$(encs delta.plain.parquet | grep -c DELTA)" 0
tw-load --format parquet --codec zstd -o load.parquet gen.ndjson
tw-load --format parquet --codec zstd --no-delta -o load.nodelta.parquet gen.ndjson
readers "tw-load --no-delta" load.nodelta.parquet gen.ndjson
eq "  ... no DELTA encoding (tw-load uses them without it)" \
	"$(encs load.nodelta.parquet | grep -c DELTA):$(encs load.parquet | grep -c DELTA)" 0:1

# 2. Every record type (users, places, media, hashtags), from v2 and v1.1
# shaped input.
tw-gen -n 1500 --seed 12 | tw-flatten -t all > all.ndjson
tw-gen -n 800 --seed 13 --format v1 | tw-flatten -t all > v1.ndjson
split_kinds all.ndjson all
split_kinds v1.ndjson v1
for k in user place media hashtag; do
	pqwrite -c snappy -o all.$k.parquet all.$k.ndjson
	readers "generated ${k} records" all.$k.parquet all.$k.ndjson
done
pqwrite -c zstd -o v1.tweet.parquet v1.tweet.ndjson
readers "tweets flattened from v1.1 payloads" v1.tweet.parquet v1.tweet.ndjson

# 3. The real corpus, every record type.
: > corpus.ndjson
for f in $(tail -n +2 "$C/INVENTORY.tsv" | cut -f1); do
	tw-flatten -q -t all "$C/$f" >> corpus.ndjson 2> /dev/null
done
split_kinds corpus.ndjson corpus
for k in tweet user place media hashtag; do
	pqwrite -c snappy -o corpus.$k.parquet corpus.$k.ndjson 2> corpus.$k.err
	eq "corpus ${k}s: written without a bad record" "$?:$(head -c 200 corpus.$k.err)" "0:"
	readers "$(wc -l < corpus.$k.ndjson | tr -d ' ') ${k} records of the real corpus" corpus.$k.parquet corpus.$k.ndjson
done

# 4. Hostile strings: quotes, backslashes, newlines, tabs, NUL, emoji,
# 100 KB text, empty, null and long lists, extreme ids and times,
# invalid UTF-8 and lone surrogates, wrong types.
python3 - > hostile.ndjson <<'PY'
import json, sys
out = sys.stdout.buffer
def rec(i, **kw):
    r = {"record_type": "tweet", "id": str(1000 + i), "created_at": "2024-01-01T00:00:00.000Z",
         "lang": "en", "text": "t", "hashtags": [], "media": [], "lon": None, "verified": False}
    r.update(kw)
    return json.dumps(r, ensure_ascii=False).encode()
lines = [
    rec(1, text='he said "hi" \\ back\\slash'),
    rec(2, text="line\nbreak\r\nand\ttab"),
    rec(3, text="nul\u0000in\u0000the middle\u0000", name="\u0000"),
    rec(4, text="emoji 🔥😂🥺 and 𝕏 and e\u0301"),
    rec(5, text="x" * 100000),
    rec(6, text=""),
    rec(7, hashtags=None, mentions=None, urls=None),
    rec(8, hashtags=["h%d" % k for k in range(1000)]),
    rec(9, id="9223372036854775807", conversation_id="1", retweeted_id="0"),
    rec(10, created_at="1969-12-31T23:59:59.999Z"),
    rec(11, created_at="9999-12-31T23:59:59.999Z"),
    rec(12, created_at="2024-02-29T12:34:56.789123Z", ts=1709210096789),
    rec(13, lon=-179.999999, lat=89.5, verified=True),
    rec(14, media=[{"media_key": "3_1", "type": "photo", "url": "u1"}, {"media_key": "7_2", "type": "video", "url": None}]),
    rec(15, media=None, hashtags=[None, "", "ü"]),
    rec(16, text="quote ' and \u2028 separator", source="<a href=\"x\">x</a>"),
    rec(17, created_at="Wed Oct 10 20:19:24 +0000 2018"),
]
for l in lines:
    out.write(l + b"\n")
# Invalid UTF-8, a lone surrogate, wrong types, a value over --max-value.
out.write(b'{"record_type":"tweet","id":"2001","text":"bad \xff byte"}\n')
out.write(b'{"record_type":"tweet","id":"2002","text":"lone \\ud800 surrogate"}\n')
out.write(b'{"record_type":"tweet","id":"not a number"}\n')
out.write(b'{"record_type":"tweet","id":"2004","like_count":1.5}\n')
out.write(b'{"record_type":"tweet","id":"2005","hashtags":"x"}\n')
out.write(b'{"record_type":"tweet","id":"2006","user_location":"' + b"y" * 200001 + b'"}\n')
out.write(b'{"record_type":"user","id":"2007"}\n')
out.write(rec(18, text="after the bad ones") + b"\n")
PY
pqwrite -c zstd --max-value 150000 -r rej -o hostile.parquet hostile.ndjson 2> hostile.err
eq "hostile input: status 0" "$?" 0
readers "hostile strings (NUL removed, 100 KB text, 1000-element list, extreme ids and times)" \
	hostile.parquet hostile.ndjson --reasons rej.reasons
cut -f2 rej.reasons > reasons.txt
cat > want_reasons.txt <<'EOF'
field 'text': invalid UTF-8
field 'text': invalid UTF-8 (a lone surrogate)
field 'id': not an id that fits int64
field 'like_count': not an integer that fits int64
field 'hashtags': not a list
field 'user_location': value longer than 150000 bytes
EOF
same "bad values rejected with their reasons, in order" want_reasons.txt reasons.txt
eq "the rejects file keeps the bad lines verbatim" "$(wc -l < rej)" 6
contains "the summary counts NUL bytes removed and the other kind" hostile.err \
	"6 bad, 1 of another kind, 4 NUL bytes removed"
pqwrite -c snappy --repair-utf8 --max-value 150000 -r rej2 -o repaired.parquet hostile.ndjson 2> /dev/null
readers "hostile strings with --repair-utf8 (U+FFFD)" repaired.parquet hostile.ndjson --reasons rej2.reasons --repair
eq "--repair-utf8: only the wrong types and the long value are rejected" "$(wc -l < rej2)" 4

# 5. Partition columns left out.
pqwrite -x lang,created_at -o omit.parquet gen.ndjson
duck "SELECT count(*) FROM parquet_schema('omit.parquet') WHERE name IN ('lang', 'created_at')" > omit.n
eq "omitted columns are not in the file" "$(cat omit.n)" 0
readers "tweets without the partition columns" omit.parquet gen.ndjson --omit lang,created_at

# 6. Inferred schemas: tw-agg windows (timestamps), a widening in a file
# whose row groups are already written.
tw-agg -w 1m -g lang -a count,avg:followers_count,p50:engagement,top:hashtags:3 gen.ndjson > agg.ndjson 2> /dev/null
pqwrite -c zstd -o agg.parquet agg.ndjson
readers "tw-agg windows (inferred schema)" agg.parquet agg.ndjson
duck "SELECT name || ':' || coalesce(converted_type, type) FROM parquet_schema('agg.parquet') WHERE name <> 'schema'" | tr '\n' ' ' > agg.schema
eq "tw-agg windows: timestamps, counts, doubles, JSON" "$(cat agg.schema)" \
	"window_start:TIMESTAMP_MILLIS window_end:TIMESTAMP_MILLIS lang:UTF8 count:INT64 avg_followers_count:DOUBLE p50_engagement:DOUBLE top_hashtags:JSON top_hashtags_approx:BOOLEAN final:BOOLEAN "
python3 - > widen.ndjson <<'PY'
import json
for i in range(4000):
    r = {"k": i, "flag": i % 3 == 0, "when": "2024-01-01T00:00:%02d.000Z" % (i % 60), "v": [i]}
    if i == 3000: r["k"] = 0.5
    if i == 3100: r["flag"] = "sometimes"
    if i == 3200: r["when"] = "soon"
    if i == 3300: r["extra"] = "late column"
    print(json.dumps(r))
PY
pqwrite -g 16k -o widen.parquet widen.ndjson 2> widen.err
readers "inferred columns widened after row groups were written" widen.parquet widen.ndjson
contains "each widening is reported once, where it happened" widen.err "widen.ndjson:3001: column 'k' widened from int64 to double"
eq "  ... three of them" "$(grep -c "widened from" widen.err)" 3
duck "SELECT count(DISTINCT row_group_id) > 5, min(type) = max(type) FROM parquet_metadata('widen.parquet') WHERE path_in_schema = 'k'" > widen.rg
eq "  ... across many row groups, all of the new type" "$(cat widen.rg)" "$(printf 'true\ttrue')"
pqwrite -q -g 16k widen.ndjson 2> widen_pipe.err | cat > pipe.parquet
contains "into a pipe the widening cannot read back: the record is rejected, saying why" widen_pipe.err \
	"3 bad"

# 7. What DuckDB sees: codecs, statistics, logical types.
for c in snappy:SNAPPY zstd:ZSTD gzip:GZIP none:UNCOMPRESSED; do
	duck "SELECT DISTINCT compression FROM parquet_metadata('gen.${c%%:*}.parquet')" > codec.out
	eq "parquet_metadata: codec ${c#*:}" "$(cat codec.out)" "${c#*:}"
done
duck "SELECT stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata('gen.zstd.parquet') WHERE path_in_schema = 'id'" > idstat.out
python3 - gen.ndjson idstat.out <<'PY' > idstat.check
import json, sys
ids = [int(json.loads(l)['id']) for l in open(sys.argv[1])]
mn, mx, nulls = open(sys.argv[2]).read().split('\t')
print('ok' if (int(mn), int(mx), int(nulls)) == (min(ids), max(ids), 0) else 'bad %s %s %s' % (mn, mx, nulls))
PY
eq "statistics: id min and max exact, no nulls" "$(cat idstat.check)" ok
duck "SELECT stats_min_value, stats_max_value FROM parquet_metadata('gen.zstd.parquet') WHERE path_in_schema = 'lang'" > lang.out
eq "statistics: lang min and max" "$(cat lang.out)" "$(python3 -c "
import json
l = sorted({json.loads(x)['lang'] for x in open('gen.ndjson')} - {None}, key=lambda s: s.encode())
print(l[0] + '\t' + l[-1])")"
duck "SELECT count(*) FROM parquet_metadata('gen.zstd.parquet') WHERE stats_null_count IS NULL" > nostat.out
eq "statistics: null_count in every column chunk" "$(cat nostat.out)" 0
duck "SELECT encodings FROM parquet_metadata('gen.zstd.parquet') WHERE path_in_schema IN ('lang', 'source', 'text') ORDER BY path_in_schema" | tr '\n' '|' > enc.out
eq "dictionary for lang and source, DELTA_LENGTH_BYTE_ARRAY for text" "$(cat enc.out)" "PLAIN, RLE, RLE_DICTIONARY|PLAIN, RLE, RLE_DICTIONARY|RLE, DELTA_LENGTH_BYTE_ARRAY|"
duck "SELECT name, coalesce(logical_type, ''), repetition_type FROM parquet_schema('gen.zstd.parquet') WHERE name IN ('id', 'created_at', 'text', 'verified', 'lon', 'hashtags', 'media', 'media_key') ORDER BY name" > schema.out
cat > schema.want <<'EOF'
created_at	TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=MilliSeconds(), MICROS=<null>, NANOS=<null>))	OPTIONAL
hashtags	ListType()	OPTIONAL
id		OPTIONAL
lon		OPTIONAL
media	ListType()	OPTIONAL
media_key	StringType()	OPTIONAL
text	StringType()	OPTIONAL
verified		OPTIONAL
EOF
same "parquet_schema: the logical types" schema.want schema.out
duck "SELECT typeof(id), typeof(created_at), typeof(hashtags), typeof(media), typeof(lon), typeof(verified) FROM read_parquet('gen.zstd.parquet') LIMIT 1" > types.out
eq "DuckDB's column types" "$(cat types.out)" "$(printf 'BIGINT\tTIMESTAMP WITH TIME ZONE\tVARCHAR[]\tSTRUCT(media_key VARCHAR, "type" VARCHAR, url VARCHAR)[]\tDOUBLE\tBOOLEAN')"

# 8. A filter on created_at skips row groups: with several row groups in
# time order, garble every data page of the row groups whose statistics
# exclude the filter; the filtered query still answers right (DuckDB did
# not read them) while a scan of the whole file fails.
pqwrite -c snappy -g 256k -o skip.parquet gen.ndjson
duck "SELECT row_group_id, min(coalesce(dictionary_page_offset, data_page_offset)), sum(total_compressed_size), max(CASE WHEN path_in_schema = 'created_at' THEN stats_max_value END) FROM parquet_metadata('skip.parquet') GROUP BY row_group_id ORDER BY row_group_id" > rg.out
nrg=$(wc -l < rg.out | tr -d ' ')
check "several row groups ($nrg)" test "$nrg" -ge 4
cut=$(sed -n "$((nrg - 1))p" rg.out | cut -f4)
duck "SELECT count(*), sum(like_count) FROM read_parquet('skip.parquet') WHERE created_at > TIMESTAMPTZ '$cut'" > skip.want
python3 - skip.parquet rg.out "$cut" <<'PY'
import sys
f, rgs, cut = sys.argv[1], sys.argv[2], sys.argv[3]
data = bytearray(open(f, 'rb').read())
for line in open(rgs):
    rg, off, size, mx = line.rstrip('\n').split('\t')
    if mx <= cut:    # every created_at in it is at or before the cut
        off, size = int(off), int(size)
        data[off:off + size] = b'\xee' * size
open('garbled.parquet', 'wb').write(data)
PY
duck "SELECT count(*), sum(like_count) FROM read_parquet('garbled.parquet') WHERE created_at > TIMESTAMPTZ '$cut'" > skip.got 2> skip.err
eq "created_at filter: the garbled row groups were skipped ($(cat skip.want | tr '\t' ' ') rows)" "$(cat skip.got)" "$(cat skip.want)"
check "  ... and they are unreadable: a full scan fails" sh -c "! node '$J/duckdb.mjs' \"SELECT sum(like_count) FROM read_parquet('garbled.parquet')\" > /dev/null 2>&1"

# 9. Byte-stable: the same input gives the same bytes, whatever the time.
SOURCE_DATE_EPOCH=1 pqwrite -c zstd -o st1.parquet all.user.ndjson
sleep 1
SOURCE_DATE_EPOCH=2000000000 pqwrite -c zstd -o st2.parquet all.user.ndjson
check "byte-stable output" cmp st1.parquet st2.parquet

# 10. Write errors: /dev/full, a full disk, a closed pipe.
pqwrite -o /dev/full gen.ndjson 2> full.err
eq "/dev/full: status 1" "$?" 1
contains "/dev/full: the message names the cause" full.err "pqwrite: /dev/full: write: No space left on device"
pqwrite gen.ndjson 2> full1.err > /dev/full
eq "stdout on /dev/full: status 1" "$?" 1
if [ "$(id -u)" = 0 ] && mkdir -p tiny && mount -t tmpfs -o size=256k tmpfs tiny 2> /dev/null; then
	pqwrite -c none -g 64k -o tiny/p.parquet gen.ndjson 2> tiny.err
	eq "full disk: status 1" "$?" 1
	contains "full disk: ENOSPC named" tiny.err "No space left on device"
	umount tiny
else
	skip "full disk" "cannot mount a tmpfs (not root)"
fi
(trap '' PIPE; pqwrite -g 64k gen.ndjson 2> pipe.err | head -c 10 > /dev/null; echo $? > pipe.rc)
eq "closed pipe: quiet" "$(cat pipe.err)" ""
