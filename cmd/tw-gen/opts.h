/*
 * tw-gen: what its three modes (generate in main.c, replay in replay.c,
 * fetch in fetch.c) share on the command line and the clock (opts.c).
 */
#ifndef TW_GEN_OPTS_H
#define TW_GEN_OPTS_H

#include <stdint.h>

/*
 * Option values, checked by lib/tw_opt's parsers: the value of option
 * name (as written in messages, "--rate") given as s, in [min, max].
 * On a bad value they exit 2 with "tw-gen: NAME: reason".
 */
int64_t opt_int(const char *name, const char *s, int64_t min, int64_t max);
double opt_double(const char *name, const char *s, double min, double max);
/* A duration ("90s", "5m", a bare number of seconds), in milliseconds. */
int64_t opt_duration(const char *name, const char *s, int64_t min,
    int64_t max);

/* Sleeps until the monotonic time ns (CLOCK_MONOTONIC, nanoseconds);
 * returns early when a signal was caught (tw_sig_caught). */
void sleep_until(int64_t ns);

#endif
