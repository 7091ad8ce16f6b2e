/*
 * tw_agg: the aggregates of tw-agg, their state, and its JSON form.
 *
 * A list such as "count,avg:engagement,top:hashtags:10,p95:like_count"
 * parses into specs; each (window, group) cell holds one tw_agg_state per
 * spec. States update from record values, merge with each other (the
 * basis of --partial/--merge and of session windows), print their result
 * fields, and serialise to JSON and back for partials and state files.
 *
 * Values: numeric aggregates take JSON numbers (null or a missing field is
 * skipped, as SQL does; anything else is an error for the whole record).
 * distinct and top count each element of an array value. first and last
 * keep the value with the earliest or latest event time.
 *
 * Threads: tw_agg_update and tw_agg_first_time decode string values into
 * a static scratch buffer each, so the module is used from one thread at
 * a time (tw-agg has one).
 */
#ifndef TW_AGG_H
#define TW_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"
#include "tw_json.h"
#include "tw_sketch.h"

enum tw_agg_kind {
	TW_A_COUNT, TW_A_SUM, TW_A_AVG, TW_A_MIN, TW_A_MAX, TW_A_FIRST,
	TW_A_LAST, TW_A_DISTINCT, TW_A_TOP, TW_A_QUANT
};

/* Aggregates in one list at most. */
#define TW_AGG_MAX 64

struct tw_agg_spec {
	enum tw_agg_kind kind;
	char *field;		/* NULL for count */
	char *name;		/* output field: "count", "avg_engagement", ... */
	unsigned k;		/* top: how many */
	double q;		/* quantile: 0..1 */
	int exact;		/* distinct:F:exact: a set at any size */
	int hidden;		/* kept, merged and saved, but not a result */
};

struct tw_agg_state {
	union {
		uint64_t count;
		struct {
			int64_t isum;	/* exact while every value is an integer */
			double dsum;
			uint64_t n;
			int isfloat;
		} sum;
		struct tw_agg_mm {
			int64_t iv;	/* exact while every value is an integer */
			double v;
			int have, isfloat;
		} mm;
		struct {
			char *val;	/* canonical JSON text */
			size_t len;
			int64_t ts;
		} fl;
		struct tw_distinct d;
		struct tw_topk t;
		struct tw_quant q;
	} u;
};

/*
 * Parses a comma-separated aggregate list. Returns the number of specs
 * (>= 1) with *out allocated, or -1 with err set.
 */
int tw_agg_parse(const char *list, struct tw_agg_spec **out, char *err,
    size_t errlen);

void tw_agg_specs_free(struct tw_agg_spec *s, int n);

/* Prepares and releases a state for spec s. */
void tw_agg_init(const struct tw_agg_spec *s, struct tw_agg_state *st);
void tw_agg_release(const struct tw_agg_spec *s, struct tw_agg_state *st);

/*
 * Checks value v (NULL when the field is missing) for spec s; returns 0,
 * or -1 with err set ("field \"x\" is not a number"). Call before
 * tw_agg_update so a bad record changes nothing.
 */
int tw_agg_check(const struct tw_agg_spec *s, const struct tw_jval *v,
    char *err, size_t errlen);

/*
 * A distinct spec used to count each value once (tw-agg -u): adds v's
 * value to the set and returns 1 when it was not in it, else 0. Not
 * thread safe (a static scratch buffer).
 */
int tw_agg_first_time(const struct tw_agg_spec *s, struct tw_agg_state *st,
    const struct tw_json *j, const struct tw_jval *v);

/* Adds a checked value with event time ts. Not thread safe (a static
 * scratch buffer). */
void tw_agg_update(const struct tw_agg_spec *s, struct tw_agg_state *st,
    const struct tw_json *j, const struct tw_jval *v, int64_t ts);

/* Merges o into st (o is left as it was). */
void tw_agg_merge(const struct tw_agg_spec *s, struct tw_agg_state *st,
    const struct tw_agg_state *o);

/* Appends the result fields, each as ,"name":value. */
void tw_agg_result(const struct tw_agg_spec *s, struct tw_agg_state *st,
    struct tw_buf *b);

/* Appends the state as JSON, and reads it back (0, or -1 if malformed). */
void tw_agg_to_json(const struct tw_agg_spec *s, const struct tw_agg_state *st,
    struct tw_buf *b);
int tw_agg_from_json(const struct tw_agg_spec *s, struct tw_agg_state *st,
    const struct tw_json *j, const struct tw_jval *v);

/* Rough bytes held by a state (for the memory limit). */
size_t tw_agg_bytes(const struct tw_agg_spec *s, const struct tw_agg_state *st);

#endif
