/*
 * tw_sketch: mergeable summaries for tw-agg, each with a portable JSON
 * form (so partial results from several processes can be merged, and
 * state files survive restarts on any machine).
 *
 *   tw_distinct  exact set of 64-bit value hashes up to TW_DISTINCT_EXACT
 *                values, then a HyperLogLog with 2^14 registers (standard
 *                error 0.81%); merging two exact sets is exact. With
 *                `exact` set it stays a set at any size (16 bytes a value).
 *   tw_quant     a DDSketch-style log-bucket histogram: every quantile is
 *                within TW_QUANT_ALPHA (1%) relative error of a real value
 *                of the input; merging adds bucket counts, so a merge
 *                equals the sketch of the whole input.
 *   tw_topk      Space-Saving heavy hitters: exact while the number of
 *                distinct values fits its capacity, else each count is
 *                overestimated by at most the reported error.
 *
 * Every struct is owned by the caller; *_free releases what it holds.
 * A struct is used by one thread at a time; tw_quant_add's first call
 * also sets a constant in static storage (log gamma).
 * Parsing functions (*_from_json) return 0, or -1 when the JSON is not a
 * well-formed summary of that kind (nothing is left allocated then).
 */
#ifndef TW_SKETCH_H
#define TW_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"
#include "tw_json.h"

/* The values the sketches take are tw_hash64's (lib/tw_util.h). */

#define TW_DISTINCT_EXACT 10000
#define TW_HLL_P 14
#define TW_HLL_M (1u << TW_HLL_P)

struct tw_distinct {
	uint64_t *set;		/* exact mode: open addressing, 0 = empty */
	size_t cap, n;
	uint8_t *hll;		/* approximate mode: TW_HLL_M registers */
	int exact;		/* never turn into a HyperLogLog (set by the caller;
				   kept by tw_distinct_from_json) */
};

void tw_distinct_add(struct tw_distinct *d, uint64_t h);
/* Adds h to an exact set; 1 when it was not in it, 0 when it was. */
int tw_distinct_add_new(struct tw_distinct *d, uint64_t h);
void tw_distinct_merge(struct tw_distinct *d, const struct tw_distinct *o);
/* The count; *approx set to 1 when it is an estimate. */
uint64_t tw_distinct_count(const struct tw_distinct *d, int *approx);
size_t tw_distinct_bytes(const struct tw_distinct *d);
void tw_distinct_free(struct tw_distinct *d);
void tw_distinct_to_json(const struct tw_distinct *d, struct tw_buf *b);
int tw_distinct_from_json(struct tw_distinct *d, const struct tw_json *j,
    const struct tw_jval *v);

#define TW_QUANT_ALPHA 0.01
#define TW_QUANT_MAX_BUCKETS 2048

struct tw_qstore {
	uint64_t *c;		/* counts for indexes off .. off+len-1 */
	int32_t off;
	uint32_t len;
};

struct tw_quant {
	struct tw_qstore pos, neg;
	uint64_t zero, n;
	double min, max;
};

void tw_quant_add(struct tw_quant *q, double x);
void tw_quant_merge(struct tw_quant *q, const struct tw_quant *o);
/* The q-quantile (0..1); NaN when empty. */
double tw_quant_value(const struct tw_quant *q, double quantile);
void tw_quant_free(struct tw_quant *q);
void tw_quant_to_json(const struct tw_quant *q, struct tw_buf *b);
int tw_quant_from_json(struct tw_quant *q, const struct tw_json *j,
    const struct tw_jval *v);

struct tw_topk_item {
	char *val;		/* canonical JSON text of the value */
	size_t len;
	uint64_t count, err;
	uint32_t hpos;		/* its place in the heap */
};

struct tw_topk {
	struct tw_topk_item *it;
	size_t n, cap;		/* cap: Space-Saving capacity */
	int32_t *idx;		/* hash index into it[], -1 empty */
	size_t idx_cap;
	/* A min-heap of it[] by count, so the least counted value (the
	 * one Space-Saving replaces) is found in O(log cap); built when
	 * the capacity is first full, rebuilt after it[] is reordered. */
	uint32_t *heap;
	int heap_ok;
	int evicted;		/* counts may be overestimates */
};

/* Prepares t for the top k values (capacity 100k, within 1000..10000). */
void tw_topk_init(struct tw_topk *t, unsigned k);
/* Counts one occurrence of the value whose JSON text is s[0..n). */
void tw_topk_add(struct tw_topk *t, const char *s, size_t n, uint64_t count);
void tw_topk_merge(struct tw_topk *t, const struct tw_topk *o);
/* Appends [{"value":V,"count":N},...] for the k largest, count desc. */
void tw_topk_result(struct tw_topk *t, unsigned k, struct tw_buf *b);
void tw_topk_free(struct tw_topk *t);
void tw_topk_to_json(const struct tw_topk *t, struct tw_buf *b);
int tw_topk_from_json(struct tw_topk *t, const struct tw_json *j,
    const struct tw_jval *v, unsigned k);

#endif
