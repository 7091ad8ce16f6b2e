/*
 * tw_chart: the text and the numbers of an SVG chart; see tw_chart.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tw_chart.h"
#include "tw_time.h"
#include "tw_util.h"

/* ---- XML ---- */

void
tw_chart_xml(struct tw_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	size_t ok;

	while (p < e) {
		ok = tw_utf8_valid_prefix((const char *)p, (size_t)(e - p));
		if (ok == 0) {
			tw_buf_adds(b, "\xef\xbf\xbd");	/* U+FFFD */
			p++;
			while (p < e && (*p & 0xc0) == 0x80)
				p++;
			continue;
		}
		for (; ok > 0; ok--, p++) {
			switch (*p) {
			case '&': tw_buf_adds(b, "&amp;"); break;
			case '<': tw_buf_adds(b, "&lt;"); break;
			case '>': tw_buf_adds(b, "&gt;"); break;
			case '"': tw_buf_adds(b, "&quot;"); break;
			case '\'': tw_buf_adds(b, "&apos;"); break;
			case '\t': case '\n': case '\r':
				tw_buf_addc(b, ' ');
				break;
			default:
				if (*p < 0x20 || *p == 0x7f) {
					tw_buf_adds(b, "\xef\xbf\xbd");
				} else if (*p == 0xef && ok >= 3 && p[1] == 0xbf &&
				    (p[2] == 0xbe || p[2] == 0xbf)) {
					/* U+FFFE and U+FFFF are not XML characters */
					tw_buf_adds(b, "\xef\xbf\xbd");
					p += 2;
					ok -= 2;
				} else {
					tw_buf_addc(b, (char)*p);
				}
			}
		}
	}
}

/* ---- numbers and axes ---- */

static double
num_tick(const struct tw_axis *s, int i)
{
	double v = s->start + i * s->step;

	if (fabs(v) < s->step * 1e-9)
		v = 0;
	return v;
}

/* Ticks for [lo, hi] with about target steps; extends the range to them. */
void
tw_axis_nice(struct tw_axis *s, double lo, double hi, int target, int extend)
{
	double span, raw, mag, f, top, amax;
	int d;

	memset(s, 0, sizeof *s);
	if (!(hi > lo)) {
		if (lo == 0) {
			hi = 1;
		} else {
			double pad = fabs(lo) * 0.1;

			lo -= pad;
			hi += pad;
		}
	}
	span = hi - lo;
	raw = span / (target < 1 ? 1 : target);
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	s->step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	if (extend) {
		s->lo = floor(lo / s->step + 1e-9) * s->step;
		s->hi = ceil(hi / s->step - 1e-9) * s->step;
	} else {
		s->lo = lo;
		s->hi = hi;
	}
	s->start = ceil(s->lo / s->step - 1e-9) * s->step;
	top = floor(s->hi / s->step + 1e-9) * s->step;
	s->n = (int)llround((top - s->start) / s->step) + 1;
	amax = fmax(fabs(s->start), fabs(top));
	s->div = 1;
	s->suffix = "";
	if (amax >= 1e9) {
		s->div = 1e9;
		s->suffix = "G";
	} else if (amax >= 1e6) {
		s->div = 1e6;
		s->suffix = "M";
	} else if (amax >= 1e4) {
		s->div = 1e3;
		s->suffix = "k";
	}
	d = (int)ceil(-log10(s->step / s->div) - 1e-9);
	s->decimals = d < 0 ? 0 : d > 6 ? 6 : d;
}

static void
num_label(struct tw_buf *b, const struct tw_axis *s, double v)
{
	if (v == 0)
		tw_buf_adds(b, "0");
	else
		tw_buf_addf(b, "%.*f%s", s->decimals, v / s->div, s->suffix);
}

/* A value printed on a bar: short, at most 3 decimals. */
void
tw_chart_short(struct tw_buf *b, double v)
{
	char t[64];
	size_t n;
	const char *suf = "";
	double a = fabs(v);

	if (!isfinite(v)) {
		tw_buf_adds(b, "-");
		return;
	}
	if (a >= 1e9) {
		v /= 1e9;
		suf = "G";
	} else if (a >= 1e6) {
		v /= 1e6;
		suf = "M";
	} else if (a >= 1e5) {
		v /= 1e3;
		suf = "k";
	}
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(t, sizeof t, "%.0f", v);
	else {
		snprintf(t, sizeof t, "%.*f", fabs(v) >= 100 ? 1 : 2, v);
		n = strlen(t);
		while (n > 0 && t[n - 1] == '0')
			t[--n] = '\0';
		if (n > 0 && t[n - 1] == '.')
			t[--n] = '\0';
	}
	if (strcmp(t, "-0") == 0)
		strcpy(t, "0");
	tw_buf_adds(b, t);
	tw_buf_adds(b, suf);
}


void
tw_chart_num(struct tw_buf *b, double v)
{
	if (v == 0)
		tw_buf_adds(b, "0");
	else if (v == floor(v) && fabs(v) < 1e15)
		tw_buf_addf(b, "%.0f", v);
	else
		tw_buf_addf(b, "%.6g", v);
}


/* ---- time axes ---- */

static const int64_t tsteps[] = {
	1000, 2000, 5000, 10000, 15000, 30000,
	60000, 120000, 300000, 600000, 900000, 1800000,
	3600000, 7200000, 10800000, 21600000, 43200000,
	86400000, 172800000, 604800000, 1209600000
};
static const int msteps[] = { 1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200 };

/* First month boundary >= t that is a multiple of step months. */
static int64_t
month_floor(int64_t t, int step, int *y, int *m)
{
	struct tw_tm tm;
	int64_t idx;

	tw_time_split(t, &tm);
	idx = (int64_t)tm.year * 12 + (tm.mon - 1);
	idx = (idx + step - 1) / step * step;
	if ((int64_t)tm.year * 12 + (tm.mon - 1) == idx &&
	    tw_days_from_civil(tm.year, tm.mon, 1) * 86400000 < t)
		idx += step;
	*y = (int)(idx / 12);
	*m = (int)(idx % 12) + 1;
	return tw_days_from_civil(*y, *m, 1) * 86400000;
}

void
tw_axis_time(struct tw_axis *s, double lo, double hi, int maxt)
{
	int64_t a, b, step = 0;
	size_t i;
	struct tw_tm t1, t2;

	memset(s, 0, sizeof *s);
	s->time = 1;
	if (!(hi > lo)) {
		lo -= 60000;
		hi += 60000;
	}
	s->lo = lo;
	s->hi = hi;
	a = (int64_t)ceil(lo);
	b = (int64_t)floor(hi);
	for (i = 0; i < sizeof tsteps / sizeof tsteps[0]; i++)
		if ((b - a) / tsteps[i] < maxt) {
			step = tsteps[i];
			break;
		}
	if (step != 0) {
		int64_t first = a % step == 0 ? a :
		    (a >= 0 ? (a / step + 1) * step : (a / step) * step);

		s->start = (double)first;
		s->step = (double)step;
		s->n = (int)((b - first) / step) + 1;
	} else {
		int y, m;
		int64_t first = 0;

		for (i = 0; i < sizeof msteps / sizeof msteps[0]; i++) {
			s->months = msteps[i];
			if ((b - a) / ((int64_t)msteps[i] * 2629746000LL) < maxt)
				break;
		}
		first = month_floor(a, s->months, &y, &m);
		s->start = (double)first;
		s->n = 0;
		while (first <= b && s->n < 50) {
			s->n++;
			m += s->months;
			while (m > 12) {
				m -= 12;
				y++;
			}
			first = tw_days_from_civil(y, m, 1) * 86400000;
		}
	}
	tw_time_split(a, &t1);
	tw_time_split(b, &t2);
	if (t1.year == t2.year && t1.mon == t2.mon && t1.day == t2.day)
		s->fmt = step != 0 && step < 60000 ? TW_AXIS_HMS : TW_AXIS_HM;
	else if (step != 0 && step < 86400000)
		s->fmt = TW_AXIS_MDHM;
	else
		s->fmt = TW_AXIS_YMD;
}

/* The i-th tick of a time scale, in ms. */
static double
time_tick(const struct tw_axis *s, int i)
{
	struct tw_tm tm;
	int64_t idx;

	if (!s->months)
		return s->start + i * s->step;
	tw_time_split((int64_t)s->start, &tm);
	idx = (int64_t)tm.year * 12 + (tm.mon - 1) + (int64_t)i * s->months;
	return (double)(tw_days_from_civil(idx / 12, (int)(idx % 12) + 1, 1) * 86400000);
}

void
tw_axis_time_text(struct tw_buf *b, enum tw_axis_fmt fmt, double v)
{
	struct tw_tm tm;

	tw_time_split((int64_t)v, &tm);
	switch (fmt) {
	case TW_AXIS_HMS:
		tw_buf_addf(b, "%02d:%02d:%02d", tm.hour, tm.min, tm.sec);
		break;
	case TW_AXIS_HM:
		tw_buf_addf(b, "%02d:%02d", tm.hour, tm.min);
		break;
	case TW_AXIS_MDHM:
		tw_buf_addf(b, "%02d-%02d %02d:%02d", tm.mon, tm.day, tm.hour, tm.min);
		break;
	default:
		tw_buf_addf(b, "%04d-%02d-%02d", tm.year, tm.mon, tm.day);
	}
}


/* ---- either kind ---- */

double
tw_axis_tick(const struct tw_axis *a, int i)
{
	return a->time ? time_tick(a, i) : num_tick(a, i);
}

void
tw_axis_label(struct tw_buf *b, const struct tw_axis *a, double v)
{
	if (a->time)
		tw_axis_time_text(b, a->fmt, v);
	else
		num_label(b, a, v);
}
