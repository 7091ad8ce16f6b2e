/*
 * merge.c: tw-agg --merge, and what --partial writes for it.
 *
 * A --partial stream carries its source's name (--source) in every
 * partial record, and its watermark in records of its own,
 * {"_source":"NAME","_watermark":MS}, written when it writes windows and
 * every --interval; at the end {"_source":...,"_watermark":null,"_done":true}.
 * A streaming --merge (one given --lateness, --idle or --sources) writes a
 * window only when every live source's watermark has passed it: the
 * minimum over the sources, as in Flink and Beam. A source silent for
 * --idle no longer holds the others back; one that has ended neither.
 *
 * A partial read from Kafka keeps each partition's share of a cell apart
 * (_topic, _partition) with _hi, the highest offset its writer had read in
 * that partition. The merge keeps one share per partition, the one with
 * the highest _hi: when a rebalance moves a partition to another consumer,
 * which reads it again from the start, its newer share replaces the old
 * one, so every message counts once.
 *
 * A partial for a window already written is merged into the window kept
 * after writing (--retain) and the window written again, corrected, with
 * --emit update; otherwise it is late (--late FILE), counted, never
 * silent.
 */
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "tw_time.h"
#include "tw_util.h"

/* The source named name[0..n), added when new. */
static struct source *
src_get(struct app *a, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < a->nsrc; i++)
		if (strlen(a->src[i].name) == n && memcmp(a->src[i].name, name, n) == 0)
			return &a->src[i];
	a->src = tw_xrealloc(a->src, (a->nsrc + 1) * sizeof *a->src);
	a->src[a->nsrc].name = tw_xstrndup(name, n);
	a->src[a->nsrc].wm = NO_TIME;
	a->src[a->nsrc].done = 0;
	a->src[a->nsrc].last_ms = tw_mono_ns() / 1000000;
	return &a->src[a->nsrc++];
}

/* How long a streaming merge waits for its sources before its watermark
 * moves: a source that starts a little later finds its windows open. */
static int64_t
grace_ms(const struct app *a)
{
	return a->idle_ms > 0 ? a->idle_ms : 10000;
}

void
merge_advance(struct app *a, int64_t now_ms)
{
	int64_t min = INT64_MAX;
	size_t i, live = 0;

	if (a->nsrc == 0 || !a->e.close_on_watermark)
		return;
	if (a->want_sources > 0 ? (int64_t)a->nsrc < a->want_sources :
	    now_ms - a->start_ms < grace_ms(a))
		return;
	for (i = 0; i < a->nsrc; i++) {
		struct source *s = &a->src[i];

		if (s->done || (a->idle_ms > 0 && now_ms - s->last_ms >= a->idle_ms))
			continue;
		live++;
		if (s->wm == NO_TIME)
			return;		/* it has said nothing yet: wait */
		if (s->wm < min)
			min = s->wm;
	}
	if (live > 0 && min != INT64_MAX)
		advance(a, min - a->e.lateness);
}

/*
 * Puts the states tmp (owned: they are taken or released) into c as the
 * share of topic/part read up to hi. Returns 1 when c changed, 0 when an
 * equal or newer share was there already.
 */
static int
slice_put(struct app *a, struct cell *c, const char *topic, size_t tlen,
    int64_t part, int64_t hi, struct tw_agg_state *tmp)
{
	struct engine *e = &a->e;
	struct slice *sl = NULL;
	uint32_t k;
	int i;

	for (k = 0; k < c->nslices; k++)
		if (c->slices[k]->part == part && strlen(c->slices[k]->topic) == tlen &&
		    memcmp(c->slices[k]->topic, topic, tlen) == 0) {
			sl = c->slices[k];
			break;
		}
	if (sl != NULL && hi < sl->hi) {
		/* An older share (the partition's earlier reader). */
		for (i = 0; i < e->na; i++)
			tw_agg_release(&e->a[i], &tmp[i]);
		a->superseded++;
		return 0;
	}
	if (sl == NULL) {
		sl = tw_xmalloc(sizeof *sl + (size_t)e->na * sizeof(struct tw_agg_state));
		sl->topic = tw_xstrndup(topic, tlen);
		sl->part = part;
		c->slices = tw_xrealloc(c->slices, (c->nslices + 1) * sizeof *c->slices);
		c->slices[c->nslices++] = sl;
	} else {
		for (i = 0; i < e->na; i++)
			tw_agg_release(&e->a[i], &sl->st[i]);
	}
	sl->hi = hi;
	memcpy(sl->st, tmp, (size_t)e->na * sizeof *tmp);
	return 1;
}

/* Merges tmp (released) into c: as a partition's share, or added. */
static int
put(struct app *a, struct cell *c, const struct tw_jval *topic, int64_t part,
    int64_t hi, struct tw_agg_state *tmp)
{
	struct engine *e = &a->e;
	int i;

	if (topic != NULL && a->merge)
		return slice_put(a, c, topic->p, topic->len, part, hi, tmp);
	for (i = 0; i < e->na; i++) {
		tw_agg_merge(&e->a[i], &c->st[i], &tmp[i]);
		tw_agg_release(&e->a[i], &tmp[i]);
	}
	return 1;
}

/* {"_source":...,"_watermark":MS|null[,"_done":true]} */
static int
watermark_record(struct app *a, const struct tw_json *j, const struct tw_jval *src,
    const struct tw_jval *wm, struct tw_input *in)
{
	const struct tw_jval *done = TW_JGET(j, &j->v[0], "_done");
	struct source *s;
	int64_t t;

	if (src == NULL || src->type != TW_JSTR || src->flags ||
	    (wm->type != TW_JNULL && tw_json_time(wm, &t) != 0)) {
		report(a, in, "bad watermark record (want {\"_source\":NAME,\"_watermark\":MS})");
		return -1;
	}
	s = src_get(a, src->p, src->len);
	s->last_ms = tw_mono_ns() / 1000000;
	if (wm->type != TW_JNULL && (s->wm == NO_TIME || t > s->wm))
		s->wm = t;
	if (done != NULL && done->type == TW_JTRUE)
		s->done = 1;
	merge_advance(a, s->last_ms);
	return 0;
}

/* A partial record from tw-agg --partial (or a state file line). */
int
merge_record(struct app *a, const struct tw_json *j, struct tw_input *in,
    int from_state)
{
	struct engine *e = &a->e;
	const struct tw_jval *root = &j->v[0], *ws, *we, *aggs, *st, *x, *g;
	const struct tw_jval *src, *topic, *written;
	struct tw_agg_state tmp[TW_AGG_MAX];
	struct cell *c;
	int64_t s = NO_TIME, en = NO_TIME, part = -1, hi = -1;
	int i;

	if (root->type != TW_JOBJ) {
		report(a, in, "expected a partial state object");
		return -1;
	}
	src = TW_JGET(j, root, "_source");
	if ((x = TW_JGET(j, root, "_watermark")) != NULL && !from_state)
		return watermark_record(a, j, src, x, in);
	if (src != NULL && src->type == TW_JSTR && src->flags == 0 && !from_state)
		src_get(a, src->p, src->len)->last_ms = tw_mono_ns() / 1000000;
	/* A partition's share: _topic, _partition and _hi go together. */
	topic = TW_JGET(j, root, "_topic");
	if (topic != NULL && (topic->type != TW_JSTR || topic->flags ||
	    tw_json_i64(TW_JGET(j, root, "_partition"), &part) != 0 || part < 0 ||
	    tw_json_i64(TW_JGET(j, root, "_hi"), &hi) != 0)) {
		report(a, in, "bad _topic, _partition or _hi in a partial state");
		return -1;
	}
	written = from_state ? TW_JGET(j, root, "_written") : NULL;
	ws = TW_JGET(j, root, "window_start");
	we = TW_JGET(j, root, "window_end");
	aggs = TW_JGET(j, root, "_aggs");
	st = TW_JGET(j, root, "_state");
	if (aggs == NULL || st == NULL || st->type != TW_JARR) {
		report(a, in, "not a partial state (no _aggs/_state; was it written by tw-agg --partial?)");
		return -1;
	}
	if (!tw_json_streq(aggs, e->aggs_text, strlen(e->aggs_text))) {
		struct tw_buf m = TW_BUF_INIT;

		tw_buf_adds(&m, "partial state made with other aggregates (");
		if (aggs->type == TW_JSTR)
			tw_json_str_decode(&m, aggs);
		tw_buf_adds(&m, ", not ");
		tw_buf_adds(&m, e->aggs_text);
		tw_buf_addc(&m, ')');
		tw_buf_addc(&m, '\0');
		report(a, in, "%s", m.p);
		tw_buf_free(&m);
		return -1;
	}
	/* The groups and the windows must be the same too, or the merge
	 * would fold groups together or keep windows of another size. */
	g = TW_JGET(j, root, "_groups");
	x = TW_JGET(j, root, "_window");
	if ((g == NULL || x == NULL) && !from_state) {
		report(a, in, "partial state without _groups/_window (from an older tw-agg?)");
		return -1;
	}
	if (g != NULL && !tw_json_streq(g, e->groups_text, strlen(e->groups_text))) {
		report(a, in, "partial state made with other groups (-g %s)",
		    *e->groups_text ? e->groups_text : "(none)");
		return -1;
	}
	if (x != NULL && !tw_json_streq(x, e->window_text, strlen(e->window_text))) {
		report(a, in, "partial state made with other windows (%s)", e->window_text);
		return -1;
	}
	if ((int)st->len != e->na) {
		report(a, in, "partial state has the wrong number of aggregates");
		return -1;
	}
	if ((ws && ws->type != TW_JNULL && tw_json_time(ws, &s) != 0) ||
	    (we && we->type != TW_JNULL && tw_json_time(we, &en) != 0)) {
		report(a, in, "bad window_start or window_end");
		return -1;
	}
	if (e->mode != M_GLOBAL && (s == NO_TIME || en == NO_TIME || en <= s)) {
		report(a, in, "partial state without a window");
		return -1;
	}
	tw_buf_reset(&a->key);
	for (i = 0; i < e->ng; i++) {
		g = tw_json_get(j, root, e->gfields[i], strlen(e->gfields[i]));
		if (i)
			tw_buf_addc(&a->key, '\x1e');
		if (g == NULL)
			tw_buf_add(&a->key, "null", 4);
		else
			tw_json_emit(&a->key, j, g);
	}
	if (topic != NULL && !a->merge) {
		/* A --partial's own state: the partition is part of the key. */
		tw_buf_addc(&a->key, '\x1f');
		tw_buf_add(&a->key, topic->p, topic->len);
		tw_buf_addc(&a->key, '\x1e');
		tw_buf_add_i64(&a->key, part);
	}
	/* Every state is read before anything is merged: a record with one
	 * bad state changes nothing. */
	for (i = 0, x = st + 1; i < e->na; i++, x = tw_json_after(j, x)) {
		if (tw_agg_from_json(&e->a[i], &tmp[i], j, x) < 0) {
			report(a, in, "malformed state for aggregate \"%s\"", e->a[i].name);
			while (i >= 0) {
				tw_agg_release(&e->a[i], &tmp[i]);
				i--;
			}
			return -1;
		}
	}
	if (written != NULL && e->mode != M_SESSION && e->mode != M_GLOBAL) {
		int64_t at;

		/* Written before the state was saved, and kept: unless --retain
		 * has passed since, it is written again after the load. */
		if (tw_json_i64(written, &at) != 0) {
			for (i = 0; i < e->na; i++)
				tw_agg_release(&e->a[i], &tmp[i]);
			report(a, in, "bad _written");
			return -1;
		}
		if (tw_now_ms() - at >= e->retain_ms) {
			for (i = 0; i < e->na; i++)
				tw_agg_release(&e->a[i], &tmp[i]);
			return 0;
		}
		c = engine_kept_put(e, s, en, a->key.p, a->key.len, at);
	} else if (!from_state && e->mode != M_GLOBAL && e->watermark != NO_TIME &&
	    en <= e->watermark) {
		/* Its window is written: a correction, or late. */
		c = engine_kept_cell(e, s, en, a->key.p, a->key.len);
		if (c == NULL || !a->emit_update) {
			for (i = 0; i < e->na; i++)
				tw_agg_release(&e->a[i], &tmp[i]);
			write_late(a, in);
			return 0;
		}
		if (put(a, c, topic, part, hi, tmp)) {
			engine_rewrite(e, c);
			a->corrections++;
		}
		if (!from_state)
			a->records++;
		return 0;
	} else if (e->mode == M_SESSION)
		c = engine_session(e, s, en, a->key.p, a->key.len);
	else if (e->mode == M_GLOBAL)
		c = engine_cell(e, INT64_MAX, NO_TIME, a->key.p, a->key.len);
	else
		c = engine_cell(e, s, en, a->key.p, a->key.len);
	if (c == NULL) {
		report(a, in, "too many open windows x groups (limit %s)", "--max-groups");
		for (i = 0; i < e->na; i++)
			tw_agg_release(&e->a[i], &tmp[i]);
		return -1;
	}
	if (e->mode == M_GLOBAL) {
		if (s != NO_TIME && s < c->start)
			c->start = s;
		if (en != NO_TIME && en > c->end)
			c->end = en;
	}
	put(a, c, topic, part, hi, tmp);
	c->dirty = 1;
	if (!from_state)
		a->records++;	/* a saved window is not a record read */
	if (!from_state && e->mode != M_GLOBAL) {
		if (en > e->max_event)
			e->max_event = en;
		/* Partials without source watermarks (an older tw-agg): the
		 * newest window end stands for them. */
		if (e->close_on_watermark && a->nsrc == 0)
			advance(a, e->max_event - e->lateness);
	}
	return 0;
}


/*
 * engine->extra for partial records: the partition's share (_topic,
 * _partition, _hi) and, from --partial, the source (_source).
 */
void
partial_extra(void *arg, struct tw_buf *b, const struct cell *c)
{
	struct app *a = arg;
	const struct slice *sl = a->e.cur_slice;
	const char *sep = memchr(c->key, '\x1f', c->keylen), *t = NULL, *p;
	size_t tlen = 0;
	int64_t part = -1, hi = -1;

	if (sl != NULL) {
		t = sl->topic;
		tlen = strlen(t);
		part = sl->part;
		hi = sl->hi;
	} else if (sep != NULL) {
		struct pos *ps;

		t = sep + 1;
		p = memchr(t, '\x1e', (size_t)(c->key + c->keylen - t));
		tlen = (size_t)(p - t);
		part = strtoll(p + 1, NULL, 10);
		ps = pos_get(a, t, tlen, part);
		hi = ps ? ps->hi : -1;
	}
	if (t != NULL) {
		tw_buf_adds(b, ",\"_topic\":");
		tw_buf_add_jstr(b, t, tlen);
		tw_buf_adds(b, ",\"_partition\":");
		tw_buf_add_i64(b, part);
		tw_buf_adds(b, ",\"_hi\":");
		tw_buf_add_i64(b, hi);
	}
	if (a->source != NULL && !a->merge) {
		tw_buf_adds(b, ",\"_source\":");
		tw_buf_add_jstr(b, a->source, strlen(a->source));
	}
}

void
say_watermark(struct app *a, int done)
{
	struct engine *e = &a->e;

	if (!e->partial || a->source == NULL || (!done && e->watermark == a->wm_said))
		return;
	if (e->kafka_key) {
		tw_buf_adds(&a->w.out, a->source);
		tw_buf_addc(&a->w.out, '\t');
	}
	tw_buf_adds(&a->w.out, "{\"_source\":");
	tw_buf_add_jstr(&a->w.out, a->source, strlen(a->source));
	tw_buf_adds(&a->w.out, ",\"_watermark\":");
	if (e->watermark == NO_TIME || done)
		tw_buf_adds(&a->w.out, "null");
	else
		tw_buf_add_i64(&a->w.out, e->watermark);
	tw_buf_adds(&a->w.out, done ? ",\"_done\":true}\n" : "}\n");
	if (tw_writer_end_record(&a->w) < 0)
		tw_writer_fail(&a->w);
	a->wm_said = e->watermark;
}

void
merge_free(struct app *a)
{
	size_t i;

	for (i = 0; i < a->nsrc; i++)
		free(a->src[i].name);
	free(a->src);
	a->src = NULL;
	a->nsrc = 0;
}
