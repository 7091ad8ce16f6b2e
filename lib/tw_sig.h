/*
 * tw_sig: the signal policy shared by every tool.
 *
 * SIGINT and SIGTERM set tw_sig_caught (no SA_RESTART, so a blocked
 * read returns and the tool can finish in order: flush output, save
 * state, report). SIGPIPE is ignored; a write that fails with EPIPE is
 * turned back into a quiet death by SIGPIPE (tw_sig_pipe_exit).
 */
#ifndef TW_SIG_H
#define TW_SIG_H

#include <signal.h>

extern volatile sig_atomic_t tw_sig_caught;

/* Installs the handlers. */
void tw_sig_init(void);

/* Ends the process by the signal that was caught, after cleanup, so the
 * parent sees the usual status (130 for SIGINT, 143 for SIGTERM). */
void tw_sig_reraise(void) __attribute__((noreturn));

/* Ends the process quietly as a closed pipe would (status 141). */
void tw_sig_pipe_exit(void) __attribute__((noreturn));

#endif
