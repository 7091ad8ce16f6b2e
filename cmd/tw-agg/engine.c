/*
 * The window engine: cells keyed by (window, group), closing in window
 * order, results written in a deterministic order (window end, start,
 * group key) so that a live run and a batch run print the same lines.
 */
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "tw_sketch.h"
#include "tw_time.h"
#include "tw_util.h"

int64_t
floordiv64(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

void
engine_init(struct engine *e)
{
	memset(e, 0, sizeof *e);
	e->max_event = NO_TIME;
	e->watermark = NO_TIME;
	e->sess_min_end = INT64_MAX;
	e->close_on_watermark = 1;
	e->max_cells = 1000000;
}

static uint64_t
cell_hash(int64_t start, const char *key, size_t n)
{
	return tw_hash64(key, n) ^ ((uint64_t)start * 0x9E3779B97F4A7C15ULL);
}

static struct cell *
cell_new(struct engine *e, int64_t start, int64_t end, const char *key,
    size_t n, uint64_t h)
{
	struct cell *c;
	int i;

	if (e->ncells >= e->max_cells)
		return NULL;
	c = tw_xmalloc(sizeof *c + (size_t)e->na * sizeof(struct tw_agg_state));
	c->next = NULL;
	c->hash = h;
	c->start = start;
	c->end = end;
	c->key = tw_xstrndup(key, n);
	c->keylen = (uint32_t)n;
	c->dirty = 1;
	for (i = 0; i < e->na; i++)
		tw_agg_init(&e->a[i], &c->st[i]);
	e->ncells++;
	return c;
}

static void
cell_free(struct engine *e, struct cell *c)
{
	int i;

	for (i = 0; i < e->na; i++)
		tw_agg_release(&e->a[i], &c->st[i]);
	free(c->key);
	free(c);
	e->ncells--;
}

static void
cmap_grow(struct cmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i;
	struct cell **b = tw_xcalloc(cap, sizeof *b), *c, *nx;

	for (i = 0; i < m->cap; i++)
		for (c = m->b[i]; c; c = nx) {
			nx = c->next;
			c->next = b[c->hash & (cap - 1)];
			b[c->hash & (cap - 1)] = c;
		}
	free(m->b);
	m->b = b;
	m->cap = cap;
}

static void
cmap_put(struct cmap *m, struct cell *c)
{
	if (m->n * 2 >= m->cap)
		cmap_grow(m);
	c->next = m->b[c->hash & (m->cap - 1)];
	m->b[c->hash & (m->cap - 1)] = c;
	m->n++;
}

/* Finds the bucket for [start, end), creating it in order. */
static struct win *
win_get(struct engine *e, int64_t start, int64_t end)
{
	size_t lo = 0, hi = e->nwins, mid;
	struct win *w;

	/* Most records fall in the newest window: try it first. */
	if (e->nwins > 0) {
		w = &e->wins[e->nwins - 1];
		if (w->start == start && w->end == end)
			return w;
	}
	while (lo < hi) {
		mid = (lo + hi) / 2;
		w = &e->wins[mid];
		if (w->end < end || (w->end == end && w->start < start))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < e->nwins && e->wins[lo].start == start && e->wins[lo].end == end)
		return &e->wins[lo];
	if (e->nwins == e->capwins) {
		e->capwins = e->capwins ? e->capwins * 2 : 16;
		e->wins = tw_xrealloc(e->wins, e->capwins * sizeof *e->wins);
	}
	memmove(&e->wins[lo + 1], &e->wins[lo], (e->nwins - lo) * sizeof *e->wins);
	e->nwins++;
	w = &e->wins[lo];
	memset(w, 0, sizeof *w);
	w->start = start;
	w->end = end;
	return w;
}

struct cell *
engine_cell(struct engine *e, int64_t start, int64_t end, const char *key,
    size_t n)
{
	struct win *w = win_get(e, start, end);
	uint64_t h;
	struct cell *c;

	if (key == NULL)
		key = "";	/* no group fields: the empty key */
	h = cell_hash(start, key, n);
	if (w->m.cap) {
		for (c = w->m.b[h & (w->m.cap - 1)]; c; c = c->next)
			if (c->hash == h && c->keylen == n && memcmp(c->key, key, n) == 0)
				return c;
	}
	c = cell_new(e, start, end, key, n, h);
	if (c != NULL)
		cmap_put(&w->m, c);
	return c;
}

static void
cmap_remove(struct cmap *m, struct cell *c)
{
	struct cell **pp = &m->b[c->hash & (m->cap - 1)];

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	m->n--;
}

struct cell *
engine_session(struct engine *e, int64_t start, int64_t end, const char *key,
    size_t n)
{
	uint64_t h;
	struct cell *c, *nx, *keep = NULL;
	int i;

	if (key == NULL)
		key = "";
	h = cell_hash(0, key, n);
	if (e->sess.cap) {
		for (c = e->sess.b[h & (e->sess.cap - 1)]; c; c = nx) {
			nx = c->next;
			if (c->hash != h || c->keylen != n || memcmp(c->key, key, n) != 0)
				continue;
			if (c->start >= end || start >= c->end)
				continue;	/* no overlap */
			if (keep == NULL) {
				keep = c;
				continue;
			}
			/* The new interval bridges two sessions: merge them. */
			for (i = 0; i < e->na; i++)
				tw_agg_merge(&e->a[i], &keep->st[i], &c->st[i]);
			if (c->start < keep->start)
				keep->start = c->start;
			if (c->end > keep->end)
				keep->end = c->end;
			cmap_remove(&e->sess, c);
			cell_free(e, c);
		}
	}
	if (keep == NULL) {
		keep = cell_new(e, start, end, key, n, h);
		if (keep == NULL)
			return NULL;
		cmap_put(&e->sess, keep);
	}
	if (start < keep->start)
		keep->start = start;
	if (end > keep->end)
		keep->end = end;
	keep->dirty = 1;
	if (keep->end < e->sess_min_end)
		e->sess_min_end = keep->end;
	return keep;
}

/* The earliest hop-aligned start whose window still holds t. */
static int64_t
hop_first_start(const struct engine *e, int64_t t)
{
	int64_t s = floordiv64(t, e->hop) * e->hop;

	while (s - e->hop > t - e->size)
		s -= e->hop;
	return s;
}

int
engine_window(const struct engine *e, int64_t t, int i, int64_t *start,
    int64_t *end)
{
	switch (e->mode) {
	case M_TUMBLE:
		if (i > 0)
			return 0;
		*start = floordiv64(t, e->size) * e->size;
		*end = *start + e->size;
		return 1;
	case M_HOP:
		/* The windows holding t start at hop_first_start + k * hop. */
		*start = hop_first_start(e, t) + (int64_t)i * e->hop;
		if (*start > t)
			return 0;
		*end = *start + e->size;
		return 1;
	case M_SESSION:
		if (i > 0)
			return 0;
		*start = t;
		*end = t + e->gap;
		return 1;
	case M_GLOBAL:
		break;
	}
	if (i > 0)
		return 0;
	*start = NO_TIME;
	*end = INT64_MAX;
	return 1;
}

int64_t
engine_first_end(const struct engine *e, int64_t t)
{
	int64_t s, en;

	if (e->mode == M_GLOBAL || !engine_window(e, t, 0, &s, &en))
		return INT64_MAX;
	return en;
}

static void
put_time(struct tw_buf *b, int64_t t)
{
	if (t == NO_TIME || t == INT64_MAX) {
		tw_buf_add(b, "null", 4);
		return;
	}
	tw_buf_addc(b, '"');
	tw_buf_add_iso(b, t);
	tw_buf_addc(b, '"');
}

void
engine_write_cell(struct engine *e, struct tw_buf *b, struct cell *c,
    int final, int partial)
{
	const char *k = c->key, *end = c->key + c->keylen, *sep;
	int i;

	tw_buf_add(b, "{\"window_start\":", 16);
	put_time(b, c->start);
	tw_buf_add(b, ",\"window_end\":", 14);
	put_time(b, c->end);
	for (i = 0; i < e->ng; i++) {
		sep = memchr(k, '\x1e', (size_t)(end - k));
		if (sep == NULL)
			sep = end;
		tw_buf_add(b, ",\"", 2);
		tw_buf_adds(b, e->gfields[i]);
		tw_buf_add(b, "\":", 2);
		tw_buf_add(b, k, (size_t)(sep - k));
		k = sep + 1;
	}
	if (partial) {
		tw_buf_add(b, ",\"_aggs\":", 9);
		tw_buf_add_jstr(b, e->aggs_text, strlen(e->aggs_text));
		tw_buf_adds(b, ",\"_groups\":");
		tw_buf_add_jstr(b, e->groups_text, strlen(e->groups_text));
		tw_buf_adds(b, ",\"_window\":");
		tw_buf_add_jstr(b, e->window_text, strlen(e->window_text));
		tw_buf_add(b, ",\"_state\":[", 11);
		for (i = 0; i < e->na; i++) {
			if (i)
				tw_buf_addc(b, ',');
			tw_agg_to_json(&e->a[i], &c->st[i], b);
		}
		tw_buf_add(b, "]}\n", 3);
		return;
	}
	for (i = 0; i < e->na; i++)
		tw_agg_result(&e->a[i], &c->st[i], b);
	tw_buf_adds(b, final ? ",\"final\":true}\n" : ",\"final\":false}\n");
}

/* The global window lists its groups in key order, not data-span order. */
static int key_only;

static int
cell_cmp(const void *x, const void *y)
{
	const struct cell *a = *(struct cell *const *)x, *b = *(struct cell *const *)y;
	size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
	int r;

	if (key_only)
		goto bykey;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
bykey:
	r = memcmp(a->key, b->key, n);
	return r ? r : (a->keylen < b->keylen ? -1 : a->keylen > b->keylen);
}

/* Writes cells in order, then frees them when `drop`. */
static void
emit_cells(struct engine *e, struct cell **v, size_t n, int final, int drop)
{
	size_t i;

	key_only = e->mode == M_GLOBAL;
	if (n > 1)
		qsort(v, n, sizeof *v, cell_cmp);
	for (i = 0; i < n; i++) {
		engine_write_cell(e, &e->w->out, v[i], final, e->partial);
		e->emitted++;
		v[i]->dirty = 0;
		if (tw_writer_end_record(e->w) < 0)
			tw_writer_fail(e->w);
		if (drop)
			cell_free(e, v[i]);
	}
}

static size_t
cmap_list(struct cmap *m, struct cell ***v, size_t *cap, size_t n, int64_t wm,
    int only_dirty)
{
	struct cell *c;
	size_t i;

	for (i = 0; i < m->cap; i++)
		for (c = m->b[i]; c; c = c->next) {
			if (c->end > wm || (only_dirty && !c->dirty))
				continue;
			if (n == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*v = tw_xrealloc(*v, *cap * sizeof **v);
			}
			(*v)[n++] = c;
		}
	return n;
}

void
engine_close(struct engine *e, int64_t wm)
{
	struct cell **v = NULL, *c, *nx;
	size_t cap = 0, n, i, k = 0;

	if (e->mode == M_SESSION) {
		if (wm < e->sess_min_end)
			return;
		n = cmap_list(&e->sess, &v, &cap, 0, wm, 0);
		for (i = 0; i < n; i++)
			cmap_remove(&e->sess, v[i]);
		emit_cells(e, v, n, 1, 1);
		/* The earliest end still open. */
		e->sess_min_end = INT64_MAX;
		for (i = 0; i < e->sess.cap; i++)
			for (c = e->sess.b[i]; c; c = c->next)
				if (c->end < e->sess_min_end)
					e->sess_min_end = c->end;
		free(v);
		tw_writer_flush(e->w);
		return;
	}
	while (k < e->nwins && (e->mode == M_GLOBAL ? wm == INT64_MAX :
	    e->wins[k].end <= wm)) {
		struct win *w = &e->wins[k];

		n = 0;
		for (i = 0; i < w->m.cap; i++)
			for (c = w->m.b[i]; c; c = nx) {
				nx = c->next;
				if (n == cap) {
					cap = cap ? cap * 2 : 64;
					v = tw_xrealloc(v, cap * sizeof *v);
				}
				v[n++] = c;
			}
		emit_cells(e, v, n, 1, 1);
		free(w->m.b);
		k++;
	}
	if (k > 0) {
		memmove(e->wins, e->wins + k, (e->nwins - k) * sizeof *e->wins);
		e->nwins -= k;
		tw_writer_flush(e->w);
	}
	free(v);
}

void
engine_updates(struct engine *e)
{
	struct cell **v = NULL;
	size_t cap = 0, n = 0, i;

	if (e->mode == M_SESSION) {
		n = cmap_list(&e->sess, &v, &cap, 0, INT64_MAX, 1);
	} else {
		for (i = 0; i < e->nwins; i++)
			n = cmap_list(&e->wins[i].m, &v, &cap, n, INT64_MAX, 1);
	}
	if (n > 0) {
		int saved = e->partial;

		e->partial = 0;
		emit_cells(e, v, n, 0, 0);
		e->partial = saved;
		tw_writer_flush(e->w);
	}
	free(v);
}

void
engine_dump(struct engine *e, struct tw_buf *b)
{
	struct cell **v = NULL;
	size_t cap = 0, n = 0, i;

	if (e->mode == M_SESSION)
		n = cmap_list(&e->sess, &v, &cap, 0, INT64_MAX, 0);
	else
		for (i = 0; i < e->nwins; i++)
			n = cmap_list(&e->wins[i].m, &v, &cap, n, INT64_MAX, 0);
	key_only = e->mode == M_GLOBAL;
	if (n > 1)
		qsort(v, n, sizeof *v, cell_cmp);
	for (i = 0; i < n; i++)
		engine_write_cell(e, b, v[i], 0, 1);
	free(v);
}

static void
cmap_free(struct engine *e, struct cmap *m)
{
	struct cell *c, *nx;
	size_t i;

	for (i = 0; i < m->cap; i++)
		for (c = m->b[i]; c; c = nx) {
			nx = c->next;
			cell_free(e, c);
		}
	free(m->b);
	memset(m, 0, sizeof *m);
}

void
engine_free(struct engine *e)
{
	size_t i;

	for (i = 0; i < e->nwins; i++)
		cmap_free(e, &e->wins[i].m);
	free(e->wins);
	cmap_free(e, &e->sess);
	e->wins = NULL;
	e->nwins = e->capwins = 0;
}
