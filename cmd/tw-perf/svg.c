/*
 * The charts of tw-perf report --svg: plain SVG bar charts, written
 * without any external tool, one file each:
 *   throughput.svg   tweets per second of each run
 *   memory.svg       peak resident memory (MiB) of each run
 *   comparison.svg   batch and streaming side by side for each metric,
 *                    each pair scaled to its larger value; the legend
 *                    gives each run's measured mode, and data age and
 *                    latency are apart (a batch run has no latency bar)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "perf.h"
#include "report.h"
#include "tw_chart.h"
#include "tw_label.h"
#include "tw_util.h"

#define W 720
#define H 380
#define TOP 50
#define BOTTOM 118
#define LEFT 56

struct chart;
static void label(struct tw_buf *b, const struct chart *c, int g, size_t max);

struct chart {
	const char *title;
	int ngroup, nseries;
	const char *group[64];
	const char *series[2];
	double v[64][2];
	int per_group;		/* scale each group to its own maximum */
};

static const char *colour[2] = { "#4e79a7", "#f28e2b" };

/* Group label g, at most max characters (tw_label_short), for XML. */
static void
label(struct tw_buf *b, const struct chart *c, int g, size_t max)
{
	struct tw_buf t = TW_BUF_INIT;

	tw_label_short(&t, c->group, (size_t)c->ngroup, (size_t)g, max);
	tw_chart_xml(b, t.p, t.len);
	tw_buf_free(&t);
}

static int
chart_write(const struct chart *c, const char *dir, const char *name)
{
	struct tw_buf b = TW_BUF_INIT;
	char path[4096], err[4200];
	double max = 0, gw, bw, x, h, scale;
	int g, s, rot, rc;

	for (g = 0; g < c->ngroup; g++)
		for (s = 0; s < c->nseries; s++)
			if (isfinite(c->v[g][s]) && c->v[g][s] > max)
				max = c->v[g][s];
	tw_buf_addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
	    "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
	    "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">",
	    W, H, W, H, W, H, W / 2);
	tw_chart_xml(&b, c->title, strlen(c->title));
	tw_buf_adds(&b, "</text>\n");
	if (!c->per_group && max > 0) {
		/* A y axis: grid lines at 1-2-5 steps, labelled; the bars are
		 * scaled to its top. */
		struct tw_axis ax;
		int i;

		tw_axis_nice(&ax, 0, max, 5, 1);
		max = ax.hi;
		for (i = 0; i < ax.n; i++) {
			double y = tw_axis_tick(&ax, i);
			double py = H - BOTTOM - (H - TOP - BOTTOM) * y / max;

			tw_buf_addf(&b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
			    "stroke=\"#e6e6e6\"/>\n<text x=\"%d\" y=\"%.1f\" "
			    "text-anchor=\"end\" fill=\"#666\">", LEFT, py, W - LEFT, py,
			    LEFT - 4, py + 4);
			tw_axis_label(&b, &ax, y);
			tw_buf_adds(&b, "</text>\n");
		}
	}
	tw_buf_addf(&b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
	    LEFT, H - BOTTOM, W - LEFT, H - BOTTOM);
	gw = c->ngroup ? (double)(W - 2 * LEFT) / c->ngroup : 0;
	bw = gw * 0.7 / c->nseries;
	/* Labels too wide for their group (about 7 px a character) are
	 * turned, and long ones cut. */
	for (g = 0, rot = 0; g < c->ngroup; g++)
		if (strlen(c->group[g]) * 7.0 > gw)
			rot = 1;
	for (g = 0; g < c->ngroup; g++) {
		double gmax = 0;

		for (s = 0; s < c->nseries; s++)
			if (isfinite(c->v[g][s]) && c->v[g][s] > gmax)
				gmax = c->v[g][s];
		scale = c->per_group ? gmax : max;
		for (s = 0; s < c->nseries; s++) {
			double v = c->v[g][s];

			x = LEFT + g * gw + gw * 0.15 + s * bw;
			/* A negative value (a clock ahead of the data) is
			 * labelled, not drawn below the axis. */
			h = isfinite(v) && v > 0 && scale > 0 ?
			    (H - TOP - BOTTOM) * v / scale : 0;
			tw_buf_addf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" fill=\"%s\"/>\n", x, H - BOTTOM - h,
			    bw, h, colour[s]);
			tw_buf_addf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
			    x + bw / 2, H - BOTTOM - h - 4);
			tw_chart_short(&b, v);
			tw_buf_adds(&b, "</text>\n");
		}
		if (rot)
			tw_buf_addf(&b, "<text transform=\"translate(%.1f %d) rotate(-55)\" "
			    "text-anchor=\"end\">", LEFT + g * gw + gw / 2, H - BOTTOM + 14);
		else
			tw_buf_addf(&b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
			    LEFT + g * gw + gw / 2, H - BOTTOM + 18);
		tw_buf_adds(&b, "<title>");
		tw_chart_xml(&b, c->group[g], strlen(c->group[g]));
		tw_buf_adds(&b, "</title>");
		label(&b, c, g, 18);
		tw_buf_adds(&b, "</text>\n");
	}
	for (s = 0; s < c->nseries && c->nseries > 1; s++) {
		tw_buf_addf(&b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
		    LEFT + s * 300, H - 30, colour[s]);
		tw_buf_addf(&b, "<text x=\"%d\" y=\"%d\">", LEFT + s * 300 + 18, H - 20);
		tw_chart_xml(&b, c->series[s], strlen(c->series[s]));
		tw_buf_adds(&b, "</text>\n");
	}
	tw_buf_adds(&b, "</svg>\n");

	snprintf(path, sizeof path, "%s/%s", dir, name);
	rc = tw_write_file(path, b.p, b.len, err, sizeof err);
	if (rc < 0)
		tw_warn("%s", err);
	tw_buf_free(&b);
	return rc;
}

static const char *
name_of(const struct run *r)
{
	return r->label ? r->label : r->mode ? r->mode : "-";
}

/* "label (mode)" for the legend of comparison.svg. */
static const char *
legend(char *buf, size_t n, const struct run *r)
{
	if (r->mode == NULL)
		return name_of(r);
	snprintf(buf, n, "%s (%s)", name_of(r), r->mode);
	return buf;
}

int
svg_write(const struct report *R, const char *dir)
{
	static struct chart tp, mem, cmp;
	static char lx[300], ly[300];
	size_t i;
	int rc = 0;

	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		tw_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	tp.title = "Throughput (tweets/s)";
	mem.title = "Peak memory (MiB)";
	tp.nseries = mem.nseries = 1;
	for (i = 0; i < R->nruns && tp.ngroup < 64; i++) {
		const struct run *r = &R->runs[i];

		if (r->hidden)
			continue;
		tp.group[tp.ngroup] = mem.group[mem.ngroup] = name_of(r);
		tp.v[tp.ngroup++][0] = r->rps;
		mem.v[mem.ngroup++][0] = r->peak_rss_kb / 1024;
	}
	if (tp.ngroup == 64 && R->nruns > 64) {
		tp.title = "Throughput (tweets/s), the first 64 runs";
		mem.title = "Peak memory (MiB), the first 64 runs";
	}
	if (tp.ngroup > 0) {
		rc |= chart_write(&tp, dir, "throughput.svg");
		rc |= chart_write(&mem, dir, "memory.svg");
	}
	if (R->batch != NULL && R->streaming != NULL) {
		const struct run *x = R->batch, *y = R->streaming;

		cmp.title = "Batch vs streaming (each pair scaled to its larger value)";
		cmp.nseries = 2;
		cmp.series[0] = legend(lx, sizeof lx, x);
		cmp.series[1] = legend(ly, sizeof ly, y);
		cmp.per_group = 1;
		cmp.ngroup = 6;
		cmp.group[0] = "tweets/s";
		cmp.v[0][0] = x->rps, cmp.v[0][1] = y->rps;
		cmp.group[1] = "seconds";
		cmp.v[1][0] = x->seconds, cmp.v[1][1] = y->seconds;
		cmp.group[2] = "peak MiB";
		cmp.v[2][0] = x->peak_rss_kb / 1024, cmp.v[2][1] = y->peak_rss_kb / 1024;
		cmp.group[3] = "CPU s";
		cmp.v[3][0] = x->cpu_user + x->cpu_sys;
		cmp.v[3][1] = y->cpu_user + y->cpu_sys;
		cmp.group[4] = "data age p99 s";
		cmp.v[4][0] = x->age[2] / 1000, cmp.v[4][1] = y->age[2] / 1000;
		cmp.group[5] = "latency p99 ms";
		cmp.v[5][0] = x->lat[2], cmp.v[5][1] = y->lat[2];
		rc |= chart_write(&cmp, dir, "comparison.svg");
	}
	return rc ? -1 : 0;
}
