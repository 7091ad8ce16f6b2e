/*
 * tw_mark: stream marks, the barriers of a delivery that must lose
 * nothing.
 *
 * A source (tw-gen --marks, or a script) writes a mark line into its
 * stream now and then:
 *
 *	{"twpipe_mark":"SOURCE/T0.N"}
 *
 * SOURCE names the stream, T0 is the start of the run (epoch ms) and N
 * counts the marks of the run, so a mark's text is unique. Filters pass
 * marks on in order (tw-flatten); a sink acknowledges a mark once every
 * record that came before it is durable (tw-load --acks). The source then
 * knows how far its stream has landed, and after a failure resends from
 * the line after its last acknowledged mark: nothing is lost, and what is
 * sent twice is counted once downstream by its key.
 *
 * A mark is recognised by its first bytes alone, so that a filter pays
 * one comparison a record for the feature.
 */
#ifndef TW_MARK_H
#define TW_MARK_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"

#define TW_MARK_PREFIX "{\"twpipe_mark\":"
#define TW_MARK_PREFIX_LEN 15

/* 1 when line[0..n) is a mark (it starts with TW_MARK_PREFIX). */
int tw_mark_is(const char *line, size_t n);

/*
 * A mark generator: source is borrowed and must outlive it; t0 is the
 * run's start in epoch ms (tw_now_ms()).
 */
struct tw_marker {
	const char *source;
	int64_t t0;
	uint64_t n;
	int64_t every_ns;	/* 0: only when asked */
	int64_t last_ns;	/* monotonic time of the last mark */
};

/* Prepares m: a mark every every_ms of the monotonic clock (0: none). */
void tw_marker_init(struct tw_marker *m, const char *source, int64_t every_ms);

/* Appends the next mark line (with its newline) to b. */
void tw_marker_add(struct tw_marker *m, struct tw_buf *b);

/* Appends a mark when one is due at monotonic time now_ns; returns 1
 * when it did. */
int tw_marker_tick(struct tw_marker *m, struct tw_buf *b, int64_t now_ns);

/* A default source name, "HOST:PID", into buf[0..n). */
void tw_mark_default_source(char *buf, size_t n);

#endif
