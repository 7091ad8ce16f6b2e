/*
 * svg.c: the renderer. Turns a finished struct chart into one <svg>
 * element: title, notes, legend, grid, axes with "nice" ticks (1, 2, 5
 * times a power of ten; calendar steps for time), and the marks.
 *
 * Output depends only on the chart (no clock, no locale, no random ids),
 * so the same input gives the same bytes. Text widths are estimated from
 * character counts, since no font metrics are at hand.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "tw_chart.h"
#include "tw_label.h"
#include "tw_time.h"
#include "tw_util.h"

/* Tableau 10: distinct for the common forms of colour blindness. */
static const char *const palette[MAX_SERIES] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"
};

#define FONT "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
#define CW 7.0		/* average width of a 12px character */
#define AXIS "#444"
#define GRID "#e6e6e6"
#define MUTED "#666"

/* Characters (code points) in s. */
static size_t
nchars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Appends s escaped, cut to max characters with an ellipsis. */
static void
text_cut(struct tw_buf *b, const char *s, size_t max)
{
	size_t n = 0, i;

	if (nchars(s) <= max) {
		tw_chart_xml(b, s, strlen(s));
		return;
	}
	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++n == max)
			break;	/* room for the ellipsis */
	}
	tw_chart_xml(b, s, i);
	tw_buf_adds(b, "\xe2\x80\xa6");
}

static double
text_w(const char *s, size_t max, double cw)
{
	size_t n = nchars(s);

	return (double)(n > max ? max : n) * cw;
}

/* ---- hover text ---- */

/*
 * Every mark a reader may point at carries a <title> (class "hit"):
 * browsers show it as a tooltip, and the dashboard's script shows it at
 * once. Lines of a tip are joined by a character reference for a
 * newline, which tw_chart_xml would turn into a blank.
 */
#define TIP_NL "&#10;"

static void
x_full(struct tw_buf *b, const struct chart *c, double v)
{
	struct tw_tm tm;

	if (!c->time_x) {
		tw_chart_num(b, v);
		return;
	}
	tw_time_split((int64_t)v, &tm);
	tw_buf_addf(b, "%04d-%02d-%02d %02d:%02d", tm.year, tm.mon, tm.day,
	    tm.hour, tm.min);
	if (tm.sec || tm.ms)
		tw_buf_addf(b, ":%02d", tm.sec);
	if (tm.ms)
		tw_buf_addf(b, ".%03d", tm.ms);
	tw_buf_adds(b, " UTC");
}

/* "name: value", and " (partial window)" for a partial point. */
static void
tip_value(struct tw_buf *b, const char *name, double v, int partial)
{
	tw_chart_xml(b, name, strlen(name));
	tw_buf_adds(b, ": ");
	tw_chart_num(b, v);
	if (partial)
		tw_buf_adds(b, " (partial window)");
}

/* ---- drawing helpers ---- */

static void
text(struct tw_buf *b, double x, double y, const char *anchor,
    const char *attrs, const char *s, size_t max)
{
	tw_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
	if (anchor)
		tw_buf_addf(b, " text-anchor=\"%s\"", anchor);
	if (attrs) {
		tw_buf_addc(b, ' ');
		tw_buf_adds(b, attrs);
	}
	tw_buf_addc(b, '>');
	text_cut(b, s, max);
	tw_buf_adds(b, "</text>\n");
}

static void
line(struct tw_buf *b, double x1, double y1, double x2, double y2,
    const char *colour)
{
	tw_buf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
	    x1, y1, x2, y2, colour);
}

/* The default title: "count by lang", "count over window_start". */
static void
default_title(struct tw_buf *b, const struct chart *c)
{
	int i;

	for (i = 0; i < c->ny; i++) {
		if (i)
			tw_buf_adds(b, ", ");
		tw_buf_adds(b, c->ynames[i]);
	}
	if (c->by)
		tw_buf_addf(b, " by %s", c->by);
	else if (c->x)
		tw_buf_addf(b, c->kind == K_LINE ? " over %s" : " by %s", c->x);
}

/* The legend's key for partial windows: dashed (lines) or pale (bars). */
static void
partial_key(struct tw_buf *b, const struct chart *c, double x, double y)
{
	static const char what[] = "partial window: the first, the last or still open";

	if (c->kind == K_LINE)
		tw_buf_addf(b, "<path class=\"partial-key\" d=\"M%.1f %.1f h14\" stroke=\"" MUTED "\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>\n",
		    x - 1, y + 6);
	else
		tw_buf_addf(b, "<rect class=\"partial-key\" x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" rx=\"2\" fill=\"" MUTED "\" fill-opacity=\"0.35\" stroke=\"" MUTED "\" stroke-dasharray=\"3 2\"/>\n",
		    x, y);
	text(b, x + 17, y + 10.5, NULL, "fill=\"#222\"", what, 60);
}

/* Title, notes and legend; returns the y below them. */
static double
header(struct tw_buf *b, const struct chart *c, int legend)
{
	struct tw_buf tb = TW_BUF_INIT;
	double y = 30, x, w;
	uint32_t i;
	int k;

	if (c->title)
		tw_buf_adds(&tb, c->title);
	else
		default_title(&tb, c);
	text(b, c->width / 2.0, y, "middle", "font-size=\"17\" font-weight=\"600\" fill=\"#222\"",
	    tb.p, (size_t)((c->width - 20) / 9.5));
	y += 8;
	for (k = 0; k < c->nnotes; k++) {
		y += 15;
		text(b, c->width / 2.0, y, "middle", "font-size=\"11\" font-style=\"italic\" fill=\"" MUTED "\"",
		    c->notes[k], 200);
	}
	if (legend || c->npartial) {
		y += 10;
		x = 60;
		for (i = 0; legend && i < c->nshown; i++) {
			const char *name = c->ser[c->sorder[i]].name;

			w = 18 + text_w(name, 30, CW) + 18;
			if (x + w > c->width - 20 && x > 60) {
				x = 60;
				y += 18;
			}
			tw_buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" rx=\"2\" fill=\"%s\"/>\n",
			    x, y, palette[i]);
			text(b, x + 17, y + 10.5, NULL, "fill=\"#222\"", name, 30);
			x += w;
		}
		if (c->npartial) {
			w = 18 + text_w("partial window: the first, the last or still open", 60, CW) + 18;
			if (x + w > c->width - 20 && x > 60) {
				x = 60;
				y += 18;
			}
			partial_key(b, c, x, y);
		}
		y += 18;
	}
	tw_buf_free(&tb);
	return y + 8;
}

static void
no_data(struct tw_buf *b, const struct chart *c, double top)
{
	double h = c->height - top - 20;

	tw_buf_addf(b, "<rect x=\"20\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#fafafa\" stroke=\"" GRID "\"/>\n",
	    top, c->width - 40, h);
	text(b, c->width / 2.0, top + h / 2 + 7, "middle", "font-size=\"20\" fill=\"#888\"",
	    "no data", 20);
}

/* Y ticks and grid over [l, r], for a vertical value scale. */
static void
yaxis(struct tw_buf *b, const struct tw_axis *s, double l, double r,
    double t, double bot, const char *title)
{
	struct tw_buf lb = TW_BUF_INIT;
	int i;

	for (i = 0; i < s->n; i++) {
		double v = tw_axis_tick(s, i);
		double y = bot - (v - s->lo) / (s->hi - s->lo) * (bot - t);

		if (v != s->lo)
			line(b, l, y, r, y, GRID);
		tw_buf_reset(&lb);
		tw_axis_label(&lb, s, v);
		text(b, l - 6, y + 4, "end", "fill=\"" MUTED "\"", lb.p, 20);
	}
	tw_buf_addf(b, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">",
	    (t + bot) / 2);
	text_cut(b, title, 40);
	tw_buf_adds(b, "</text>\n");
	tw_buf_free(&lb);
}

static double
ypos(const struct tw_axis *s, double v, double t, double bot)
{
	return bot - (v - s->lo) / (s->hi - s->lo) * (bot - t);
}

static double
xpos(const struct tw_axis *s, double v, double l, double r)
{
	return l + (v - s->lo) / (s->hi - s->lo) * (r - l);
}

static double
max_label_w(const struct tw_axis *s)
{
	struct tw_buf lb = TW_BUF_INIT;
	double w = 0;
	int i;

	for (i = 0; i < s->n; i++) {
		tw_buf_reset(&lb);
		tw_axis_label(&lb, s, tw_axis_tick(s, i));
		if (text_w(lb.p, 20, CW) > w)
			w = text_w(lb.p, 20, CW);
	}
	tw_buf_free(&lb);
	return w;
}

static const char *
value_title(const struct chart *c, int any_topk)
{
	if (any_topk && c->x == NULL)
		return "count";
	return c->ny == 1 ? c->ynames[0] : "value";
}

/* ---- line charts ---- */

static int
by_x(const void *a, const void *b)
{
	const struct point *p = *(const struct point *const *)a, *q = *(const struct point *const *)b;

	return p->x < q->x ? -1 : p->x > q->x;
}

/*
 * Hover targets of a line chart: one transparent band per x (from the
 * middle to the previous x to the middle to the next), whose tip gives x
 * and the value of each series there. Past MAX_HOVER x values there are
 * none: the page would grow by megabytes for marks too thin to point at.
 */
#define MAX_HOVER 2000

static void
line_hover(struct tw_buf *b, const struct chart *c, const struct tw_axis *xs,
    const struct point **pts, size_t n, const uint32_t *rank, double l,
    double r, double t, double bot)
{
	size_t k = 0, e, groups = 0, q;
	double x0, x1, px;
	uint32_t i;

	for (e = 0; e < n; e++)
		if (e == 0 || pts[e]->x != pts[e - 1]->x)
			groups++;
	if (groups == 0 || groups > MAX_HOVER)
		return;
	tw_buf_adds(b, "<g class=\"hits\" fill=\"#000\" fill-opacity=\"0\">\n");
	x0 = l;
	while (k < n) {
		for (e = k; e < n && pts[e]->x == pts[k]->x; e++)
			;
		px = xpos(xs, pts[k]->x, l, r);
		x1 = e < n ? (px + xpos(xs, pts[e]->x, l, r)) / 2 : r;
		if (x1 - x0 < 1)	/* close x values: still a band to point at */
			x1 = x0 + 1;
		tw_buf_addf(b, "<rect class=\"hit\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>",
		    x0, t, x1 - x0, bot - t);
		tw_chart_xml(b, c->x, strlen(c->x));
		tw_buf_adds(b, ": ");
		x_full(b, c, pts[k]->x);
		/* the series in legend order */
		for (i = 1; i <= c->nshown; i++)
			for (q = k; q < e; q++)
				if (rank[pts[q]->series] == i) {
					tw_buf_adds(b, TIP_NL);
					tip_value(b, c->ser[pts[q]->series].name, pts[q]->y,
					    (pts[q]->flags & PT_PARTIAL) != 0);
				}
		tw_buf_adds(b, "</title></rect>\n");
		x0 = x1;
		k = e;
	}
	tw_buf_adds(b, "</g>\n");
}

static void
line_chart(struct tw_buf *b, const struct chart *c, double top)
{
	struct tw_axis xs, ys;
	struct tw_buf lb = TW_BUF_INIT, tb = TW_BUF_INIT;
	const struct point **pts;
	double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL;
	double l, r = c->width - 40, bot = c->height - 50, t = top;
	size_t k, n = 0, *cnt;
	uint32_t i, *rank;
	int target, j;

	pts = tw_xcalloc(c->npt + 1, sizeof *pts);
	rank = tw_xcalloc(c->nser + 1, sizeof *rank);
	cnt = tw_xcalloc(c->nser + 1, sizeof *cnt);
	for (i = 0; i < c->nshown; i++)
		rank[c->sorder[i]] = i + 1;
	for (k = 0; k < c->npt; k++) {
		const struct point *p = &c->pt[k];

		if (!rank[p->series])
			continue;
		pts[n++] = p;
		cnt[p->series]++;
		xmin = fmin(xmin, p->x);
		xmax = fmax(xmax, p->x);
		ymin = fmin(ymin, p->y);
		ymax = fmax(ymax, p->y);
	}
	qsort(pts, n, sizeof *pts, by_x);
	/* Start the value axis at zero unless the data sit far from it. */
	if (ymin > 0 && ymin <= ymax * 0.6)
		ymin = 0;
	if (ymax < 0 && ymax >= ymin * 0.6)
		ymax = 0;
	target = (int)((bot - t) / 55);
	tw_axis_nice(&ys, ymin, ymax, target < 2 ? 2 : target, 1);
	l = 40 + max_label_w(&ys);
	target = (int)((r - l) / 110);
	if (c->time_x)
		tw_axis_time(&xs, xmin, xmax, target < 2 ? 2 : target);
	else
		tw_axis_nice(&xs, xmin, xmax, target < 2 ? 2 : target, 0);

	yaxis(b, &ys, l, r, t, bot, value_title(c, 0));
	for (j = 0; j < xs.n; j++) {
		double v = tw_axis_tick(&xs, j);
		double x = xpos(&xs, v, l, r);

		if (v < xs.lo - 1e-9 || v > xs.hi + 1e-9)
			continue;
		line(b, x, t, x, bot, GRID);
		line(b, x, bot, x, bot + 5, AXIS);
		tw_buf_reset(&lb);
		tw_axis_label(&lb, &xs, v);
		text(b, x, bot + 19, "middle", "fill=\"" MUTED "\"", lb.p, 20);
	}
	line(b, l, bot, r, bot, AXIS);
	line(b, l, t, l, bot, AXIS);
	tw_buf_adds(&tb, c->x);
	if (xs.time) {
		if (xs.fmt == TW_AXIS_HM || xs.fmt == TW_AXIS_HMS) {
			tw_buf_adds(&tb, " (UTC, ");
			lb.len = 0;
			tw_axis_time_text(&lb, TW_AXIS_YMD, xs.lo);
			tw_buf_adds(&tb, lb.p);
			tw_buf_adds(&tb, ")");
		} else {
			tw_buf_adds(&tb, " (UTC)");
		}
	}
	text(b, (l + r) / 2, bot + 40, "middle", "fill=\"#333\"", tb.p, 60);

	/* One path per series, in legend order; markers when points are
	 * few. A segment that ends at a partial window is dashed, and the
	 * partial point is drawn hollow, so a last window still filling up
	 * does not read as a fall. */
	for (i = 0; i < c->nshown; i++) {
		uint32_t s = c->sorder[i];
		const struct point *prev = NULL;
		int pen = 0, dpen = 0;	/* the solid / dashed path ends at prev */

		tw_buf_reset(&lb);
		tw_buf_reset(&tb);
		for (k = 0; k < n; k++) {
			const struct point *p = pts[k];
			double px = xpos(&xs, p->x, l, r), py = ypos(&ys, p->y, t, bot);

			if (p->series != s)
				continue;
			if (prev == NULL) {
				if (!(p->flags & PT_PARTIAL)) {
					tw_buf_addf(&lb, "M%.1f %.1f", px, py);
					pen = 1;
				}
			} else if ((p->flags | prev->flags) & PT_PARTIAL) {
				if (!dpen)
					tw_buf_addf(&tb, "%sM%.1f %.1f", tb.len ? " " : "",
					    xpos(&xs, prev->x, l, r), ypos(&ys, prev->y, t, bot));
				tw_buf_addf(&tb, " L%.1f %.1f", px, py);
				dpen = 1;
				pen = 0;
			} else {
				if (!pen)
					tw_buf_addf(&lb, "%sM%.1f %.1f", lb.len ? " " : "",
					    xpos(&xs, prev->x, l, r), ypos(&ys, prev->y, t, bot));
				tw_buf_addf(&lb, " L%.1f %.1f", px, py);
				pen = 1;
				dpen = 0;
			}
			prev = p;
		}
		if (lb.len)
			tw_buf_addf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"%s\"/>\n",
			    palette[i], lb.p);
		if (tb.len)
			tw_buf_addf(b, "<path class=\"partial\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"5 4\" d=\"%s\"/>\n",
			    palette[i], tb.p);
		if (cnt[s] <= 40) {
			tw_buf_addf(b, "<g fill=\"%s\">\n", palette[i]);
			for (k = 0; k < n; k++)
				if (pts[k]->series == s && !(pts[k]->flags & PT_PARTIAL))
					tw_buf_addf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"/>\n",
					    xpos(&xs, pts[k]->x, l, r),
					    ypos(&ys, pts[k]->y, t, bot),
					    cnt[s] == 1 ? "4" : "2.5");
			tw_buf_adds(b, "</g>\n");
		}
		if (c->npartial) {
			int any = 0;

			for (k = 0; k < n; k++) {
				if (pts[k]->series != s || !(pts[k]->flags & PT_PARTIAL))
					continue;
				if (!any++)
					tw_buf_addf(b, "<g class=\"partial\" fill=\"#fff\" stroke=\"%s\" stroke-width=\"1.5\">\n",
					    palette[i]);
				tw_buf_addf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>\n",
				    xpos(&xs, pts[k]->x, l, r), ypos(&ys, pts[k]->y, t, bot));
			}
			if (any)
				tw_buf_adds(b, "</g>\n");
		}
	}
	line_hover(b, c, &xs, pts, n, rank, l, r, t, bot);
	free(pts);
	free(rank);
	free(cnt);
	tw_buf_free(&lb);
	tw_buf_free(&tb);
}

/* ---- bar charts ---- */

/* values[cat_pos * nshown + rank] and whether present (1, or 2 for a
 * partial window). */
static double *
bar_values(const struct chart *c, char **have, double *vmin, double *vmax,
    int *any_topk)
{
	uint32_t *rank, *cpos, i;
	double *v;
	size_t k, n = (size_t)c->ncshown * c->nshown;

	v = tw_xcalloc(n + 1, sizeof *v);
	*have = tw_xcalloc(n + 1, 1);
	rank = tw_xcalloc(c->nser + 1, sizeof *rank);
	cpos = tw_xcalloc(c->ncat + 1, sizeof *cpos);
	for (i = 0; i < c->nshown; i++)
		rank[c->sorder[i]] = i + 1;
	for (i = 0; i < c->ncshown; i++)
		cpos[c->corder[i]] = i + 1;
	*vmin = 0;
	*vmax = 0;
	*any_topk = 0;
	for (k = 0; k < c->npt; k++) {
		const struct point *p = &c->pt[k];
		size_t at;

		if (!rank[p->series] || !cpos[p->cat])
			continue;
		if (p->topk && p->gen != c->ser[p->series].topgen)
			continue;
		at = (size_t)(cpos[p->cat] - 1) * c->nshown + rank[p->series] - 1;
		v[at] = p->y;
		(*have)[at] = p->flags & PT_PARTIAL ? 2 : 1;
		*vmin = fmin(*vmin, p->y);
		*vmax = fmax(*vmax, p->y);
		if (p->topk)
			*any_topk = 1;
	}
	free(rank);
	free(cpos);
	return v;
}

/*
 * The rest of a bar's <rect>: pale and dashed when partial, and its tip:
 * the category (named by -x), then the series and the value in full.
 */
static void
bar_tip(struct tw_buf *b, const struct chart *c, const char *cat,
    uint32_t rank, double v, int partial)
{
	if (partial)
		tw_buf_addf(b, " fill-opacity=\"0.4\" stroke=\"%s\" stroke-dasharray=\"3 2\"",
		    palette[rank]);
	tw_buf_adds(b, "><title>");
	if (c->x) {
		tw_chart_xml(b, c->x, strlen(c->x));
		tw_buf_adds(b, ": ");
	}
	tw_chart_xml(b, cat, strlen(cat));
	tw_buf_adds(b, TIP_NL);
	tip_value(b, c->ser[c->sorder[rank]].name, v, partial);
	tw_buf_adds(b, "</title></rect>\n");
}

static const char *
cat_title(const struct chart *c)
{
	if (c->x)
		return c->x;
	return c->ny == 1 ? c->ynames[0] : "value";
}

static void
bar_chart(struct tw_buf *b, const struct chart *c, double top)
{
	struct tw_axis ys;
	struct tw_buf lb = TW_BUF_INIT;
	char *have;
	double vmin, vmax, l, r = c->width - 20, bot, t = top + 6, band, bw;
	double maxw = 0, w, zero;
	double *v;
	uint32_t i, s, nc = c->ncshown, ns = c->nshown, every;
	int rotate, target, any_topk, labels, angle;
	const char **names;
	char **shown;

	v = bar_values(c, &have, &vmin, &vmax, &any_topk);
	target = (int)((c->height - 80 - t) / 55);
	tw_axis_nice(&ys, vmin, vmax, target < 2 ? 2 : target, 1);
	l = 40 + max_label_w(&ys);
	band = (r - l) / nc;
	/* Short forms of the labels, told apart (tw_label_short). */
	names = tw_xcalloc(nc ? nc : 1, sizeof *names);
	shown = tw_xcalloc(nc ? nc : 1, sizeof *shown);
	for (i = 0; i < nc; i++)
		names[i] = c->cat[c->corder[i]];
	for (i = 0; i < nc; i++) {
		struct tw_buf sb = TW_BUF_INIT;

		tw_label_short(&sb, names, nc, i, 18);
		shown[i] = tw_buf_detach(&sb);
		w = text_w(shown[i], 18, CW);
		maxw = fmax(maxw, w);
	}
	rotate = maxw > band - 6;
	/* Turned labels: at 40 degrees while they stay apart, upright
	 * (90) when the bars are narrow, and then only every every-th
	 * when even that is too tight. */
	angle = rotate && band * 0.64 < 13 ? 90 : 40;
	every = angle == 90 && band < 13 ? (uint32_t)ceil(13 / band) : 1;
	bot = c->height - 40 - (!rotate ? 20 : angle == 90 ? maxw + 6 :
	    maxw * 0.64 + 6);
	if (bot - t < 100)
		bot = t + 100;
	labels = nc * ns <= 24 && band / ns >= 22;
	if (labels)
		t += 8;
	yaxis(b, &ys, l, r, t, bot, value_title(c, any_topk));
	zero = ypos(&ys, 0, t, bot);
	bw = fmin(band * 0.8 / ns, 60);
	for (i = 0; i < nc; i++) {
		double cx = l + band * (i + 0.5);
		const char *name = c->cat[c->corder[i]];

		for (s = 0; s < ns; s++) {
			size_t at = (size_t)i * ns + s;
			double x = cx - bw * ns / 2 + bw * s, y;

			if (!have[at])
				continue;
			y = ypos(&ys, v[at], t, bot);
			tw_buf_addf(b, "<rect class=\"hit%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"",
			    have[at] == 2 ? " partial" : "", x + (bw > 4 ? 0.5 : 0),
			    fmin(y, zero), bw > 4 ? bw - 1 : bw, fabs(zero - y), palette[s]);
			bar_tip(b, c, name, s, v[at], have[at] == 2);
			tw_buf_reset(&lb);
			tw_chart_short(&lb, v[at]);
			if (labels)
				text(b, x + bw / 2, v[at] >= 0 ? y - 4 : y + 12, "middle",
				    "font-size=\"11\" fill=\"#333\"", lb.p, 12);
		}
		line(b, cx, bot, cx, bot + 4, AXIS);
		if (i % every != 0) {
			;	/* too crowded: the bar's tooltip names it */
		} else if (rotate) {
			tw_buf_addf(b, "<text transform=\"translate(%.1f %.1f) rotate(-%d)\" "
			    "text-anchor=\"end\" fill=\"" MUTED "\">", angle == 90 ?
			    cx + 4 : cx + 4, bot + (angle == 90 ? 8 : 14), angle);
			text_cut(b, shown[i], 18);
			tw_buf_adds(b, "</text>\n");
		} else {
			text(b, cx, bot + 18, "middle", "fill=\"" MUTED "\"", shown[i], 18);
		}
	}
	line(b, l, zero, r, zero, AXIS);
	line(b, l, t, l, bot, AXIS);
	text(b, (l + r) / 2, c->height - 12, "middle", "fill=\"#333\"", cat_title(c), 60);
	for (i = 0; i < nc; i++)
		free(shown[i]);
	free(shown);
	free(names);
	free(v);
	free(have);
	tw_buf_free(&lb);
}

static void
hbar_chart(struct tw_buf *b, const struct chart *c, double top)
{
	struct tw_axis xs;
	struct tw_buf lb = TW_BUF_INIT;
	char *have;
	double vmin, vmax, l, r = c->width - 50, bot = c->height - 50, t = top;
	double maxw = 0, band, bh, zero;
	double *v;
	uint32_t i, s, nc = c->ncshown, ns = c->nshown;
	int target, any_topk, j;

	v = bar_values(c, &have, &vmin, &vmax, &any_topk);
	for (i = 0; i < nc; i++)
		maxw = fmax(maxw, text_w(c->cat[c->corder[i]], 28, CW));
	l = 20 + maxw + 10;
	if (l < 60)
		l = 60;
	band = (bot - t) / nc;
	target = (int)((r - l) / 90);
	tw_axis_nice(&xs, vmin, vmax, target < 2 ? 2 : target, 1);
	/* grid and ticks */
	for (j = 0; j < xs.n; j++) {
		double tv = tw_axis_tick(&xs, j), x = xpos(&xs, tv, l, r);

		if (tv != xs.lo)
			line(b, x, t, x, bot, GRID);
		tw_buf_reset(&lb);
		tw_axis_label(&lb, &xs, tv);
		text(b, x, bot + 18, "middle", "fill=\"" MUTED "\"", lb.p, 20);
	}
	zero = xpos(&xs, 0, l, r);
	bh = band * 0.8 / ns;
	for (i = 0; i < nc; i++) {
		const char *name = c->cat[c->corder[i]];
		double cy = t + band * (i + 0.5);

		for (s = 0; s < ns; s++) {
			size_t at = (size_t)i * ns + s;
			double y = t + band * i + band * 0.1 + bh * s, x;

			if (!have[at])
				continue;
			x = xpos(&xs, v[at], l, r);
			tw_buf_addf(b, "<rect class=\"hit%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"",
			    have[at] == 2 ? " partial" : "", fmin(x, zero),
			    y + (bh > 4 ? 0.5 : 0), fabs(x - zero), bh > 4 ? bh - 1 : bh,
			    palette[s]);
			bar_tip(b, c, name, s, v[at], have[at] == 2);
			tw_buf_reset(&lb);
			tw_chart_short(&lb, v[at]);
			if (bh >= 11)
				text(b, v[at] >= 0 ? x + 4 : x - 4, y + bh / 2 + 4,
				    v[at] >= 0 ? NULL : "end", "font-size=\"11\" fill=\"#333\"",
				    lb.p, 12);
		}
		text(b, l - 8, cy + 4, "end", "fill=\"#333\"", name, 28);
	}
	line(b, zero, t, zero, bot, AXIS);
	line(b, l, bot, r, bot, AXIS);
	text(b, (l + r) / 2, bot + 40, "middle", "fill=\"#333\"", value_title(c, any_topk), 60);
	free(v);
	free(have);
	tw_buf_free(&lb);
}

void
svg_render(struct tw_buf *b, const struct chart *c)
{
	struct chart cc = *c;
	double top;
	int legend = c->nshown > 1 || (c->by != NULL && c->nshown > 0);
	int empty = c->nshown == 0 || (c->kind != K_LINE && c->ncshown == 0);

	/* Horizontal bars: the height follows the number of categories. */
	if (c->kind == K_HBAR && !empty) {
		int need = (int)(c->ncshown * (c->nshown > 1 ? 12.0 * c->nshown + 10 : 28)) +
		    120 + 15 * c->nnotes + (legend ? 28 : 0);

		if (need > cc.height || (!c->size_set && need >= 200))
			cc.height = need;
	}
	tw_buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"" FONT "\" font-size=\"12\" role=\"img\">\n",
	    cc.width, cc.height, cc.width, cc.height);
	tw_buf_adds(b, "<title>");
	if (c->title)
		tw_chart_xml(b, c->title, strlen(c->title));
	else {
		struct tw_buf tb = TW_BUF_INIT;

		default_title(&tb, c);
		tw_chart_xml(b, tb.p, tb.len);
		tw_buf_free(&tb);
	}
	tw_buf_adds(b, "</title>\n");
	tw_buf_addf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", cc.width, cc.height);
	top = header(b, &cc, legend && !empty);
	if (empty)
		no_data(b, &cc, top);
	else if (c->kind == K_LINE)
		line_chart(b, &cc, top);
	else if (c->kind == K_BAR)
		bar_chart(b, &cc, top);
	else
		hbar_chart(b, &cc, top);
	tw_buf_adds(b, "</svg>\n");
}
