#!/bin/sh
# completion/twpipe.bash against the tools: every long option of each
# tool's --help completes, options complete their listed values, options
# that take files complete files, subcommands complete; and make install
# puts one file per tool where bash-completion looks.
. "$TW_ROOT/tests/lib.sh"
cd "$T" || exit 1
command -v bash > /dev/null || { skip "completion" "no bash"; exit 0; }
COMP=$TW_ROOT/completion/twpipe.bash

# comp WORDS...: the completions of the last word, sorted, one a line.
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _twpipe; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort -u' sh "$COMP" "$@"
}

for t in tw-gen tw-flatten tw-agg tw-load tw-perf tw-plot; do
	# The long options of --help, read apart from the completion's reader:
	# the first long option of each option line, and those of usage lines.
	"$t" --help 2>&1 | awk '/^ +-/ { sub(/^ +/, ""); k = index($0, "  "); if (k) $0 = substr($0, 1, k - 1) }
	    /^usage:|^ +tw-|^ +\[|^-/ { print }' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u > want.$t
	comp "$t" -- > got.$t
	missing=$(comm -23 want.$t got.$t | tr '\n' ' ')
	if [ -s want.$t ] && [ -z "$missing" ]; then
		ok "$t --<TAB>: the $(wc -l < want.$t) long options of --help"
	else
		not_ok "$t --<TAB>: the long options of --help" "missing: $missing"
	fi
	extra=$(comm -13 want.$t got.$t | tr '\n' ' ')
	eq "$t --<TAB>: nothing that --help does not name" "$extra" ""
done

eq "tw-agg --emit <TAB>" "$(comp tw-agg --emit '' | tr '\n' ' ')" "final update "
eq "tw-agg -e u<TAB>" "$(comp tw-agg -e u | tr '\n' ' ')" "update "
eq "tw-load -d <TAB>" "$(comp tw-load -d '' | tr '\n' ' ')" "hive mysql postgres sqlite "
eq "tw-load --dialect=p<TAB>" "$(comp tw-load --dialect=p | tr '\n' ' ')" "postgres "
eq "tw-load --format <TAB>" "$(comp tw-load --format '' | tr '\n' ' ')" "csv ndjson parquet "
eq "tw-plot <TAB>: its charts" "$(comp tw-plot '' | tr '\n' ' ')" "bar dashboard hbar line "
eq "tw-perf r<TAB>: its subcommands (and files)" "$(comp tw-perf r | tr '\n' ' ')" "report run "
touch late.ndjson lateness.txt
eq "tw-agg --late la<TAB>: files" "$(comp tw-agg --late la | tr '\n' ' ')" "late.ndjson lateness.txt "
eq "tw-agg -w <TAB>: a duration, nothing offered" "$(comp tw-agg -w '' | tr '\n' ' ')" ""
eq "tw-agg -w 1m la<TAB>: input files" "$(comp tw-agg -w 1m la | tr '\n' ' ')" "late.ndjson lateness.txt "
comp tw-perf run -- tw-a > cmds
contains "tw-perf run -- tw-a<TAB>: commands" cmds tw-agg
mkdir -p dirs/sub
eq "tw-load -o d<TAB>: directories" "$(comp tw-load -o d | tr '\n' ' ')" "dirs "

# make install: one file per tool under share/bash-completion/completions.
make -s -C "$TW_ROOT" BUILD="$TW_BUILD" install DESTDIR="$T/inst" PREFIX=/usr > install.out 2>&1
n=0
for t in tw-gen tw-flatten tw-agg tw-load tw-perf tw-plot; do
	[ -f "$T/inst/usr/share/bash-completion/completions/$t" ] && n=$((n + 1))
done
eq "make install: a completion file for each of the six tools" "$n" 6
check "  ... each one completes its tool" bash -c ". '$T/inst/usr/share/bash-completion/completions/tw-load'; complete -p tw-load | grep -q _twpipe"
