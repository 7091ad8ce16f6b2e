/*
 * tw-plot: SVG charts and an HTML dashboard from NDJSON records.
 *
 * Data flow: tw_reader -> tw_input (documents) -> points keyed by
 * (series, x), the last value kept (tw-agg update records) -> the chart
 * chooses what to show (chart.c) -> svg.c writes the SVG -> stdout or a
 * file written atomically, and only when the chart could be drawn.
 * dash.c builds a page of several charts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"
#include "tw_sig.h"
#include "tw_util.h"
#include "tw_writer.h"

static const char usage_text[] =
    "usage: tw-plot line|bar|hbar [-x FIELD] -y FIELD[,FIELD...] [-g FIELD]\n"
    "               [--title TEXT] [--x-type auto|time|number] [--sort]\n"
    "               [--limit N] [--partial auto|open|none] [--size WxH]\n"
    "               [-r FILE] [-s] [-q] [-o FILE.svg] [FILE ...]\n"
    "       tw-plot dashboard SPEC -o DIR/index.html\n";

static void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	if (status == 0)
		fputs("\n"
		    "  line                  a line chart over time or a number (one line per series)\n"
		    "  bar, hbar             vertical or horizontal bars, one per category\n"
		    "  -x, --x FIELD         x: a time (ISO 8601 or epoch ms), a number, a category\n"
		    "  -y, --y LIST          the values; a top-k array ([{value,count},...])\n"
		    "                        is expanded into bars\n"
		    "  -g, --by FIELD        one series per distinct value of FIELD (--group too)\n"
		    "      --title TEXT      the chart title\n"
		    "      --x-type TYPE     auto (default), time or number\n"
		    "      --sort            bars: largest first (default: input order)\n"
		    "  -n, --limit N         bars: at most N categories (default 40)\n"
		    "      --partial WHICH   windows drawn as partial: auto (open ones, the first\n"
		    "                        and the last; default), open, or none\n"
		    "      --size WxH        the size in pixels (default 800x400)\n"
		    "  -o, --output FILE     write to FILE (atomically) instead of stdout\n"
		    "  -r, --rejects FILE    append bad input lines to FILE verbatim,\n"
		    "                        and file:line<TAB>reason to FILE.reasons\n"
		    "  -s, --strict          stop at the first bad line (status 1, no chart)\n"
		    "  -q, --quiet           no per-line messages\n"
		    "  -h, --help            this help\n"
		    "      --version         the version\n"
		    "\n"
		    "  dashboard SPEC -o FILE  one HTML page from a spec of charts (see tw-plot(1))\n",
		    stdout);
	exit(status);
}

int
main(int argc, char **argv)
{
	struct chart c;
	struct tw_buf out = TW_BUF_INIT;
	struct tw_writer w;
	char err[600];
	int status = 0, rc;

	tw_setprog(argv[0]);
	argv[0] = (char *)tw_prog;	/* getopt names the program by argv[0] */
	tw_sig_init();
	if (argc < 2)
		usage(2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(0);
	if (strcmp(argv[1], "--version") == 0) {
		printf("tw-plot %s\n", TW_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "dashboard") == 0)
		return dash_main(argc - 1, argv + 1);
	rc = chart_parse(&c, argc - 1, argv + 1, 1, err, sizeof err);
	if (rc == 1)
		usage(0);
	if (rc == 2) {
		printf("tw-plot %s\n", TW_VERSION);
		return 0;
	}
	if (rc < 0) {
		tw_warn("%s", err);
		usage(2);
	}
	chart_load(&c, NULL);
	chart_finish(&c);
	if (c.bad && !c.quiet)
		tw_warn("%llu bad line%s skipped", (unsigned long long)c.bad,
		    c.bad == 1 ? "" : "s");
	if (c.dropped)
		tw_warn("%llu records past the limit of %d points left out",
		    (unsigned long long)c.dropped, MAX_POINTS);
	if (c.failed) {
		/* Nothing is written: a good chart from an earlier run is
		 * kept rather than replaced by an empty one. */
		const char *why = c.failed == FAIL_IO ? "an input could not be read" :
		    c.failed == FAIL_WRONG ? "the input is not flat NDJSON records" : c.errs;

		if (c.out != NULL)
			tw_warn("%s: not written: %s", c.out, why);
		else
			tw_warn("no chart written: %s", why);
		chart_free(&c);
		return 1;
	}
	svg_render(&out, &c);
	if (c.out != NULL) {
		if (tw_write_file(c.out, out.p, out.len, err, sizeof err) < 0) {
			tw_warn("%s", err);
			status = 1;
		}
	} else {
		tw_writer_init(&w, STDOUT_FILENO, "<stdout>");
		tw_buf_add(&w.out, out.p, out.len);
		if (tw_writer_close(&w) < 0)
			tw_writer_fail(&w);
	}
	tw_buf_free(&out);
	chart_free(&c);
	return status;
}
