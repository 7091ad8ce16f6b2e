#!/bin/sh
# Man pages: mandoc -Tlint clean, and every EXAMPLES command runs.
. "$TW_ROOT/tests/lib.sh"

for m in "$TW_ROOT"/man/*.[17]; do
	n=$(basename "$m")
	out=$(mandoc -Tlint -W warning "$m" 2>&1)
	if [ -z "$out" ]; then ok "mandoc -Tlint $n"; else not_ok "mandoc -Tlint $n" "$out"; fi
done

# Fixtures that the examples name, made from the real corpus.
mkdir -p "$T/ex"
cd "$T/ex" || exit 1
gzip -c "$C/twarc-csv/2sets.jsonl" > search-1.jsonl.gz
gzip -c "$C/twarc-csv/kpop.jsonl" > search-2.jsonl.gz
cp "$C/twarc-csv/streaming_output_with_error.jsonl" stream.jsonl
cp "$C/twarc-csv/2sets.jsonl" page.json
cp "$C/twarc-csv/streaming_output_with_error.jsonl" v2.ndjson
tw-flatten -q "$C"/twarc-csv/*.jsonl "$C"/python-twitter/*.json > flat.ndjson 2>/dev/null
if command -v tw-gen > /dev/null; then
	tw-gen -n 2000 --seed 3 > v2.ndjson 2>/dev/null || true
fi
tw-gen -n 50 --seed 4 --start 2024-01-01T00:00:00Z --event-rate 100 > stream.ndjson 2>/dev/null || cp v2.ndjson stream.ndjson
gzip -c stream.ndjson > stream.ndjson.gz

# Prints the .Dl lines of the EXAMPLES section, unescaped.
examples() {
	awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 } on && /^\.Dl / { sub(/^\.Dl /, ""); print }' "$1" |
		sed -e 's/\\&//g' -e 's/\\e/\\/g' -e 's/\\(dq/"/g' -e 's/^\$ //'
}

if ! command -v bash > /dev/null; then
	not_ok "EXAMPLES" "bash is needed to run them with pipefail"
	exit 0
fi

# The checker itself, in a folder of its own: it must fail a failing
# first stage, a tool's failure before a stage that prints anyway, and an
# example without output after one that wrote a file.
mkdir -p "$T/self"
(
	cd "$T/self" || exit 1
	eq "checker: passes an example that prints" "$(example_verdict 'echo hi')" ""
	eq "checker: passes an example that writes a file" "$(example_verdict 'echo x > made.txt')" ""
	eq "checker: passes an example that changes a file" "$(example_verdict 'echo y >> made.txt')" ""
	v=$(example_verdict 'true')
	contains_v() { case $2 in *"$3"*) ok "$1" ;; *) not_ok "$1" "got '$2'" ;; esac; }
	contains_v "checker: fails an example without output after one that wrote a file" "$v" "no output of its own"
	contains_v "checker: fails a failing first stage" "$(example_verdict 'false | cat')" "status 1"
	contains_v "checker: fails a failing middle stage" "$(example_verdict 'echo a | sh -c "cat; exit 3" | cat')" "status 3"
	contains_v "checker: fails a tool's failure before a stage that prints" \
	    "$(example_verdict 'tw-flatten no-such-file.jsonl | wc -l')" "status 1"
	contains_v "checker: fails a failing command of a list" "$(example_verdict 'false; echo hi')" "status 1"
	contains_v "checker: its own files do not count as output" "$(cd "$T" && example_verdict 'true')" "no output of its own"
)

for m in "$TW_ROOT"/man/*.1; do
	n=$(basename "$m" .1)
	i=0
	examples "$m" > "$T/examples.txt"
	while IFS= read -r cmd; do
		i=$((i + 1))
		name="$n EXAMPLES $i: $(printf '%s' "$cmd" | cut -c1-70)"
		need=""
		for tool in tw-agg tw-load tw-perf tw-plot kcat sqlite3 mariadb psql nc; do
			case " $cmd " in
			*" $tool "*|*"|$tool "*|*"| $tool "*)
				command -v "$tool" > /dev/null 2>&1 || need="$need $tool" ;;
			esac
		done
		case $cmd in
		*"-b localhost:9092"*|*'$B'*) need="$need a Kafka broker (run in tests/integration/kafka.sh)" ;;
		*"TW_BEARER_TOKEN"*|*"fetch "*) need="$need the X API (run against the fake server in fetch tests)" ;;
		esac
		if [ -n "$need" ]; then
			skip "$name" "needs$need"
			continue
		fi
		why=$(example_verdict "$cmd")
		if [ -z "$why" ]; then ok "$name"; else not_ok "$name" "$why"; fi
	done < "$T/examples.txt"
done
