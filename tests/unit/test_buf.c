/* Unit tests for lib/tw_buf against the contract in tw_buf.h. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_buf.h"
#include "tw_json.h"
#include "tap.h"

static struct tw_buf B = TW_BUF_INIT;

static const char *
dbl(double v)
{
	tw_buf_reset(&B);
	tw_buf_add_double(&B, v);
	return B.p;
}

static void
test_basic(void)
{
	struct tw_buf b = TW_BUF_INIT;
	size_t i;
	int ok = 1;

	CHECK("init empty", b.p != NULL && b.p[0] == '\0' && b.len == 0 &&
	    b.cap == 0);
	tw_buf_reset(&b);
	CHECK("reset of empty buffer", b.p == tw_buf_slop && b.len == 0);
	tw_buf_setlen(&b, 0);
	CHECK("setlen of empty buffer", b.p == tw_buf_slop && b.len == 0);
	tw_buf_add(&b, "abc", 3);
	CHECK_MEM("add", b.p, b.len, "abc", 3);
	CHECK("add NUL-terminated", b.p[b.len] == '\0' && b.cap > b.len);
	tw_buf_addc(&b, 'd');
	tw_buf_adds(&b, "ef");
	CHECK_STR("addc adds", b.p, "abcdef");
	tw_buf_add(&b, "", 0);
	CHECK_INT("add nothing", b.len, 6);
	tw_buf_add(&b, "x\0y", 3);
	CHECK_MEM("add with NUL", b.p, b.len, "abcdefx\0y", 9);
	tw_buf_reset(&b);
	CHECK("reset keeps memory", b.len == 0 && b.p && b.p[0] == '\0' && b.cap > 0);
	tw_buf_adds(&b, "abcdef");
	tw_buf_setlen(&b, 2);
	CHECK_STR("setlen cuts", b.p, "ab");
	tw_buf_free(&b);
	CHECK("free empties", b.p == tw_buf_slop && b.len == 0 && b.cap == 0);
	tw_buf_adds(&b, "again");
	CHECK_STR("usable after free", b.p, "again");
	tw_buf_reset(&b);
	for (i = 0; i < 1000000; i++)
		tw_buf_addc(&b, (char)('0' + i % 10));
	for (i = 0; i < b.len; i++)
		if (b.p[i] != (char)('0' + i % 10))
			ok = 0;
	CHECK("1M addc", ok && b.len == 1000000 && b.p[b.len] == '\0');
	tw_buf_grow(&b, 5000000);
	CHECK("grow makes room", b.cap - b.len > 5000000 && b.len == 1000000);
	tw_buf_free(&b);
}

/* The slop string, detach, and a zeroed buffer. */
static void
test_empty(void)
{
	struct tw_buf b = TW_BUF_INIT, z;
	char *s;

	s = tw_buf_detach(&b);
	CHECK("detach of empty buffer is a new \"\"", s != tw_buf_slop &&
	    s[0] == '\0' && b.p == tw_buf_slop && b.len == 0 && b.cap == 0);
	free(s);
	tw_buf_adds(&b, "abc");
	s = tw_buf_detach(&b);
	CHECK_STR("detach returns the contents", s, "abc");
	CHECK("detach leaves the buffer empty", b.p == tw_buf_slop &&
	    b.len == 0 && b.cap == 0);
	free(s);
	tw_buf_adds(&b, "again");
	CHECK_STR("usable after detach", b.p, "again");
	tw_buf_free(&b);
	tw_buf_grow(&b, 10);
	CHECK("grow of empty buffer keeps the NUL", b.p != tw_buf_slop &&
	    b.p[0] == '\0' && b.len == 0 && b.cap > 10);
	tw_buf_free(&b);
	CHECK("slop string stays empty", tw_buf_slop[0] == '\0');

	memset(&z, 0, sizeof z);
	tw_buf_add(&z, "", 0);
	tw_buf_adds(&z, "zeroed");
	CHECK_STR("a zeroed buffer grows", z.p, "zeroed");
	tw_buf_free(&z);
	memset(&z, 0, sizeof z);
	tw_buf_reset(&z);
	CHECK("reset of a zeroed buffer", z.p == tw_buf_slop && z.len == 0);
	memset(&z, 0, sizeof z);
	s = tw_buf_detach(&z);
	CHECK("detach of a zeroed buffer", s[0] == '\0' && z.p == tw_buf_slop);
	free(s);
	memset(&z, 0, sizeof z);
	tw_buf_free(&z);
	CHECK("free of a zeroed buffer", z.p == tw_buf_slop && z.cap == 0);
}

static void
test_ints(void)
{
	static const struct { int64_t v; const char *s; } t[] = {
		{ 0, "0" }, { 1, "1" }, { -1, "-1" }, { 10, "10" },
		{ INT64_MAX, "9223372036854775807" },
		{ INT64_MIN, "-9223372036854775808" },
		{ INT64_C(1212092628029698048), "1212092628029698048" },
	};
	char name[96];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		tw_buf_reset(&B);
		tw_buf_add_i64(&B, t[i].v);
		snprintf(name, sizeof name, "add_i64 %s", t[i].s);
		CHECK_STR(name, B.p, t[i].s);
	}
	tw_buf_reset(&B);
	tw_buf_add_u64(&B, UINT64_MAX);
	CHECK_STR("add_u64 max", B.p, "18446744073709551615");
	tw_buf_reset(&B);
	tw_buf_add_u64(&B, 0);
	CHECK_STR("add_u64 0", B.p, "0");
	tw_buf_reset(&B);
	tw_buf_adds(&B, "x=");
	tw_buf_add_i64(&B, -5);
	CHECK_STR("add_i64 appends", B.p, "x=-5");
}

static void
test_double(void)
{
	static const double rt[] = { 0.1, 1e300, -1e-300, 1.0 / 3, 5e-324, DBL_MAX,
	    -DBL_MIN, 123456789.125, 0.30000000000000004, 2.5e-7, 1e21, 9007199254740993.0 };
	char name[96];
	size_t i;

	for (i = 0; i < sizeof rt / sizeof rt[0]; i++) {
		const char *s = dbl(rt[i]);
		char *end;
		double back = strtod(s, &end);
		snprintf(name, sizeof name, "add_double round trip %.17g", rt[i]);
		CHECKF(name, back == rt[i] && *end == '\0', "wrote %s", s);
	}
	CHECK_STR("add_double 0.1 shortest", dbl(0.1), "0.1");
	CHECK_STR("add_double 3.0", dbl(3.0), "3");
	CHECK_STR("add_double 1.5", dbl(1.5), "1.5");
	CHECK_STR("add_double 0", dbl(0.0), "0");
	CHECK_STR("add_double -2", dbl(-2.0), "-2");
	CHECK_STR("add_double 100", dbl(100.0), "100");
	CHECK_STR("add_double NaN", dbl(NAN), "null");
	CHECK_STR("add_double inf", dbl(INFINITY), "null");
	CHECK_STR("add_double -inf", dbl(-INFINITY), "null");
	{
		/* The text must be JSON (no "inf", no locale comma). */
		struct tw_json j;
		tw_json_init(&j);
		CHECK_INT("add_double 1e300 is JSON", tw_json_parse(&j, dbl(1e300), B.len), TW_JSON_OK);
		CHECK_INT("add_double 5e-324 is JSON", tw_json_parse(&j, dbl(5e-324), B.len), TW_JSON_OK);
		tw_json_free(&j);
	}
}

static void
test_addf(void)
{
	char big[5001];

	tw_buf_reset(&B);
	tw_buf_addf(&B, "%d-%s-%05.1f", 42, "x", 2.25);
	CHECK_STR("addf", B.p, "42-x-002.2");
	memset(big, 'q', 5000);
	big[5000] = '\0';
	tw_buf_addf(&B, "[%s]", big);
	CHECK("addf long", B.len == 10 + 5002 && B.p[10] == '[' && B.p[5011] == ']'
	    && B.p[B.len] == '\0');
	tw_buf_addf(&B, "%s", "");
	CHECK_INT("addf empty", B.len, 5012);
}

static void
test_jstr(void)
{
	struct tw_json j;
	struct tw_buf d = TW_BUF_INIT;
	char all[32];
	size_t i;
	int raw_ctl = 0;

	tw_json_init(&j);
	tw_buf_reset(&B);
	tw_buf_add_jstr(&B, "a\"b\\c/d", 7);
	CHECK_STR("jstr quotes and backslash", B.p, "\"a\\\"b\\\\c/d\"");
	tw_buf_reset(&B);
	tw_buf_add_jstr(&B, "", 0);
	CHECK_STR("jstr empty", B.p, "\"\"");
	tw_buf_reset(&B);
	tw_buf_add_jstr(&B, "\xC3\xA9\xF0\x9F\x98\x82\xE2\x82\xAC", 9);
	CHECK_STR("jstr raw UTF-8 kept", B.p, "\"\xC3\xA9\xF0\x9F\x98\x82\xE2\x82\xAC\"");
	tw_buf_reset(&B);
	tw_buf_add_jstr(&B, "a\0b", 3);
	CHECK_STR("jstr NUL", B.p, "\"a\\u0000b\"");
	tw_buf_reset(&B);
	tw_buf_add_jstr(&B, "\x01", 1);
	CHECK_STR("jstr 0x01", B.p, "\"\\u0001\"");

	for (i = 0; i < 32; i++)
		all[i] = (char)i;
	tw_buf_reset(&B);
	tw_buf_add_jstr(&B, all, 32);
	for (i = 0; i < B.len; i++)
		if ((unsigned char)B.p[i] < 0x20)
			raw_ctl = 1;
	CHECK("jstr escapes all controls", !raw_ctl);
	CHECK_INT("jstr controls parse back", tw_json_parse(&j, B.p, B.len), TW_JSON_OK);
	tw_json_str_decode(&d, &j.v[0]);
	CHECK_MEM("jstr controls decode back", d.p, d.len, all, 32);
	tw_buf_reset(&B);
	tw_buf_adds(&B, "k:");
	tw_buf_add_jstr(&B, "v", 1);
	CHECK_STR("jstr appends", B.p, "k:\"v\"");
	tw_buf_free(&d);
	tw_json_free(&j);
}

static void
test_utf8(void)
{
	static const struct { const char *name, *s; size_t n, want; } v[] = {
		{ "ascii", "abc", 3, 3 },
		{ "empty", "", 0, 0 },
		{ "NUL is valid", "a\0b", 3, 3 },
		{ "2-byte", "\xC3\xA9", 2, 2 },
		{ "3-byte", "\xE2\x82\xAC", 3, 3 },
		{ "4-byte", "\xF0\x9F\x98\x82", 4, 4 },
		{ "max cp", "\xF4\x8F\xBF\xBF", 4, 4 },
		{ "BOM", "\xEF\xBB\xBF", 3, 3 },
		{ "FF", "ab\xFF", 3, 2 },
		{ "truncated at end", "a\xE2\x82", 3, 1 },
		{ "truncated 4-byte", "a\xF0\x9F\x98", 4, 1 },
		{ "overlong C0 AF", "\xC0\xAF", 2, 0 },
		{ "overlong C1", "\xC1\xBF", 2, 0 },
		{ "overlong E0 80 AF", "\xE0\x80\xAF", 3, 0 },
		{ "overlong F0 80", "\xF0\x80\x80\xAF", 4, 0 },
		{ "surrogate ED A0 80", "x\xED\xA0\x80", 4, 1 },
		{ "above max", "\xF4\x90\x80\x80", 4, 0 },
		{ "F5", "\xF5\x80\x80\x80", 4, 0 },
		{ "lone continuation", "ab\x80", 3, 2 },
		{ "bad continuation", "\xE2\x28\xA1", 3, 0 },
		{ "valid then invalid", "\xC3\xA9\xC3", 3, 2 },
	};
	char name[96];
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		snprintf(name, sizeof name, "utf8_valid_prefix %s", v[i].name);
		CHECK_UINT(name, tw_utf8_valid_prefix(v[i].s, v[i].n), v[i].want);
	}
}

static void
test_repair(void)
{
	size_t r;

	tw_buf_reset(&B);
	r = tw_buf_add_utf8_repair(&B, "h\xC3\xA9llo \xF0\x9F\x98\x82", 11);
	CHECK_INT("repair valid count", r, 0);
	CHECK_MEM("repair valid kept", B.p, B.len, "h\xC3\xA9llo \xF0\x9F\x98\x82", 11);
	tw_buf_reset(&B);
	r = tw_buf_add_utf8_repair(&B, "a\xFF" "b", 3);
	CHECK_INT("repair FF count", r, 1);
	CHECK_STR("repair FF", B.p, "a\xEF\xBF\xBD" "b");
	tw_buf_reset(&B);
	r = tw_buf_add_utf8_repair(&B, "a\xE2\x82", 3);
	CHECK_INT("repair truncated at end count", r, 1);
	CHECK_STR("repair truncated at end", B.p, "a\xEF\xBF\xBD");
	tw_buf_reset(&B);
	r = tw_buf_add_utf8_repair(&B, "\xE2\x82x", 3);
	CHECK_INT("repair truncated mid count", r, 1);
	CHECK_STR("repair truncated mid", B.p, "\xEF\xBF\xBDx");
	tw_buf_reset(&B);
	r = tw_buf_add_utf8_repair(&B, "\xFF\xFE", 2);
	CHECK_INT("repair two bad bytes count", r, 2);
	CHECK_STR("repair two bad bytes", B.p, "\xEF\xBF\xBD\xEF\xBF\xBD");
	tw_buf_reset(&B);
	r = tw_buf_add_utf8_repair(&B, "\xC0\xAF" "\xED\xA0\x80" "z", 6);
	CHECK("repair overlong+surrogate valid output",
	    r >= 2 && tw_utf8_valid_prefix(B.p, B.len) == B.len && B.p[B.len - 1] == 'z');
	{
		size_t i, n = 0;
		for (i = 0; i + 3 <= B.len; i++)
			n += memcmp(B.p + i, "\xEF\xBF\xBD", 3) == 0;
		CHECKF("repair count equals U+FFFD written", n == r, "%zu vs %zu", n, r);
	}
	tw_buf_reset(&B);
	r = tw_buf_add_utf8_repair(&B, "a\0b", 3);
	CHECK_INT("repair keeps NUL", r, 0);
	CHECK_MEM("repair NUL kept", B.p, B.len, "a\0b", 3);
}

static void
test_cp(void)
{
	static const struct { uint32_t cp; const char *s; } t[] = {
		{ 0x41, "A" }, { 0x7F, "\x7F" }, { 0x80, "\xC2\x80" }, { 0xE9, "\xC3\xA9" },
		{ 0x7FF, "\xDF\xBF" }, { 0x800, "\xE0\xA0\x80" }, { 0x20AC, "\xE2\x82\xAC" },
		{ 0xFFFD, "\xEF\xBF\xBD" }, { 0xFFFF, "\xEF\xBF\xBF" },
		{ 0x10000, "\xF0\x90\x80\x80" }, { 0x1F602, "\xF0\x9F\x98\x82" },
		{ 0x10FFFF, "\xF4\x8F\xBF\xBF" },
	};
	char name[64];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		tw_buf_reset(&B);
		tw_buf_add_cp(&B, t[i].cp);
		snprintf(name, sizeof name, "add_cp U+%04X", (unsigned)t[i].cp);
		CHECK_STR(name, B.p, t[i].s);
	}
	tw_buf_reset(&B);
	tw_buf_add_cp(&B, 0);
	CHECK_MEM("add_cp U+0000", B.p, B.len, "\0", 1);
}

int
main(void)
{
	test_basic();
	test_empty();
	test_ints();
	test_double();
	test_addf();
	test_jstr();
	test_utf8();
	test_repair();
	test_cp();
	tw_buf_free(&B);
	return tap_done();
}
