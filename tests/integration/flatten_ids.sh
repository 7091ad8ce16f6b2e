#!/bin/sh
# Ids in other tools, as twpipe(7) and the README say: pandas' read_json
# rounds 64-bit ids (even quoted ones) unless told dtype=str, its read_csv
# turns a nullable id column into floats unless told dtype=str; DuckDB
# reads both exactly. Run on real ids so that the advice stays true.
. "$TW_ROOT/tests/lib.sh"

tw-flatten -f id,in_reply_to_id,author_id "$C/twarc-csv/2sets.jsonl" > "$T/ids.ndjson"
tw-flatten -c -f id,in_reply_to_id,author_id "$C/twarc-csv/2sets.jsonl" > "$T/ids.csv"

# pandas: the interpreter on PATH, or Debian's (python3-pandas).
PD=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import pandas' 2>/dev/null; then PD=$p; break; fi
done
if [ -z "$PD" ]; then
	skip "pandas reads ids" "pandas not installed (make deps installs python3-pandas)"
else
	cat > "$T/pd.py" <<'PY'
import json, sys
import pandas as pd
d = sys.argv[1]
want = [json.loads(l) for l in open(d + '/ids.ndjson')]
def wrong(df, col):
    return sum(1 for w, g in zip(want, df[col]) if w[col] is not None and str(g) != w[col])
mode = sys.argv[2]
if mode == 'json-default':
    df = pd.read_json(d + '/ids.ndjson', lines=True)
    assert wrong(df, 'id') > 0, 'read_json kept every id: the warning is out of date'
elif mode == 'json-str':
    df = pd.read_json(d + '/ids.ndjson', lines=True, dtype=str)
    assert (wrong(df, 'id'), wrong(df, 'in_reply_to_id'), wrong(df, 'author_id')) == (0, 0, 0)
elif mode == 'csv-default':
    df = pd.read_csv(d + '/ids.csv')
    assert str(df['in_reply_to_id'].dtype) == 'float64' and wrong(df, 'in_reply_to_id') > 0
elif mode == 'csv-str':
    df = pd.read_csv(d + '/ids.csv', dtype=str)
    assert (wrong(df, 'id'), wrong(df, 'in_reply_to_id'), wrong(df, 'author_id')) == (0, 0, 0)
print(len(want), 'rows')
PY
	check "pandas read_json rounds 64-bit ids by default (documented)" "$PD" "$T/pd.py" "$T" json-default
	check "pandas read_json(dtype=str) reads every id exactly" "$PD" "$T/pd.py" "$T" json-str
	check "pandas read_csv makes a nullable id column float (documented)" "$PD" "$T/pd.py" "$T" csv-default
	check "pandas read_csv(dtype=str) reads every id exactly" "$PD" "$T/pd.py" "$T" csv-str
fi

# DuckDB reads them exactly, from NDJSON (VARCHAR) and CSV (BIGINT).
if ! command -v node > /dev/null; then
	skip "DuckDB reads ids" "node not installed (make deps)"
else
	node "$TW_ROOT/tests/js/duckdb.mjs" \
	    "SELECT id, coalesce(in_reply_to_id, ''), author_id FROM read_json_auto('$T/ids.ndjson')" \
	    > "$T/duck.json.tsv" 2> "$T/duck.err"
	rc=$?
	if [ $rc -eq 3 ]; then
		skip "DuckDB reads ids" "$(cat "$T/duck.err")"
	else
		node "$TW_ROOT/tests/js/duckdb.mjs" \
		    "SELECT id::VARCHAR, coalesce(in_reply_to_id::VARCHAR, ''), author_id::VARCHAR FROM read_csv_auto('$T/ids.csv')" \
		    > "$T/duck.csv.tsv"
		python3 -c "
import json
for l in open('$T/ids.ndjson'):
    r = json.loads(l)
    print('\t'.join([r['id'], r['in_reply_to_id'] or '', r['author_id']]))
" > "$T/want.tsv"
		same "DuckDB read_json_auto reads every id exactly" "$T/want.tsv" "$T/duck.json.tsv"
		same "DuckDB read_csv_auto reads every id exactly (BIGINT, NULL where empty)" "$T/want.tsv" "$T/duck.csv.tsv"
	fi
fi
