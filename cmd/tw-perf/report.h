/*
 * What tw-perf report reads (report.c) and prints (print.c, svg.c).
 * Numbers a record did not carry are NaN. The report owns every string
 * except file names, which are borrowed from argv.
 */
#ifndef TW_PERF_REPORT_H
#define TW_PERF_REPORT_H

#include <stddef.h>
#include <stdint.h>

enum { FMT_TEXT, FMT_MARKDOWN, FMT_JSON };

struct stats {			/* the stats records of one label */
	char *label;
	uint64_t n;
	double records, bytes, elapsed;	/* of the last one */
	double peak_rps;
	const char *file;
	uint64_t line;
};

/*
 * One summary record (a row). Data age and latency are kept apart: age
 * is now minus the records' event time, latency the same from the time
 * they entered the pipeline, for records that arrived live only. A log
 * written before the two were told apart has one "latency_ms", which was
 * always an age: it is read as the age, and the latency is unknown.
 */
struct run {
	char *label, *mode, *ended, *command, *start, *end;
	double records, live, bytes, seconds, rps, bps;
	double cpu_user, cpu_sys, peak_rss_kb, max_single_kb, exit_status;
	double age[4];		/* p50, p95, p99, max */
	double lat[4];
	struct stats *stats;
	const char *file;
	uint64_t line;
	int hidden;		/* merged into the run summary around it */
	int merged;		/* a run summary that took a meter's figures */
	int from_stats;		/* no summary: built from stats records */
	int old;		/* written before age and latency were apart */
};

struct data {			/* figures from tw-agg results */
	uint64_t results;
	double tweets, eng_sum, eng_w, eng_max, users, langs;
	int have_tweets, have_max;
	uint64_t user_windows;
	char **lang;
	size_t nlang;
	char **win;
	size_t nwin;
	char *first, *last;
};

struct store {			/* storage use of one table or directory */
	char *source, *name;
	double bytes, files;	/* files: NaN for tables */
};

struct report {
	int format;
	struct run *runs;
	size_t nruns, capruns;
	struct stats *stats;
	size_t nstats;
	struct data data;
	struct store *store;
	size_t nstore;
	struct run *batch, *streaming;	/* the compared pair, or NULL */
	uint64_t bad, ioerr;
};

/* Prints the tables in r->format to standard output (exits 1 on a
 * write error). */
void report_print(const struct report *r);

/* Writes throughput.svg, memory.svg and (with a pair) comparison.svg
 * into dir; -1 after a message when a file cannot be written. */
int svg_write(const struct report *r, const char *dir);

#endif
