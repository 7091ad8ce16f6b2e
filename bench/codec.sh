#!/bin/sh
# codec.sh: gzip and zstd at pipeline speed (issue 13): the libraries
# side by side, the command-line tools on the same bytes, twpipe's
# compressor (lib/tw_zout) on its own, and tw-flatten on compressed input.
#
# usage: sh bench/codec.sh [BUILD]
#
#   A. bench/codecs.c on each data set: zlib, ISA-L (igzip), libdeflate
#      and zstd, compressing as a part writer does and decompressing as
#      tw_reader does, with lib/tw_zout's own rows (write line by line)
#      and sync rows (-s CODEC_SYNC);
#   B. gzip -1, gzip -6, pigz -1, igzip -1, zstd -1 and zstd -3 on the
#      same bytes (compress to a file, then decompress to /dev/null);
#   C. tw-flatten's default record (and the -f job of section 1 on v2)
#      on each shape, plain, gzip -6 and zstd -3 files, alternating, best
#      of CODEC_RUNS: with the decode thread, inline (TW_READER_THREAD=0)
#      and from a pipe (cat FILE | tw-flatten);
#   D. the issue's targets, met or NOT met, from the rows above.
#
# Data sets (bench/out, rebuilt when tw-gen or tw-flatten change):
#   flat   tw-gen -n CODEC_N --seed 1 | tw-flatten   (tw-load's input)
#   csv    the same as CSV (tw-load --csv -t tweets)
#   v2     tw-gen -n CODEC_N --seed 1                (raw stream lines)
#   v1     tw-gen -n CODEC_N --seed 1 --format v1          (v1.1 statuses)
#   corpus ../shared/corpus (TW_CORPUS), every *.json* file, repeated to
#          CODEC_CORPUS_MB
#
# Environment: CODEC_N [200000], CODEC_MB [100] (section A reads the
# first CODEC_MB of each set, whole lines), CODEC_REPS [3] (section A),
# CODEC_RUNS [5] (sections B and C), CODEC_SYNC [1048576],
# CODEC_CORPUS_MB [100], CODEC_SETS ["flat csv v2 v1 corpus"].
# Prints tables and writes the same to bench/out/codec.txt. Exit 0 whatever
# is missing (each missing tool is named).

BUILD=${1:-build}
case $BUILD in -h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$ROOT" || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
N=${CODEC_N:-200000}
MB=${CODEC_MB:-100}
REPS=${CODEC_REPS:-3}
RUNS=${CODEC_RUNS:-5}
SYNC=${CODEC_SYNC:-1048576}
CMB=${CODEC_CORPUS_MB:-100}
SETS=${CODEC_SETS:-flat csv v2 v1 corpus}
for v in "$N" "$MB" "$REPS" "$RUNS" "$SYNC" "$CMB"; do
	case $v in ''|*[!0-9]*) echo "codec.sh: not a number: '$v'" >&2; exit 2 ;; esac
done
OUT=$ROOT/bench/out
mkdir -p "$OUT" || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/twcodec.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
# CPU and wall time to the microsecond (bench/rusage.c); time(1), which
# cuts CPU seconds to hundredths, when it does not build.
TIME=$TMP/rusage
"${CC:-cc}" -O2 -o "$TIME" "$ROOT/bench/rusage.c" 2>/dev/null || TIME=/usr/bin/time
trap 'exit 1' INT TERM HUP
GEN=$BUILD/tw-gen
FLAT=$BUILD/tw-flatten
FIELDS=id,created_at,author_id,username,lang,text,is_retweet,retweet_count,like_count,engagement,hashtags
ROWS=$TMP/rows

have() { command -v "$1" > /dev/null 2>&1; }
say() { printf '%s\n' "$*"; }
nsec() { date +%s%N; }
bytes() { wc -c < "$1" | tr -d ' '; }
loadavg() { cut -d ' ' -f 1 /proc/loadavg 2> /dev/null || echo '?'; }
newer() { [ -n "$(find "$1" -prune -newer "$2" 2> /dev/null)" ]; }
fresh() { [ -s "$1" ] && ! newer "$2" "$1" && { [ -z "${3:-}" ] || ! newer "$3" "$1"; }; }

# The data set NAME as a file in bench/out (made when missing or stale).
dataset() {
	case $1 in
	flat) f=$OUT/codec-flat-n$N.ndjson
		fresh "$f" "$GEN" "$FLAT" || "$GEN" -n "$N" --seed 1 | "$FLAT" -q > "$f" ;;
	csv) dataset flat > /dev/null
		f=$OUT/codec-flat-n$N.csv
		fresh "$f" "$OUT/codec-flat-n$N.ndjson" ||
		    "$BUILD/tw-load" --csv -t tweets "$OUT/codec-flat-n$N.ndjson" > "$f" ;;
	v2) f=$OUT/codec-v2-n$N.ndjson
		fresh "$f" "$GEN" || "$GEN" -n "$N" --seed 1 > "$f" ;;
	v1) f=$OUT/codec-v1-n$N.ndjson
		fresh "$f" "$GEN" || "$GEN" -n "$N" --seed 1 --format v1 > "$f" ;;
	corpus) f=$OUT/codec-corpus-${CMB}M.json
		if [ ! -s "$f" ]; then
			: > "$f.tmp"
			while [ "$(bytes "$f.tmp")" -lt $((CMB * 1000000)) ]; do
				find "${TW_CORPUS:-$ROOT/../shared/corpus}" -type f -name '*.json*' \
				    -exec cat {} + >> "$f.tmp" || break
			done
			mv "$f.tmp" "$f"
		fi ;;
	esac
	echo "$f"
}

# best-of timing of a shell command: prints the best wall seconds and
# the best CPU seconds (user + system, children included) of RUNS runs.
wallcpu() {
	_bw=999999 _bc=999999 _i=0
	while [ $_i -lt "$2" ]; do
		"$TIME" -f '%e %U %S' -o "$TMP/time" sh -c "$1" > /dev/null 2>&1
		_bw=$(awk -v b="$_bw" '{ print ($1 < b ? $1 : b) }' "$TMP/time")
		_bc=$(awk -v b="$_bc" '{ c = $2 + $3; print (c < b ? c : b) }' "$TMP/time")
		_i=$((_i + 1))
	done
	echo "$_bw $_bc"
}

# best-of timing of a shell command: prints seconds.
secs() {
	_b=999999
	_i=0
	while [ $_i -lt "$2" ]; do
		_s=$(nsec)
		sh -c "$1" > /dev/null 2>&1
		_e=$(nsec)
		_b=$(awk -v b="$_b" -v t="$(( (_e - _s) / 1000 ))" 'BEGIN { t /= 1e6; print (t < b ? t : b) }')
		_i=$((_i + 1))
	done
	echo "$_b"
}

section_a() {
	say "== A. the libraries, compressing as a part writer and decoding as tw_reader does"
	CODECS=$OUT/codecs
	if ! cc -O2 -std=c11 -DHAVE_TW -Ilib -o "$CODECS" bench/codecs.c "$BUILD/libtw.a" \
	    -lisal -ldeflate -lzstd -lz -lm -lpthread 2> "$TMP/cc.err"; then
		say "skipped: bench/codecs.c did not build (Debian: libisal-dev libdeflate-dev libzstd-dev):"
		head -n 5 "$TMP/cc.err"
		return
	fi
	for s in $SETS; do
		f=$(dataset "$s")
		[ -s "$f" ] || { say "skipped: data set $s (not made)"; continue; }
		# The first MB of it, whole lines.
		head -c $((MB * 1000000)) "$f" | sed '$d' > "$TMP/a.$s"
		say ""
		say "-- $s ($(basename "$f"), first $MB MB)"
		"$CODECS" -r "$REPS" -s "$SYNC" -m "$ROWS.$s" "$TMP/a.$s" ||
		    say "warning: codecs exited with status $?"
	done
}

section_b() {
	say ""
	say "== B. the command-line tools on the same bytes (best of $RUNS; pigz uses every core)"
	say "(MB/cpu-s: input over user + system time, so one core's speed for the others)"
	for s in $SETS; do
		[ -s "$TMP/a.$s" ] || continue
		in=$TMP/a.$s
		n=$(bytes "$in")
		say ""
		say "-- $s ($(awk -v n="$n" 'BEGIN { printf "%.1f", n / 1e6 }') MB)"
		printf '%-14s %10s %10s %10s %10s %8s\n' tool "write MB/s" "MB/cpu-s" "read MB/s" "MB out" size
		for t in "gzip -1" "gzip -6" "pigz -1" "igzip -1" "zstd -1" "zstd -3" "zstd --fast=1"; do
			b=${t%% *}
			if ! have "$b"; then
				say "skipped: $b not installed"
				continue
			fi
			wc=$(wallcpu "$t -c < '$in' > '$TMP/cli.out'" "$RUNS")
			o=$(bytes "$TMP/cli.out")
			d=$(secs "$b -dc < '$TMP/cli.out' > /dev/null" "$RUNS")
			echo "$wc" | awk -v t="$t" -v n="$n" -v d="$d" -v o="$o" '{
			    printf "%-14s %10.0f %10.0f %10.0f %10.2f %7.2f%%\n", t, n / 1e6 / $1,
			        ($2 > 0 ? n / 1e6 / $2 : 0), n / 1e6 / d, o / 1e6, 100 * o / n }'
			echo "$wc" | awk -v t="$t" -v n="$n" -v o="$o" '{
			    printf "cli|%s|%.1f|%.1f|%d|%d\n", t, n / 1e6 / $1, ($2 > 0 ? n / 1e6 / $2 : 0), o, n }' >> "$ROWS.$s"
		done
	done
}

section_c() {
	say ""
	say "== C. tw-flatten on compressed input (files made by gzip -6 and zstd -3; best of $RUNS, alternating)"
	say "thread: the reader's decode thread (the default); inline: TW_READER_THREAD=0; pipe: cat FILE | tw-flatten"
	printf '%-16s %7s %14s %14s %14s %14s %14s\n' "shape, record" "plain" "gz thread" "zst thread" \
	    "gz inline" "zst inline" "gz pipe"
	for s in v2 v1 corpus; do
		f=$(dataset "$s")
		[ -s "$f" ] || continue
		gzip -6 -c "$f" > "$TMP/c.gz"
		zstd -q -3 -c "$f" > "$TMP/c.zst"
		n=$(bytes "$f")
		for job in default f; do
			[ $job = f ] && [ $s != v2 ] && continue
			opt=
			[ $job = f ] && opt="-f $FIELDS"
			cat "$f" "$TMP/c.gz" "$TMP/c.zst" > /dev/null
			# Alternate the variants run by run; keep the best of each.
			set -- "'$FLAT' $opt '$f'" "'$FLAT' $opt '$TMP/c.gz'" "'$FLAT' $opt '$TMP/c.zst'" \
			    "TW_READER_THREAD=0 '$FLAT' $opt '$TMP/c.gz'" \
			    "TW_READER_THREAD=0 '$FLAT' $opt '$TMP/c.zst'" "cat '$TMP/c.gz' | '$FLAT' $opt"
			best="" i=0
			while [ $i -lt "$RUNS" ]; do
				k=0 line=""
				for cmd in "$@"; do
					line="$line $(secs "$cmd" 1)"
				done
				best=$(echo "$best|$line" | awk -F '|' '{ n = split($2, a, " "); m = split($1, b, " ")
				    for (j = 1; j <= n; j++) { v = a[j]; if (m >= j && b[j] < v) v = b[j]; printf "%s ", v } }')
				i=$((i + 1))
			done
			echo "$best" | awk -v s="$s, $job" -v n="$n" '{
			    p = n / 1e6 / $1; printf "%-16s %7.0f", s, p
			    for (j = 2; j <= 6; j++) printf " %7.0f %5.2fx", n / 1e6 / $j, $1 / $j
			    printf "\n" }'
			echo "$best" | awk -v s="$s" -v j="$job" '{ printf "flatten|%s|%s|%s|%s|%s|%s|%s|%s\n", s, j, $1, $2, $3, $4, $5, $6 }' >> "$ROWS.flatten"
		done
	done
	say "(MB/s of uncompressed input; x: the plain file's time over this run's, so 1.00x is as fast as plain)"
}

section_d() {
	say ""
	say "== D. the targets of issue 13, from the rows above (one run)"
	# tw_zout gzip (its default level, written line by line) against
	# gzip -1 on the same bytes, per CPU second (one core) and per wall
	# second; zstd likewise against 400 MB/s.
	say "  (one core: MB per CPU second; wall MB/s in brackets, lower when other work shares the cores)"
	for s in $SETS; do
		[ -s "$ROWS.$s" ] || continue
		awk -F '|' -v s="$s" '
		$2 == "tw_zout gzip 2 (default), lines" { zm = $3; zc = $4; zo = $5 }
		$2 == "tw_zout zstd 1 (default), lines" { sm = $3; sc = $4 }
		$1 == "cli" && $2 == "gzip -1" { gm = $3; gc = $4; go = $5 }
		END {
			if (zc && gc) printf "  %-6s tw_zout gzip >= 3x gzip -1, no larger: %s (%.0f against %.0f MB/cpu-s, %.2fx [wall %.2fx]; %d bytes against %d, %+.1f%%)\n",
			    s, zc / gc >= 3 && zo <= go ? "met" : "NOT met", zc, gc, zc / gc, zm / gm, zo, go,
			    100 * (zo - go) / go
			if (sc) printf "  %-6s tw_zout zstd >= 400 MB/s: %s (%.0f MB/cpu-s [wall %.0f])\n", s,
			    sc >= 400 ? "met" : "NOT met", sc, sm
		}' "$ROWS.$s"
	done
	[ -s "$ROWS.flatten" ] && awk -F '|' '{
	    printf "  tw-flatten %s (%s): gzip input >= 0.75x plain: %s (%.2fx); zstd >= 0.85x: %s (%.2fx)\n",
	        $2, $3 == "f" ? "-f job" : "default record",
	        $4 / $5 >= 0.75 ? "met" : "NOT met", $4 / $5, $4 / $6 >= 0.85 ? "met" : "NOT met", $4 / $6 }' "$ROWS.flatten"
}

main() {
	say "twpipe codec benchmark: sh bench/codec.sh (CODEC_N=$N CODEC_MB=$MB CODEC_SYNC=$SYNC)"
	say "machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(loadavg)"
	for b in "$GEN" "$FLAT" "$BUILD/libtw.a"; do
		[ -e "$b" ] || { say "skipped: everything ($b not built)"; return; }
	done
	rm -f "$ROWS".*
	section_a
	section_b
	section_c
	section_d
	say ""
	say "done: $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(loadavg) (a load near or above the core count means the figures are low)"
}

main | tee "$OUT/codec.txt.tmp"
mv "$OUT/codec.txt.tmp" "$OUT/codec.txt"
exit 0
