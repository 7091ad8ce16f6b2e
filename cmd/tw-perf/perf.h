/*
 * tw-perf: measure pipelines (meter, run) and report on the measurements.
 *
 *   main.c    dispatch on the first argument, usage text
 *   meter.c   the pass-through meter: raw bytes in, the same bytes out,
 *             counts, rates and event-time latency to a log
 *   run.c     runs a command and samples its process tree from /proc
 *   record.c  the stats and summary records both write (one format)
 *   report.c  reads logs, tw-agg output and storage figures, prints tables
 *   svg.c     the bar charts of report --svg
 */
#ifndef TW_PERF_H
#define TW_PERF_H

#include <stdint.h>

#include "tw_buf.h"
#include "tw_sketch.h"
#include "tw_writer.h"

#define PERF_USAGE \
    "usage: tw-perf [-q] [--label NAME] [--every DUR] [-o FILE] [FILE ...]\n" \
    "       tw-perf run [-mq] [--label NAME] [--every DUR] [-o FILE] -- COMMAND [ARG ...]\n" \
    "       tw-perf report [-q] [--format text|markdown|json] [--storage KIND:PATH]\n" \
    "                      [--svg DIR] [LOG ...]\n"

/* Prints the usage (to stdout with the option list when status is 0,
 * else to stderr) and exits with status. */
void perf_usage(int status) __attribute__((noreturn));

/* -q: no message per bad line. */
extern int perf_quiet;

/* argv[0] as given, to start the meter of run --meter. */
extern const char *perf_argv0;

int meter_main(int argc, char **argv);
int run_main(int argc, char **argv);
int report_main(int argc, char **argv);

/* The log writer: --log FILE opened for appending, else standard error. */
void log_open(struct tw_writer *w, const char *path);

/* Appends ,"key": to b. */
void rec_key(struct tw_buf *b, const char *key);
/* Appends a JSON string made from any bytes (invalid UTF-8 repaired),
 * or null when s is NULL. */
void rec_str(struct tw_buf *b, const char *s);
/* Appends v with at most prec decimals (trailing zeros dropped), or
 * null when v is not finite. */
void rec_num(struct tw_buf *b, double v, int prec);
/* Appends {"p50":..,"p95":..,"p99":..,"max":..} from q, or null when q
 * is empty. */
void rec_latency(struct tw_buf *b, const struct tw_quant *q);
/* Appends seconds since the epoch as ISO 8601 with milliseconds. */
void rec_time(struct tw_buf *b, int64_t ms);
/* Appends the process's user and system CPU and peak RSS fields
 * ("cpu_user_s","cpu_sys_s","peak_rss_kb") from getrusage(who). */
void rec_rusage_self(struct tw_buf *b);

#endif
