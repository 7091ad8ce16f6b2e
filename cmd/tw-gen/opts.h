/*
 * tw-gen: the paced sleep its modes (generate in main.c, replay in
 * replay.c, fetch in fetch.c) share (opts.c). Their option values are
 * read by lib/tw_opt's tw_opt_int, tw_opt_double and tw_opt_duration.
 */
#ifndef TW_GEN_OPTS_H
#define TW_GEN_OPTS_H

#include <stdint.h>

/* Sleeps until the monotonic time ns (CLOCK_MONOTONIC, nanoseconds);
 * returns early when a signal was caught (tw_sig_caught). */
void sleep_until(int64_t ns);

#endif
