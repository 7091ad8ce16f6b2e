/* Unit tests for lib/tw_time against the contract in tw_time.h. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tw_buf.h"
#include "tw_time.h"
#include "tap.h"

#define DAY INT64_C(86400000)

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int64_t y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

static void
test_civil(void)
{
	CHECK_INT("epoch day", tw_days_from_civil(1970, 1, 1), 0);
	CHECK_INT("1969-12-31", tw_days_from_civil(1969, 12, 31), -1);
	CHECK_INT("2000-03-01", tw_days_from_civil(2000, 3, 1), 11017);
	CHECK_INT("2018-10-10", tw_days_from_civil(2018, 10, 10), 17814);
	CHECK_INT("0001-01-01", tw_days_from_civil(1, 1, 1), -719162);
	CHECK_INT("0000-03-01", tw_days_from_civil(0, 3, 1), -719468);
	CHECK_INT("0000-01-01", tw_days_from_civil(0, 1, 1), -719528);
	CHECK_INT("2000 leap day", tw_days_from_civil(2000, 3, 1) - tw_days_from_civil(2000, 2, 28), 2);
	CHECK_INT("1900 no leap day", tw_days_from_civil(1900, 3, 1) - tw_days_from_civil(1900, 2, 28), 1);
	CHECK_INT("-4 leap day", tw_days_from_civil(-4, 3, 1) - tw_days_from_civil(-4, 2, 28), 2);
	CHECK_INT("-100 no leap day", tw_days_from_civil(-100, 3, 1) - tw_days_from_civil(-100, 2, 28), 1);

	/* Walk day by day from year -768 to 4707, keeping our own calendar. */
	int64_t d, y = 0, fails = 0, first = 0;
	int m = 0, dd = 0, wday;
	struct tw_tm tm;
	const int64_t lo = -1000000, hi = 1000000;

	{
		/* Start date: find it from the library once, then check every step. */
		tw_time_split(lo * DAY, &tm);
		y = tm.year;
		m = tm.mon;
		dd = tm.day;
	}
	CHECK_INT("walk start round trip", tw_days_from_civil(y, m, dd), lo);
	for (d = lo; d <= hi; d++) {
		int64_t ms = d * DAY + (d & 1 ? 45296789 : 0); /* 12:34:56.789 */
		int yday = (int)(tw_days_from_civil(y, m, dd) - tw_days_from_civil(y, 1, 1));
		wday = (int)(((d % 7) + 7 + 4) % 7);	/* 1970-01-01 was a Thursday */
		tw_time_split(ms, &tm);
		int bad = tm.year != y || tm.mon != m || tm.day != dd
		    || tm.wday != wday || tm.yday != yday
		    || tw_days_from_civil(y, m, dd) != d;
		if (d & 1)
			bad |= tm.hour != 12 || tm.min != 34 || tm.sec != 56 || tm.ms != 789;
		else
			bad |= tm.hour != 0 || tm.min != 0 || tm.sec != 0 || tm.ms != 0;
		if (bad && !fails++)
			first = d;
		if (++dd > mdays(y, m)) {
			dd = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	CHECKF("day walk -768..4707 split/days_from_civil agree", fails == 0,
	    "%lld days wrong, first day %lld", (long long)fails, (long long)first);
	CHECK_INT("walk reached year", y, 4707);

	tw_time_split(-1, &tm);
	CHECK("split -1 ms", tm.year == 1969 && tm.mon == 12 && tm.day == 31 && tm.hour == 23
	    && tm.min == 59 && tm.sec == 59 && tm.ms == 999 && tm.yday == 364 && tm.wday == 3);
	tw_time_split(tw_days_from_civil(-1, 12, 31) * DAY + DAY - 1, &tm);
	CHECK("split end of year -1", tm.year == -1 && tm.mon == 12 && tm.day == 31 && tm.ms == 999);
	tw_time_split(tw_days_from_civil(2000, 2, 29) * DAY, &tm);
	CHECK("split leap day", tm.year == 2000 && tm.mon == 2 && tm.day == 29 && tm.yday == 59);
	tw_time_split(tw_days_from_civil(2020, 12, 31) * DAY, &tm);
	CHECK_INT("yday of leap Dec 31", tm.yday, 365);
}

static int
iso(const char *s, int64_t *ms)
{
	return tw_time_parse_iso(s, strlen(s), ms);
}

static void
test_iso(void)
{
	static const struct { const char *s; int64_t ms; } good[] = {
		{ "2018-10-10T20:19:24Z", INT64_C(1539202764000) },
		{ "2018-10-10T20:19:24", INT64_C(1539202764000) },
		{ "2018-10-10 20:19:24", INT64_C(1539202764000) },
		{ "2018-10-10T20:19:24.123Z", INT64_C(1539202764123) },
		{ "2018-10-10T20:19:24.5Z", INT64_C(1539202764500) },
		{ "2018-10-10T20:19:24.1234Z", INT64_C(1539202764123) },
		{ "2018-10-10T20:19:24.000Z", INT64_C(1539202764000) },
		{ "2018-10-10T22:19:24+02:00", INT64_C(1539202764000) },
		{ "2018-10-10T15:19:24-05:00", INT64_C(1539202764000) },
		{ "2018-10-10T21:49:24.123+01:30", INT64_C(1539202764123) },
		{ "2018-10-10T20:19:24+00:00", INT64_C(1539202764000) },
		{ "2018-10-10T20:19Z", INT64_C(1539202740000) },
		{ "2018-10-10T20:19", INT64_C(1539202740000) },
		{ "2018-10-10", INT64_C(1539129600000) },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1969-12-31T23:59:59.999Z", -1 },
		{ "1969-01-01T00:00:00Z", INT64_C(-31536000000) },
		{ "2000-02-29T12:00:00Z", INT64_C(951825600000) },
		{ "2024-02-29", INT64_C(1709164800000) },
		{ "1970-01-01T01:00:00+01:00", 0 },
	};
	static const char *bad[] = {
		"", "2023-02-29", "1900-02-29", "2023-13-01", "2023-00-10", "2023-04-31",
		"2023-01-00", "2023-01-32", "2023-01-01T25:00:00Z", "2023-01-01T12:60:00Z",
		"2023-01-01T12:00:61Z", "2023-01-01X", "2023-1-1", "23-01-01", "2023/01/01",
		"2023-01-01T", "2023-01-01T12", "2023-01-01T12:00:00Zjunk",
		"2023-01-01T12:00:00+0", "2023-01-01T12:00:00+25:00", "2023-01-01T12:00:00.Z",
		"hello", "2023-01-01T12:00:00 Z",
	};
	char name[96];
	size_t i;
	int64_t ms;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(name, sizeof name, "iso %s", good[i].s);
		ms = 7;
		int rc = iso(good[i].s, &ms);
		CHECKF(name, rc == 0 && ms == good[i].ms, "rc %d ms %lld want %lld", rc,
		    (long long)ms, (long long)good[i].ms);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(name, sizeof name, "iso rejects \"%s\"", bad[i]);
		CHECK_INT(name, iso(bad[i], &ms), -1);
	}
	/* The length bounds the input: no NUL needed. */
	CHECK("iso honours n", tw_time_parse_iso("2018-10-10XYZ", 10, &ms) == 0
	    && ms == INT64_C(1539129600000));
	CHECK("iso short n rejected", tw_time_parse_iso("2018-10-10", 7, &ms) == -1);
}

/*
 * The 24-byte form (tw_time_iso24, and parse_iso's path for it) against
 * the general parser: every value a pseudo-random walk over the years
 * 0000-9999 gives, written and read back; and each byte of a good time
 * replaced by every other byte, where the two parsers must agree.
 */
static void
test_iso24(void)
{
	static const char good[] = "2024-02-29T23:59:60.999Z";
	struct tw_buf b = TW_BUF_INIT;
	char t[32], u[40];
	uint64_t x = 88172645463325252ULL;
	int64_t ms, ms2, want;
	int i, c, k, rc, rc2, bad = 0, fast = 0;

	CHECK("iso24 good", tw_time_iso24(good, 24) == 1);
	CHECK("iso24 length", tw_time_iso24(good, 23) == 0);
	CHECK("iso24 no Z", tw_time_iso24("2024-02-29T23:59:60.9990", 24) == 0);
	CHECK("iso24 leap second read as the next minute",
	    iso(good, &ms) == 0 && ms == tw_days_from_civil(2024, 3, 1) * DAY + 999);
	for (i = 0; i < 20000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		want = TW_TIME_MIN_MS + (int64_t)(x % (uint64_t)(TW_TIME_MAX_MS -
		    TW_TIME_MIN_MS + 1));
		tw_buf_reset(&b);
		tw_buf_add_iso(&b, want);
		if (b.len != 24 || !tw_time_iso24(b.p, b.len) ||
		    tw_time_parse_iso(b.p, b.len, &ms) != 0 || ms != want)
			bad++;
	}
	CHECKF("iso24 round trip, 20000 times", bad == 0, "%d wrong", bad);
	bad = 0;
	for (k = 0; k < 23; k++) {
		int fixed = k == 4 || k == 7 || k == 10 || k == 13 || k == 16 ||
		    k == 19;

		for (c = 1; c < 256; c++) {
			memcpy(t, good, 24);
			t[k] = (char)c;
			rc = tw_time_parse_iso(t, 24, &ms);
			/* the general parser: the same time with +00:00 for
			 * its Z, 29 bytes, which the 24-byte path does not take */
			memcpy(u, t, 23);
			memcpy(u + 23, "+00:00", 6);
			rc2 = tw_time_parse_iso(u, 29, &ms2);
			fast += tw_time_iso24(t, 24);
			if (rc != rc2 || (rc == 0 && ms != ms2))
				bad++;
			if (tw_time_iso24(t, 24) != (fixed ? c == good[k] :
			    c >= '0' && c <= '9'))
				bad++;
		}
	}
	CHECKF("iso24 one byte changed", bad == 0, "%d wrong", bad);
	CHECK("iso24 took the digits", fast > 0);
	tw_buf_free(&b);
}

static void
test_v1(void)
{
	int64_t ms = 0;
	const char *s;

	s = "Wed Oct 10 20:19:24 +0000 2018";
	CHECK("v1 +0000", tw_time_parse_v1(s, strlen(s), &ms) == 0 && ms == INT64_C(1539202764000));
	s = "Wed Oct 10 22:19:24 +0200 2018";
	CHECK("v1 +0200", tw_time_parse_v1(s, strlen(s), &ms) == 0 && ms == INT64_C(1539202764000));
	s = "Wed Oct 10 18:49:24 -0130 2018";
	CHECK("v1 -0130", tw_time_parse_v1(s, strlen(s), &ms) == 0 && ms == INT64_C(1539202764000));
	s = "Thu Feb 29 00:00:00 +0000 2024";
	CHECK("v1 leap day", tw_time_parse_v1(s, strlen(s), &ms) == 0 && ms == INT64_C(1709164800000));
	s = "Thu Jan 01 00:00:00 +0000 1970";
	CHECK("v1 epoch", tw_time_parse_v1(s, strlen(s), &ms) == 0 && ms == 0);
	s = "Wed Foo 10 20:19:24 +0000 2018";
	CHECK_INT("v1 bad month", tw_time_parse_v1(s, strlen(s), &ms), -1);
	s = "Wed Oct 32 20:19:24 +0000 2018";
	CHECK_INT("v1 bad day", tw_time_parse_v1(s, strlen(s), &ms), -1);
	s = "Wed Feb 29 20:19:24 +0000 2023";
	CHECK_INT("v1 Feb 29 of common year", tw_time_parse_v1(s, strlen(s), &ms), -1);
	s = "Wed Oct 10 20:19:24 +0000";
	CHECK_INT("v1 no year", tw_time_parse_v1(s, strlen(s), &ms), -1);
	s = "Wed Oct 10 20:19:24 +0000 2018 x";
	CHECK_INT("v1 trailing junk", tw_time_parse_v1(s, strlen(s), &ms), -1);
	s = "2018-10-10T20:19:24Z";
	CHECK_INT("v1 rejects ISO", tw_time_parse_v1(s, strlen(s), &ms), -1);
	CHECK_INT("v1 empty", tw_time_parse_v1("", 0, &ms), -1);
}

static void
test_parse_any(void)
{
	int64_t ms = 0;
	const char *s;

	s = "1539202764";
	CHECK("epoch seconds", tw_time_parse(s, strlen(s), &ms) == 0 && ms == INT64_C(1539202764000));
	s = "1539202764123";
	CHECK("epoch milliseconds", tw_time_parse(s, strlen(s), &ms) == 0 && ms == INT64_C(1539202764123));
	s = "99999999999";
	CHECK("11 digits are seconds", tw_time_parse(s, strlen(s), &ms) == 0 && ms == INT64_C(99999999999000));
	s = "100000000000";
	CHECK("12 digits are milliseconds", tw_time_parse(s, strlen(s), &ms) == 0 && ms == INT64_C(100000000000));
	s = "0";
	CHECK("epoch 0", tw_time_parse(s, strlen(s), &ms) == 0 && ms == 0);
	s = "2018-10-10T20:19:24.123Z";
	CHECK("parse ISO", tw_time_parse(s, strlen(s), &ms) == 0 && ms == INT64_C(1539202764123));
	s = "Wed Oct 10 20:19:24 +0000 2018";
	CHECK("parse v1", tw_time_parse(s, strlen(s), &ms) == 0 && ms == INT64_C(1539202764000));
	s = "abc";
	CHECK_INT("parse junk", tw_time_parse(s, strlen(s), &ms), -1);
	CHECK_INT("parse empty", tw_time_parse("", 0, &ms), -1);
	s = "15392027x4";
	CHECK_INT("parse digits with junk", tw_time_parse(s, strlen(s), &ms), -1);
	s = "99999999999999999999999";
	CHECK_INT("parse overflowing epoch", tw_time_parse(s, strlen(s), &ms), -1);
}

static const char *
fmt(struct tw_buf *b, int64_t ms)
{
	tw_buf_reset(b);
	tw_buf_add_iso(b, ms);
	return b->p;
}

static void
test_format(void)
{
	struct tw_buf b = TW_BUF_INIT;
	int64_t x, back;
	int fails = 0;
	long long firstbad = 0;

	CHECK_STR("iso 0", fmt(&b, 0), "1970-01-01T00:00:00.000Z");
	CHECK_STR("iso ms", fmt(&b, INT64_C(1539202764123)), "2018-10-10T20:19:24.123Z");
	CHECK_STR("iso 7 ms", fmt(&b, INT64_C(1539202764007)), "2018-10-10T20:19:24.007Z");
	CHECK_STR("iso -1", fmt(&b, -1), "1969-12-31T23:59:59.999Z");
	CHECK_STR("iso 1969", fmt(&b, INT64_C(-31536000000)), "1969-01-01T00:00:00.000Z");
	CHECK_STR("iso leap day", fmt(&b, INT64_C(951825600000)), "2000-02-29T12:00:00.000Z");
	CHECK_STR("iso 1900", fmt(&b, tw_days_from_civil(1900, 3, 1) * DAY + 1), "1900-03-01T00:00:00.001Z");
	tw_buf_reset(&b);
	tw_buf_adds(&b, "t=");
	tw_buf_add_iso(&b, 0);
	CHECK_STR("iso appends", b.p, "t=1970-01-01T00:00:00.000Z");
	/* Round trip through the parser, 1900..2100 in uneven steps. */
	for (x = tw_days_from_civil(1900, 1, 1) * DAY; x < tw_days_from_civil(2100, 1, 1) * DAY;
	    x += INT64_C(3600000) * 37 + 12345) {
		fmt(&b, x);
		if ((iso(b.p, &back) != 0 || back != x) && !fails++)
			firstbad = x;
	}
	CHECKF("iso format/parse round trip", fails == 0, "%d fail, first %lld", fails, firstbad);

	int64_t t0 = tw_now_ms(), m0 = tw_mono_ns(), m1 = tw_mono_ns();
	CHECK("now after 2020", t0 > INT64_C(1577836800000));
	CHECK("mono does not go back", m1 >= m0);
	tw_buf_free(&b);
}

int
main(void)
{
	test_civil();
	test_iso();
	test_iso24();
	test_v1();
	test_parse_any();
	test_format();
	return tap_done();
}
