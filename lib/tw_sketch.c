#include "tw_sketch.h"
#include "tw_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- distinct ---- */

static void
hll_add(uint8_t *r, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> (64 - TW_HLL_P));
	uint64_t w = (h << TW_HLL_P) | ((uint64_t)1 << (TW_HLL_P - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);

	if (rank > r[idx])
		r[idx] = rank;
}

static void
set_insert(struct tw_distinct *d, uint64_t h)
{
	size_t i;

	if (h == 0)
		h = 1;	/* 0 marks an empty slot */
	for (i = h & (d->cap - 1); d->set[i]; i = (i + 1) & (d->cap - 1))
		if (d->set[i] == h)
			return;
	d->set[i] = h;
	d->n++;
}

static void
to_hll(struct tw_distinct *d)
{
	size_t i;

	d->hll = tw_xcalloc(TW_HLL_M, 1);
	for (i = 0; i < d->cap; i++)
		if (d->set[i])
			hll_add(d->hll, d->set[i]);
	free(d->set);
	d->set = NULL;
	d->cap = d->n = 0;
}

void
tw_distinct_add(struct tw_distinct *d, uint64_t h)
{
	if (d->hll) {
		hll_add(d->hll, h);
		return;
	}
	if (d->set == NULL || d->n * 2 >= d->cap) {
		struct tw_distinct g = { NULL, d->cap ? d->cap * 2 : 8, 0, NULL, d->exact };
		size_t i;

		if (d->n >= TW_DISTINCT_EXACT && !d->exact) {
			to_hll(d);
			hll_add(d->hll, h);
			return;
		}
		g.set = tw_xcalloc(g.cap, sizeof *g.set);
		for (i = 0; i < d->cap; i++)
			if (d->set[i])
				set_insert(&g, d->set[i]);
		free(d->set);
		*d = g;
	}
	set_insert(d, h);
	if (d->n > TW_DISTINCT_EXACT && !d->exact)
		to_hll(d);
}

int
tw_distinct_add_new(struct tw_distinct *d, uint64_t h)
{
	size_t n = d->n;

	if (d->hll) {
		hll_add(d->hll, h);
		return 1;	/* an estimate cannot tell */
	}
	tw_distinct_add(d, h);
	return d->hll != NULL || d->n != n;
}

void
tw_distinct_merge(struct tw_distinct *d, const struct tw_distinct *o)
{
	size_t i;

	if (o->hll) {
		if (!d->hll) {
			if (d->set)
				to_hll(d);
			else
				d->hll = tw_xcalloc(TW_HLL_M, 1);
		}
		for (i = 0; i < TW_HLL_M; i++)
			if (o->hll[i] > d->hll[i])
				d->hll[i] = o->hll[i];
		return;
	}
	for (i = 0; i < o->cap; i++)
		if (o->set[i])
			tw_distinct_add(d, o->set[i]);
}

/* Ertl's sigma and tau (see tw_distinct_count). */
static double
hll_sigma(double x)
{
	double y = 1, z = x, zp;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

static double
hll_tau(double x)
{
	double y = 1, z = 1 - x, zp;

	if (x == 0 || x == 1)
		return 0;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zp);
	return z / 3;
}

/*
 * The estimate of O. Ertl, "New cardinality estimation algorithms for
 * HyperLogLog sketches" (2017), from the histogram of register values:
 * unbiased over the whole range, so no switch from linear counting to
 * the raw estimate (the classic estimator is biased by up to 4% around
 * 2.5 m, 40,000 values here).
 */
uint64_t
tw_distinct_count(const struct tw_distinct *d, int *approx)
{
	enum { Q = 64 - TW_HLL_P };
	double m = TW_HLL_M, z;
	unsigned c[Q + 2] = { 0 }, i;
	int k;

	*approx = d->hll != NULL;
	if (!d->hll)
		return d->n;
	for (i = 0; i < TW_HLL_M; i++)
		c[d->hll[i] > Q + 1 ? Q + 1 : d->hll[i]]++;
	if (c[0] == TW_HLL_M)
		return 0;
	z = m * hll_tau(1 - c[Q + 1] / m);
	for (k = Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	return (uint64_t)llround(m * m / (2 * log(2)) / z);
}

size_t
tw_distinct_bytes(const struct tw_distinct *d)
{
	return d->hll ? TW_HLL_M : d->cap * sizeof *d->set;
}

void
tw_distinct_free(struct tw_distinct *d)
{
	free(d->set);
	free(d->hll);
	memset(d, 0, sizeof *d);
}

static const char hexd[] = "0123456789abcdef";

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
tw_distinct_to_json(const struct tw_distinct *d, struct tw_buf *b)
{
	size_t i, k = 0;

	if (d->hll) {
		tw_buf_add(b, "{\"hll\":\"", 8);
		tw_buf_grow(b, TW_HLL_M * 2 + 4);
		for (i = 0; i < TW_HLL_M; i++) {
			b->p[b->len++] = hexd[d->hll[i] >> 4];
			b->p[b->len++] = hexd[d->hll[i] & 15];
		}
		tw_buf_add(b, "\"}", 2);
		return;
	}
	/* Sorted, so the same set always serialises to the same text. */
	uint64_t *v = tw_xmalloc((d->n + 1) * sizeof *v);

	for (i = 0; i < d->cap; i++)
		if (d->set[i])
			v[k++] = d->set[i];
	if (k > 1)
		qsort(v, k, sizeof *v, u64_cmp);
	tw_buf_add(b, "{\"set\":[", 8);
	for (i = 0; i < k; i++) {
		char t[19];
		int s;

		if (i)
			tw_buf_addc(b, ',');
		t[0] = '"';
		for (s = 0; s < 16; s++)
			t[1 + s] = hexd[(v[i] >> (60 - 4 * s)) & 15];
		t[17] = '"';
		tw_buf_add(b, t, 18);
	}
	free(v);
	tw_buf_add(b, "]}", 2);
}

static int
hexnib(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
tw_distinct_from_json(struct tw_distinct *d, const struct tw_json *j,
    const struct tw_jval *v)
{
	const struct tw_jval *h, *s, *e;
	uint32_t i;
	int k, exact = d->exact;

	memset(d, 0, sizeof *d);
	d->exact = exact;
	if ((h = TW_JGET(j, v, "hll")) != NULL) {
		if (exact)
			return -1;	/* an exact count cannot come from a sketch */
		if (h->type != TW_JSTR || h->flags || h->len != TW_HLL_M * 2)
			return -1;
		d->hll = tw_xmalloc(TW_HLL_M);
		for (i = 0; i < TW_HLL_M; i++) {
			int a = hexnib(h->p[2 * i]), c = hexnib(h->p[2 * i + 1]);

			if (a < 0 || c < 0 || a * 16 + c > 64 - TW_HLL_P + 1) {
				tw_distinct_free(d);
				return -1;
			}
			d->hll[i] = (uint8_t)(a * 16 + c);
		}
		return 0;
	}
	s = TW_JGET(j, v, "set");
	if (s == NULL || s->type != TW_JARR)
		return -1;
	for (i = 0, e = s + 1; i < s->len; i++, e = tw_json_after(j, e)) {
		uint64_t x = 0;

		if (e->type != TW_JSTR || e->flags || e->len != 16) {
			tw_distinct_free(d);
			return -1;
		}
		for (k = 0; k < 16; k++) {
			int nib = hexnib(e->p[k]);

			if (nib < 0) {
				tw_distinct_free(d);
				return -1;
			}
			x = x << 4 | (uint64_t)nib;
		}
		tw_distinct_add(d, x);
	}
	return 0;
}

/* ---- quantiles ---- */

static double
q_gamma(void)
{
	return (1 + TW_QUANT_ALPHA) / (1 - TW_QUANT_ALPHA);
}

static int32_t
q_index(double x)
{
	static double lg;

	if (lg == 0)
		lg = log(q_gamma());
	return (int32_t)ceil(log(x) / lg);
}

static double
q_value(int32_t i)
{
	double g = q_gamma();

	return 2 * pow(g, i) / (g + 1);
}

static void
qs_add(struct tw_qstore *s, int32_t i, uint64_t c)
{
	if (s->len == 0) {
		s->c = tw_xcalloc(16, sizeof *s->c);
		s->off = i - 8;
		s->len = 16;
	}
	if (i < s->off || i >= s->off + (int32_t)s->len) {
		int32_t lo = i < s->off ? i : s->off;
		int32_t hi = i >= s->off + (int32_t)s->len ? i : s->off + (int32_t)s->len - 1;
		uint32_t nl;
		uint64_t *nc;

		if (hi - lo + 1 > TW_QUANT_MAX_BUCKETS) {
			/* Too wide: fold the lowest buckets into the lowest kept. */
			lo = hi - TW_QUANT_MAX_BUCKETS + 1;
		}
		nl = (uint32_t)(hi - lo + 1);
		if (i < lo)
			i = lo;
		nc = tw_xcalloc(nl, sizeof *nc);
		for (uint32_t k = 0; k < s->len; k++) {
			int32_t at = s->off + (int32_t)k;

			nc[(at < lo ? lo : at) - lo] += s->c[k];
		}
		free(s->c);
		s->c = nc;
		s->off = lo;
		s->len = nl;
	}
	s->c[i - s->off] += c;
}

void
tw_quant_add(struct tw_quant *q, double x)
{
	if (isnan(x))
		return;
	if (q->n == 0 || x < q->min)
		q->min = x;
	if (q->n == 0 || x > q->max)
		q->max = x;
	q->n++;
	if (x > 1e-9)
		qs_add(&q->pos, q_index(x), 1);
	else if (x < -1e-9)
		qs_add(&q->neg, q_index(-x), 1);
	else
		q->zero++;
}

void
tw_quant_merge(struct tw_quant *q, const struct tw_quant *o)
{
	uint32_t k;

	if (o->n == 0)
		return;
	if (q->n == 0 || o->min < q->min)
		q->min = o->min;
	if (q->n == 0 || o->max > q->max)
		q->max = o->max;
	q->n += o->n;
	q->zero += o->zero;
	for (k = 0; k < o->pos.len; k++)
		if (o->pos.c[k])
			qs_add(&q->pos, o->pos.off + (int32_t)k, o->pos.c[k]);
	for (k = 0; k < o->neg.len; k++)
		if (o->neg.c[k])
			qs_add(&q->neg, o->neg.off + (int32_t)k, o->neg.c[k]);
}

double
tw_quant_value(const struct tw_quant *q, double quantile)
{
	double rank, v = NAN;
	uint64_t seen = 0;
	int32_t k;

	if (q->n == 0)
		return NAN;
	if (quantile <= 0)
		return q->min;
	if (quantile >= 1)
		return q->max;
	rank = quantile * (double)(q->n - 1);
	for (k = (int32_t)q->neg.len - 1; k >= 0; k--) {
		seen += q->neg.c[k];
		if ((double)seen > rank) {
			v = -q_value(q->neg.off + k);
			goto out;
		}
	}
	seen += q->zero;
	if ((double)seen > rank) {
		v = 0;
		goto out;
	}
	for (k = 0; k < (int32_t)q->pos.len; k++) {
		seen += q->pos.c[k];
		if ((double)seen > rank) {
			v = q_value(q->pos.off + k);
			goto out;
		}
	}
	v = q->max;
out:
	if (v < q->min)
		v = q->min;
	if (v > q->max)
		v = q->max;
	return v;
}

void
tw_quant_free(struct tw_quant *q)
{
	free(q->pos.c);
	free(q->neg.c);
	memset(q, 0, sizeof *q);
}

static void
qs_json(const struct tw_qstore *s, struct tw_buf *b)
{
	uint32_t k;

	tw_buf_addc(b, '[');
	tw_buf_add_i64(b, s->off);
	for (k = 0; k < s->len; k++) {
		tw_buf_addc(b, ',');
		tw_buf_add_u64(b, s->c[k]);
	}
	tw_buf_addc(b, ']');
}

void
tw_quant_to_json(const struct tw_quant *q, struct tw_buf *b)
{
	tw_buf_add(b, "{\"n\":", 5);
	tw_buf_add_u64(b, q->n);
	tw_buf_add(b, ",\"zero\":", 8);
	tw_buf_add_u64(b, q->zero);
	tw_buf_add(b, ",\"min\":", 7);
	tw_buf_add_double(b, q->n ? q->min : 0);
	tw_buf_add(b, ",\"max\":", 7);
	tw_buf_add_double(b, q->n ? q->max : 0);
	tw_buf_add(b, ",\"pos\":", 7);
	qs_json(&q->pos, b);
	tw_buf_add(b, ",\"neg\":", 7);
	qs_json(&q->neg, b);
	tw_buf_addc(b, '}');
}

static int
qs_from(struct tw_qstore *s, const struct tw_json *j, const struct tw_jval *a,
    uint64_t *total)
{
	const struct tw_jval *e;
	int64_t off, c;
	uint32_t k;

	if (a == NULL || a->type != TW_JARR || a->len < 1 ||
	    a->len > TW_QUANT_MAX_BUCKETS + 1)
		return -1;
	e = a + 1;
	if (tw_json_i64(e, &off) != 0 || off < -100000 || off > 100000)
		return -1;
	if (a->len == 1)
		return 0;
	s->len = a->len - 1;
	s->off = (int32_t)off;
	s->c = tw_xcalloc(s->len, sizeof *s->c);
	for (k = 0, e = tw_json_after(j, e); k < s->len; k++, e = tw_json_after(j, e)) {
		if (tw_json_i64(e, &c) != 0 || c < 0)
			return -1;
		s->c[k] = (uint64_t)c;
		*total += (uint64_t)c;
	}
	return 0;
}

int
tw_quant_from_json(struct tw_quant *q, const struct tw_json *j,
    const struct tw_jval *v)
{
	int64_t n, z;
	uint64_t total = 0;

	memset(q, 0, sizeof *q);
	if (tw_json_i64(TW_JGET(j, v, "n"), &n) != 0 || n < 0 ||
	    tw_json_i64(TW_JGET(j, v, "zero"), &z) != 0 || z < 0 ||
	    tw_json_double(TW_JGET(j, v, "min"), &q->min) != 0 ||
	    tw_json_double(TW_JGET(j, v, "max"), &q->max) != 0 ||
	    qs_from(&q->pos, j, TW_JGET(j, v, "pos"), &total) != 0 ||
	    qs_from(&q->neg, j, TW_JGET(j, v, "neg"), &total) != 0 ||
	    total + (uint64_t)z != (uint64_t)n) {
		tw_quant_free(q);
		return -1;
	}
	q->n = (uint64_t)n;
	q->zero = (uint64_t)z;
	return 0;
}

/* ---- top-k (Space-Saving) ---- */

void
tw_topk_init(struct tw_topk *t, unsigned k)
{
	size_t cap = (size_t)k * 100;

	memset(t, 0, sizeof *t);
	if (cap < 1000)
		cap = 1000;
	if (cap > 10000)
		cap = 10000;
	t->cap = cap;
}

static size_t
tk_slot(const struct tw_topk *t, const char *s, size_t n)
{
	return tw_hash64(s, n) & (t->idx_cap - 1);
}

static void
tk_reindex(struct tw_topk *t)
{
	size_t i, h;

	if (t->idx_cap == 0) {
		t->idx_cap = 16;
		while (t->idx_cap < t->cap * 2)
			t->idx_cap *= 2;
		t->idx = tw_xmalloc(t->idx_cap * sizeof *t->idx);
	}
	for (i = 0; i < t->idx_cap; i++)
		t->idx[i] = -1;
	for (i = 0; i < t->n; i++) {
		for (h = tk_slot(t, t->it[i].val, t->it[i].len); t->idx[h] >= 0;
		    h = (h + 1) & (t->idx_cap - 1))
			;
		t->idx[h] = (int32_t)i;
	}
}

static long
tk_find(const struct tw_topk *t, const char *s, size_t n, size_t *slot)
{
	size_t h;

	for (h = tk_slot(t, s, n); t->idx[h] >= 0; h = (h + 1) & (t->idx_cap - 1)) {
		const struct tw_topk_item *it = &t->it[t->idx[h]];

		if (it->len == n && memcmp(it->val, s, n) == 0) {
			*slot = h;
			return t->idx[h];
		}
	}
	*slot = h;
	return -1;
}

/* Removes index entry at slot h (linear probing, backward shift). */
static void
tk_unindex(struct tw_topk *t, size_t h)
{
	size_t i = h, j = h, k;

	t->idx[i] = -1;
	for (;;) {
		j = (j + 1) & (t->idx_cap - 1);
		if (t->idx[j] < 0)
			return;
		k = tk_slot(t, t->it[t->idx[j]].val, t->it[t->idx[j]].len);
		/* Move j back to i when k is not cyclically in (i, j]. */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->idx[i] = t->idx[j];
		t->idx[j] = -1;
		i = j;
	}
}

static void
hp_set(struct tw_topk *t, uint32_t pos, uint32_t item)
{
	t->heap[pos] = item;
	t->it[item].hpos = pos;
}

/* Moves the item at pos down while a child has a smaller count. */
static void
hp_down(struct tw_topk *t, uint32_t pos)
{
	uint32_t n = (uint32_t)t->n, item = t->heap[pos], c;

	for (;;) {
		c = 2 * pos + 1;
		if (c >= n)
			break;
		if (c + 1 < n && t->it[t->heap[c + 1]].count < t->it[t->heap[c]].count)
			c++;
		if (t->it[t->heap[c]].count >= t->it[item].count)
			break;
		hp_set(t, pos, t->heap[c]);
		pos = c;
	}
	hp_set(t, pos, item);
}

static void
hp_build(struct tw_topk *t)
{
	uint32_t i;

	if (t->heap == NULL)
		t->heap = tw_xmalloc(t->cap * sizeof *t->heap);
	for (i = 0; i < t->n; i++)
		hp_set(t, i, i);
	for (i = (uint32_t)t->n / 2; i-- > 0;)
		hp_down(t, i);
	t->heap_ok = 1;
}

static void
tk_add(struct tw_topk *t, const char *s, size_t n, uint64_t count, uint64_t err)
{
	size_t slot, mi;
	long at;

	if (t->idx == NULL) {
		t->it = tw_xcalloc(t->cap, sizeof *t->it);
		tk_reindex(t);
	}
	at = tk_find(t, s, n, &slot);
	if (at >= 0) {
		t->it[at].count += count;
		t->it[at].err += err;
		if (t->heap_ok)
			hp_down(t, t->it[at].hpos);	/* counts only grow */
		return;
	}
	if (t->n < t->cap) {
		t->it[t->n].val = tw_xstrndup(s, n);
		t->it[t->n].len = n;
		t->it[t->n].count = count;
		t->it[t->n].err = err;
		t->idx[slot] = (int32_t)t->n++;
		return;
	}
	/* Replace the least counted value; its count bounds our error. */
	if (!t->heap_ok)
		hp_build(t);
	mi = t->heap[0];
	tk_find(t, t->it[mi].val, t->it[mi].len, &slot);
	tk_unindex(t, slot);
	free(t->it[mi].val);
	t->it[mi].err = t->it[mi].count + err;
	t->it[mi].count += count;
	t->it[mi].val = tw_xstrndup(s, n);
	t->it[mi].len = n;
	tk_find(t, s, n, &slot);
	t->idx[slot] = (int32_t)mi;
	t->evicted = 1;
	hp_down(t, 0);
}

void
tw_topk_add(struct tw_topk *t, const char *s, size_t n, uint64_t count)
{
	tk_add(t, s, n, count, 0);
}

void
tw_topk_merge(struct tw_topk *t, const struct tw_topk *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		tk_add(t, o->it[i].val, o->it[i].len, o->it[i].count, o->it[i].err);
	if (o->evicted)
		t->evicted = 1;
}

static int
tk_cmp(const void *a, const void *b)
{
	const struct tw_topk_item *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = memcmp(x->val, y->val, n);
	return c ? c : (x->len < y->len ? -1 : x->len > y->len);
}

void
tw_topk_result(struct tw_topk *t, unsigned k, struct tw_buf *b)
{
	size_t i;

	if (t->n > 1)
		qsort(t->it, t->n, sizeof *t->it, tk_cmp);
	if (t->idx)
		tk_reindex(t);
	t->heap_ok = 0;		/* it[] was reordered */
	tw_buf_addc(b, '[');
	for (i = 0; i < t->n && i < k; i++) {
		if (i)
			tw_buf_addc(b, ',');
		tw_buf_add(b, "{\"value\":", 9);
		tw_buf_add(b, t->it[i].val, t->it[i].len);
		tw_buf_add(b, ",\"count\":", 9);
		tw_buf_add_u64(b, t->it[i].count);
		tw_buf_addc(b, '}');
	}
	tw_buf_addc(b, ']');
}

void
tw_topk_free(struct tw_topk *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->it[i].val);
	free(t->it);
	free(t->idx);
	free(t->heap);
	t->it = NULL;
	t->idx = NULL;
	t->heap = NULL;
	t->heap_ok = 0;
	t->n = t->idx_cap = 0;
}

void
tw_topk_to_json(const struct tw_topk *t, struct tw_buf *b)
{
	size_t i;

	tw_buf_add(b, "{\"evicted\":", 11);
	tw_buf_adds(b, t->evicted ? "true" : "false");
	tw_buf_add(b, ",\"items\":[", 10);
	for (i = 0; i < t->n; i++) {
		if (i)
			tw_buf_addc(b, ',');
		tw_buf_addc(b, '[');
		tw_buf_add(b, t->it[i].val, t->it[i].len);
		tw_buf_addc(b, ',');
		tw_buf_add_u64(b, t->it[i].count);
		tw_buf_addc(b, ',');
		tw_buf_add_u64(b, t->it[i].err);
		tw_buf_addc(b, ']');
	}
	tw_buf_add(b, "]}", 2);
}

int
tw_topk_from_json(struct tw_topk *t, const struct tw_json *j,
    const struct tw_jval *v, unsigned k)
{
	const struct tw_jval *items, *ev, *e, *val, *cnt, *err;
	struct tw_buf tmp = TW_BUF_INIT;
	int64_t c, r;
	uint32_t i;

	tw_topk_init(t, k);
	items = TW_JGET(j, v, "items");
	ev = TW_JGET(j, v, "evicted");
	if (items == NULL || items->type != TW_JARR || ev == NULL ||
	    (ev->type != TW_JTRUE && ev->type != TW_JFALSE))
		return -1;
	for (i = 0, e = items + 1; i < items->len; i++, e = tw_json_after(j, e)) {
		if (e->type != TW_JARR || e->len != 3)
			goto bad;
		val = e + 1;
		cnt = tw_json_after(j, val);
		err = tw_json_after(j, cnt);
		if (tw_json_i64(cnt, &c) != 0 || c < 0 ||
		    tw_json_i64(err, &r) != 0 || r < 0)
			goto bad;
		tw_buf_reset(&tmp);
		tw_json_emit(&tmp, j, val);
		tk_add(t, tmp.p, tmp.len, (uint64_t)c, (uint64_t)r);
	}
	t->evicted = ev->type == TW_JTRUE || t->evicted;
	tw_buf_free(&tmp);
	return 0;
bad:
	tw_buf_free(&tmp);
	tw_topk_free(t);
	return -1;
}
