/* Unit tests for lib/tw_chart against the contract in tw_chart.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tw_chart.h"
#include "tw_time.h"
#include "tap.h"

static void
xml(const char *name, const char *in, size_t n, const char *want)
{
	struct tw_buf b = TW_BUF_INIT;

	tw_chart_xml(&b, in, n);
	CHECK_MEM(name, b.p, b.len, want, strlen(want));
	tw_buf_free(&b);
}

#define XML(name, lit, want) xml(name, lit, sizeof(lit) - 1, want)
#define FFFD "\xef\xbf\xbd"

static void
test_xml(void)
{
	XML("xml: markup", "a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&apos;f");
	XML("xml: tab, newline, CR are blanks", "a\tb\nc\rd", "a b c d");
	XML("xml: C0 control", "a\x01" "b\x1f", "a" FFFD "b" FFFD);
	XML("xml: DEL", "a\x7f", "a" FFFD);
	XML("xml: NUL inside the text", "a\0b", "a" FFFD "b");
	XML("xml: U+FFFE and U+FFFF are not XML characters",
	    "\xef\xbf\xbe" "x\xef\xbf\xbf", FFFD "x" FFFD);
	XML("xml: U+FFFD itself stays", FFFD, FFFD);
	XML("xml: UTF-8 kept", "caf\xc3\xa9 \xf0\x9f\x98\x8e", "caf\xc3\xa9 \xf0\x9f\x98\x8e");
	XML("xml: a bad byte and its continuation bytes: one U+FFFD",
	    "\xff\x80\x80" "a", FFFD "a");
	XML("xml: a sequence cut at the end", "a\xe2\x82", "a" FFFD);
	XML("xml: an overlong form", "\xc0\xaf", FFFD);
	XML("xml: a lone surrogate", "\xed\xa0\x80z", FFFD "z");
	XML("xml: empty", "", "");
}

static void
num(const char *name, void (*f)(struct tw_buf *, double), double v, const char *want)
{
	struct tw_buf b = TW_BUF_INIT;

	f(&b, v);
	CHECK_STR(name, b.p, want);
	tw_buf_free(&b);
}

static void
test_numbers(void)
{
	num("num: 0", tw_chart_num, 0, "0");
	num("num: -0 is 0", tw_chart_num, -0.0, "0");
	num("num: an integer whole", tw_chart_num, 75812, "75812");
	num("num: a large integer whole", tw_chart_num, 123456789012345, "123456789012345");
	num("num: a third", tw_chart_num, 1.0 / 3, "0.333333");
	num("num: negative", tw_chart_num, -2.5, "-2.5");
	num("num: huge", tw_chart_num, 1.5e20, "1.5e+20");
	num("num: tiny", tw_chart_num, 1.5e-7, "1.5e-07");

	num("short: integer", tw_chart_short, 12, "12");
	num("short: below 1e5 whole", tw_chart_short, 99999, "99999");
	num("short: k from 1e5", tw_chart_short, 123456, "123.5k");
	num("short: M", tw_chart_short, 2500000, "2.5M");
	num("short: G", tw_chart_short, 3e9, "3G");
	num("short: 2 decimals", tw_chart_short, 3.14159, "3.14");
	num("short: 1 decimal from 100", tw_chart_short, 123.456, "123.5");
	num("short: trailing zeros dropped", tw_chart_short, 2.5, "2.5");
	num("short: -0.001 is 0", tw_chart_short, -0.001, "0");
	num("short: NaN", tw_chart_short, NAN, "-");
	num("short: infinity", tw_chart_short, INFINITY, "-");
}

/* The labels of every tick, joined by blanks. */
static void
labels(struct tw_buf *out, const struct tw_axis *a)
{
	int i;

	tw_buf_reset(out);
	for (i = 0; i < a->n; i++) {
		if (i)
			tw_buf_addc(out, ' ');
		tw_axis_label(out, a, tw_axis_tick(a, i));
	}
}

static void
axis(const char *name, double lo, double hi, int target, int extend,
    double wlo, double whi, const char *want)
{
	struct tw_axis a;
	struct tw_buf b = TW_BUF_INIT;
	char n2[160];

	tw_axis_nice(&a, lo, hi, target, extend);
	labels(&b, &a);
	CHECK_STR(name, b.p, want);
	snprintf(n2, sizeof n2, "%s: range", name);
	CHECKF(n2, fabs(a.lo - wlo) < 1e-9 && fabs(a.hi - whi) < 1e-9, "[%g, %g], want [%g, %g]", a.lo, a.hi, wlo, whi);
	tw_buf_free(&b);
}

static void
test_axis(void)
{
	axis("axis: 0..97 in 5", 0, 97, 5, 1, 0, 100, "0 20 40 60 80 100");
	axis("axis: empty at 0 widens to 0..1", 0, 0, 5, 1, 0, 1, "0 0.2 0.4 0.6 0.8 1.0");
	axis("axis: empty at 50 widens by 10%", 50, 50, 4, 1, 45, 55, "45 50 55");
	axis("axis: negative to positive", -3, 7, 5, 1, -4, 8, "-4 -2 0 2 4 6 8");
	axis("axis: k for ten thousands", 0, 45000, 4, 1, 0, 60000, "0 20k 40k 60k");
	axis("axis: M", 0, 2.4e6, 3, 1, 0, 3e6, "0 1M 2M 3M");
	axis("axis: G", 0, 5e9, 5, 1, 0, 5e9, "0 1G 2G 3G 4G 5G");
	axis("axis: steps of 5 with k", 0, 15000, 6, 1, 0, 15000, "0 5k 10k 15k");
	axis("axis: decimals with k", 10000, 12000, 4, 1, 10000, 12000, "10.0k 10.5k 11.0k 11.5k 12.0k");
	axis("axis: not extended, ticks inside", 0.5, 3, 4, 0, 0.5, 3, "1 2 3");
	axis("axis: a tick near zero is 0", -0.3, 0.3, 6, 1, -0.3, 0.3, "-0.3 -0.2 -0.1 0 0.1 0.2 0.3");
	axis("axis: small steps", 0, 0.0042, 4, 1, 0, 0.006, "0 0.002 0.004 0.006");
}

static double
ms(const char *iso)
{
	int64_t t = 0;

	tw_time_parse_iso(iso, strlen(iso), &t);
	return (double)t;
}

static void
taxis(const char *name, const char *lo, const char *hi, int maxt, const char *want)
{
	struct tw_axis a;
	struct tw_buf b = TW_BUF_INIT;

	tw_axis_time(&a, ms(lo), ms(hi), maxt);
	labels(&b, &a);
	CHECK_STR(name, b.p, want);
	tw_buf_free(&b);
}

static void
test_time(void)
{
	struct tw_axis a;
	struct tw_buf b = TW_BUF_INIT;

	taxis("time: 10 minutes, 2-minute steps", "2024-01-01T00:00:00Z", "2024-01-01T00:10:00Z", 6,
	    "00:00 00:02 00:04 00:06 00:08 00:10");
	taxis("time: seconds", "2024-01-01T13:05:00Z", "2024-01-01T13:05:40Z", 5,
	    "13:05:00 13:05:10 13:05:20 13:05:30 13:05:40");
	taxis("time: hours over days", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", 10,
	    "01-01 00:00 01-01 06:00 01-01 12:00 01-01 18:00 01-02 00:00 01-02 06:00 01-02 12:00 01-02 18:00 01-03 00:00");
	taxis("time: days", "2024-01-01T00:00:00Z", "2024-01-04T00:00:00Z", 6,
	    "2024-01-01 2024-01-02 2024-01-03 2024-01-04");
	taxis("time: months on the first, from the next whole step", "2024-01-15T00:00:00Z",
	    "2024-12-20T00:00:00Z", 6, "2024-03-01 2024-05-01 2024-07-01 2024-09-01 2024-11-01");
	taxis("time: years", "2000-06-01T00:00:00Z", "2024-06-01T00:00:00Z", 6,
	    "2005-01-01 2010-01-01 2015-01-01 2020-01-01");
	tw_axis_time(&a, ms("2024-01-01T12:00:00Z"), ms("2024-01-01T12:00:00Z"), 4);
	CHECKF("time: an empty range widens by a minute each side",
	    a.hi - a.lo == 120000 && a.time, "[%g, %g]", a.lo, a.hi);
	tw_axis_time_text(&b, TW_AXIS_YMD, ms("2024-02-29T23:59:59Z"));
	CHECK_STR("time: text YMD", b.p, "2024-02-29");
	tw_buf_reset(&b);
	tw_axis_time_text(&b, TW_AXIS_MDHM, ms("2024-02-29T23:59:59Z"));
	CHECK_STR("time: text MDHM", b.p, "02-29 23:59");
	tw_buf_free(&b);
}

int
main(void)
{
	test_xml();
	test_numbers();
	test_axis();
	test_time();
	return tap_done();
}
