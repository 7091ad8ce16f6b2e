/*
 * tw_opt: the one parser for numbers, durations and sizes given on the
 * command line. Each returns 0 and stores the value, or -1 and sets
 * *err to a short reason ("not a number", "too large", ...).
 */
#ifndef TW_OPT_H
#define TW_OPT_H

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

#endif
