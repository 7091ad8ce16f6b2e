#include "tw_time.h"
#include "tw_util.h"

#include <string.h>
#include <time.h>

int64_t
tw_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
tw_time_split(int64_t ms, struct tw_tm *tm)
{
	int64_t days = tw_floordiv(ms, 86400000), rem = ms % 86400000;
	int64_t z = days + 719468, era, doe, yoe, y, doy, mp;

	if (rem < 0)
		rem += 86400000;	/* no days * 86400000: it overflows near INT64_MIN */
	tm->ms = (int)(rem % 1000);
	rem /= 1000;
	tm->sec = (int)(rem % 60);
	tm->min = (int)(rem / 60 % 60);
	tm->hour = (int)(rem / 3600);
	tm->wday = (int)((days % 7 + 11) % 7);	/* 1970-01-01 was a Thursday */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = (int)(y + (tm->mon <= 2));
	tm->yday = (int)(days - tw_days_from_civil(tm->year, 1, 1));
}

static int
digits(const char *s, size_t n, size_t at, int count, int *out)
{
	int v = 0, k;

	if (at + (size_t)count > n)
		return -1;
	for (k = 0; k < count; k++) {
		unsigned d = (unsigned char)s[at + k] - '0';

		if (d > 9)
			return -1;
		v = v * 10 + (int)d;
	}
	*out = v;
	return 0;
}

static int
mdays(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int
tw_time_iso24(const char *s, size_t n)
{
	static const uint64_t fixm[3] = {	/* the fixed bytes' places */
		0xFF0000FF00000000ULL, 0x0000FF0000FF0000ULL, 0xFF000000FF0000FFULL };
	static const uint64_t fixv[3] = {	/* "-" "-" "T" ":" ":" "." "Z" */
		0x2D00002D00000000ULL, 0x00003A0000540000ULL, 0x5A0000002E00003AULL };
	uint64_t w, m = 0;
	int i;

	if (n != 24)
		return 0;
	for (i = 0; i < 3; i++) {
		memcpy(&w, s + 8 * i, 8);
		if ((w & fixm[i]) != fixv[i])
			return 0;
		/* the fixed bytes made '0': then no byte borrows or carries
		 * into the next, and any non-digit sets its top bit */
		w = (w & ~fixm[i]) | (0x3030303030303030ULL & fixm[i]);
		m |= ((w - 0x3030303030303030ULL) | (w + 0x4646464646464646ULL)) &
		    0x8080808080808080ULL;
	}
	return m == 0;
}

#define D2(p) (((p)[0] - '0') * 10 + (p)[1] - '0')

int
tw_time_parse_iso(const char *s, size_t n, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0, frac = 0, oh, om;
	size_t i;
	int64_t off = 0;

	if (tw_time_iso24(s, n)) {
		/* the API's own form, in one go: the same checks as below */
		y = D2(s) * 100 + D2(s + 2);
		mo = D2(s + 5);
		d = D2(s + 8);
		h = D2(s + 11);
		mi = D2(s + 14);
		se = D2(s + 17);
		frac = ((s[20] - '0') * 10 + s[21] - '0') * 10 + s[22] - '0';
		if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || h > 23 ||
		    mi > 59 || se > 60)
			return -1;
		*ms = (tw_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
		    mi * 60 + se) * 1000 + frac;
		return 0;
	}
	if (digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' ||
	    digits(s, n, 5, 2, &mo) || s[7] != '-' || digits(s, n, 8, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo))
		return -1;
	i = 10;
	if (i < n && (s[i] == 'T' || s[i] == ' ')) {
		if (digits(s, n, i + 1, 2, &h) || i + 3 >= n || s[i + 3] != ':' ||
		    digits(s, n, i + 4, 2, &mi))
			return -1;
		i += 6;
		if (i < n && s[i] == ':') {
			if (digits(s, n, i + 1, 2, &se))
				return -1;
			i += 3;
			if (i < n && (s[i] == '.' || s[i] == ',')) {
				int scale = 100;

				i++;
				if (i >= n || s[i] < '0' || s[i] > '9')
					return -1;
				while (i < n && s[i] >= '0' && s[i] <= '9') {
					frac += (s[i] - '0') * scale;
					scale /= 10;
					i++;
				}
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return -1;
	}
	if (i < n) {
		if (s[i] == 'Z' && i + 1 == n) {
			i++;
		} else if ((s[i] == '+' || s[i] == '-') && !digits(s, n, i + 1, 2, &oh)) {
			size_t k = i + 3;

			om = 0;
			if (k < n && s[k] == ':')
				k++;
			if (k < n && digits(s, n, k, 2, &om))
				return -1;
			if (k < n)
				k += 2;
			if (k != n || oh > 23 || om > 59)
				return -1;
			off = ((int64_t)oh * 60 + om) * 60000;
			if (s[i] == '+')
				off = -off;
			i = k;
		} else {
			return -1;
		}
	}
	*ms = (tw_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
	    mi * 60 + se) * 1000 + frac + off;
	return 0;
}

int
tw_time_parse_v1(const char *s, size_t n, int64_t *ms)
{
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int d, h, mi, se, oh, om, y, mo;
	const char *p;
	int64_t off;

	/* "Wed Oct 10 20:19:24 +0000 2018" */
	if (n != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':' || s[19] != ' ' || s[25] != ' ')
		return -1;
	for (p = mons; *p; p += 3)
		if (memcmp(p, s + 4, 3) == 0)
			break;
	if (*p == '\0')
		return -1;
	mo = (int)((p - mons) / 3) + 1;
	if (digits(s, n, 8, 2, &d) || digits(s, n, 11, 2, &h) ||
	    digits(s, n, 14, 2, &mi) || digits(s, n, 17, 2, &se) ||
	    (s[20] != '+' && s[20] != '-') || digits(s, n, 21, 2, &oh) ||
	    digits(s, n, 23, 2, &om) || digits(s, n, 26, 4, &y))
		return -1;
	if (d < 1 || d > mdays(y, mo) || h > 23 || mi > 59 || se > 60)
		return -1;
	off = ((int64_t)oh * 60 + om) * 60000;
	if (s[20] == '+')
		off = -off;
	*ms = (tw_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
	    mi * 60 + se) * 1000 + off;
	return 0;
}

int
tw_time_parse(const char *s, size_t n, int64_t *ms)
{
	size_t i;
	int64_t v = 0;

	if (n >= 10 && s[4] == '-')
		return tw_time_parse_iso(s, n, ms);
	if (n == 30)
		return tw_time_parse_v1(s, n, ms);
	if (n == 0 || n > 16)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*ms = n <= 11 ? v * 1000 : v;
	return 0;
}

static void
put2(char *o, int v)
{
	memcpy(o, tw_digits2 + 2 * v, 2);
}

void
tw_buf_add_iso(struct tw_buf *b, int64_t ms)
{
	/* Records of a stream share their day: the date of the last call
	 * is kept (each tool is one thread), so most calls only format
	 * the time of day. */
	static int64_t last_day = INT64_MIN;
	static char ymd[10];
	int64_t day = tw_floordiv(ms, 86400000), rem = ms % 86400000;
	struct tw_tm tm;
	char o[24];
	int s;

	if (day != last_day) {
		tw_time_split(ms, &tm);
		if (tm.year < 0 || tm.year > 9999) {
			tw_buf_add_i64(b, tm.year);
			tw_buf_addf(b, "-%02d-%02dT%02d:%02d:%02d.%03dZ",
			    tm.mon, tm.day, tm.hour, tm.min, tm.sec, tm.ms);
			return;
		}
		put2(ymd, tm.year / 100);
		put2(ymd + 2, tm.year % 100);
		ymd[4] = '-';
		put2(ymd + 5, tm.mon);
		ymd[7] = '-';
		put2(ymd + 8, tm.day);
		last_day = day;
	}
	if (rem < 0)
		rem += 86400000;
	memcpy(o, ymd, 10);
	o[10] = 'T';
	s = (int)(rem / 1000);
	put2(o + 11, s / 3600);
	o[13] = ':';
	put2(o + 14, s / 60 % 60);
	o[16] = ':';
	put2(o + 17, s % 60);
	o[19] = '.';
	o[20] = (char)('0' + rem % 1000 / 100);
	put2(o + 21, (int)(rem % 100));
	o[23] = 'Z';
	tw_buf_add(b, o, 24);
}

int64_t
tw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
tw_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
