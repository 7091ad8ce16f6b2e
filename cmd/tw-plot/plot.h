/*
 * tw-plot internals: chart options, the data read for one chart
 * (chart.c), the SVG renderer (svg.c) and the dashboard (dash.c).
 *
 * Data flow: chart_parse (arguments) -> chart_load (NDJSON records ->
 * series of points, the last value kept for each x and series) ->
 * chart_finish (order, limits, notes, partial windows) -> svg_render
 * (bytes into a tw_buf). A struct chart owns every string and array it
 * holds; chart_free releases them. main.c and dash.c call chart.c and
 * svg.c, never each other.
 */
#ifndef TW_PLOT_H
#define TW_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"
#include "tw_rejects.h"

enum chart_kind { K_LINE, K_BAR, K_HBAR };
enum x_type { X_AUTO, X_TIME, X_NUMBER };
enum partial_mode { PART_AUTO, PART_OPEN, PART_NONE };
enum chart_fail { FAIL_NONE, FAIL_IO, FAIL_WRONG, FAIL_FIELD, FAIL_UNUSABLE };

/* Point flags. */
#define PT_OPEN 1	/* its record said "final":false */
#define PT_WIN 2	/* its record had window_start and window_end */
#define PT_PARTIAL 4	/* chart_finish: drawn as a partial window */

#define MAX_SERIES 10		/* distinct colours */
#define MAX_Y 16		/* -y fields */
#define MAX_POINTS 1000000	/* (series, x) points a chart holds */
#define MAX_NAMES 1000000	/* series and categories */
#define MAX_MSGS 10		/* per-line messages; the rest are counted */

struct point {
	uint32_t series;
	uint32_t cat;		/* bar charts: category id */
	double x, y;		/* line charts: x; all: y */
	double ws;		/* its window's start, when flags has PT_WIN */
	uint64_t gen;		/* record number (top-k lists) */
	unsigned char topk;	/* came from a top-k array */
	unsigned char flags;	/* PT_* */
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
	int strict;		/* -s: the first bad line ends the run */
	const char *rejects;	/* -r FILE: bad lines kept there */
	struct tw_rejects rej;
	int have_rej;
	enum partial_mode partial;
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
	uint64_t usable;	/* records that gave a point or a null value */
	uint64_t dropped;	/* records past MAX_POINTS */
	uint64_t bad_line;	/* the last bad line, counted once */
	const char *bad_name;
	uint64_t msgs;		/* per-line messages printed */
	int seen_x, seen_by, seen_y[MAX_Y];	/* in some record */
	char first_keys[240];	/* the fields of the first record */
	double wmin, wsmax;	/* the earliest and the latest window start */
	double wdur;		/* the first window's length */
	int wirregular;		/* windows of more than one length */
	uint64_t lines;		/* documents and bad lines read */
	int wrong;		/* the input is not records (CSV, API payloads) */
	const char *cur_file;	/* internal: the file being read */
	uint64_t cur_usable;	/* internal: its usable records */
	enum chart_fail failed;	/* chart_finish: errs says why */
	char errs[512];		/* why the chart failed, for a placeholder */

	/* After chart_finish: shown series ids in order, categories in order. */
	uint32_t *sorder, nshown;
	uint32_t *corder, ncshown;
	char notes[3][200];
	int nnotes;
	uint64_t npartial;	/* shown points drawn as partial */
};

/*
 * Parses chart arguments (argv[0] is the chart type). Returns 0, 1 for
 * -h, 2 for --version, or -1 with err set. opt_out allows -o. Strings
 * are borrowed from argv.
 */
int chart_parse(struct chart *c, int argc, char **argv, int opt_out,
    char *err, size_t errlen);

/*
 * Reads the chart's files (relative to dir when dir is not NULL). Bad
 * lines are reported (the first MAX_MSGS) and counted. Input that is
 * not records (CSV, API payloads) is recognised on its first line: one
 * message, reading stops, and the chart fails.
 */
void chart_load(struct chart *c, const char *dir);

/*
 * Chooses what is drawn: orders and limits series and categories, and
 * marks partial windows. Sets failed, with errs saying why, when an
 * input could not be read, was not records, had lines but none usable,
 * or when a field of -x, -y or --by is in no record; a failed chart is
 * not written.
 */
void chart_finish(struct chart *c);

void chart_free(struct chart *c);

/* Appends the chart as one <svg> element (no ids, so several charts can
 * share a page). */
void svg_render(struct tw_buf *b, const struct chart *c);

/* The dashboard: tw-plot dashboard SPEC -o FILE. Returns the exit status. */
int dash_main(int argc, char **argv);

#endif
