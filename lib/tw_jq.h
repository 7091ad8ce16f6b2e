/*
 * tw_jq: user expressions through libjq (jq 1.6).
 *
 * Records go to jq as JSON text, so ids, which twpipe writes as strings,
 * stay exact. Each output of the expression is appended to an output
 * buffer as one compact JSON line.
 */
#ifndef TW_JQ_H
#define TW_JQ_H

#include <stddef.h>

#include "tw_buf.h"

struct tw_jq;

/* Compiles expr; on error returns NULL with the message in err. */
struct tw_jq *tw_jq_new(const char *expr, char *err, size_t errlen);

/*
 * Runs the expression on the JSON text s[0..n) and appends each result
 * as a line to out. Returns the number of results, or -1 with the jq
 * error message in err.
 */
int tw_jq_run(struct tw_jq *q, const char *s, size_t n, struct tw_buf *out,
    char *err, size_t errlen);

void tw_jq_free(struct tw_jq *q);

#endif
