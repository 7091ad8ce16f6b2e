/* Unit tests for lib/tw_opt against the contract in tw_opt.h. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tw_opt.h"
#include "tap.h"

#define MAXI INT64_MAX

static void
good_dur(const char *s, int64_t want)
{
	char name[96];
	const char *err = NULL;
	int64_t ms = -12345;
	int rc = tw_parse_duration(s, 0, MAXI, &ms, &err);

	snprintf(name, sizeof name, "duration \"%s\"", s);
	CHECKF(name, rc == 0 && ms == want, "rc %d ms %lld want %lld err %s", rc,
	    (long long)ms, (long long)want, err ? err : "-");
}

static void
bad_dur(const char *s, int64_t min, int64_t max)
{
	char name[96];
	const char *err = NULL;
	int64_t ms = -12345;
	int rc = tw_parse_duration(s, min, max, &ms, &err);

	snprintf(name, sizeof name, "duration \"%s\" in [%lld,%lld] rejected", s,
	    (long long)min, (long long)max);
	CHECKF(name, rc == -1 && err && *err, "rc %d ms %lld err %s", rc, (long long)ms,
	    err ? err : "(null)");
}

static void
test_duration(void)
{
	good_dur("500ms", 500);
	good_dur("30s", 30000);
	good_dur("5m", 300000);
	good_dur("1h", 3600000);
	good_dur("1d", 86400000);
	good_dur("1w", 604800000);
	good_dur("1.5s", 1500);
	good_dur("0.5h", 1800000);
	good_dur("90", 90000);
	good_dur("0.25", 250);
	good_dur("0", 0);
	good_dur("0s", 0);
	good_dur("2ms", 2);
	good_dur("1000w", INT64_C(604800000000));
	bad_dur("", 0, MAXI);
	bad_dur("s", 0, MAXI);
	bad_dur("ms", 0, MAXI);
	bad_dur("10x", 0, MAXI);
	bad_dur("10sec", 0, MAXI);
	bad_dur("10 s", 0, MAXI);
	bad_dur("1.5.2s", 0, MAXI);
	bad_dur("5mm", 0, MAXI);
	bad_dur("abc", 0, MAXI);
	bad_dur("-5s", 0, MAXI);
	bad_dur("-1", 0, MAXI);
	bad_dur("1h", 0, 1000);
	bad_dur("10ms", 100, 1000);
	bad_dur("99999999999999999999w", 0, MAXI);
	bad_dur("1e400s", 0, MAXI);
	bad_dur("nan", 0, MAXI);
	bad_dur("inf", 0, MAXI);
	{
		const char *err = NULL;
		int64_t ms = 0;
		CHECK("duration at max bound", tw_parse_duration("1s", 0, 1000, &ms, &err) == 0
		    && ms == 1000);
		CHECK("duration at min bound", tw_parse_duration("100ms", 100, 1000, &ms, &err) == 0
		    && ms == 100);
	}
}

static void
good_size(const char *s, int64_t want)
{
	char name[96];
	const char *err = NULL;
	int64_t v = -1;
	int rc = tw_parse_size(s, 0, MAXI, &v, &err);

	snprintf(name, sizeof name, "size \"%s\"", s);
	CHECKF(name, rc == 0 && v == want, "rc %d got %lld want %lld err %s", rc,
	    (long long)v, (long long)want, err ? err : "-");
}

static void
bad_size(const char *s, int64_t min, int64_t max)
{
	char name[96];
	const char *err = NULL;
	int64_t v = -1;
	int rc = tw_parse_size(s, min, max, &v, &err);

	snprintf(name, sizeof name, "size \"%s\" in [%lld,%lld] rejected", s,
	    (long long)min, (long long)max);
	CHECKF(name, rc == -1 && err && *err, "rc %d got %lld err %s", rc, (long long)v,
	    err ? err : "(null)");
}

static void
test_size(void)
{
	good_size("64M", INT64_C(64) << 20);
	good_size("1G", INT64_C(1) << 30);
	good_size("10k", 10240);
	good_size("2T", INT64_C(2) << 40);
	good_size("123", 123);
	good_size("0", 0);
	good_size("64MB", INT64_C(64) << 20);
	good_size("100B", 100);
	good_size("1.5k", 1536);
	bad_size("", 0, MAXI);
	bad_size("M", 0, MAXI);
	bad_size("5X", 0, MAXI);
	bad_size("5MBB", 0, MAXI);
	bad_size("-1M", 0, MAXI);
	bad_size("1G", 0, INT64_C(1) << 20);
	bad_size("1k", 2048, MAXI);
	bad_size("99999999999T", 0, MAXI);
}

static void
test_int(void)
{
	const char *err;
	int64_t v;

	err = NULL;
	CHECK("int 42", tw_parse_int("42", 0, 100, &v, &err) == 0 && v == 42);
	CHECK("int -7", tw_parse_int("-7", -10, 10, &v, &err) == 0 && v == -7);
	CHECK("int max", tw_parse_int("9223372036854775807", 0, MAXI, &v, &err) == 0 && v == MAXI);
	CHECK("int min", tw_parse_int("-9223372036854775808", INT64_MIN, 0, &v, &err) == 0
	    && v == INT64_MIN);
	err = NULL;
	CHECK("int above max", tw_parse_int("11", 0, 10, &v, &err) == -1 && err && *err);
	CHECKF("int above max says too large", err && strstr(err, "large"), "err %s", err ? err : "(null)");
	err = NULL;
	CHECK("int below min", tw_parse_int("-11", -10, 10, &v, &err) == -1 && err && *err);
	err = NULL;
	CHECK("int overflow", tw_parse_int("9223372036854775808", 0, MAXI, &v, &err) == -1 && err && *err);
	err = NULL;
	CHECK("int underflow", tw_parse_int("-9223372036854775809", INT64_MIN, MAXI, &v, &err) == -1
	    && err && *err);
	err = NULL;
	CHECK("int word", tw_parse_int("abc", 0, 10, &v, &err) == -1 && err && *err);
	err = NULL;
	CHECK("int empty", tw_parse_int("", 0, 10, &v, &err) == -1 && err && *err);
	err = NULL;
	CHECK("int trailing junk", tw_parse_int("12abc", 0, 100, &v, &err) == -1 && err && *err);
	err = NULL;
	CHECK("int fraction", tw_parse_int("1.5", 0, 100, &v, &err) == -1 && err && *err);
	err = NULL;
	CHECK("int trailing space", tw_parse_int("5 ", 0, 100, &v, &err) == -1 && err && *err);

	double d;
	err = NULL;
	CHECK("double 1.5", tw_parse_double("1.5", 0, 10, &d, &err) == 0 && d == 1.5);
	CHECK("double -0.25", tw_parse_double("-0.25", -1, 1, &d, &err) == 0 && d == -0.25);
	CHECK("double 1e3", tw_parse_double("1e3", 0, 1e4, &d, &err) == 0 && d == 1000);
	err = NULL;
	CHECK("double above max", tw_parse_double("11", 0, 10, &d, &err) == -1 && err && *err);
	err = NULL;
	CHECK("double nan", tw_parse_double("nan", -1e308, 1e308, &d, &err) == -1 && err);
	err = NULL;
	CHECK("double inf", tw_parse_double("inf", -INFINITY, INFINITY, &d, &err) == -1 && err);
	err = NULL;
	CHECK("double 1e400", tw_parse_double("1e400", -INFINITY, INFINITY, &d, &err) == -1 && err);
	err = NULL;
	CHECK("double junk", tw_parse_double("1.5x", 0, 10, &d, &err) == -1 && err);
	err = NULL;
	CHECK("double empty", tw_parse_double("", 0, 10, &d, &err) == -1 && err);
}

int
main(void)
{
	test_duration();
	test_size();
	test_int();
	return tap_done();
}
