/* Unit tests for lib/tw_csv against its header: quoted fields, and JSON
 * values as CSV fields (strings decoded, NULs dropped, numbers as
 * written, null empty, containers as compact JSON text). */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_buf.h"
#include "tw_csv.h"
#include "tw_json.h"
#include "tap.h"

/* The CSV field of the JSON value text (the root), as a C string owned
 * by a static buffer. */
static const char *
field_of(const char *json)
{
	static struct tw_buf b = TW_BUF_INIT;
	struct tw_json j;

	tw_buf_reset(&b);
	tw_json_init(&j);
	if (tw_json_parse(&j, json, strlen(json)) != TW_JSON_OK) {
		tw_json_free(&j);
		return "(parse error)";
	}
	tw_csv_add_value(&b, &j, j.v);
	tw_json_free(&j);
	return b.p;
}

static void
test_quoted(void)
{
	struct tw_buf b = TW_BUF_INIT;

	tw_csv_add_quoted(&b, "abc", 3);
	CHECK_STR("quoted: plain text", b.p, "\"abc\"");
	tw_buf_reset(&b);
	tw_csv_add_quoted(&b, "", 0);
	CHECK_STR("quoted: an empty string is \"\" (not a missing value)", b.p, "\"\"");
	tw_buf_reset(&b);
	tw_csv_add_quoted(&b, "say \"hi\"", 8);
	CHECK_STR("quoted: a quote doubled", b.p, "\"say \"\"hi\"\"\"");
	tw_buf_reset(&b);
	tw_csv_add_quoted(&b, "a,b\nc\r\nd", 8);
	CHECK_STR("quoted: separators and line ends kept inside the quotes",
	    b.p, "\"a,b\nc\r\nd\"");
	tw_buf_reset(&b);
	tw_csv_add_quoted(&b, "abcdef", 2);
	CHECK_STR("quoted: only n bytes", b.p, "\"ab\"");
	tw_buf_reset(&b);
	tw_csv_add_quoted(&b, "x", 1);
	tw_buf_addc(&b, ',');
	tw_csv_add_quoted(&b, "caf\xC3\xA9", 5);
	CHECK_STR("quoted: appends, UTF-8 as is", b.p, "\"x\",\"caf\xC3\xA9\"");
	CHECK_INT("quoted: length kept with the NUL after it", b.len, strlen(b.p));

	/* The worst case: every byte a quote, so the field doubles. */
	{
		char q[5000];
		size_t i;
		int ok = 1;

		memset(q, '"', sizeof q);
		tw_buf_reset(&b);
		tw_csv_add_quoted(&b, q, sizeof q);
		for (i = 0; i < b.len; i++)
			ok &= b.p[i] == '"';
		CHECK_INT("quoted: 5000 quotes become 10002 bytes", b.len, 10002);
		CHECK("quoted: ... all quotes", ok);
	}
	tw_buf_free(&b);
}

/*
 * tw_csv_add_quoted writes what libcsv's csv_write writes, for random
 * fields of every length up to 100 (over the 16-byte steps and the
 * tails) made mostly of the bytes that matter: quotes, separators, line
 * ends, UTF-8 and plain letters.
 */
static void
test_against_libcsv(void)
{
	static const char pick[] = "\"\"\",\n\r a\xC3\xA9\\x";
	struct tw_buf b = TW_BUF_INIT;
	char s[100], want[2 * sizeof s + 3];
	size_t n, i, w;
	int round, ok = 1;

	srand(7);
	for (round = 0; round < 20000 && ok; round++) {
		n = (size_t)rand() % sizeof s;
		for (i = 0; i < n; i++)
			s[i] = pick[rand() % (int)(sizeof pick - 1)];
		w = csv_write(want, sizeof want, s, n);
		tw_buf_reset(&b);
		tw_buf_adds(&b, "x,");
		tw_csv_add_quoted(&b, s, n);
		ok = b.len == w + 2 && memcmp(b.p + 2, want, w) == 0 &&
		    b.p[b.len] == '\0';
	}
	CHECK("quoted: the same bytes as libcsv's csv_write, 20000 random fields", ok);
	tw_buf_free(&b);
}

static void
test_values(void)
{
	struct tw_buf b = TW_BUF_INIT;
	struct tw_json j;
	static const char doc[] = "[1,\"two\",null]";

	CHECK_STR("value: null is an empty field", field_of("null"), "");
	CHECK_STR("value: true bare", field_of("true"), "true");
	CHECK_STR("value: false bare", field_of("false"), "false");
	CHECK_STR("value: an integer as written", field_of("42"), "42");
	CHECK_STR("value: a 64-bit id exact", field_of("1440717170493689866"),
	    "1440717170493689866");
	CHECK_STR("value: beyond 64 bits, still as written",
	    field_of("18446744073709551616"), "18446744073709551616");
	CHECK_STR("value: a number's form kept", field_of("-1.50e+03"), "-1.50e+03");
	CHECK_STR("value: a string quoted", field_of("\"hello\""), "\"hello\"");
	CHECK_STR("value: an empty string", field_of("\"\""), "\"\"");
	CHECK_STR("value: escapes decoded",
	    field_of("\"caf\\u00e9 \\\"q\\\" \\n\\/\""),
	    "\"caf\xC3\xA9 \"\"q\"\" \n/\"");
	CHECK_STR("value: a surrogate pair decoded",
	    field_of("\"\\ud83d\\ude00\""), "\"\xF0\x9F\x98\x80\"");
	CHECK_STR("value: \\u0000 dropped (no raw NUL in CSV)",
	    field_of("\"a\\u0000b\\u0000\""), "\"ab\"");
	CHECK_STR("value: only NULs: an empty string", field_of("\"\\u0000\""), "\"\"");
	CHECK_STR("value: a lone surrogate replaced",
	    field_of("\"x\\ud800y\""), "\"x\xEF\xBF\xBDy\"");
	CHECK_STR("value: an array as compact JSON, quoted",
	    field_of("[ 1, \"a,b\" , null ]"), "\"[1,\"\"a,b\"\",null]\"");
	CHECK_STR("value: an object as compact JSON, quoted",
	    field_of("{ \"k\" : { \"n\" : [ ] } }"), "\"{\"\"k\"\":{\"\"n\"\":[]}}\"");
	CHECK_STR("value: an empty array", field_of("[]"), "\"[]\"");

	/* A value inside a document, appended after what b holds. */
	tw_json_init(&j);
	if (tw_json_parse(&j, doc, sizeof doc - 1) == TW_JSON_OK) {
		tw_buf_adds(&b, "id,");
		tw_csv_add_value(&b, &j, tw_json_index(&j, j.v, 1));
		tw_buf_addc(&b, ',');
		tw_csv_add_value(&b, &j, tw_json_index(&j, j.v, 2));
		tw_buf_addc(&b, ',');
		tw_csv_add_value(&b, &j, tw_json_index(&j, j.v, 0));
		CHECK_STR("value: elements of a document, appended", b.p,
		    "id,\"two\",,1");
	} else {
		CHECK("value: parse the document", 0);
	}
	tw_json_free(&j);
	tw_buf_free(&b);
}

int
main(void)
{
	test_quoted();
	test_against_libcsv();
	test_values();
	return tap_done();
}
