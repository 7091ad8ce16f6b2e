/* Unit tests for lib/tw_json against the contract in tw_json.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_buf.h"
#include "tw_json.h"
#include "tap.h"

static struct tw_json J;

/* Parses a NUL-terminated literal; the text must outlive the nodes. */
static enum tw_json_status
parse(const char *s)
{
	return tw_json_parse(&J, s, strlen(s));
}

/* Parses s[0..n) from an exact-size heap copy (so ASan sees overreads). */
static enum tw_json_status
parse_exact(const char *s, size_t n)
{
	char *c = malloc(n ? n : 1);
	enum tw_json_status st;

	memcpy(c, s, n);
	st = tw_json_parse(&J, c, n);
	free(c);
	return st;
}

static int
raw_is(const struct tw_jval *v, const char *s)
{
	return v && v->len == strlen(s) && memcmp(v->p, s, v->len) == 0;
}

/* Decodes string node v into b (reset first); returns replacements. */
static size_t
decode(struct tw_buf *b, const struct tw_jval *v)
{
	tw_buf_reset(b);
	return tw_json_str_decode(b, v);
}

static void
test_kinds(void)
{
	const struct tw_jval *r;

	CHECK_INT("parse null", parse("null"), TW_JSON_OK);
	CHECK_INT("null type", J.v[0].type, TW_JNULL);
	CHECK_INT("parse true", parse("true"), TW_JSON_OK);
	CHECK_INT("true type", J.v[0].type, TW_JTRUE);
	CHECK_INT("parse false", parse(" false "), TW_JSON_OK);
	CHECK_INT("false type", J.v[0].type, TW_JFALSE);
	CHECK_INT("parse number", parse("42"), TW_JSON_OK);
	CHECK_INT("number type", J.v[0].type, TW_JNUM);
	CHECK("number raw", raw_is(&J.v[0], "42"));
	CHECK("number int flag", J.v[0].flags & TW_JF_INT);
	CHECK_INT("parse string", parse("\"hi\""), TW_JSON_OK);
	CHECK_INT("string type", J.v[0].type, TW_JSTR);
	CHECK("string raw", raw_is(&J.v[0], "hi"));
	CHECK("plain string has no ESC flag", !(J.v[0].flags & TW_JF_ESC));
	CHECK_INT("parse empty array", parse("[]"), TW_JSON_OK);
	CHECK_INT("empty array type", J.v[0].type, TW_JARR);
	CHECK_INT("empty array len", J.v[0].len, 0);
	CHECK_INT("empty array next", J.v[0].next, 1);
	CHECK_INT("parse empty object", parse("{}"), TW_JSON_OK);
	CHECK_INT("empty object type", J.v[0].type, TW_JOBJ);
	CHECK_INT("empty object len", J.v[0].len, 0);
	CHECK_INT("empty object n nodes", J.n, 1);
	CHECK_INT("parse empty string", parse("\"\""), TW_JSON_OK);
	CHECK_INT("empty string len", J.v[0].len, 0);

	CHECK_INT("parse whitespace everywhere",
	    parse(" \t\r\n{ \"a\" : [ 1 , { } , [ ] ] \n}\r\n "), TW_JSON_OK);
	r = &J.v[0];
	CHECK_INT("ws object len", r->len, 1);
	CHECK_INT("ws node count", J.n, 6);
}

static void
test_navigation(void)
{
	static const char doc[] =
	    "{\"user\":{\"id\":1212092628029698048,\"name\":\"bob\"},"
	    "\"list\":[10,[20,21],{\"k\":null}],\"s\":\"x\",\"ab\":1,\"a\":2,"
	    "\"big\":18446744073709551615}";
	const struct tw_jval *r, *u, *l, *e, *v;

	CHECK_INT("nav parse", parse(doc), TW_JSON_OK);
	r = &J.v[0];
	CHECK_INT("root is object", r->type, TW_JOBJ);
	CHECK_INT("root member count", r->len, 6);
	CHECK("after root is end of tape", tw_json_after(&J, r) == J.v + J.n);
	CHECK_INT("root next", r->next, J.n);
	CHECK("first key follows root", raw_is(r + 1, "user") && r[1].type == TW_JSTR);
	CHECK("first value follows key", r[2].type == TW_JOBJ);

	u = TW_JGET(&J, r, "user");
	CHECK("get user", u && u->type == TW_JOBJ && u->len == 2);
	v = TW_JGET(&J, u, "id");
	CHECK("64-bit id raw exact", raw_is(v, "1212092628029698048"));
	CHECK("id is int", v && v->type == TW_JNUM && (v->flags & TW_JF_INT));
	{
		int64_t x = 0;
		CHECK("id i64 ok", tw_json_i64(v, &x) == 0 && x == INT64_C(1212092628029698048));
	}
	CHECK("get name", raw_is(TW_JGET(&J, u, "name"), "bob"));
	CHECK("get missing", TW_JGET(&J, u, "nope") == NULL);
	CHECK("get on array is NULL", TW_JGET(&J, TW_JGET(&J, r, "list"), "k") == NULL);
	CHECK("get on string is NULL", TW_JGET(&J, TW_JGET(&J, r, "s"), "x") == NULL);
	CHECK("get does not match key prefix", raw_is(TW_JGET(&J, r, "a"), "2"));
	CHECK("get ab", raw_is(TW_JGET(&J, r, "ab"), "1"));
	CHECK("get with explicit length", raw_is(tw_json_get(&J, r, "abc", 1), "2"));
	CHECK("uint64 max raw exact", raw_is(TW_JGET(&J, r, "big"), "18446744073709551615"));

	l = TW_JGET(&J, r, "list");
	CHECK("list array len", l && l->type == TW_JARR && l->len == 3);
	CHECK("index 0", raw_is(tw_json_index(&J, l, 0), "10"));
	e = tw_json_index(&J, l, 1);
	CHECK("index 1 nested array", e && e->type == TW_JARR && e->len == 2);
	CHECK("nested index", raw_is(tw_json_index(&J, e, 1), "21"));
	e = tw_json_index(&J, l, 2);
	CHECK("index 2 object", e && e->type == TW_JOBJ);
	v = TW_JGET(&J, e, "k");
	CHECK("nested null", v && v->type == TW_JNULL);
	CHECK("index past end", tw_json_index(&J, l, 3) == NULL);
	CHECK("index on object is NULL", tw_json_index(&J, r, 0) == NULL);
	/* Walking siblings with after. */
	e = l + 1;
	CHECK("walk 0", raw_is(e, "10"));
	e = tw_json_after(&J, e);
	CHECK("walk 1 is nested array", e->type == TW_JARR);
	e = tw_json_after(&J, e);
	CHECK("walk 2 is object", e->type == TW_JOBJ);
	e = tw_json_after(&J, e);
	CHECK("walk past list reaches key s", e == tw_json_after(&J, l) && raw_is(e, "s"));

	CHECK_INT("duplicate keys parse", parse("{\"a\":1,\"a\":2}"), TW_JSON_OK);
	CHECK("get returns first match", raw_is(TW_JGET(&J, &J.v[0], "a"), "1"));

	/* Reuse of the same struct for a smaller document. */
	CHECK_INT("reparse small", parse("[true]"), TW_JSON_OK);
	CHECK("reparse tape", J.n == 2 && J.v[1].type == TW_JTRUE);
}

static void
test_i64(void)
{
	static const struct { const char *doc; int rc; int64_t want; } t[] = {
		{ "0", 0, 0 },
		{ "-0", 0, 0 },
		{ "7", 0, 7 },
		{ "-42", 0, -42 },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "9223372036854775808", -1, 0 },
		{ "-9223372036854775809", -1, 0 },
		{ "18446744073709551615", -1, 0 },
		{ "99999999999999999999999", -1, 0 },
		{ "\"123\"", 0, 123 },
		{ "\"-5\"", 0, -5 },
		{ "\"1212092628029698048\"", 0, INT64_C(1212092628029698048) },
		{ "\"9223372036854775808\"", -1, 0 },
		{ "\"\"", -1, 0 },
		{ "\"-\"", -1, 0 },
		{ "\"12a\"", -1, 0 },
		{ "\" 12\"", -1, 0 },
		{ "\"1.5\"", -1, 0 },
		{ "1.5", -1, 0 },
		{ "1e3", -1, 0 },
		{ "1.0", -1, 0 },
		{ "true", -1, 0 },
		{ "null", -1, 0 },
		{ "[1]", -1, 0 },
	};
	char name[128];
	size_t i;
	int64_t x;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(name, sizeof name, "i64 of %s", t[i].doc);
		if (parse(t[i].doc) != TW_JSON_OK) {
			CHECKF(name, 0, "did not parse");
			continue;
		}
		x = 12345;
		int rc = tw_json_i64(&J.v[0], &x);
		if (t[i].rc == 0)
			CHECKF(name, rc == 0 && x == t[i].want, "rc %d value %lld, want %lld",
			    rc, (long long)x, (long long)t[i].want);
		else
			CHECKF(name, rc == -1, "rc %d value %lld, want -1", rc, (long long)x);
	}
	CHECK_INT("i64 of NULL", tw_json_i64(NULL, &x), -1);

	double d;
	CHECK("double 1.5", parse("1.5") == 0 && tw_json_double(&J.v[0], &d) == 0 && d == 1.5);
	CHECK("double 1e300", parse("1e300") == 0 && tw_json_double(&J.v[0], &d) == 0 && d == 1e300);
	CHECK("double of numeric string", parse("\"2.5\"") == 0 && tw_json_double(&J.v[0], &d) == 0 && d == 2.5);
	CHECK("double of word string", parse("\"abc\"") == 0 && tw_json_double(&J.v[0], &d) == -1);
	CHECK("double of true", parse("true") == 0 && tw_json_double(&J.v[0], &d) == -1);
}

static void
test_numbers(void)
{
	static const char *good[] = { "-0", "0", "1e-5", "1E+5", "1e5", "-1.25e-10",
	    "0.5", "-0.0", "123456789012345678901234567890", "1E400" };
	static const char *bad[] = { "01", "-01", ".5", "+1", "[01]", "[1.]", "[-]",
	    "[.5]", "[+1]", "[1e]", "[1e+]", "[1.e5]", "[0x10]", "[NaN]", "[Infinity]",
	    "[- 1]", "[1 2]", "00" };
	static const char *notok[] = { "1.", "-", "1e", "1E+" };
	char name[128];
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(name, sizeof name, "number %s accepted", good[i]);
		CHECK_INT(name, parse(good[i]), TW_JSON_OK);
		snprintf(name, sizeof name, "number %s raw", good[i]);
		CHECK(name, J.v[0].type == TW_JNUM && raw_is(&J.v[0], good[i]));
	}
	CHECK("-0 is int", parse("-0") == 0 && (J.v[0].flags & TW_JF_INT));
	CHECK("1e-5 not int", parse("1e-5") == 0 && !(J.v[0].flags & TW_JF_INT));
	CHECK("0.5 not int", parse("0.5") == 0 && !(J.v[0].flags & TW_JF_INT));
	CHECK("number in array raw", parse("[1E+5,-0]") == 0 && raw_is(&J.v[1], "1E+5")
	    && raw_is(&J.v[2], "-0"));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(name, sizeof name, "number %s is syntax error", bad[i]);
		CHECK_INT(name, parse(bad[i]), TW_JSON_SYNTAX);
	}
	for (i = 0; i < sizeof notok / sizeof notok[0]; i++) {
		snprintf(name, sizeof name, "number %s at end rejected", notok[i]);
		CHECK(name, parse(notok[i]) != TW_JSON_OK);
	}
}

static void
test_literals(void)
{
	CHECK_INT("tru at end incomplete", parse("tru"), TW_JSON_INCOMPLETE);
	CHECK_INT("fals at end incomplete", parse("fals"), TW_JSON_INCOMPLETE);
	CHECK_INT("n at end incomplete", parse("n"), TW_JSON_INCOMPLETE);
	CHECK_INT("[nul at end incomplete", parse("[nul"), TW_JSON_INCOMPLETE);
	CHECK_INT("trux syntax", parse("trux"), TW_JSON_SYNTAX);
	CHECK_INT("nulL syntax", parse("nulL"), TW_JSON_SYNTAX);
	CHECK_INT("[tru] syntax", parse("[tru]"), TW_JSON_SYNTAX);
	CHECK_INT("True syntax", parse("True"), TW_JSON_SYNTAX);
	CHECK_INT("truefalse syntax", parse("truefalse"), TW_JSON_SYNTAX);
	CHECK_INT("literals in array", parse("[true,false,null]"), TW_JSON_OK);
	CHECK("literal types", J.v[1].type == TW_JTRUE && J.v[2].type == TW_JFALSE
	    && J.v[3].type == TW_JNULL);
}

static void
test_escapes(void)
{
	struct tw_buf b = TW_BUF_INIT;
	static const char want[] = "\"\\/\b\f\n\r\t\xC3\xA9\xE2\x82\xAC" "A";
	size_t rep;

	CHECK_INT("all escapes parse",
	    parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\u0041\""), TW_JSON_OK);
	CHECK("escapes ESC flag", J.v[0].flags & TW_JF_ESC);
	rep = decode(&b, &J.v[0]);
	CHECK_MEM("all escapes decode", b.p, b.len, want, sizeof want - 1);
	CHECK_INT("all escapes no replacement", rep, 0);
	CHECK("streq on escaped", tw_json_streq(&J.v[0], want, sizeof want - 1));
	CHECK("streq mismatch", !tw_json_streq(&J.v[0], want, sizeof want - 2));
	CHECK("streq on non-string", parse("1") == 0 && !TW_JSTREQ(&J.v[0], "1"));
	CHECK("TW_JSTREQ literal", parse("\"a\\u0062c\"") == 0 && TW_JSTREQ(&J.v[0], "abc"));

	CHECK_INT("upper surrogate pair", parse("\"\\uD83D\\uDE02\""), TW_JSON_OK);
	rep = decode(&b, &J.v[0]);
	CHECK_MEM("upper surrogate decode", b.p, b.len, "\xF0\x9F\x98\x82", 4);
	CHECK_INT("upper surrogate no replacement", rep, 0);
	CHECK_INT("lower surrogate pair", parse("\"\\ud83d\\ude02\""), TW_JSON_OK);
	rep = decode(&b, &J.v[0]);
	CHECK_MEM("lower surrogate decode", b.p, b.len, "\xF0\x9F\x98\x82", 4);
	CHECK_INT("lower surrogate no replacement", rep, 0);
	CHECK_INT("mixed case surrogate pair", parse("\"\\uD83d\\uDe02\""), TW_JSON_OK);
	decode(&b, &J.v[0]);
	CHECK_MEM("mixed case surrogate decode", b.p, b.len, "\xF0\x9F\x98\x82", 4);
	CHECK_INT("max code point pair", parse("\"\\uDBFF\\uDFFF\""), TW_JSON_OK);
	decode(&b, &J.v[0]);
	CHECK_MEM("max code point decode", b.p, b.len, "\xF4\x8F\xBF\xBF", 4);

	CHECK_INT("lone high parses", parse("\"a\\uD83Dx\""), TW_JSON_OK);
	rep = decode(&b, &J.v[0]);
	CHECK_MEM("lone high -> FFFD", b.p, b.len, "a\xEF\xBF\xBDx", 5);
	CHECK_INT("lone high count", rep, 1);
	CHECK_INT("lone high at end parses", parse("\"\\uD83D\""), TW_JSON_OK);
	rep = decode(&b, &J.v[0]);
	CHECK_MEM("lone high at end -> FFFD", b.p, b.len, "\xEF\xBF\xBD", 3);
	CHECK_INT("lone high at end count", rep, 1);
	CHECK_INT("lone low parses", parse("\"\\uDE02\""), TW_JSON_OK);
	rep = decode(&b, &J.v[0]);
	CHECK_MEM("lone low -> FFFD", b.p, b.len, "\xEF\xBF\xBD", 3);
	CHECK_INT("lone low count", rep, 1);
	CHECK_INT("high then non-surrogate parses", parse("\"\\uD83D\\u0041\""), TW_JSON_OK);
	rep = decode(&b, &J.v[0]);
	CHECK_MEM("high then A", b.p, b.len, "\xEF\xBF\xBD" "A", 4);
	CHECK_INT("high then A count", rep, 1);
	CHECK_INT("two highs parse", parse("\"\\uD83D\\uD83D\""), TW_JSON_OK);
	rep = decode(&b, &J.v[0]);
	CHECK_MEM("two highs -> two FFFD", b.p, b.len, "\xEF\xBF\xBD\xEF\xBF\xBD", 6);
	CHECK_INT("two highs count", rep, 2);
	CHECK_INT("low then high parse", parse("\"\\uDE02\\uD83D\""), TW_JSON_OK);
	rep = decode(&b, &J.v[0]);
	CHECK_INT("low then high count", rep, 2);

	CHECK_INT("\\u0000 parses", parse("\"a\\u0000b\""), TW_JSON_OK);
	rep = decode(&b, &J.v[0]);
	CHECK_MEM("\\u0000 decodes to NUL", b.p, b.len, "a\0b", 3);
	CHECK_INT("\\u0000 no replacement", rep, 0);
	tw_buf_reset(&b);
	tw_json_str_emit(&b, &J.v[0]);
	CHECK_STR("\\u0000 emitted as \\u0000", b.p, "\"a\\u0000b\"");

	/* Bad escapes. */
	CHECK_INT("\\x escape", parse("\"\\x41\""), TW_JSON_SYNTAX);
	CHECK_INT("\\u short", parse("\"\\u12\""), TW_JSON_SYNTAX);
	CHECK_INT("\\u non-hex", parse("\"\\u12G4\""), TW_JSON_SYNTAX);
	CHECK_INT("\\U upper", parse("\"\\U0041\""), TW_JSON_SYNTAX);
	CHECK_INT("\\' escape", parse("\"\\'\""), TW_JSON_SYNTAX);
	CHECK_INT("escape at end incomplete", parse("\"ab\\"), TW_JSON_INCOMPLETE);
	CHECK_INT("\\u at end incomplete", parse("\"\\u00"), TW_JSON_INCOMPLETE);

	/* Raw control characters. */
	CHECK_INT("raw newline in string", parse("\"a\nb\""), TW_JSON_SYNTAX);
	CHECK_INT("raw tab in string", parse("\"a\tb\""), TW_JSON_SYNTAX);
	CHECK_INT("raw 0x01 in string", parse("\"a\x01" "b\""), TW_JSON_SYNTAX);
	CHECK_INT("raw 0x1f in string", parse("\"\x1f\""), TW_JSON_SYNTAX);
	CHECK_INT("raw NUL in string", parse_exact("\"a\0b\"", 5), TW_JSON_SYNTAX);
	CHECK_INT("raw DEL allowed", parse("\"\x7f\""), TW_JSON_OK);
	tw_buf_free(&b);
}

/* Counts U+FFFD sequences in b. */
static size_t
count_fffd(const struct tw_buf *b)
{
	size_t i, n = 0;

	for (i = 0; i + 3 <= b->len; i++)
		if (memcmp(b->p + i, "\xEF\xBF\xBD", 3) == 0)
			n++;
	return n;
}

static void
test_badutf8(void)
{
	static const struct { const char *name, *doc; const char *exact; } t[] = {
		{ "overlong C0 AF", "\"a\xC0\xAF" "b\"", NULL },
		{ "overlong E0 80 AF", "\"a\xE0\x80\xAF" "b\"", NULL },
		{ "surrogate bytes ED A0 80", "\"a\xED\xA0\x80" "b\"", NULL },
		{ "truncated E2 82", "\"a\xE2\x82" "b\"", "a\xEF\xBF\xBD" "b" },
		{ "truncated at string end", "\"a\xF0\x9F\x98\"", "a\xEF\xBF\xBD" },
		{ "byte FF", "\"a\xFF" "b\"", "a\xEF\xBF\xBD" "b" },
		{ "lone continuation", "\"a\x80" "b\"", "a\xEF\xBF\xBD" "b" },
		{ "above U+10FFFF", "\"a\xF4\x90\x80\x80" "b\"", NULL },
	};
	struct tw_buf b = TW_BUF_INIT;
	char name[160];
	size_t i, rep;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(name, sizeof name, "bad utf8 %s parses", t[i].name);
		CHECK_INT(name, parse(t[i].doc), TW_JSON_OK);
		snprintf(name, sizeof name, "bad utf8 %s flagged", t[i].name);
		CHECK(name, J.v[0].flags & TW_JF_BADUTF8);
		snprintf(name, sizeof name, "bad utf8 %s nbadutf8", t[i].name);
		CHECK_INT(name, J.nbadutf8, 1);
		rep = decode(&b, &J.v[0]);
		snprintf(name, sizeof name, "bad utf8 %s repaired to valid", t[i].name);
		CHECK(name, rep >= 1 && tw_utf8_valid_prefix(b.p, b.len) == b.len);
		snprintf(name, sizeof name, "bad utf8 %s count matches U+FFFD", t[i].name);
		CHECKF(name, rep == count_fffd(&b), "returned %zu, %zu in output", rep, count_fffd(&b));
		snprintf(name, sizeof name, "bad utf8 %s keeps ASCII", t[i].name);
		CHECK(name, b.len >= 4 && b.p[0] == 'a');
		if (t[i].exact) {
			snprintf(name, sizeof name, "bad utf8 %s exact", t[i].name);
			CHECK_MEM(name, b.p, b.len, t[i].exact, strlen(t[i].exact));
		}
		tw_buf_reset(&b);
		rep = tw_json_str_emit(&b, &J.v[0]);
		snprintf(name, sizeof name, "bad utf8 %s emit repaired", t[i].name);
		CHECK(name, rep >= 1 && tw_utf8_valid_prefix(b.p, b.len) == b.len);
	}
	CHECK_INT("valid utf8 parses", parse("[\"\xC3\xA9\xF0\x9F\x98\x82\",\"a\xFF\",\"\xFE\"]"),
	    TW_JSON_OK);
	CHECK("valid utf8 not flagged", !(J.v[1].flags & TW_JF_BADUTF8));
	CHECK_INT("nbadutf8 counts strings", J.nbadutf8, 2);
	CHECK_INT("clean doc resets nbadutf8", parse("[\"x\"]") == 0 ? (long long)J.nbadutf8 : -1, 0);
	tw_buf_free(&b);
}

static void
test_truncation(void)
{
	static const char doc[] =
	    "{\"id\":1212092628029698048,\"text\":\"h\\u00e9llo \\\"w\\\" \\uD83D\\uDE02 \xC3\xA9\","
	    "\"n\":-12.5e-3,\"ok\":true,\"no\":false,\"nil\":null,"
	    "\"arr\":[1,[2,{}],[],{\"k\":[null,\"\\n\"]}],"
	    "\"o\":{\"a\":{\"b\":\"c\"}},\"e\":\"\"}";
	size_t n = sizeof doc - 1, k, bad = 0, first = 0;
	enum tw_json_status st, firstst = TW_JSON_OK;

	CHECK_INT("sample doc parses", parse_exact(doc, n), TW_JSON_OK);
	CHECK_INT("empty prefix is EMPTY", parse_exact(doc, 0), TW_JSON_EMPTY);
	for (k = 1; k < n; k++) {
		st = parse_exact(doc, k);
		if (st != TW_JSON_INCOMPLETE) {
			if (!bad++) {
				first = k;
				firstst = st;
			}
		}
	}
	CHECKF("every proper prefix is INCOMPLETE", bad == 0,
	    "%zu prefixes wrong, first at length %zu: status %d", bad, first, (int)firstst);

	/* Prefixes cut after a structural character, then white space
	 * (as a pretty-printed line ends), are still incomplete. */
	bad = 0;
	for (k = 1; k < n; k++) {
		if (!strchr("{[,:", doc[k - 1]))
			continue;
		char *c = malloc(k + 2);
		memcpy(c, doc, k);
		c[k] = '\n';
		c[k + 1] = ' ';
		if (tw_json_parse(&J, c, k + 2) != TW_JSON_INCOMPLETE && !bad++)
			first = k;
		free(c);
	}
	CHECKF("prefixes at token ends plus white space INCOMPLETE", bad == 0,
	    "%zu wrong, first at %zu", bad, first);

	CHECK_INT("incomplete has errmsg", parse("{\"a\":") == TW_JSON_INCOMPLETE && J.errmsg != NULL, 1);
	CHECK_STR("status name incomplete", tw_json_status_name(TW_JSON_INCOMPLETE), "truncated JSON");
	CHECK("status names exist", tw_json_status_name(TW_JSON_SYNTAX) != NULL
	    && tw_json_status_name(TW_JSON_DEPTH) != NULL
	    && tw_json_status_name(TW_JSON_EMPTY) != NULL);

	static const char *junk[] = { "{\"a\":1}x", "[1] 2", "1 2", "\"s\"}", "null,",
	    "{}{", "{} {}", "[]]", "{\"a\":1}\n{\"b\":2}", "true\n\"x" };
	char name[128];
	for (k = 0; k < sizeof junk / sizeof junk[0]; k++) {
		snprintf(name, sizeof name, "junk after doc %zu is SYNTAX", k);
		CHECK_INT(name, parse(junk[k]), TW_JSON_SYNTAX);
	}
	CHECK_INT("trailing white space ok", parse("{\"a\":1} \r\n\t"), TW_JSON_OK);

	CHECK_INT("syntax error offset", parse("[1,x]"), TW_JSON_SYNTAX);
	CHECK_INT("syntax erroff at x", J.erroff, 3);
	CHECK("syntax errmsg set", J.errmsg && *J.errmsg);
	CHECK_INT("missing colon", parse("{\"a\" 1}"), TW_JSON_SYNTAX);
	CHECK_INT("trailing comma array", parse("[1,]"), TW_JSON_SYNTAX);
	CHECK_INT("trailing comma object", parse("{\"a\":1,}"), TW_JSON_SYNTAX);
	CHECK_INT("non-string key", parse("{1:2}"), TW_JSON_SYNTAX);
	CHECK_INT("single quotes", parse("{'a':1}"), TW_JSON_SYNTAX);
	CHECK_INT("mismatched close", parse("[1}"), TW_JSON_SYNTAX);
	CHECK_INT("lone close", parse("]"), TW_JSON_SYNTAX);

	CHECK_INT("empty input", parse(""), TW_JSON_EMPTY);
	CHECK_INT("white space input", parse(" \t\r\n  \n"), TW_JSON_EMPTY);
	CHECK_INT("vertical tab is not JSON white space", parse("\v1"), TW_JSON_SYNTAX);
	CHECK_INT("reparse after errors", parse("[1]"), TW_JSON_OK);
}

static void
test_depth(void)
{
	size_t d = 10000, i;
	char *s = malloc(2 * d + 1);

	for (i = 0; i < d; i++) {
		s[i] = '[';
		s[d + i] = ']';
	}
	CHECK_INT("10000 deep arrays DEPTH", tw_json_parse(&J, s, 2 * d), TW_JSON_DEPTH);
	CHECK("10000 deep open-only not OK", tw_json_parse(&J, s, d) != TW_JSON_OK);
	CHECK_INT("500 deep arrays OK", tw_json_parse(&J, s + d - 500, 1000), TW_JSON_OK);
	CHECK_INT("500 deep node count", J.n, 500);
	CHECK_INT("512 deep arrays OK", tw_json_parse(&J, s + d - 512, 1024), TW_JSON_OK);
	CHECK_INT("513 deep arrays DEPTH", tw_json_parse(&J, s + d - 513, 1026), TW_JSON_DEPTH);
	free(s);

	/* Deep objects. */
	struct tw_buf b = TW_BUF_INIT;
	for (i = 0; i < d; i++)
		tw_buf_adds(&b, "{\"a\":");
	tw_buf_adds(&b, "1");
	for (i = 0; i < d; i++)
		tw_buf_addc(&b, '}');
	CHECK_INT("10000 deep objects DEPTH", tw_json_parse(&J, b.p, b.len), TW_JSON_DEPTH);
	tw_buf_reset(&b);
	for (i = 0; i < 500; i++)
		tw_buf_adds(&b, "{\"a\":[");
	tw_buf_adds(&b, "1");
	for (i = 0; i < 500; i++)
		tw_buf_adds(&b, "]}");
	CHECK_INT("1000 deep mixed DEPTH", tw_json_parse(&J, b.p, b.len), TW_JSON_DEPTH);
	tw_buf_reset(&b);
	for (i = 0; i < 250; i++)
		tw_buf_adds(&b, "{\"a\":[");
	tw_buf_adds(&b, "1");
	for (i = 0; i < 250; i++)
		tw_buf_adds(&b, "]}");
	CHECK_INT("500 deep mixed OK", tw_json_parse(&J, b.p, b.len), TW_JSON_OK);

	struct tw_json j2;
	tw_json_init(&j2);
	CHECK_INT("default max_depth", j2.max_depth, TW_JSON_MAX_DEPTH);
	j2.max_depth = 3;
	CHECK_INT("custom depth 3 ok", tw_json_parse(&j2, "[[[]]]", 6), TW_JSON_OK);
	CHECK_INT("custom depth 4 fails", tw_json_parse(&j2, "[[[[]]]]", 8), TW_JSON_DEPTH);
	CHECK_INT("custom depth scalar inside ok", tw_json_parse(&j2, "[{\"a\":[1]}]", 11), TW_JSON_OK);
	tw_json_free(&j2);
	tw_buf_free(&b);
}

static void
test_big(void)
{
	size_t n = 10u << 20, i;
	char *s = malloc(n + 2);
	struct tw_buf b = TW_BUF_INIT;

	s[0] = '"';
	for (i = 1; i <= n; i++)
		s[i] = (char)('a' + i % 26);
	s[n + 1] = '"';
	CHECK_INT("10 MB string parses", tw_json_parse(&J, s, n + 2), TW_JSON_OK);
	CHECK_UINT("10 MB string len", J.v[0].len, n);
	decode(&b, &J.v[0]);
	CHECK("10 MB string decodes", b.len == n && memcmp(b.p, s + 1, n) == 0);
	free(s);

	/* A wide array: many nodes. */
	tw_buf_reset(&b);
	tw_buf_addc(&b, '[');
	for (i = 0; i < 200000; i++)
		tw_buf_adds(&b, i ? ",1" : "1");
	tw_buf_addc(&b, ']');
	CHECK_INT("200000-element array", tw_json_parse(&J, b.p, b.len), TW_JSON_OK);
	CHECK("wide array len", J.v[0].len == 200000 && J.n == 200001);
	CHECK("wide array last index", raw_is(tw_json_index(&J, &J.v[0], 199999), "1"));
	tw_buf_free(&b);
}

static void
test_emit(void)
{
	static const char doc[] =
	    "{ \"a\" : [1, 2.5e3, -0, true, false, null, \"x\\u00e9\\/\\\"\\\\\"] ,\n"
	    "  \"b\":{}, \"c\" : [ ], \"id\": 18446744073709551615, "
	    "\"e\":\"\\uD83D\\uDE02\\u0000\\u001f\\n\\t\" }";
	static const char want[] =
	    "{\"a\":[1,2.5e3,-0,true,false,null,\"x\xC3\xA9/\\\"\\\\\"],"
	    "\"b\":{},\"c\":[],\"id\":18446744073709551615,\"e\":\"\xF0\x9F\x98\x82\\u0000";
	struct tw_buf b1 = TW_BUF_INIT, b2 = TW_BUF_INIT;
	struct tw_json j2;
	size_t rep;

	tw_json_init(&j2);
	CHECK_INT("emit doc parses", parse(doc), TW_JSON_OK);
	rep = tw_json_emit(&b1, &J, &J.v[0]);
	CHECK_INT("emit no replacements", rep, 0);
	CHECKF("emit canonical prefix", b1.len > sizeof want - 1
	    && memcmp(b1.p, want, sizeof want - 1) == 0, "got %s", b1.p);
	CHECK("emit ends with }", b1.len && b1.p[b1.len - 1] == '}');
	CHECK_INT("emit output parses", tw_json_parse(&j2, b1.p, b1.len), TW_JSON_OK);
	tw_json_emit(&b2, &j2, &j2.v[0]);
	CHECK_MEM("emit round trip identical", b2.p, b2.len, b1.p, b1.len);
	{
		const struct tw_jval *e = TW_JGET(&j2, &j2.v[0], "e");
		struct tw_buf d = TW_BUF_INIT;
		decode(&d, e);
		CHECK_MEM("controls survive round trip", d.p, d.len,
		    "\xF0\x9F\x98\x82\0\x1f\n\t", 8);
		tw_buf_free(&d);
	}
	/* Emit of a subtree. */
	tw_buf_reset(&b1);
	tw_json_emit(&b1, &J, TW_JGET(&J, &J.v[0], "a"));
	CHECK_STR("emit subtree", b1.p, "[1,2.5e3,-0,true,false,null,\"x\xC3\xA9/\\\"\\\\\"]");
	tw_buf_reset(&b1);
	CHECK_INT("emit scalar parses", parse(" 1E+5 "), TW_JSON_OK);
	tw_json_emit(&b1, &J, &J.v[0]);
	CHECK_STR("emit number as written", b1.p, "1E+5");
	/* Emit repairs bad UTF-8 and counts it. */
	tw_buf_reset(&b1);
	CHECK_INT("emit bad utf8 parses", parse("[\"a\xFF\",\"\\uDE02\"]"), TW_JSON_OK);
	rep = tw_json_emit(&b1, &J, &J.v[0]);
	CHECK_STR("emit repairs", b1.p, "[\"a\xEF\xBF\xBD\",\"\xEF\xBF\xBD\"]");
	CHECK_INT("emit replacement count", rep, 2);
	tw_buf_free(&b1);
	tw_buf_free(&b2);
	tw_json_free(&j2);
}

/*
 * The SIMD UTF-8 path against the scalar one: random strings built from
 * ASCII, valid characters of every length, and every kind of bad byte
 * (stray and missing continuations, overlongs, surrogates, past
 * U+10FFFF, 0xF5..0xFF), quotes, escapes and control characters, parsed
 * both ways: the same status, end and flags every time.
 */
static uint64_t rs = 0x9E3779B97F4A7C15ULL;

static uint32_t
rnd32(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}

static size_t
piece(unsigned char *d, int *clean)
{
	static const char *bad[] = {
		"\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF",
		"\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80\x80\x80", "\xF4\x90\x80\x80",
		"\xF5\x80\x80\x80", "\xFF", "\xC3", "\xE3\x81", "\xF0\x9F\x98",
		"\xE3\x81\x82\x83", "\\\"", "\\n", "\\u00e9", "\\uD83D\\uDE02", "\t", "\"",
	};
	uint32_t r = rnd32() % 100, c;

	*clean = r < 90;
	if (r < 40) {
		d[0] = (unsigned char)(0x20 + rnd32() % 95);
		return d[0] == '"' || d[0] == '\\' ? (d[0] = 'x', 1) : 1;
	}
	if (r < 55) {
		c = 0x80 + rnd32() % 0x780;
		d[0] = (unsigned char)(0xC0 | c >> 6);
		d[1] = (unsigned char)(0x80 | (c & 63));
		return 2;
	}
	if (r < 80) {
		do
			c = 0x800 + rnd32() % 0xF800;
		while (c >= 0xD800 && c < 0xE000);
		d[0] = (unsigned char)(0xE0 | c >> 12);
		d[1] = (unsigned char)(0x80 | (c >> 6 & 63));
		d[2] = (unsigned char)(0x80 | (c & 63));
		return 3;
	}
	if (r < 90) {
		c = 0x10000 + rnd32() % 0x100000;
		d[0] = (unsigned char)(0xF0 | c >> 18);
		d[1] = (unsigned char)(0x80 | (c >> 12 & 63));
		d[2] = (unsigned char)(0x80 | (c >> 6 & 63));
		d[3] = (unsigned char)(0x80 | (c & 63));
		return 4;
	}
	{
		const char *b = bad[rnd32() % (sizeof bad / sizeof *bad)];
		size_t n = strlen(b);

		memcpy(d, b, n);
		return n;
	}
}

static void
test_simd_utf8(void)
{
	static unsigned char buf[4096];
	struct tw_json a, b;
	int round, diffs = 0, bad = 0, was;
	char name[80];

	tw_json_init(&a);
	tw_json_init(&b);
	was = tw_json_simd(TW_SIMD_ALL);
	for (round = 0; round < 200000; round++) {
		size_t n = 0, len = rnd32() % 300, k;
		enum tw_json_status sa, sb;
		/* Mostly clean text, with a bad piece in about one string in
		 * four, so that long valid runs are common too. */
		int dirty = rnd32() % 4 == 0;

		buf[n++] = '[';
		buf[n++] = '"';
		while (n < len + 2) {
			unsigned char d[16];
			int clean;

			k = piece(d, &clean);
			if (!dirty && !clean)
				continue;
			memcpy(buf + n, d, k);
			n += k;
		}
		buf[n++] = '"';
		buf[n++] = ']';
		tw_json_simd(TW_SIMD_ALL);
		sa = tw_json_parse(&a, (const char *)buf, n);
		tw_json_simd(TW_SIMD_OFF);
		sb = tw_json_parse(&b, (const char *)buf, n);
		if (sa != sb || (sa == TW_JSON_OK && (a.v[0].len != b.v[0].len ||
		    a.v[1].flags != b.v[1].flags || a.v[1].len != b.v[1].len)) ||
		    (sa != TW_JSON_OK && a.erroff != b.erroff)) {
			if (diffs++ < 3) {
				snprintf(name, sizeof name, "simd utf-8 = scalar (round %d, %zu bytes)", round, n);
				CHECK(name, 0);
			}
		}
		if (sb == TW_JSON_OK && (b.v[1].flags & TW_JF_BADUTF8))
			bad++;
	}
	tw_json_simd(was);
	CHECK_INT("simd utf-8 = scalar on 200,000 random strings", diffs, 0);
	CHECKF("  ... of which some hold bad UTF-8", bad > 10000, "%d", bad);
	tw_json_free(&a);
	tw_json_free(&b);
}


/*
 * ---- the two-stage parser against the scalar one ----
 *
 * Random documents (objects, arrays, every kind of string piece above,
 * backslash runs of every length, numbers of every form, literals, white
 * space or none, keys with escapes, nesting) and the same documents cut,
 * with a byte changed, inserted or removed: parsed at every SIMD level,
 * the status, error position and message, and every node (type, flags,
 * hint, length, next, offset) must be those of the scalar parser.
 */
static struct tw_buf gen = TW_BUF_INIT;
static int gen_dirty;		/* some strings hold bad pieces */

static void
gen_ws(void)
{
	static const char *ws[] = { "", "", "", "", " ", "\n", "\t ", "\r\n  " };

	tw_buf_adds(&gen, ws[rnd32() % 8]);
}

static void
gen_string(void)
{
	unsigned char d[16];
	int clean, k, n = (int)(rnd32() % (rnd32() % 4 == 0 ? 90 : 12));

	tw_buf_addc(&gen, '"');
	while (n-- > 0) {
		if (rnd32() % 12 == 0) {
			/* a run of backslashes, then a byte it may escape */
			int r = (int)(1 + rnd32() % 6), i;

			for (i = 0; i < r; i++)
				tw_buf_addc(&gen, '\\');
			tw_buf_addc(&gen, "\"nu\\x/"[rnd32() % 6]);
			continue;
		}
		k = (int)piece(d, &clean);
		if (!clean && (!gen_dirty || rnd32() % 4 != 0))
			continue;	/* keep most strings valid */
		tw_buf_add(&gen, d, (size_t)k);
	}
	tw_buf_addc(&gen, '"');
}

static void
gen_value(int depth)
{
	static const char *nums[] = { "0", "-0", "7", "-12", "1234567890123456789",
	    "18446744073709551616", "3.25", "-0.5e-3", "1E+9", "2e5", "01", "-",
	    "1.", ".5", "1e", "+1", "1.5.2", "9999999999999999999999999999" };
	static const char *lits[] = { "true", "false", "null", "tru", "nul",
	    "falsey", "True" };
	uint32_t r = rnd32() % 100, i, n;

	gen_ws();
	if (depth < 6 && r < 18) {
		n = rnd32() % 7;
		tw_buf_addc(&gen, '{');
		for (i = 0; i < n; i++) {
			if (i) {
				gen_ws();
				tw_buf_addc(&gen, ',');
			}
			gen_ws();
			gen_string();
			gen_ws();
			tw_buf_addc(&gen, ':');
			gen_value(depth + 1);
		}
		gen_ws();
		tw_buf_addc(&gen, '}');
	} else if (depth < 6 && r < 30) {
		n = rnd32() % 6;
		tw_buf_addc(&gen, '[');
		for (i = 0; i < n; i++) {
			if (i)
				tw_buf_addc(&gen, ',');
			gen_value(depth + 1);
		}
		gen_ws();
		tw_buf_addc(&gen, ']');
	} else if (r < 65) {
		gen_string();
	} else if (r < 88) {
		tw_buf_adds(&gen, nums[rnd32() % (rnd32() % 5 == 0 ? 18 : 10)]);
	} else {
		tw_buf_adds(&gen, lits[rnd32() % (rnd32() % 5 == 0 ? 7 : 3)]);
	}
	gen_ws();
}

/* 1 when parses of s[0..n) into a and b agree in every respect. */
static int
same_parse(struct tw_json *a, enum tw_json_status sa, struct tw_json *b,
    enum tw_json_status sb, const char *s)
{
	size_t i;

	if (sa != sb)
		return 0;
	if (sa != TW_JSON_OK)
		return a->erroff == b->erroff && a->errmsg && b->errmsg &&
		    strcmp(a->errmsg, b->errmsg) == 0;
	if (a->n != b->n || a->nbadutf8 != b->nbadutf8)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct tw_jval *x = &a->v[i], *y = &b->v[i];

		if (x->type != y->type || x->flags != y->flags || x->len != y->len ||
		    x->next != y->next || x->hint[0] != y->hint[0] ||
		    x->hint[1] != y->hint[1] || x->p - s != y->p - s)
			return 0;
	}
	return 1;
}

/* Bytes that break a document where they land. */
static const char breakers[] = "\"\\{}[]:, \x01\x80xe0";

static void
test_two_stage(void)
{
	struct tw_json a, b;
	int round, diffs = 0, ok = 0, was, lvl, nlvl, fit = 0;
	char name[120];

	tw_json_init(&a);
	tw_json_init(&b);
	was = tw_json_simd(TW_SIMD_ALL);
	/* both levels use the two-stage parser when the CPU has AVX2 */
	tw_json_parse(&a, "[1]", 3);
	nlvl = a.nfast == 1 ? 2 : 0;
	a.nfast = 0;
	for (round = 0; round < 60000; round++) {
		enum tw_json_status sa, sb;
		char *c;
		size_t n;

		tw_buf_reset(&gen);
		gen_dirty = rnd32() % 2;
		if (rnd32() % 3 == 0) {
			/* an object of many members, like an API payload */
			uint32_t i, m = 5 + rnd32() % 30;

			tw_buf_addc(&gen, '{');
			for (i = 0; i < m; i++) {
				if (i)
					tw_buf_addc(&gen, ',');
				gen_string();
				tw_buf_addc(&gen, ':');
				gen_value(1);
			}
			tw_buf_addc(&gen, '}');
		} else {
			gen_value(0);
		}
		switch (rnd32() % 6) {	/* break it, one time in three */
		case 0:
			gen.len = rnd32() % (gen.len + 1);
			break;
		case 1:
			if (gen.len > 0)
				gen.p[rnd32() % gen.len] = breakers[rnd32() % (sizeof breakers - 1)];
			break;
		}
		n = gen.len;
		c = malloc(n ? n : 1);	/* exact size: ASan sees overreads */
		memcpy(c, gen.p, n);
		tw_json_simd(TW_SIMD_OFF);
		sb = tw_json_parse(&b, c, n);
		for (lvl = TW_SIMD_AVX2; lvl <= TW_SIMD_ALL; lvl++) {
			tw_json_simd(lvl);
			sa = tw_json_parse(&a, c, n);
			if (!same_parse(&a, sa, &b, sb, c) && diffs++ < 3) {
				snprintf(name, sizeof name, "two-stage (level %d) = scalar "
				    "(round %d, %zu bytes: %.60s)", lvl, round, n, gen.p);
				CHECK(name, 0);
			}
		}
		ok += sb == TW_JSON_OK;
		/* what the two-stage parser takes: valid UTF-8 in a container */
		fit += sb == TW_JSON_OK && b.nbadutf8 == 0 &&
		    (b.v[0].type == TW_JOBJ || b.v[0].type == TW_JARR);
		free(c);
	}
	tw_json_simd(was);
	CHECK_INT("two-stage = scalar on 60,000 random documents, each SIMD level",
	    diffs, 0);
	CHECKF("  ... of which many parse", ok > 20000, "%d", ok);
	CHECKF("  ... every valid object or array in two stages at each level",
	    a.nfast == (unsigned long long)fit * (unsigned)nlvl,
	    "%llu of %d at %d levels", a.nfast, fit, nlvl);
	tw_json_free(&a);
	tw_json_free(&b);
}

/* Backslash runs ending at every place around a 64-byte block edge. */
static void
test_block_edges(void)
{
	struct tw_json a, b;
	char doc[300], name[80];
	int run, at, diffs = 0, was, q;

	tw_json_init(&a);
	tw_json_init(&b);
	was = tw_json_simd(TW_SIMD_ALL);
	for (run = 1; run <= 9; run++) {
		for (at = 40; at < 140; at++) {
			for (q = 0; q < 3; q++) {
				size_t n = 0;
				int i;
				enum tw_json_status sa, sb;

				doc[n++] = '[';
				doc[n++] = '"';
				while ((int)n < at - run)
					doc[n++] = 'a';
				for (i = 0; i < run; i++)
					doc[n++] = '\\';
				doc[n++] = "\"nu"[q];
				if (q == 2) {
					memcpy(doc + n, "00e9", 4);
					n += 4;
				}
				memcpy(doc + n, "\",\"b\"]", 6);
				n += 6;
				tw_json_simd(TW_SIMD_OFF);
				sb = tw_json_parse(&b, doc, n);
				tw_json_simd(TW_SIMD_ALL);
				sa = tw_json_parse(&a, doc, n);
				if (!same_parse(&a, sa, &b, sb, doc) && diffs++ < 3) {
					snprintf(name, sizeof name, "escape run %d at %d", run, at);
					CHECK(name, 0);
				}
			}
		}
	}
	tw_json_simd(was);
	CHECK_INT("backslash runs across block edges: two-stage = scalar", diffs, 0);
	tw_json_free(&a);
	tw_json_free(&b);
}

/*
 * tw_json_str_emit and tw_json_str_emit_html write in one pass what
 * decoding, undoing the entities and escaping again would write.
 */
static void
test_transcode(void)
{
	static const char *bits[] = { "&amp;", "&lt;", "&gt;", "&", "&am", "&amp",
	    "\\u0026amp;", "&\\u0061mp;", "&am\\u0070;", "\\u0026", "\\\"", "\\\\",
	    "\\/", "\\n", "\\t", "\\b", "\\f", "\\r", "\\u0000", "\\u001f",
	    "\\u0022", "\\u005c", "\\u00e9", "\\u20ac", "\\uD83D\\uDE02",
	    "\\uD83D", "\\uDE02x", "\\ud800\\ud800", "\xC3\xA9", "\xF0\x9F\x98\x82",
	    "abcdefghijklmnopq", "x", " ", "<>", "\x7f", "\xC3(" };
	struct tw_buf doc = TW_BUF_INIT, got = TW_BUF_INIT, want = TW_BUF_INIT,
	    dec = TW_BUF_INIT;
	int round, html, diffs = 0, ndiffs = 0;
	char name[300];

	for (round = 0; round < 40000; round++) {
		int n = (int)(rnd32() % 24), i;
		size_t rg, rw, k, o, nuls = 0;

		tw_buf_reset(&doc);
		tw_buf_adds(&doc, "[\"");
		for (i = 0; i < n; i++)
			tw_buf_adds(&doc, bits[rnd32() % (sizeof bits / sizeof *bits)]);
		tw_buf_adds(&doc, "\"]");
		if (tw_json_parse(&J, doc.p, doc.len) != TW_JSON_OK) {
			CHECK("transcode test document parses", 0);
			break;
		}
		for (html = 0; html <= 1; html++) {
			tw_buf_reset(&got);
			tw_buf_reset(&want);
			tw_buf_reset(&dec);
			rg = html ? tw_json_str_emit_html(&got, &J.v[1]) :
			    tw_json_str_emit(&got, &J.v[1]);
			rw = tw_json_str_decode(&dec, &J.v[1]);
			if (html) {
				/* the entities, in the decoded text, left to right */
				for (k = o = 0; k < dec.len; ) {
					if (dec.len - k >= 5 && memcmp(dec.p + k, "&amp;", 5) == 0) {
						dec.p[o++] = '&';
						k += 5;
					} else if (dec.len - k >= 4 && (memcmp(dec.p + k, "&lt;", 4) == 0 ||
					    memcmp(dec.p + k, "&gt;", 4) == 0)) {
						dec.p[o++] = dec.p[k + 1] == 'l' ? '<' : '>';
						k += 4;
					} else {
						dec.p[o++] = dec.p[k++];
					}
				}
				dec.len = o;
			}
			tw_buf_add_jstr(&want, dec.p, dec.len);
			if ((rg != rw || got.len != want.len ||
			    memcmp(got.p, want.p, got.len) != 0) && diffs++ < 3) {
				snprintf(name, sizeof name, "transcode%s: %.60s -> %.40s, want %.40s",
				    html ? " (html)" : "", doc.p, got.p, want.p);
				CHECK(name, 0);
			}
		}
		/* TW_JSON_NONUL: decode, leave out NUL, escape (tw-load) */
		tw_buf_reset(&got);
		tw_buf_reset(&want);
		tw_buf_reset(&dec);
		rg = tw_json_emit_opt(&got, &J, &J.v[0], TW_JSON_NONUL, &nuls);
		rw = tw_json_str_decode(&dec, &J.v[1]);
		k = tw_buf_strip_nul(&dec, 0);
		tw_buf_addc(&want, '[');
		tw_buf_add_jstr(&want, dec.p, dec.len);
		tw_buf_addc(&want, ']');
		if ((rg != rw || nuls != k || got.len != want.len ||
		    memcmp(got.p, want.p, got.len) != 0) && ndiffs++ < 3) {
			snprintf(name, sizeof name, "emit without NUL: %.60s -> %.40s (%zu NUL), want %.40s (%zu)",
			    doc.p, got.p, nuls, want.p, k);
			CHECK(name, 0);
		}
	}
	CHECK_INT("one-pass string output = decode, entities, escape (40,000 strings)",
	    diffs, 0);
	CHECK_INT("output without NUL = decode, NUL left out, escape (40,000 strings)",
	    ndiffs, 0);
	tw_buf_free(&doc);
	tw_buf_free(&got);
	tw_buf_free(&want);
	tw_buf_free(&dec);
}

/*
 * Every byte after a backslash, on each SIMD level: the nine escapes
 * parse, on the two-stage path where the CPU has one, and no other byte
 * does (stage 1 classifies them by nibble on AVX-512).
 */
static void
test_escape_bytes(void)
{
	static const int levels[] = { TW_SIMD_ALL, TW_SIMD_AVX2, TW_SIMD_OFF };
	char d[64], name[64];
	int was = tw_json_simd(TW_SIMD_ALL), l, b, n, bad, fast, have;
	unsigned long long f;

	for (l = 0; l < 3; l++) {
		tw_json_simd(levels[l]);
		/* what this CPU runs at this level (0: the scalar parser) */
		have = tw_json_simd(levels[l]);
		bad = fast = 0;
		for (b = 1; b < 256; b++) {
			int valid = b < 128 && strchr("\"\\/bfnrtu", b) != NULL;

			n = snprintf(d, sizeof d, "{\"a\":\"x\\%c%s\"}", b,
			    b == 'u' ? "0041" : "");
			f = J.nfast;
			if ((tw_json_parse(&J, d, (size_t)n) == TW_JSON_OK) != valid)
				bad++;
			if (J.nfast != f)
				fast++;
		}
		snprintf(name, sizeof name, "escape bytes, SIMD level %d", levels[l]);
		CHECKF(name, bad == 0 && fast == (have > 0 && levels[l] != TW_SIMD_OFF ?
		    9 : 0), "%d wrong, %d on the fast path", bad, fast);
	}
	tw_json_simd(was);
}

/* Keys with escapes, empty keys, repeated keys: tw_json_get as before. */
static void
test_get_hints(void)
{
	const char *d = "{\"\":1,\"a\":2,\"\\u0061\":3,\"ab\":4,\"b\\u0061\":5,"
	    "\"ab\":6,\"aa\":7,\"a\\\"\":8}";
	const struct tw_jval *v;

	CHECK_INT("hint document parses", parse(d), TW_JSON_OK);
	v = tw_json_get(&J, &J.v[0], "", 0);
	CHECK("empty key", v && raw_is(v, "1"));
	CHECK("a: the first", (v = TW_JGET(&J, &J.v[0], "a")) && raw_is(v, "2"));
	CHECK("ab: the first", (v = TW_JGET(&J, &J.v[0], "ab")) && raw_is(v, "4"));
	CHECK("escaped key ba", (v = TW_JGET(&J, &J.v[0], "ba")) && raw_is(v, "5"));
	CHECK("aa (same hint as ab's length)", (v = TW_JGET(&J, &J.v[0], "aa")) &&
	    raw_is(v, "7"));
	CHECK("escaped quote in key", (v = TW_JGET(&J, &J.v[0], "a\"")) && raw_is(v, "8"));
	CHECK("missing key", TW_JGET(&J, &J.v[0], "b") == NULL);
	/* the hint: the two bytes after the opening quote */
	CHECK_INT("hint of the empty key", J.v[1].hint[0] | J.v[1].hint[1], 0);
	CHECK_INT("hint of key a", J.v[3].hint[0] == 'a' && J.v[3].hint[1] == '"', 1);
	CHECK_INT("no hint in a value", J.v[4].hint[0] | J.v[4].hint[1], 0);
	CHECK_INT("hint of key ab", J.v[7].hint[0] == 'a' && J.v[7].hint[1] == 'b', 1);
	CHECK_INT("hint of an escaped key, as written", J.v[5].hint[0] == '\\' &&
	    J.v[5].hint[1] == 'u', 1);
	CHECK("tw_json_keyword of ab", tw_json_keyword("ab", 2) == J.v[7].hint[0] *
	    ((uint64_t)1 << 16) + ((uint64_t)'b' << 24) + ((uint64_t)2 << 32) + TW_JSTR);
}

int
main(void)
{
	tw_json_init(&J);
	test_kinds();
	test_navigation();
	test_i64();
	test_numbers();
	test_literals();
	test_escapes();
	test_badutf8();
	test_truncation();
	test_depth();
	test_big();
	test_emit();
	test_simd_utf8();
	test_two_stage();
	test_block_edges();
	test_transcode();
	test_get_hints();
	test_escape_bytes();
	tw_json_free(&J);
	tw_buf_free(&gen);
	return tap_done();
}
