#!/bin/sh
# tw-plot: charts from real tw-agg output are valid XML and deterministic;
# the dashboard is one self-contained page, written atomically, with a
# placeholder for a missing input; headless Chromium loads it and draws
# every chart (DOM and screenshot checks), and tests/js/dashboard.mjs
# works it: hover, partial windows, legends, columns, refresh in place.
. "$TW_ROOT/tests/lib.sh"

# Chromium comes from Debian (make deps will install it; see tests/deps.sh).
if ! command -v chromium > /dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium > "$T/apt.log" 2>&1
fi

cd "$T" || exit 1
if command -v tw-gen > /dev/null 2>&1; then
	tw-gen -n 20000 --event-rate 5 --seed 3 2> /dev/null | tw-flatten -q > flat.ndjson
else
	tw-flatten -q "$C"/twarc-csv/*.jsonl > flat.ndjson 2> /dev/null
fi
tw-agg -w 1m -g lang -a count,avg:engagement flat.ndjson > agg_lang.ndjson 2> /dev/null
tw-agg -a top:hashtags:15 flat.ndjson > top.ndjson 2> /dev/null
tw-agg -g lang -a count,avg:engagement flat.ndjson > by_lang.ndjson 2> /dev/null
tw-agg -w 1m -g lang -a count -e update --interval 1ms flat.ndjson > upd.ndjson 2> /dev/null

cat > xmlok.py <<'PY'
import sys, xml.etree.ElementTree as E
for f in sys.argv[1:]:
    r = E.parse(f).getroot()
    assert r.tag == '{http://www.w3.org/2000/svg}svg', f
PY

check "line chart by language" tw-plot line -x window_start -y count --by lang -o lang.svg agg_lang.ndjson
check "hbar of a top-k list" tw-plot hbar -y top_hashtags --title "Top <hashtags> & co" -o top.svg top.ndjson
check "grouped bars" tw-plot bar -x lang -y count,avg_engagement --sort --limit 12 -o lang_bar.svg by_lang.ndjson
check "line chart from update records" tw-plot line -x window_start -y count --by lang -o upd.svg upd.ndjson
check "empty input" tw-plot bar -x lang -y count -o empty.svg /dev/null
check "every SVG is well-formed XML" python3 xmlok.py lang.svg top.svg lang_bar.svg upd.svg empty.svg
contains "empty chart says no data" empty.svg ">no data</text>"
contains "title is escaped" top.svg "Top &lt;hashtags&gt; &amp; co"
tw-plot line -x window_start -y count --by lang agg_lang.ndjson > lang2.svg
same "same input, same bytes" lang.svg lang2.svg
# Early results are replaced by final ones: the update run draws the same chart.
if grep -q '"final":false' upd.ndjson; then ok "tw-agg -e update wrote early results"; else
	skip "tw-agg -e update wrote early results" "none at this speed"; fi
tw-plot line -x window_start -y count --by lang upd.ndjson > upd2.svg
same "update records: last value per window and series" lang.svg upd2.svg
eq "lines drawn: at most 10 series" "$(grep -o '<path [^>]*stroke="#[0-9a-f]*"' lang.svg | grep -v partial-key | grep -o 'stroke="#[0-9a-f]*"' | sort -u | wc -l | tr -d ' ')" 10
contains "more than 10 series: a note" lang.svg "the 10 with the largest totals are shown"
eq "no temporary file left" "$(ls -a | grep -c '\.tmp\.')" 0

# Write errors.
tw-plot line -x window_start -y count agg_lang.ndjson > /dev/full 2> err.txt
eq "stdout /dev/full: status 1" $? 1
tw-plot line -x window_start -y count -o /dev/full agg_lang.ndjson 2> err.txt
eq "-o /dev/full: status 1" $? 1

# A full disk: the chart and the page of the last good run stay whole,
# and no temporary file is left.
if [ "$(id -u)" = 0 ] && mkdir -p tiny && mount -t tmpfs -o size=24k tmpfs tiny 2> /dev/null; then
	echo '{"t":1,"v":2}' | tw-plot line -x t -y v -o tiny/keep.svg
	cp tiny/keep.svg keep.before
	printf 'chart line -x t -y v %s/small.ndjson\n' "$T" > tiny.spec
	echo '{"t":1,"v":2}' > small.ndjson
	tw-plot dashboard tiny.spec -o tiny/index.html
	cp tiny/index.html index.before
	python3 -c "
for i in range(6000): print('{\"t\":%d,\"v\":%d,\"s\":\"s%d\"}' % (i, i * 7919 % 1000, i % 10))" > big.ndjson
	tw-plot line -x t -y v --by s -o tiny/keep.svg big.ndjson 2> full.err
	eq "full disk: chart: status 1" $? 1
	contains "full disk: chart: a message" full.err "tiny/keep.svg: No space left on device"
	same "full disk: the last good chart is intact" keep.before tiny/keep.svg
	printf 'chart line -x t -y v --by s %s/big.ndjson\n' "$T" > tiny.spec
	tw-plot dashboard tiny.spec -o tiny/index.html 2> full.err
	eq "full disk: dashboard: status 1" $? 1
	same "full disk: the last good page is intact" index.before tiny/index.html
	eq "full disk: no temporary file left" "$(ls -a tiny | grep -c '\.tmp\.')" 0
	umount tiny
else
	skip "full disk for a chart and a page" "needs root to mount a small tmpfs"
fi

# The dashboard.
mkdir -p spec
cp agg_lang.ndjson top.ndjson by_lang.ndjson spec/
sed 's/missing\.ndjson/gone.ndjson/' "$TW_ROOT/examples/dashboard.spec" > spec/dash.spec
tw-plot dashboard spec/dash.spec -o www/index.html 2> dash.err
eq "dashboard with a missing input: status 1" $? 1
contains "missing input: warning" dash.err "gone.ndjson: No such file or directory"
contains "missing input: placeholder panel" www/index.html "cannot read spec/gone.ndjson: No such file or directory"
contains "refresh interval from the spec" www/index.html '<body data-refresh="300">'
contains "without a script the page reloads whole" www/index.html '<noscript><meta http-equiv="refresh" content="300"></noscript>'
contains "last updated" www/index.html "last updated "
contains "records note" www/index.html "records from agg_lang.ndjson"
eq "one inline script, no external resources" "$(grep -Eci '<img|<link|src=|@import|url\(|href=|<iframe|<object' www/index.html)|$(grep -c '<script>' www/index.html)" "0|1"
eq "dashboard: no temporary file left" "$(ls -a www | grep -c '\.tmp\.')" 0
cat > htmlok.py <<'PY'
import sys, re, xml.etree.ElementTree as E
from html.parser import HTMLParser
s = open(sys.argv[1], encoding='utf-8').read()
class P(HTMLParser):
    void = {'meta', 'br', 'img', 'link', 'input', 'hr'}
    def __init__(self):
        super().__init__(); self.stack = []
    def handle_starttag(self, t, a):
        if t not in self.void: self.stack.append(t)
    def handle_startendtag(self, t, a): pass
    def handle_endtag(self, t):
        if not self.stack or self.stack[-1] != t:
            sys.exit('unbalanced </%s> at %s (open: %s)' % (t, self.getpos(), self.stack[-3:]))
        self.stack.pop()
p = P(); p.feed(s); p.close()
if p.stack: sys.exit('unclosed: %s' % p.stack)
svgs = re.findall(r'<svg .*?</svg>', s, re.S)
for x in svgs: E.fromstring(x)
print(len(svgs))
PY
check "dashboard HTML is well-formed, its SVGs are XML" python3 htmlok.py www/index.html
eq "dashboard: three charts" "$(python3 htmlok.py www/index.html)" 3
printf 'chart pie -x a -y b x.ndjson\n' > spec/bad.spec
tw-plot dashboard spec/bad.spec -o www/bad.html 2> bad.err
eq "bad spec: status 2" $? 2
contains "bad spec: file:line" bad.err "spec/bad.spec:1: chart: unknown chart type"
eq "bad spec: no page" "$(ls www | grep -c bad)" 0
SOURCE_DATE_EPOCH=1704067200 tw-plot dashboard spec/dash.spec -o www/a.html 2> /dev/null
SOURCE_DATE_EPOCH=1704067200 tw-plot dashboard spec/dash.spec -o www/b.html 2> /dev/null
same "dashboard is reproducible with SOURCE_DATE_EPOCH" www/a.html www/b.html

# A browser: headless Chromium loads the page and draws it.
if ! command -v chromium > /dev/null 2>&1; then
	skip "chromium renders the dashboard" "chromium is not installed (apt-get install chromium)"
	exit 0
fi
chrome() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" "$@" 2> /dev/null
}
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" --enable-logging=stderr --v=0 \
    --dump-dom "file://$T/www/index.html" > dom.html 2> chrome.log
eq "chromium: the page loads without console errors or failed loads" \
    "$(grep -iE 'CONSOLE|Uncaught|net::ERR' chrome.log | head -3)" ""
eq "chromium: DOM has three <svg> charts" "$(grep -o '<svg ' dom.html | wc -l | tr -d ' ')" 3
for t in "Tweets per minute by language" "Top hashtags" "Average engagement by language" "Missing input shows a placeholder"; do
	contains "chromium: DOM shows \"$t\"" dom.html "$t"
done
contains "chromium: DOM has the update time" dom.html "last updated"
chrome --screenshot="$T/shot.png" --window-size=1280,2000 "file://$T/www/index.html" > /dev/null
cat > png.py <<'PY'
# Decodes an 8-bit RGB/RGBA PNG without PIL; prints width, height, colours.
import sys, struct, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
w, h, depth, ctype = struct.unpack('>IIBB', d[16:26])
idat, i = b'', 8
while i < len(d):
    n, = struct.unpack('>I', d[i:i+4]); typ = d[i+4:i+8]
    if typ == b'IDAT': idat += d[i+8:i+8+n]
    i += 12 + n
raw = zlib.decompress(idat)
bpp = {2: 3, 6: 4}[ctype]
stride = w * bpp
prev = bytearray(stride); colours = set(); pos = 0
for y in range(h):
    f = raw[pos]; line = bytearray(raw[pos+1:pos+1+stride]); pos += 1 + stride
    for x in range(stride):
        a = line[x-bpp] if x >= bpp else 0; b = prev[x]; c = prev[x-bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p-a), abs(p-b), abs(p-c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2): colours.add(bytes(line[x:x+3]))
    prev = line
print(w, h, len(colours))
PY
if [ -s shot.png ]; then
	set -- $(python3 png.py shot.png)
	eq "chromium: screenshot is 1280x2000" "$1x$2" 1280x2000
	if [ "${3:-0}" -ge 10 ]; then ok "chromium: screenshot is not blank ($3 colours)"; else
		not_ok "chromium: screenshot is not blank" "$3 colours"; fi
else
	not_ok "chromium: screenshot written"
fi

# The dashboard at work in the browser: screenshots per chart type, hover
# text, partial windows, legends, one or two columns, a refresh in place
# (tests/js/dashboard.mjs drives Chromium over the DevTools protocol).
if command -v node > /dev/null 2>&1; then
	node "$TW_ROOT/tests/js/dashboard.mjs" "$T/browser" "$(command -v chromium)"
	[ $? -le 1 ] || not_ok "browser: the dashboard test ran"
else
	skip "browser: the dashboard at work" "node is not installed"
fi

# Limits: a million points are drawn; past that a record is left out,
# with a message, and memory stays bounded.
python3 -c "
for i in range(1000000): print('{\"t\":%d,\"v\":%d}' % (i, i % 7))" > mill.ndjson
tw-plot line -x t -y v -o mill.svg mill.ndjson 2> mill.err
eq "limit: 1000000 points: drawn, no message" "$?|$(wc -c < mill.err)" "0|0"
echo '{"t":1000000,"v":1}' >> mill.ndjson
tw-plot line -x t -y v -o mill.svg mill.ndjson 2> mill.err
contains "limit: the point past 1000000 is left out with a message" mill.err "mill.ndjson:1000001: more than 1000000 points"
