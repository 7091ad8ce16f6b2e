/*
 * tw_time: UTC calendar arithmetic and the timestamp formats of the API.
 *
 * All times are milliseconds since 1970-01-01T00:00:00Z in an int64_t.
 * No function here consults the time zone or calls gmtime: conversions
 * use the proleptic Gregorian calendar directly.
 */
#ifndef TW_TIME_H
#define TW_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"

struct tw_tm {
	int year, mon, day;	/* mon 1..12, day 1..31 */
	int hour, min, sec, ms;
	int wday;		/* 0 = Sunday */
	int yday;		/* 0..365 */
};

/* Days since 1970-01-01 of a civil date (mon 1..12). */
int64_t tw_days_from_civil(int64_t y, int mon, int day);

/* Splits ms into civil UTC fields. */
void tw_time_split(int64_t ms, struct tw_tm *tm);

/*
 * Parses an ISO 8601 time: YYYY-MM-DD, optionally followed by 'T' or ' '
 * and HH:MM[:SS[.fraction]], optionally followed by 'Z' or +HH:MM/-HH:MM
 * (no zone means UTC). Returns 0 and sets *ms, or -1.
 */
int tw_time_parse_iso(const char *s, size_t n, int64_t *ms);

/*
 * 1 when s[0..n) has the form tw_buf_add_iso writes: 24 bytes,
 * DDDD-DD-DDTDD:DD:DD.DDDZ with D any digit (the fields' ranges are not
 * checked).
 */
int tw_time_iso24(const char *s, size_t n);

/* Parses the v1.1 form "Wed Oct 10 20:19:24 +0000 2018". */
int tw_time_parse_v1(const char *s, size_t n, int64_t *ms);

/*
 * Parses any time a record may carry: ISO 8601, the v1.1 form, or a
 * decimal epoch (<= 11 digits: seconds, more: milliseconds).
 */
int tw_time_parse(const char *s, size_t n, int64_t *ms);

/* Event times the tools accept: the years 0000 to 9999, in epoch ms. */
#define TW_TIME_MIN_MS (-62167219200000LL)
#define TW_TIME_MAX_MS 253402300799999LL

/*
 * Appends ms as "YYYY-MM-DDTHH:MM:SS.mmmZ". Not thread safe: the date of
 * the last call is kept in static storage, as the records of a stream
 * share their day.
 */
void tw_buf_add_iso(struct tw_buf *b, int64_t ms);

/* Milliseconds since the epoch now (CLOCK_REALTIME), and a monotonic clock. */
int64_t tw_now_ms(void);
int64_t tw_mono_ns(void);

#endif
