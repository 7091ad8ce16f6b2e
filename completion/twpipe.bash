# Bash completion for the twpipe tools (tw-gen, tw-flatten, tw-agg, tw-load,
# tw-perf, tw-plot).
#
# The options, the values an option takes and the subcommands are read from
# the tool's own --help (once per shell), so the completion cannot drift
# from the tool: an option with a list of values (--emit final|update)
# completes those values, one that takes a FILE, DIR, LOG, SPEC or PATTERN
# completes file names, and one that takes a number or a duration offers
# nothing. Installed by `make install` as one file per tool name under
# share/bash-completion/completions; or source it from ~/.bashrc.

# _twpipe_help TOOL [SUB]: the tool's help text (cached).
_twpipe_help()
{
	local key=${1//-/_}${2:+_$2} var
	var=_twpipe_h_${key//[^A-Za-z0-9_]/_}
	if [[ -z ${!var+x} ]]; then
		if [[ -n $2 ]]; then
			printf -v "$var" '%s' "$("$1" "$2" --help 2>&1)"
		else
			printf -v "$var" '%s' "$("$1" --help 2>&1)"
		fi
	fi
	printf '%s\n' "${!var}"
}

# _twpipe_subs TOOL: the subcommands named in the usage lines
# ("usage: tw-plot line|bar|hbar ...", "       tw-perf run ...").
_twpipe_subs()
{
	_twpipe_help "$1" | awk -v t="$1" '
	    /^(usage:)? *tw-/ { for (i = 1; i < NF; i++) if ($i == t) {
		w = $(i + 1); if (w ~ /^[a-z][a-z|]*$/) { n = split(w, p, "|"); for (k = 1; k <= n; k++) print p[k] }
		break } }' | sort -u
}

# _twpipe_opts HELP: every option, one a line, as "NAME ARG" (ARG empty
# for a flag; a|b|c for a list of values; else the placeholder). Options
# are read from the usage lines and from the option lines ("  -e, --emit
# MODE   text": what comes before the text); -e and --emit share their ARG.
_twpipe_opts()
{
	awk '
	function put(o, a) {
		if (!(o in arg) || (arg[o] == "" && a != "") || (a ~ /^[a-z0-9|-]+$/ && a ~ /[|]/ && arg[o] !~ /[|]/))
			arg[o] = a
	}
	{
		line = $0
		if (line ~ /^usage:/ || line ~ /^ +tw-/ || line ~ /^ +\[/) syn = 1
		else if (line ~ /^ +-/) {
			syn = 0
			sub(/^ +/, "", line)
			k = index(line, "  ")
			if (k) line = substr(line, 1, k - 1)
			if (match(line, /^-[A-Za-z0-9], --[a-z0-9-]+/)) {
				s = substr(line, 1, 2); l = substr(line, 5, RLENGTH - 4)
				alias[s] = l; alias[l] = s
			}
		} else next
		gsub(/\[=/, "=", line)
		gsub(/[][,]/, " ", line)
		n = split(line, w, / +/)
		for (i = 1; i <= n; i++) {
			o = w[i]; a = ""
			if (o ~ /^--[a-z][a-z0-9-]*=/) { a = o; sub(/^[^=]*=/, "", a); sub(/=.*/, "", o) }
			else if (o !~ /^--?[A-Za-z0-9][a-z0-9-]*$/ || o ~ /^-[A-Za-z0-9][a-z0-9]/) continue
			if (a == "" && i < n) {
				x = w[i + 1]
				if (x ~ /^[A-Z][A-Za-z0-9_.:|]*$/ || x ~ /^[a-z0-9-]+([|][a-z0-9-]+)+$/) a = x
			}
			put(o, a)
		}
	}
	END {
		for (o in alias) if (o in arg) put(alias[o], arg[o])
		for (o in alias) if (o in arg) put(alias[o], arg[o])
		for (o in arg) print o, arg[o]
	}'
}

_twpipe()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local tool=${COMP_WORDS[0]##*/} sub= i w help opts arg subs
	subs=$(_twpipe_subs "$tool")
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -- && $tool == tw-perf ]]; then
			# tw-perf run -- COMMAND: complete the command, then files.
			if ((COMP_CWORD == i + 1)); then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return
		fi
		if [[ -z $sub && $w != -* ]] && grep -qx -- "$w" <<< "$subs"; then
			sub=$w
		fi
	done
	help=$(_twpipe_help "$tool")
	if [[ -n $sub ]] && w=$(_twpipe_help "$tool" "$sub") && [[ $w == *usage* ]]; then
		help=$w
	fi
	opts=$(_twpipe_opts <<< "$help")
	# The value of an option (--opt VALUE, or --opt=VALUE).
	if [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	elif [[ $prev != -* ]]; then
		prev=
	fi
	if [[ -n $prev ]]; then
		arg=$(awk -v o="$prev" '$1 == o { print $2; exit }' <<< "$opts")
		if [[ -n $arg ]]; then
			if [[ $arg == *'|'* && $arg != *[A-Z]* ]]; then
				COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur"))
			elif [[ $arg == *FILE* || $arg == DIR* || $arg == LOG* ||
			    $arg == SPEC* || $arg == PATH* || $arg == *URI* ]]; then
				[[ $arg == DIR* ]] && COMPREPLY=($(compgen -d -- "$cur")) ||
				    COMPREPLY=($(compgen -f -- "$cur"))
			else
				COMPREPLY=()	# a number, a duration, a name
			fi
			return
		fi
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(awk '{ print $1 }' <<< "$opts")" -- "$cur"))
		return
	fi
	if [[ -n $subs && -z $sub ]]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		# tw-gen and tw-perf also run without a subcommand, on files.
		[[ $tool == tw-gen || $tool == tw-perf ]] &&
		    COMPREPLY+=($(compgen -f -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}

complete -o filenames -F _twpipe tw-gen tw-flatten tw-agg tw-load tw-perf tw-plot
