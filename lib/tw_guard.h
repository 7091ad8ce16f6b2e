/*
 * tw_guard: the usual wrong inputs, recognised at once.
 *
 * A tool fed the wrong thing (CSV where NDJSON records are read, raw API
 * payloads where flat records are expected) would otherwise report every
 * line as bad, or quietly count nothing. The guard looks at the first
 * document and says what the input looks like and what to run instead; and
 * it counts bad lines until the first good record, so that a tool stops
 * after a run of them at the start (the budget, --max-bad) rather than
 * report 20,000 of them, and ends with status 1 when no line was usable.
 */
#ifndef TW_GUARD_H
#define TW_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "tw_json.h"

enum tw_guard_expect {
	TW_GUARD_FLAT,		/* flat records (tw-agg, tw-load, tw-plot) */
	TW_GUARD_PAYLOAD	/* API payloads or flat records (tw-flatten) */
};

#define TW_GUARD_BUDGET 100 	/* bad lines at the start, by default */

struct tw_guard {
	enum tw_guard_expect expect;
	uint64_t budget;	/* 0: no limit */
	uint64_t good, bad_start;
	int looked;		/* the first document has been looked at */
};

/* Prepares g for a tool that expects what expect says. */
void tw_guard_init(struct tw_guard *g, enum tw_guard_expect expect);

/*
 * The first document (or undecodable line) of the input: returns a hint
 * ("this looks like CSV: ...") when it is one of the usual wrong inputs,
 * else NULL. line[0..n) is the raw text; j is its parse, or NULL when it
 * is not JSON. Later calls return NULL (only the first line is judged).
 */
const char *tw_guard_first(struct tw_guard *g, const char *line, size_t n,
    const struct tw_json *j);

/*
 * The hint when the document j is not a flat record but an API payload,
 * a kcat -J envelope or an array (a tool that could take it as a record
 * treats it as a bad line), else NULL. A record with a record_type
 * member costs one lookup.
 */
const char *tw_guard_not_flat(const struct tw_guard *g, const struct tw_json *j);

/* Exits with status 1 and the suite's message for a budget run out. */
void tw_guard_stop(const struct tw_guard *g) __attribute__((noreturn));

/*
 * tw_guard_first for the line tw_input just read (j: its parse, or NULL
 * when the line was bad), and the hint, if any, on standard error as
 * "PROG: file:line: hint".
 */
struct tw_input;
void tw_guard_look(struct tw_guard *g, const struct tw_input *in,
    const struct tw_json *j);

/* Counts a good record. */
void tw_guard_good(struct tw_guard *g);

/* Counts a bad line; returns 1 when the budget of bad lines at the start
 * has run out (no good record yet). */
int tw_guard_bad(struct tw_guard *g);

/* 1 when the input had bad lines and not one good record. */
int tw_guard_none_usable(const struct tw_guard *g);

#endif
