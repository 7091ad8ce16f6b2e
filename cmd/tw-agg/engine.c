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

void
engine_init(struct engine *e)
{
	memset(e, 0, sizeof *e);
	e->max_event = NO_TIME;
	e->watermark = NO_TIME;
	e->sess_min_end = INT64_MAX;
	e->close_on_watermark = 1;
	e->max_cells = 1000000;
	e->uniq = -1;
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
	c->slices = NULL;
	c->nslices = 0;
	for (i = 0; i < e->na; i++)
		tw_agg_init(&e->a[i], &c->st[i]);
	e->ncells++;
	return c;
}

void
engine_slice_free(struct engine *e, struct slice *sl)
{
	int i;

	for (i = 0; i < e->na; i++)
		tw_agg_release(&e->a[i], &sl->st[i]);
	free(sl->topic);
	free(sl);
}

static void
cell_free(struct engine *e, struct cell *c)
{
	uint32_t k;
	int i;

	for (i = 0; i < e->na; i++)
		tw_agg_release(&e->a[i], &c->st[i]);
	for (k = 0; k < c->nslices; k++)
		engine_slice_free(e, c->slices[k]);
	free(c->slices);
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
	int64_t s = tw_floordiv(t, e->hop) * e->hop;

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
		*start = tw_floordiv(t, e->size) * e->size;
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

/*
 * --kafka-key: the key of a line of results, then a tab. A result's is
 * its window start and group values, "START|v1|v2" (the values as JSON
 * text, so "en" and en differ; no START in a global aggregation): a result written again (a restart, -e
 * update) has the key of the one it replaces, and a compacted topic
 * keeps the last. A partial's is its source's name, so that one source's
 * partials and watermarks stay in one partition, in order.
 */
static void
put_key(struct engine *e, struct tw_buf *b, const struct cell *c)
{
	const char *k = c->key, *end = c->key + c->keylen, *sep;
	int i;

	if (e->partial) {
		tw_buf_adds(b, e->key_source);
		tw_buf_addc(b, '\t');
		return;
	}
	if ((sep = memchr(k, '\x1f', c->keylen)) != NULL)
		end = sep;
	/* (A global aggregation's window is its group's first and last
	 * time, which a later record moves: the key leaves it out.) */
	if (e->mode != M_GLOBAL && c->start != NO_TIME && c->start != INT64_MAX)
		tw_buf_add_iso(b, c->start);
	for (i = 0; i < e->ng; i++) {
		sep = memchr(k, '\x1e', (size_t)(end - k));
		if (sep == NULL)
			sep = end;
		tw_buf_addc(b, '|');
		tw_buf_add(b, k, (size_t)(sep - k));
		k = sep + 1;
	}
	tw_buf_addc(b, '\t');
}

void
engine_write_cell(struct engine *e, struct tw_buf *b, struct cell *c, int flags)
{
	const char *k = c->key, *end = c->key + c->keylen, *sep;
	struct tw_agg_state tmp[TW_AGG_MAX];
	const struct tw_agg_state *st = c->st;
	uint32_t n;
	int i;

	/* A --partial's partition suffix is not a group value. */
	if ((sep = memchr(k, '\x1f', c->keylen)) != NULL)
		end = sep;
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
	if (flags & W_PARTIAL) {
		if (e->extra != NULL)
			e->extra(e->extra_arg, b, c);
		if (flags & W_WRITTEN) {
			tw_buf_adds(b, ",\"_written\":");
			tw_buf_add_i64(b, e->cur_written);
		}
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
	if (c->nslices > 0) {
		/* The cell's own share and every partition's, together. */
		for (i = 0; i < e->na; i++) {
			tw_agg_init(&e->a[i], &tmp[i]);
			tw_agg_merge(&e->a[i], &tmp[i], &c->st[i]);
			for (n = 0; n < c->nslices; n++)
				tw_agg_merge(&e->a[i], &tmp[i], &c->slices[n]->st[i]);
		}
		st = tmp;
	}
	for (i = 0; i < e->na; i++)
		if (!e->a[i].hidden)
			tw_agg_result(&e->a[i], (struct tw_agg_state *)&st[i], b);
	if (c->nslices > 0)
		for (i = 0; i < e->na; i++)
			tw_agg_release(&e->a[i], &tmp[i]);
	tw_buf_adds(b, (flags & W_FINAL) ? ",\"final\":true}\n" : ",\"final\":false}\n");
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
		if (e->kafka_key)
			put_key(e, &e->w->out, v[i]);
		engine_write_cell(e, &e->w->out, v[i], (final ? W_FINAL : 0) |
		    (e->partial ? W_PARTIAL : 0));
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
		int keep = e->retain_ms > 0 && e->mode != M_GLOBAL;

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
		emit_cells(e, v, n, 1, !keep);
		if (keep) {
			/* Written, and kept a while: see engine_expire. */
			if (e->nkept == e->capkept) {
				e->capkept = e->capkept ? e->capkept * 2 : 16;
				e->kept = tw_xrealloc(e->kept, e->capkept * sizeof *e->kept);
			}
			e->kept[e->nkept] = *w;
			e->kept[e->nkept++].written_ms = tw_now_ms();
		} else
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

/* The partition suffix of a cell's key (0x1f onwards), or "" */
static int
suffix_is(const struct cell *c, const char *suf, size_t n)
{
	const char *x = memchr(c->key, '\x1f', c->keylen);
	size_t have = x ? (size_t)(c->key + c->keylen - x) : 0;

	return have == n && (n == 0 || memcmp(x, suf, n) == 0);
}

/* Moves c from window w to the kept window like it (--retain). */
static void
keep_cell(struct engine *e, struct win *w, struct cell *c)
{
	struct win *k = NULL;
	size_t i;

	for (i = e->nkept; i-- > 0; )
		if (e->kept[i].start == w->start && e->kept[i].end == w->end) {
			k = &e->kept[i];
			break;
		}
	if (k == NULL) {
		for (i = 0; i < e->nkept && (e->kept[i].end < w->end ||
		    (e->kept[i].end == w->end && e->kept[i].start < w->start)); i++)
			;
		if (e->nkept == e->capkept) {
			e->capkept = e->capkept ? e->capkept * 2 : 16;
			e->kept = tw_xrealloc(e->kept, e->capkept * sizeof *e->kept);
		}
		memmove(&e->kept[i + 1], &e->kept[i], (e->nkept - i) * sizeof *e->kept);
		e->nkept++;
		k = &e->kept[i];
		memset(k, 0, sizeof *k);
		k->start = w->start;
		k->end = w->end;
		k->written_ms = tw_now_ms();
	}
	cmap_put(&k->m, c);
}

void
engine_close_part(struct engine *e, int64_t wm, const char *suf, size_t n)
{
	struct cell **v = NULL, *c, *nx;
	size_t cap = 0, cnt, i, k, w;

	for (w = 0; w < e->nwins && e->wins[w].end <= wm; ) {
		struct win *win = &e->wins[w];

		cnt = 0;
		for (i = 0; i < win->m.cap; i++)
			for (c = win->m.b[i]; c; c = c->next)
				if (suffix_is(c, suf, n)) {
					if (cnt == cap) {
						cap = cap ? cap * 2 : 64;
						v = tw_xrealloc(v, cap * sizeof *v);
					}
					v[cnt++] = c;
				}
		for (k = 0; k < cnt; k++)
			cmap_remove(&win->m, v[k]);
		emit_cells(e, v, cnt, 1, e->retain_ms == 0);
		if (e->retain_ms > 0)
			for (k = 0; k < cnt; k++)
				keep_cell(e, win, v[k]);
		if (win->m.n == 0) {
			free(win->m.b);
			memmove(win, win + 1, (e->nwins - w - 1) * sizeof *win);
			e->nwins--;
			continue;
		}
		w++;
	}
	(void)nx;
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

static void cmap_free(struct engine *e, struct cmap *m);

void
engine_expire(struct engine *e, int64_t now_ms)
{
	size_t k = 0;

	while (k < e->nkept && now_ms - e->kept[k].written_ms >= e->retain_ms) {
		cmap_free(e, &e->kept[k].m);
		k++;
	}
	if (k > 0) {
		memmove(e->kept, e->kept + k, (e->nkept - k) * sizeof *e->kept);
		e->nkept -= k;
	}
}

struct cell *
engine_kept_cell(struct engine *e, int64_t start, int64_t end, const char *key,
    size_t n)
{
	uint64_t h = cell_hash(start, key ? key : "", n);
	struct cell *c;
	size_t i;

	if (key == NULL)
		key = "";
	for (i = e->nkept; i-- > 0; ) {
		struct win *w = &e->kept[i];

		if (w->start != start || w->end != end || w->m.cap == 0)
			continue;
		for (c = w->m.b[h & (w->m.cap - 1)]; c; c = c->next)
			if (c->hash == h && c->keylen == n && memcmp(c->key, key, n) == 0)
				return c;
		return NULL;
	}
	return NULL;
}

/* A window kept after writing, found or made (a state's kept cell). */
struct cell *
engine_kept_put(struct engine *e, int64_t start, int64_t end, const char *key,
    size_t n, int64_t written_ms)
{
	struct cell *c = engine_kept_cell(e, start, end, key, n);
	struct win *w = NULL;
	size_t i;

	if (c != NULL)
		return c;
	if (key == NULL)
		key = "";
	for (i = 0; i < e->nkept; i++)
		if (e->kept[i].start == start && e->kept[i].end == end) {
			w = &e->kept[i];
			break;
		}
	if (w == NULL) {
		/* In end order, as windows are written. */
		for (i = 0; i < e->nkept && (e->kept[i].end < end ||
		    (e->kept[i].end == end && e->kept[i].start < start)); i++)
			;
		if (e->nkept == e->capkept) {
			e->capkept = e->capkept ? e->capkept * 2 : 16;
			e->kept = tw_xrealloc(e->kept, e->capkept * sizeof *e->kept);
		}
		memmove(&e->kept[i + 1], &e->kept[i], (e->nkept - i) * sizeof *e->kept);
		e->nkept++;
		w = &e->kept[i];
		memset(w, 0, sizeof *w);
		w->start = start;
		w->end = end;
		w->written_ms = written_ms;
	}
	c = cell_new(e, start, end, key, n, cell_hash(start, key, n));
	if (c != NULL)
		cmap_put(&w->m, c);
	return c;
}

void
engine_rewrite(struct engine *e, struct cell *c)
{
	if (e->kafka_key)
		put_key(e, &e->w->out, c);
	engine_write_cell(e, &e->w->out, c, W_FINAL | (e->partial ? W_PARTIAL : 0));
	e->emitted++;
	e->rewritten++;
	c->dirty = 0;
	if (tw_writer_end_record(e->w) < 0)
		tw_writer_fail(e->w);
}

size_t
engine_rewrite_kept(struct engine *e)
{
	struct cell **v = NULL;
	size_t cap = 0, n = 0, i;

	for (i = 0; i < e->nkept; i++)
		n = cmap_list(&e->kept[i].m, &v, &cap, n, INT64_MAX, 0);
	key_only = 0;
	if (n > 1)
		qsort(v, n, sizeof *v, cell_cmp);
	for (i = 0; i < n; i++)
		engine_rewrite(e, v[i]);
	free(v);
	return n;
}

void
engine_write_slice(struct engine *e, struct tw_buf *b, const struct cell *c,
    const struct slice *sl, int flags)
{
	struct cell *tmp = tw_xmalloc(sizeof *tmp + (size_t)e->na * sizeof(struct tw_agg_state));

	/* The slice as a cell of its own: its states, the cell's window and
	 * groups, and the partition suffix that names it. */
	*tmp = *c;
	tmp->nslices = 0;
	tmp->slices = NULL;
	memcpy(tmp->st, sl->st, (size_t)e->na * sizeof(struct tw_agg_state));
	e->cur_slice = sl;
	engine_write_cell(e, b, tmp, flags | W_PARTIAL);
	e->cur_slice = NULL;
	free(tmp);
}

/* Appends cell c (and its slices) as partial records, for a state file. */
static void
dump_cell(struct engine *e, struct tw_buf *b, struct cell *c, int flags)
{
	uint32_t k;

	engine_write_cell(e, b, c, flags | W_PARTIAL);
	for (k = 0; k < c->nslices; k++)
		engine_write_slice(e, b, c, c->slices[k], flags);
}

size_t
engine_dump(struct engine *e, struct tw_buf *b)
{
	struct cell **v = NULL;
	size_t cap = 0, n = 0, i, lines = 0;

	if (e->mode == M_SESSION)
		n = cmap_list(&e->sess, &v, &cap, 0, INT64_MAX, 0);
	else
		for (i = 0; i < e->nwins; i++)
			n = cmap_list(&e->wins[i].m, &v, &cap, n, INT64_MAX, 0);
	key_only = e->mode == M_GLOBAL;
	if (n > 1)
		qsort(v, n, sizeof *v, cell_cmp);
	for (i = 0; i < n; i++) {
		dump_cell(e, b, v[i], 0);
		lines += 1 + v[i]->nslices;
	}
	/* Then the windows written and kept, with the time they were
	 * written: after a restart within --retain they are written again
	 * (a sink that lost them gets them again). */
	for (i = 0; i < e->nkept; i++) {
		size_t k;

		n = cmap_list(&e->kept[i].m, &v, &cap, 0, INT64_MAX, 0);
		if (n > 1)
			qsort(v, n, sizeof *v, cell_cmp);
		e->cur_written = e->kept[i].written_ms;
		for (k = 0; k < n; k++) {
			dump_cell(e, b, v[k], W_WRITTEN);
			lines += 1 + v[k]->nslices;
		}
	}
	free(v);
	return lines;
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
	for (i = 0; i < e->nkept; i++)
		cmap_free(e, &e->kept[i].m);
	free(e->kept);
	e->kept = NULL;
	e->nkept = e->capkept = 0;
	cmap_free(e, &e->sess);
	e->wins = NULL;
	e->nwins = e->capwins = 0;
}
