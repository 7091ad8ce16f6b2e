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
		if sh -c "set -e; $cmd" > "$T/ex.out" 2> "$T/ex.err" < /dev/null; then
			if [ -s "$T/ex.out" ] || [ -n "$(find . -newer "$T/examples.txt" -type f | head -1)" ]; then
				ok "$name"
			else
				not_ok "$name" "no output"
			fi
		else
			not_ok "$name" "$(head -c 300 "$T/ex.err")"
		fi
	done < "$T/examples.txt"
done
