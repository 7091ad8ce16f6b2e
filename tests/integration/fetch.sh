#!/bin/sh
# tw-gen fetch against tests/fakeapi.py, a fake API on 127.0.0.1 that
# serves real recorded pages and stream lines from the corpus: paging,
# since_id resumption, rate limits, retries, API errors, the stream's
# reconnections, rules sync, signals, and that the token never leaks.
. "$TW_ROOT/tests/lib.sh"

if ! command -v python3 > /dev/null 2>&1; then
	skip "fetch" "python3 is not installed"
	exit 0
fi
TOKEN='AAAAAAAAAAAAAAAAAAAAAFk3tWxAAAAAfake0test%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F'
TOKFILE=$T/token
printf '%s\n' "$TOKEN" > "$TOKFILE"
python3 "$TW_ROOT/tests/fakeapi.py" "$C" "$T/port" "$TOKEN" > "$T/fake.out" 2> "$T/fake.err" &
FAKE=$!
trap '{ kill $FAKE && wait $FAKE; } 2> /dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$T/port" ]; then
	not_ok "fetch: fake API starts" "$(head -c 300 "$T/fake.err")"
	exit 0
fi
API=http://127.0.0.1:$(cat "$T/port")
TW_BEARER_TOKEN=$TOKEN
export TW_BEARER_TOKEN

if command -v curl > /dev/null 2>&1; then
	get() { curl -sS "$API$1"; }
else
	get() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' "$API$1"; }
fi
ctl() { get "/_control?reset=1&$1" > /dev/null; }
ms() { date +%s%3N; }
# py FILE... CODE: runs the python CODE with the files as sys.argv[1:].
py() { python3 -c 'import sys; code = sys.argv.pop(); exec(code)' "$@"; }
fetch() { timeout 30 tw-gen fetch "$@" --api-url "$API"; }

# The fake's world, newest page first, as tw-flatten sees the source pages.
cat "$C/twarc-csv/entities_test.jsonl" "$C/twarc-csv/kpop.jsonl" \
	"$C/twarc-csv/media_policy_violation_off.jsonl" "$C/twarc-csv/noflat.jsonl" > "$T/world.src"
sed -n 4p "$C/twarc-csv/withheld.jsonl" >> "$T/world.src"
DATAIDS='import json, sys
for f in sys.argv[1:]:
    for line in open(f):
        for t in json.loads(line).get("data", []): print(t["id"])'

# ---- search: every page, one line each, same tweets as the source ----
ctl world=all
fetch search -q 'kpop OR brexit -is:retweet' > "$T/all.out" 2> "$T/all.err"
eq "fetch search: exit 0" $? 0
eq "fetch search: one line per page, all pages" "$(wc -l < "$T/all.out")" 5
check "fetch search: every line is one JSON page" py "$T/all.out" '
import json, sys
for line in open(sys.argv[1]):
    assert "data" in json.loads(line) and "meta" in json.loads(line)'
tw-flatten -q -f id "$T/world.src" | sort -u > "$T/ids.src"
tw-flatten -q -f id "$T/all.out" | sort -u > "$T/ids.out"
same "fetch search: flattens to the same tweets as the source pages" "$T/ids.src" "$T/ids.out"
eq "fetch search: tw-flatten counts match the fake's data" \
	"$(tw-flatten -q -t tweets "$T/all.out" | wc -l)" "$(tw-flatten -q -t tweets "$T/world.src" | wc -l)"
get /_log > "$T/log"
check "fetch search: follows next_token, asks for the expansions and fields, sends the token and a User-Agent" \
	py "$T/log" '
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 5, len(reqs)
assert "next_token" not in reqs[0]["query"]
assert all("next_token" in r["query"] for r in reqs[1:])
for r in reqs:
    q = r["query"]
    assert r["auth"] and r["user_agent"].startswith("twpipe/"), r
    assert q["query"] == "kpop OR brexit -is:retweet" and q["max_results"] == "100"
    assert q["expansions"] == "author_id,referenced_tweets.id,referenced_tweets.id.author_id,entities.mentions.username,attachments.media_keys,geo.place_id,in_reply_to_user_id"
    assert q["tweet.fields"].startswith("created_at,author_id,lang,source,conversation_id,public_metrics,entities")
    for k in ("user.fields", "place.fields", "media.fields"): assert k in q'
contains "fetch search: a page with data and errors reports the errors" "$T/all.err" \
	"tw-gen: api: Not Found Error: Could not find tweet with referenced_tweets.id: [1574182774923296771]."
eq "fetch search: the data of that page is passed through" \
	"$(head -1 "$T/all.out" | py /dev/stdin 'import json,sys; print(len(json.loads(open(sys.argv[1]).read())["data"]))')" 474

ctl world=all
fetch search -q kpop --max-results 10 --max-pages 2 > "$T/two.out" 2> "$T/two.err"
eq "fetch search --max-pages 2: two pages" "$(wc -l < "$T/two.out")" 2
contains "fetch search --max-pages: a warning says older tweets were skipped" "$T/two.err" "tweets older than those written are not fetched"
rm -f "$T/mp.since"
fetch search -q kpop --max-pages 1 --since-id-file "$T/mp.since" > /dev/null 2> "$T/mp.err"
contains "  ... also on a first run with a new since-id file" "$T/mp.err" "nor by a later run"
eq "fetch search --max-results 10: sent" "$(get /_log | py /dev/stdin 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["query"]["max_results"])')" 10

ctl world=pretty
fetch search -q nyc > "$T/pretty.out" 2> "$T/pretty.err"
check "fetch search: pretty-printed pages are written one page a line" py "$T/pretty.out" '
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "" and len(lines) == 3, len(lines)
assert sum(len(json.loads(l)["data"]) for l in lines[:-1]) == 20'

# ---- since_id: a cron job neither misses nor repeats tweets ----
ctl world=old
rm -f "$T/since"
fetch search -q q --since-id-file "$T/since" --start-time 2020-01-01T00:00:00Z > "$T/run1.out" 2> "$T/run1.err"
eq "fetch --since-id-file: first run exit 0" $? 0
get /_log > "$T/log1"
eq "fetch --since-id-file: no file, no since_id, start_time sent" \
	"$(py "$T/log1" 'import json,sys; q=json.loads(open(sys.argv[1]).readline())["query"]; print(q.get("since_id"), q.get("start_time"))')" \
	"None 2020-01-01T00:00:00Z"
eq "fetch --since-id-file: the file holds the newest id" "$(cat "$T/since")" \
	"$(py "$T/run1.out" "$DATAIDS" | sort -n | tail -1)"
first=$(cat "$T/since")
ctl world=all
fetch search -q q --since-id-file "$T/since" --start-time 2020-01-01T00:00:00Z > "$T/run2.out" 2> "$T/run2.err"
eq "fetch --since-id-file: second run exit 0" $? 0
eq "fetch --since-id-file: second run sends since_id, not start_time" \
	"$(get /_log | py /dev/stdin 'import json,sys; q=json.loads(open(sys.argv[1]).readline())["query"]; print(q.get("since_id"), q.get("start_time"))')" \
	"$first None"
py "$T/run1.out" "$T/run2.out" "$DATAIDS" | sort > "$T/both"
py "$T/world.src" "$DATAIDS" | sort > "$T/expect"
same "fetch --since-id-file: two runs give every tweet once (no miss, no repeat)" "$T/expect" "$T/both"
eq "fetch --since-id-file: second run fetched only newer tweets" "$(py "$T/run2.out" "$DATAIDS" | wc -l)" 474
eq "fetch --since-id-file: updated to the newest id" "$(cat "$T/since")" "$(sort -n "$T/expect" | tail -1)"
eq "fetch --since-id-file: no temporary file left" "$(ls "$T" | grep -c 'since.tmp')" 0
fetch search -q q --since-id-file "$T/since" > "$T/run3.out" 2> "$T/run3.err"
eq "fetch --since-id-file: nothing new, nothing written, file kept" "$(wc -c < "$T/run3.out") $(cat "$T/since")" \
	"0 $(sort -n "$T/expect" | tail -1)"
echo "$first" > "$T/since"
fetch search -q q --since-id-file "$T/since" > /dev/full 2> "$T/full.err"
eq "fetch --since-id-file: output fails, exit 1" $? 1
eq "fetch --since-id-file: output fails, file not updated" "$(cat "$T/since")" "$first"
echo "12ab" > "$T/badsince"
fetch search -q q --since-id-file "$T/badsince" > /dev/null 2> "$T/bad.err"
eq "fetch --since-id-file: a file without an id, exit 1" "$? $(cat "$T/bad.err")" \
	"1 tw-gen: $T/badsince: not a tweet id"

# ---- rate limits, retries, errors ----
ctl fail=429
t0=$(ms)
fetch search -q q --max-pages 1 > "$T/429.out" 2> "$T/429.err"
rc=$?
el=$(( $(ms) - t0 ))
eq "fetch 429: exit 0 after the wait" "$rc $(wc -l < "$T/429.out")" "0 1"
check "fetch 429: waits for x-rate-limit-reset, 2 s away ($el ms)" test $el -ge 2000
timing_check "fetch 429: not much longer than the reset ($el ms)" test $el -lt 10000
contains "fetch 429: says so" "$T/429.err" "tw-gen: rate limited, waiting "

ctl remaining0=1
fetch search -q q --max-pages 2 > "$T/rem.out" 2> "$T/rem.err"
eq "fetch remaining=0: exit 0" "$? $(wc -l < "$T/rem.out")" "0 2"
get /_log > "$T/remlog"
check "fetch remaining=0: the next request waits for the reset" py "$T/remlog" '
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 2 and reqs[1]["t"] - reqs[0]["t"] >= 1.9, [r["t"] for r in reqs]'
contains "fetch remaining=0: says so" "$T/rem.err" "tw-gen: rate limit used up, waiting "

ctl fail=503,503
fetch search -q q --max-pages 1 --backoff-max 100ms > "$T/503.out" 2> "$T/503.err"
eq "fetch 503: retried, then exit 0" "$? $(wc -l < "$T/503.out") $(get /_log | wc -l)" "0 1 3"
contains "fetch 503: says it tries again" "$T/503.err" "tw-gen: api: HTTP 503, trying again in 100 ms"
# The waits double: 1 s, then 2 s (capped by --backoff-max 2s).
ctl fail=503,503
fetch search -q q --max-pages 1 --backoff-max 2s > /dev/null 2> /dev/null
get /_log > "$T/bolog"
check "fetch 503: the backoff doubles, 1 s then 2 s" py "$T/bolog" '
import json, sys
t = [json.loads(l)["t"] for l in open(sys.argv[1])]
assert len(t) == 3 and 0.9 <= t[1] - t[0] < 1.6 and 1.9 <= t[2] - t[1] < 2.6, t'
ctl ''
fetch search -q q --max-pages 1 --start-time 2024-01-01T00:00:00Z --end-time 2024-01-02T00:00:00Z > /dev/null 2>&1
eq "fetch search: --start-time and --end-time are sent" \
    "$(get /_log | py /dev/stdin 'import json,sys; q=json.loads(open(sys.argv[1]).readline())["query"]; print(q.get("start_time"), q.get("end_time"))')" \
    "2024-01-01T00:00:00Z 2024-01-02T00:00:00Z"
ctl fail=503,503,503
fetch search -q q --retries 2 --backoff-max 10ms > /dev/null 2> "$T/503b.err"
eq "fetch 503: gives up after --retries, exit 1" "$? $(tail -1 "$T/503b.err")" \
	"1 tw-gen: api: HTTP 503: Service Unavailable: Service Unavailable"

ctl fail=400
fetch search -q q > "$T/400.out" 2> "$T/400.err"
eq "fetch 400: exit 1 with the problem's title and detail, and the parameter at fault" "$? $(cat "$T/400.err")" \
	"1 tw-gen: api: HTTP 400: Invalid Request: One or more parameters to your request was invalid.; Invalid 'since_id':'1'. 'since_id' must be a tweet ID created after 2024-01-01T00:00Z."
# A server that echoes the Authorization header: the token is masked.
ctl fail=echo
fetch search -q q > /dev/null 2> "$T/echo.err"
eq "fetch: an error that echoes the header shows [token], not the token" "$? $(cat "$T/echo.err")" \
	"1 tw-gen: api: HTTP 401: Unauthorized: Bad header: Authorization: Bearer [token]"
ctl fail=echoerr
fetch search -q q --max-pages 1 > "$T/echoerr.out" 2> "$T/echoerr.err"
contains "fetch: errors of a 200 page that echo the header show [token]" "$T/echoerr.err" "seen Bearer [token]"
contains "  ... and so does the page written" "$T/echoerr.out" "seen Bearer [token]"
: > "$T/empty.tok"
env -u TW_BEARER_TOKEN tw-gen fetch search -q q --token-file "$T/empty.tok" --api-url "$API" > /dev/null 2> "$T/emptytok.err"
eq "fetch: an empty --token-file: status 2, a message" "$? $(cat "$T/emptytok.err")" "2 tw-gen: --token-file: $T/empty.tok: empty"
env -u TW_BEARER_TOKEN tw-gen fetch search -q q --token "$TOKEN" --api-url "$API" > /dev/null 2> "$T/abbrev.err"
eq "fetch: --token TOKEN (a prefix of --token-file) is refused, the token not shown" "$?|$(grep -c -- "$TOKEN" "$T/abbrev.err")" "2|0"
ctl fail=403
fetch search -q q > /dev/null 2> "$T/403.err"
eq "fetch 403: a v1.1 error body is reported too" "$? $(cat "$T/403.err")" \
	"1 tw-gen: api: HTTP 403: You have already favorited this status. (code 139)"
ctl ''
TW_BEARER_TOKEN=wrong-token fetch search -q q > /dev/null 2> "$T/401.err"
eq "fetch 401: a wrong token, exit 1" "$? $(cat "$T/401.err")" "1 tw-gen: api: HTTP 401: Unauthorized: Unauthorized"
env -u TW_BEARER_TOKEN timeout 30 tw-gen fetch search -q q --max-pages 1 --api-url "$API" \
	--token-file "$TOKFILE" > "$T/tf.out" 2> "$T/tf.err"
eq "fetch --token-file: works without the environment" "$? $(wc -l < "$T/tf.out")" "0 1"
env -u TW_BEARER_TOKEN timeout 30 tw-gen fetch search -q q --api-url "$API" > /dev/null 2> "$T/notok.err"
eq "fetch: no token, exit 2" "$? $(cat "$T/notok.err")" \
	"2 tw-gen: no bearer token: set TW_BEARER_TOKEN or use --token-file"
timeout 30 tw-gen fetch search -q q --api-url http://127.0.0.1:1 --retries 1 --backoff-max 10ms > /dev/null 2> "$T/conn.err"
eq "fetch: no server, exit 1 after the retries" "$?" 1
contains "fetch: no server, says why" "$T/conn.err" "tw-gen: api: "

# ---- rules ----
ctl ''
printf '# rules for the stream\ncats\tcat has:media\n{"value":"dog has:images","tag":"dog pictures"}\n\n' > "$T/rules"
fetch rules sync --rules-file "$T/rules" > "$T/sync.out" 2> "$T/sync.err"
eq "fetch rules sync: exit 0" $? 0
contains "fetch rules sync: summary" "$T/sync.err" "tw-gen: rules: 1 kept, 1 added, 1 deleted"
get /_log > "$T/synclog"
check "fetch rules sync: deletes the extra rule, adds the missing one" py "$T/synclog" '
import json, sys
posts = [r["body"] for r in map(json.loads, open(sys.argv[1])) if r["method"] == "POST"]
assert posts == [{"delete": {"ids": ["1165037377523306498"]}},
                 {"add": [{"value": "cat has:media", "tag": "cats"}]}], posts'
fetch rules list > "$T/list.out" 2> /dev/null
check "fetch rules list: one JSON rule a line" py "$T/list.out" '
import json, sys
rules = sorted((r["value"], r.get("tag")) for r in map(json.loads, open(sys.argv[1])))
assert rules == [("cat has:media", "cats"), ("dog has:images", "dog pictures")], rules'
fetch rules sync --rules-file "$T/rules" > /dev/null 2> "$T/sync2.err"
eq "fetch rules sync: nothing to do the second time" \
	"$(cat "$T/sync2.err") $(get /_log | grep -c POST)" "tw-gen: rules: 2 kept, 0 added, 0 deleted 2"

# ---- stream: drops, operational disconnects, stalls, keep-alives, SIGTERM ----
ctl 'stream=drop:3,disconnect:2,stall:1,rest'
py "$C/twarc-csv/streaming_output_with_error.jsonl" '
import json, sys
for line in open(sys.argv[1]):
    try: d = json.loads(line)
    except ValueError: continue
    d.pop("__twarc", None); print(json.dumps(d))' > "$T/stream.expect"
: > "$T/stream.out"
tw-gen fetch stream --rules-file "$T/rules" --stall-timeout 1s --backoff-max 200ms \
	--api-url "$API" > "$T/stream.out" 2> "$T/stream.err" &
pid=$!
i=0
while [ "$(wc -l < "$T/stream.out" 2> /dev/null || echo 0)" -lt 7 ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
# The fourth connection (after the drop, the disconnect and the stall) is
# where the stream rests: stop it there.
four_streams() { [ "$(get /_log | grep -c 'search/stream"')" -ge 4 ]; }
wait_for 30 four_streams
t0=$(ms)
kill -TERM $pid
{ wait $pid; } 2> /dev/null
rc=$?
el=$(( $(ms) - t0 ))
eq "fetch stream: SIGTERM ends it by the signal" $rc 143
timing_check "fetch stream: SIGTERM ends it promptly ($el ms)" test $el -lt 2000
same "fetch stream: every tweet once, verbatim, no keep-alives, across reconnections" "$T/stream.expect" "$T/stream.out"
contains "fetch stream: reconnects after a drop" "$T/stream.err" "tw-gen: stream: transfer closed"
contains "fetch stream: reports the operational disconnect" "$T/stream.err" \
	"tw-gen: api: operational-disconnect: This stream has been disconnected upstream for operational reasons."
contains "fetch stream: reconnects after it" "$T/stream.err" "tw-gen: stream: operational disconnect, reconnecting in 200 ms"
contains "fetch stream: reconnects after a stall" "$T/stream.err" "tw-gen: stream: no data, not even a keep-alive, for the stall timeout"
get /_log > "$T/slog"
eq "fetch stream: rules synced first (get, delete, add), then 4 connections" \
	"$(py "$T/slog" 'import json,sys; print(" ".join(json.loads(l)["path"].rsplit("/",1)[1] for l in open(sys.argv[1])))')" \
	"rules rules rules stream stream stream stream"

ctl fail=429
tw-gen fetch search -q q --api-url "$API" > "$T/int.out" 2> "$T/int.err" &
pid=$!
# Once it says it waits for the rate limit.
waiting() { grep -q 'rate limit.*waiting' "$T/int.err"; }
wait_for 30 waiting
kill -TERM $pid
{ wait $pid; } 2> /dev/null
eq "fetch search: SIGTERM during a rate-limit wait ends it by the signal" $? 143

# ---- the EXAMPLES of man/tw-gen.1 that fetch, against the fake ----
ctl world=all
mkdir -p "$T/ex/home/.config/twpipe"
cp "$TOKFILE" "$T/ex/home/.config/twpipe/token"
cp "$TOKFILE" "$T/ex/token"
cp "$T/rules" "$T/ex/rules.tsv"
awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 } on && /^\.Dl / { sub(/^\.Dl /, ""); print }' \
	"$TW_ROOT/man/tw-gen.1" | sed -e 's/\\&//g' -e 's/^\$ //' | grep 'fetch ' > "$T/examples"
i=0
while IFS= read -r cmd; do
	i=$((i + 1))
	before=$(cat "$T/ex/kpop.ndjson" 2> /dev/null | wc -c)
	(cd "$T/ex" && HOME=$T/ex/home TW_API_URL=$API timeout 3 sh -c "$cmd" > out.$i 2> err.$i < /dev/null)
	rc=$?
	after=$(cat "$T/ex/kpop.ndjson" 2> /dev/null | wc -c)
	# The stream runs until stopped: timeout's 124 with tweets written is a
	# pass. Each example must write its own output (stdout, or the file it
	# appends to).
	if { [ $rc = 0 ] || [ $rc = 124 ]; } && { [ -s "$T/ex/out.$i" ] || [ "$after" -gt "$before" ]; }; then
		ok "fetch: man page example $i: $(printf '%s' "$cmd" | cut -c1-60)"
	else
		not_ok "fetch: man page example $i: $cmd" "status $rc: $(head -c 300 "$T/ex/err.$i")"
	fi
done < "$T/examples"
eq "fetch: the cron example wrote the since file" "$(cat "$T/ex/kpop.since")" "$(sort -n "$T/expect" | tail -1)"

# ---- TLS: certificates are verified ----
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.crt" \
    -days 1 -subj /CN=127.0.0.1 > /dev/null 2>&1; then
	python3 - "$T" > /dev/null 2>&1 <<'PY' &
import http.server, ssl, sys
T = sys.argv[1]
srv = http.server.HTTPServer(('127.0.0.1', 0), http.server.BaseHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(T + '/tls.crt', T + '/tls.key')
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(T + '/tls.port.tmp', 'w').write(str(srv.server_address[1]))
import os; os.rename(T + '/tls.port.tmp', T + '/tls.port')
srv.serve_forever()
PY
	TLS=$!
	n=0; while [ ! -s "$T/tls.port" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	timeout 30 tw-gen fetch search -q q --retries 0 --api-url "https://127.0.0.1:$(cat "$T/tls.port")" \
	    > "$T/tls.out" 2> "$T/tls.err"
	eq "fetch: a self-signed certificate is refused (TLS verification is on), exit 1" "$?|$(wc -c < "$T/tls.out")" "1|0"
	contains "  ... with the reason" "$T/tls.err" "certificate"
	{ kill $TLS; wait $TLS; } 2> /dev/null
else
	skip "fetch: TLS verification" "openssl cannot make a certificate"
fi

# ---- the token is never written anywhere ----
{ kill $FAKE; wait $FAKE; } 2> /dev/null
leaks=$(grep -rlF --exclude=token --exclude-dir=.config -- "$TOKEN" "$T" 2> /dev/null)
eq "fetch: the token appears in no output, message or file" "$leaks" ""
leaks=$(grep -rlE --exclude=token -- "Bearer +[^[ ]" "$T" 2> /dev/null)
eq "fetch: no Authorization header in any output" "$leaks" ""
