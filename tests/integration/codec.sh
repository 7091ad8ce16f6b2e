#!/bin/sh
# Compressed files made by lib/tw_zout (through tests/zwrite.c), read by
# readers we did not write: gzip -t, zcat, Python's gzip module, zstd -t
# and -d, DuckDB's read_json_auto and read_csv; and by twpipe's own
# reader. Then multi-member gzip and multi-frame zstd files, a writer
# killed after a sync, and write errors; and .zst input to every tool.
. "$TW_ROOT/tests/lib.sh"
cd "$T" || exit 1
SAN=
[ -n "${TW_SANITIZED:-}" ] && SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
# shellcheck disable=SC2086 # SAN is a list of flags or empty
if ! cc -O1 -g $SAN -I"$TW_ROOT/lib" -o zwrite "$TW_ROOT/tests/zwrite.c" \
    "$TW_BUILD/libtw.a" -lisal -lzstd -lz -lm -lpthread 2> cc.err; then
	not_ok "tests/zwrite.c builds" "$(head -3 cc.err | tr '\n' ' ')"
	exit 0
fi
have() { command -v "$1" > /dev/null 2>&1; }
DUCK=
if have node && [ -f "$TW_ROOT/tests/js/duckdb.mjs" ] &&
    node "$TW_ROOT/tests/js/duckdb.mjs" "SELECT 42" 2> /dev/null | grep -q 42; then
	DUCK=1
else
	skip "DuckDB reads the files" "node or @duckdb/node-api missing (make deps)"
fi
duck() { node "$TW_ROOT/tests/js/duckdb.mjs" "$@" 2>&1; }

tw-gen -n 3000 --seed 5 | tw-flatten -q > flat.ndjson
tw-load --csv -t tweets flat.ndjson > flat.csv
n=$(wc -l < flat.ndjson)

# 1. Each codec and a few levels, NDJSON and CSV parts.
for cl in gzip:0 gzip:2 gzip:3 gzip:6 gzip:9 zstd:0 zstd:-5 zstd:3 zstd:19; do
	c=${cl%%:*} l=${cl#*:}
	s=.gz
	[ $c = zstd ] && s=.zst
	./zwrite $c $l < flat.ndjson > "p.ndjson$s"
	./zwrite $c $l < flat.csv > "p.csv$s"
	bad=
	if [ $c = gzip ]; then
		gzip -t "p.ndjson$s" 2> /dev/null || bad="$bad gzip-t"
		zcat "p.ndjson$s" | cmp -s - flat.ndjson || bad="$bad zcat"
		zcat "p.csv$s" | cmp -s - flat.csv || bad="$bad zcat-csv"
		python3 -c "import gzip, sys
sys.exit(gzip.open(sys.argv[1]).read() != open(sys.argv[2], 'rb').read())" "p.ndjson$s" flat.ndjson ||
		    bad="$bad python-gzip"
	else
		zstd -q -t "p.ndjson$s" 2> /dev/null || bad="$bad zstd-t"
		zstd -q -dc "p.ndjson$s" | cmp -s - flat.ndjson || bad="$bad zstd-d"
		zstd -q -dc "p.csv$s" | cmp -s - flat.csv || bad="$bad zstd-d-csv"
	fi
	[ "$(tw-agg -a count "p.ndjson$s" 2> /dev/null | sed 's/.*"count":\([0-9]*\).*/\1/')" = "$n" ] ||
	    bad="$bad tw-agg"
	if [ -n "$DUCK" ]; then
		[ "$(duck "SELECT count(*) FROM read_json_auto('p.ndjson$s')")" = "$n" ] ||
		    bad="$bad duckdb-json"
		[ "$(duck "SELECT count(*) FROM read_csv('p.csv$s')")" = "$n" ] ||
		    bad="$bad duckdb-csv"
	fi
	eq "$c level $l: NDJSON and CSV parts read by $([ $c = gzip ] && echo 'gzip -t, zcat, Python gzip' || echo 'zstd -t, zstd -d')${DUCK:+, DuckDB} and tw-agg" "$bad" ""
done

# 2. Several members (gzip) or frames (zstd) in one file, as a part
# reopened for appending would be: every reader here takes them.
for c in gzip zstd; do
	s=.gz
	[ $c = zstd ] && s=.zst
	{ ./zwrite $c 0 < flat.ndjson; ./zwrite $c 0 < flat.ndjson; } > "m.ndjson$s"
	{ ./zwrite $c 0 < flat.csv; tail -n +2 flat.csv | ./zwrite $c 0; } > "m.csv$s"
	cat flat.ndjson flat.ndjson > two.ndjson
	bad=
	if [ $c = gzip ]; then
		gzip -t "m.ndjson$s" 2> /dev/null || bad="$bad gzip-t"
		zcat "m.ndjson$s" | cmp -s - two.ndjson || bad="$bad zcat"
		python3 -c "import gzip, sys
sys.exit(gzip.open(sys.argv[1]).read() != open(sys.argv[2], 'rb').read())" "m.ndjson$s" two.ndjson ||
		    bad="$bad python-gzip"
	else
		zstd -q -t "m.ndjson$s" 2> /dev/null || bad="$bad zstd-t"
		zstd -q -dc "m.ndjson$s" | cmp -s - two.ndjson || bad="$bad zstd-d"
	fi
	[ "$(tw-agg -a count "m.ndjson$s" 2> /dev/null | sed 's/.*"count":\([0-9]*\).*/\1/')" = $((2 * n)) ] ||
	    bad="$bad tw-agg"
	if [ -n "$DUCK" ]; then
		[ "$(duck "SELECT count(*) FROM read_json_auto('m.ndjson$s')")" = $((2 * n)) ] ||
		    bad="$bad duckdb-json"
		[ "$(duck "SELECT count(*) FROM read_csv('m.csv$s')")" = $((2 * n)) ] ||
		    bad="$bad duckdb-csv"
	fi
	eq "$c: two $([ $c = gzip ] && echo members || echo frames) in one file, read whole by every reader" "$bad" ""
done

# 3. A writer killed (SIGKILL) while writing, after syncs: the file up to
# the last sync it reported decodes to exactly the input up to that sync
# (zcat, and tw-agg, which then names the cut; the unit test checks the
# same with libzstd's own decoder).
for c in gzip zstd; do
	s=.gz
	[ $c = zstd ] && s=.zst
	# (gone before the writer starts: the last codec's syncs, still in
	# it until the background shell opens it, would end the wait below)
	rm -f k.sync
	python3 -c "
import sys, time
data = open('flat.ndjson', 'rb').read().splitlines(True)
for i in range(0, len(data), 100):
    sys.stdout.buffer.write(b''.join(data[i:i + 100])); sys.stdout.flush(); time.sleep(0.03)
" 2> /dev/null | ./zwrite $c 0 50000 > "k.ndjson$s" 2> k.sync &
	zw=$!	# (the pipeline's last process: zwrite)
	# (killed once it has synced twice: a fixed sleep was too short on a
	# loaded machine; by its pid, since a pattern would also kill the
	# zwrite of the same test run by another build beside this one)
	wait_for 20 sh -c "[ \$(grep -c '^synced' k.sync) -ge 2 ]"
	kill -KILL "$zw" 2> /dev/null
	wait 2> /dev/null
	last=$(grep '^synced' k.sync | tail -1)
	in=$(echo "$last" | cut -d ' ' -f 2)
	out=$(echo "$last" | cut -d ' ' -f 3)
	bad=
	if [ -z "$last" ]; then
		bad=no-sync-before-the-kill
	else
		head -c "$out" "k.ndjson$s" > cut
		# zcat gives all of it; zstd -d, cut short, leaves out the blocks
		# it decoded last (tens of KB): a prefix is all it is asked for.
		if [ $c = gzip ]; then
			zcat < cut > got 2> /dev/null
			head -c "$in" flat.ndjson | cmp -s - got || bad="$bad zcat"
		else
			zstd -q -dc < cut > got 2> /dev/null
			head -c "$(wc -c < got)" flat.ndjson | cmp -s - got || bad="$bad zstd-d"
		fi
		[ "$(wc -c < "k.ndjson$s")" -ge "$out" ] || bad="$bad shorter-than-synced"
		# The whole file (more than the last sync) decodes to a prefix,
		# at least the synced part.
		if [ $c = gzip ]; then
			zcat < "k.ndjson$s" > got 2> /dev/null
			head -c "$(wc -c < got)" flat.ndjson | cmp -s - got || bad="$bad not-a-prefix"
			[ "$(wc -c < got)" -ge "$in" ] || bad="$bad lost-synced"
		fi
		tw-agg -a count "k.ndjson$s" 2> /dev/null | sed 's/.*"count":\([0-9]*\).*/\1/' > all.count
		[ "$(cat all.count)" -ge "$(head -c "$in" flat.ndjson | wc -l)" ] || bad="$bad tw-agg-lost-synced"
		tw-agg -a count cut > agg.out 2> agg.err
		[ "$(sed 's/.*"count":\([0-9]*\).*/\1/' agg.out)" = "$(head -c "$in" flat.ndjson | wc -l)" ] ||
		    bad="$bad tw-agg-count"
		grep -q "unexpected end of $c data (file cut short)" agg.err || bad="$bad cut-not-named"
	fi
	eq "$c: a writer killed after syncs: the file up to the last sync decodes to the input up to it ($in bytes, from $out)" "$bad" ""
done

# 4. Write errors: status 1 and the errno, no crash.
for c in gzip zstd none; do
	./zwrite $c 0 < flat.ndjson > /dev/full 2> full.err
	eq "$c on /dev/full: status 1" "$?" 1
	contains "  ... the error named" full.err "No space left on device"
	./zwrite $c 0 < flat.ndjson 2> pipe.err | head -c 10 > /dev/null
	contains "$c into a closed pipe: the error named" pipe.err "Broken pipe"
done

# 5. .zst input to every tool: the same output as plain input.
zstd -q -c flat.ndjson > flat.ndjson.zst
tw-gen -n 300 --seed 8 > raw.ndjson
zstd -q -c raw.ndjson > raw.ndjson.zst
gzip -c raw.ndjson > raw.ndjson.gz
bad=
for cmd in "tw-flatten -t all" "tw-flatten -f id,text" "tw-perf -o /dev/null" "tw-load" "tw-load --csv -t tweets"; do
	# shellcheck disable=SC2086 # cmd is a command line
	$cmd raw.ndjson > a.out 2> /dev/null
	# shellcheck disable=SC2086
	$cmd raw.ndjson.zst > b.out 2> /dev/null
	# shellcheck disable=SC2086
	$cmd raw.ndjson.gz > c.out 2> /dev/null
	case $cmd in tw-perf*) cmp -s b.out raw.ndjson.zst || bad="$bad $cmd" ;;
	*) { cmp -s a.out b.out && cmp -s a.out c.out; } || bad="$bad [$cmd]" ;; esac
done
tw-agg -w 1m -g lang -a count flat.ndjson > a.out
tw-agg -w 1m -g lang -a count flat.ndjson.zst > b.out
cmp -s a.out b.out || bad="$bad tw-agg"
tw-agg -g lang -a count flat.ndjson > agg.ndjson
zstd -q -c agg.ndjson > agg.ndjson.zst
tw-plot bar -x lang -y count agg.ndjson > a.out 2> /dev/null
tw-plot bar -x lang -y count agg.ndjson.zst > b.out 2> /dev/null
cmp -s a.out b.out || bad="$bad tw-plot"
zstd -q -c < raw.ndjson | tw-flatten -f id > b.out 2> /dev/null
tw-flatten -f id raw.ndjson > a.out
cmp -s a.out b.out || bad="$bad stdin"
eq ".zst input read by every tool as the plain file is (and from stdin)" "$bad" ""
