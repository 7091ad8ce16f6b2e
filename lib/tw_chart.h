/*
 * tw_chart: the text and the numbers of an SVG chart, one set of rules
 * for every command that draws one (tw-plot; tw-perf's report).
 *
 *   tw_chart_xml       text for XML content and attribute values
 *   tw_chart_num       a value in full, for a tooltip
 *   tw_chart_short     a value in a few characters, for a bar's label
 *   struct tw_axis     an axis: its range, ticks at 1, 2 or 5 times a
 *                      power of ten (or calendar steps for time), and
 *                      their labels
 *
 * Output depends only on the arguments: no locale, no clock, so the same
 * chart gives the same bytes. Nothing here allocates except through the
 * tw_buf appended to.
 */
#ifndef TW_CHART_H
#define TW_CHART_H

#include <stddef.h>

#include "tw_buf.h"

/*
 * Appends s[0..n) escaped for XML text and attribute values: & < > " '
 * as &amp; &lt; &gt; &quot; &apos;; tab, newline and CR as a blank;
 * other control characters (C0 and DEL), U+FFFE, U+FFFF and each run of
 * invalid UTF-8 as U+FFFD. The result is always well-formed XML 1.0.
 */
void tw_chart_xml(struct tw_buf *b, const char *s, size_t n);

/* Appends v in full: an integer whole ("75812"), else to 6 significant
 * digits ("0.333333", "1.5e+20"); "0" for -0. */
void tw_chart_num(struct tw_buf *b, double v);

/* Appends v short: whole when an integer below 1e5, else with at most
 * 2 decimals (1 from 100), trailing zeros dropped, and k, M or G from
 * 1e5, 1e6, 1e9 ("123.5k", "2.5M"); "-" when v is not finite. */
void tw_chart_short(struct tw_buf *b, double v);

enum tw_axis_fmt {
	TW_AXIS_HMS,	/* 13:05:10 */
	TW_AXIS_HM,	/* 13:05 */
	TW_AXIS_MDHM,	/* 01-31 13:05 */
	TW_AXIS_YMD	/* 2024-01-31 */
};

struct tw_axis {
	double lo, hi;		/* the range the axis spans */
	double start, step;	/* ticks at start + i * step, 0 <= i < n */
	int n;
	int time;		/* a time axis (epoch milliseconds, UTC) */
	int months;		/* time: a calendar step of months, or 0 */
	enum tw_axis_fmt fmt;	/* time: the label form */
	double div;		/* numbers: labels divided by 1, 1e3, 1e6, 1e9 */
	const char *suffix;	/* numbers: "", "k", "M", "G" to match */
	int decimals;		/* numbers: digits after the point (0..6) */
};

/*
 * A number axis for [lo, hi] with about target ticks: the step is 1, 2,
 * 5 or 10 times a power of ten, the first that gives no more than
 * target steps. With extend the range grows to whole steps (a value
 * axis); without, it stays [lo, hi] and the ticks fall inside (an x
 * axis). An empty range is widened: [0, 1] around 0, else by 10% of
 * |lo| each side. Labels share one unit (k from 1e4, M from 1e6, G from
 * 1e9, by the largest tick) and as many decimals as the step needs.
 */
void tw_axis_nice(struct tw_axis *a, double lo, double hi, int target,
    int extend);

/*
 * A time axis for [lo, hi] (epoch ms) with fewer than maxt steps: fixed
 * steps from 1 s to 2 weeks (1, 2, 5, 10, 15, 30 s; 1, 2, 5, 10, 15,
 * 30 min; 1, 2, 3, 6, 12 h; 1, 2, 7, 14 d), then months (1, 2, 3, 6
 * months, 1 to 100 years) on the first of a month. An empty range is
 * widened by a minute each side. The label form follows the span: HH:MM
 * or HH:MM:SS within a UTC day, MM-DD HH:MM for hours over several days,
 * YYYY-MM-DD beyond.
 */
void tw_axis_time(struct tw_axis *a, double lo, double hi, int maxt);

/* The i-th tick (0 <= i < n); a number tick within 1e-9 steps of zero
 * is exactly 0. */
double tw_axis_tick(const struct tw_axis *a, int i);

/* Appends the label of tick value v ("0", "2.5", "40k", "13:05"). Raw
 * text, safe for XML as it is. */
void tw_axis_label(struct tw_buf *b, const struct tw_axis *a, double v);

/* Appends the time v (epoch ms) in the form fmt. */
void tw_axis_time_text(struct tw_buf *b, enum tw_axis_fmt fmt, double v);

#endif
