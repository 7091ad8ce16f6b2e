#!/bin/sh
# The field-by-field reference check (issue 17): tests/ref_flatten.py,
# written from the API documentation, computes what every tweet of every
# corpus file (v1.1 and v2) must become and compares it with tw-flatten,
# field by field, and the dimension records with it.
. "$TW_ROOT/tests/lib.sh"

REF=$TW_ROOT/tests/ref_flatten.py
tail -n +2 "$C/INVENTORY.tsv" | cut -f1 | sed "s|^|$C/|" > "$T/files"
# shellcheck disable=SC2046 # one argument per corpus file
check "every tweet of the corpus matches the reference, field by field ($(wc -l < "$T/files") files)" \
	python3 "$REF" $(cat "$T/files")
grep -Eo '^[0-9]+ tweets \([0-9]+ v2, [0-9]+ v1.1\)' "$T/.check.out" > "$T/n"
check "the reference saw v2 and v1.1 tweets ($(cat "$T/n"))" \
	grep -Eq '^[0-9]{4,} tweets \([0-9]{3,} v2, [0-9]{3,} v1.1\)' "$T/n"

for fmt in v2 v2-page v1; do
	tw-gen -n 2000 --seed 5 --format "$fmt" > "$T/gen.$fmt"
done
check "tw-gen's v2 lines, v2 pages and v1.1 statuses match the reference" \
	python3 "$REF" "$T/gen.v2" "$T/gen.v2-page" "$T/gen.v1"

# The check can fail: a tw-flatten that gets one field of one tweet wrong.
cat > "$T/bad-flatten" <<SH
#!/bin/sh
"$TW_TOOLS/tw-flatten" "\$@" | sed '0,/"is_reply":false/s//"is_reply":true/'
SH
chmod +x "$T/bad-flatten"
python3 "$REF" --tw-flatten "$T/bad-flatten" "$C/twarc-csv/brexit.jsonl" > "$T/bad.out"
rc=$?
eq "a wrong field fails the check" "$rc" 1
contains "and is named" "$T/bad.out" ": is_reply: tw-flatten True, reference False"
