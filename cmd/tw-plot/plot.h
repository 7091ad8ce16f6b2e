/*
 * tw-plot internals: chart options, the data read for one chart, the
 * SVG renderer (svg.c) and the dashboard (dash.c).
 *
 * Data flow: chart_parse (arguments) -> chart_load (NDJSON records ->
 * series of points, the last value kept for each x and series) ->
 * chart_finish (order, limits, notes) -> svg_render (bytes into a tw_buf).
 * A struct chart owns every string and array it holds; chart_free
 * releases them.
 */
#ifndef TW_PLOT_H
#define TW_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"

enum chart_kind { K_LINE, K_BAR, K_HBAR };
enum x_type { X_AUTO, X_TIME, X_NUMBER };

#define MAX_SERIES 10		/* distinct colours */
#define MAX_Y 16		/* -y fields */
#define MAX_POINTS 1000000	/* (series, x) points a chart holds */
#define MAX_NAMES 1000000	/* series and categories */

struct point {
	uint32_t series;
	uint32_t cat;		/* bar charts: category id */
	double x, y;		/* line charts: x; all: y */
	uint64_t gen;		/* record number (top-k lists) */
	int topk;		/* came from a top-k array */
};

struct series {
	char *name;
	double total;		/* sum of |y|, for choosing what to keep */
	uint64_t topgen;	/* record of its latest top-k list */
	int shown;
};

struct chart {
	/* Options. */
	enum chart_kind kind;
	enum x_type xtype;
	const char *x, *by, *title, *out;
	char *ynames[MAX_Y];
	int ny;
	int sort, limit, width, height, size_set, quiet;
	char **files;
	int nfiles;
	char *yarg;		/* owned copy of the -y list */

	/* Data. */
	struct point *pt;
	size_t npt, cappt;
	struct series *ser;
	uint32_t nser, capser;
	char **cat;		/* category labels, in order of first appearance */
	double *cattotal;
	uint32_t ncat, capcat;
	struct pairmap *pm;	/* (series, x) -> point */
	struct strmap *sm, *cm;	/* series and category names -> ids */
	int time_x;		/* x axis is UTC time */
	int any_plain_num;	/* a numeric x that is not an epoch-ms time */
	uint64_t records, bad, ioerr;
	uint64_t dropped;	/* records past MAX_POINTS */
	uint64_t bad_line;	/* the last bad line, counted once */
	const char *bad_name;
	char errs[512];		/* input errors, for a dashboard placeholder */

	/* After chart_finish: shown series ids in order, categories in order. */
	uint32_t *sorder, nshown;
	uint32_t *corder, ncshown;
	char notes[3][200];
	int nnotes;
};

/*
 * Parses chart arguments (argv[0] is the chart type). Returns 0, or -1
 * with err set. opt_out allows -o. Strings are borrowed from argv.
 */
int chart_parse(struct chart *c, int argc, char **argv, int opt_out,
    char *err, size_t errlen);

/* Reads the chart's files (relative to dir when dir is not NULL). */
void chart_load(struct chart *c, const char *dir);

/* Chooses what is drawn: orders and limits series and categories. */
void chart_finish(struct chart *c);

void chart_free(struct chart *c);

/* Appends the chart as one <svg> element (no ids, so several charts can
 * share a page). */
void svg_render(struct tw_buf *b, const struct chart *c);

/* Appends s[0..n) escaped for XML text and attributes. */
void xml_esc(struct tw_buf *b, const char *s, size_t n);

/*
 * Writes data to path: to a temporary file in the same directory that
 * is then renamed over path (a regular file or a new one), or directly
 * for a device. Returns 0, or -1 with err set.
 */
int write_out(const char *path, const char *data, size_t len, char *err,
    size_t errlen);

/* The dashboard: tw-plot dashboard SPEC -o FILE. Returns the exit status. */
int dash_main(int argc, char **argv);

#endif
