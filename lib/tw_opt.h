/*
 * tw_opt: the one parser for numbers, durations and sizes given on the
 * command line. Each returns 0 and stores the value, or -1 and sets
 * *err to a short reason ("not a number", "too large", ...).
 */
#ifndef TW_OPT_H
#define TW_OPT_H

#include <stddef.h>
#include <stdint.h>

/* A decimal integer in [min, max]. */
int tw_parse_int(const char *s, int64_t min, int64_t max, int64_t *out,
    const char **err);

/* A finite decimal number in [min, max]. */
int tw_parse_double(const char *s, double min, double max, double *out,
    const char **err);

/*
 * A duration: a number (fractions allowed) followed by ms, s, m, h, d or
 * w; a bare number means seconds. Result in milliseconds, in [min, max].
 */
int tw_parse_duration(const char *s, int64_t min, int64_t max, int64_t *ms,
    const char **err);

/* A size: a number followed by nothing, k, M, G or T (powers of 1024),
 * with an optional B. Result in bytes, in [min, max]. */
int tw_parse_size(const char *s, int64_t min, int64_t max, int64_t *bytes,
    const char **err);

/*
 * The same parsers for a command's option parsing: the value of option
 * name (as written in messages, "--rate") given as s, in [min, max]. A
 * bad value is a usage error: "PROG: NAME: reason" and exit 2 (tw_die),
 * so only main's option parsing calls them.
 */
int64_t tw_opt_int(const char *name, const char *s, int64_t min, int64_t max);
double tw_opt_double(const char *name, const char *s, double min, double max);
int64_t tw_opt_duration(const char *name, const char *s, int64_t min,
    int64_t max);
int64_t tw_opt_size(const char *name, const char *s, int64_t min,
    int64_t max);

/*
 * The suite's one message for an option getopt_long refused (call it with
 * opterr = 0 and the short options string starting with ':'): ch is what
 * getopt_long returned, '?' (unknown) or ':' (a value missing). Prints
 *   PROG: unknown option '--bogus' (PROG --help lists them)
 *   PROG: option '--window' needs a value
 * or, for a letter the tool once had, moved[] (ended by a 0 letter):
 *   PROG: -s is now --seed (a letter means one thing in every tool: twpipe(7))
 * The caller then prints its usage and exits 2.
 */
struct tw_opt_moved {
	int letter;
	const char *now;
};

void tw_opt_refused(int ch, char **argv, const struct tw_opt_moved *moved);

/* The same message, into msg[0..len) (a tool that reports it itself). */
void tw_opt_refused_msg(int ch, char **argv, const struct tw_opt_moved *moved,
    char *msg, size_t len);

#endif
