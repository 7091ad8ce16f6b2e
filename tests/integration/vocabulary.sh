#!/bin/sh
# One option vocabulary (twpipe(7), OPTION LETTERS): each tool's --help
# against its man page's SYNOPSIS (the same options), and each short
# letter a tool's --help lists against the table of letters (the letter
# means there what it means everywhere, and the table names the tool).
. "$TW_ROOT/tests/lib.sh"
command -v mandoc > /dev/null 2>&1 || { skip "vocabulary" "mandoc is not installed"; exit 0; }
PATH=$TW_BUILD:$PATH
# The options named in text: -x, --long, and clusters such as -cqsv.
opts() { grep -oE '(^|[][ |(])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[][ |(]//' | sort -u; }
for t in gen flatten agg load perf plot; do
	# The usage lines: up to the first blank line, without "(see ...)".
	tw-$t --help | sed '/^$/q' | sed 's/(see [^)]*)//' > help.$t
	[ $t = gen ] && tw-gen fetch -h 2>&1 | sed '/^$/q' >> help.$t
	MANWIDTH=300 mandoc -Tutf8 "$TW_ROOT/man/tw-$t.1" | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' > syn.$t
	eq "tw-$t: --help's usage and the man page's SYNOPSIS name the same options" \
	    "$(opts < help.$t | tr '\n' ' ')" "$(opts < syn.$t | tr '\n' ' ')"
	# Every option line of --help also in the man page's OPTIONS.
	tw-$t --help | sed -n 's/^  \(-[A-Za-z0-9]\), --\([a-z-]*\).*/\1 \2/p' > letters.$t
	miss=
	while read -r l long; do
		grep -qE "^\.It Fl ${l#-}( Ar [^,]*)? , Fl (Fl |\\\\?-)$long( |$)" "$TW_ROOT/man/tw-$t.1" ||
		    miss="$miss $l/--$long"
	done < letters.$t
	eq "tw-$t: each -x, --long of --help is an .It of the man page" "$miss" ""
done
# The table of letters in twpipe(7): letter -> tools.
MANWIDTH=200 mandoc -Tutf8 "$TW_ROOT/man/twpipe.7" | col -bx |
    sed -n '/^OPTION LETTERS/,/^STREAM MARKS/p' |
    sed -n 's/^ *\(-[a-z]\)\(, -[a-z]\)\{0,1\}  .*  \(all\|tw-.*\)$/\1\2 \3/p' |
    awk '$1 ~ /,$/ { a = $1; sub(/,$/, "", a); b = $2; $1 = $2 = ""; print a $0; print b $0; next } { print }' > table
check "twpipe(7) has the table of letters (23 rows)" test "$(wc -l < table)" -ge 23
for t in gen flatten agg load perf plot; do
	bad=
	while read -r l long; do
		row=$(awk -v l="$l" '$1 == l' table)
		case $row in
		*" all"*|*"tw-$t"*) ;;
		*) bad="$bad $l(--$long)" ;;
		esac
	done < letters.$t
	eq "tw-$t: each letter it has means in twpipe(7) what it means here" "$bad" ""
	# and each letter the table gives the tool is one it has
	want=$(awk -v t="tw-$t" '{ for (i = 2; i <= NF; i++) { f = $i; sub(/,$/, "", f); if (f == t || f == "all") print $1 } }' table | sort -u | tr '\n' ' ')
	have=$(awk '{ print $1 }' letters.$t | sort -u | tr '\n' ' ')
	miss=
	for l in $want; do
		case " $have " in *" $l "*) ;; *) miss="$miss $l" ;; esac
	done
	eq "tw-$t: has every letter twpipe(7) gives it" "$miss" ""
done
# A moved letter names its long option, in every tool that moved one.
for c in "tw-gen -s 3:--seed" "tw-agg -t ts -a count:--time" "tw-load -f csv:--format" \
    "tw-perf -l x:--label" "tw-plot line -b x -y y:-g (--by)" "tw-plot line -t x -y y:--title"; do
	cmd=${c%%:*}
	out=$($cmd < /dev/null 2>&1); rc=$?
	eq "$cmd: status 2, names ${c#*:}" "$rc:$(echo "$out" | head -1 | grep -cF -- " is now ${c#*:}")" "2:1"
done
