/*
 * pos.c: where records come from, and how far each source has got.
 *
 * A record read from Kafka (tw-flatten copies kafka_topic,
 * kafka_partition, kafka_offset and kafka_ts from a kcat -J envelope)
 * has a position. Per partition tw-agg keeps:
 *
 *  - the highest offset counted and how many records of that message
 *    were (a v2 page gives several, always in the same order), so that a
 *    message read again (a replay after a crash, a consumer rewound by a
 *    rebalance) is skipped: the state file, not the consumer group, owns
 *    the offsets;
 *  - the Kafka timestamp of that message, so that a log that is not the
 *    one the state was saved for (a topic recreated, a new cluster) is
 *    recognised and refused instead of skipped as "already counted";
 *  - the newest event time seen and when the partition last spoke: the
 *    watermark is the minimum over the partitions that are not idle (as
 *    Flink's per-partition watermarks), so reading a backlog whose
 *    partitions come interleaved is not "late".
 *
 * Records without a position share one pseudo-partition, so a plain file
 * behaves as before: the watermark follows the newest event time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "tw_time.h"
#include "tw_util.h"

/* A message at an offset counted already may be newer than the last one
 * counted by this much (producers' clocks disagree a little); more means
 * another log. */
#define TS_TOLERANCE_MS 10000

struct pos *
pos_get(struct app *a, const char *topic, size_t tlen, int64_t part)
{
	struct pos *p;
	size_t i = a->last_pos;

	if (i < a->npos && a->pos[i].part == part && a->pos[i].tlen == tlen &&
	    memcmp(a->pos[i].topic, topic, tlen) == 0)
		return &a->pos[i];
	for (i = 0; i < a->npos; i++)
		if (a->pos[i].part == part && a->pos[i].tlen == tlen &&
		    memcmp(a->pos[i].topic, topic, tlen) == 0) {
			a->last_pos = i;
			return &a->pos[i];
		}
	if (a->npos == (size_t)1 << 20)
		return NULL;	/* absurd; don't grow without bound */
	a->pos = tw_xrealloc(a->pos, (a->npos + 1) * sizeof *a->pos);
	p = &a->pos[a->npos];
	memset(p, 0, sizeof *p);
	p->topic = tw_xstrndup(topic, tlen);
	p->tlen = tlen;
	p->part = part;
	p->max = p->loaded = p->hi = -1;
	p->max_ts = p->ev_max = p->pwm = p->loaded_ts = p->first_ts = NO_TIME;
	p->first_off = -1;
	p->ev_all = p->loaded_ev = NO_TIME;
	p->last_ms = tw_mono_ns() / 1000000;
	a->last_pos = a->npos++;
	a->wm_valid = 0;
	return p;
}

int
pos_of(struct app *a, const struct tw_jval **f, struct pos **pp, int64_t *off,
    int64_t *kts)
{
	const struct tw_jval *t = f[a->f_ktopic];
	int64_t part;

	*kts = NO_TIME;
	if (t == NULL || t->type != TW_JSTR || t->flags != 0 ||
	    tw_json_i64(f[a->f_kpart], &part) != 0 ||
	    f[a->f_koff] == NULL || f[a->f_koff]->type != TW_JNUM ||
	    tw_json_i64(f[a->f_koff], off) != 0 || *off < 0) {
		*pp = pos_get(a, "", 0, -1);	/* the pseudo-partition */
		*off = -1;
		return 0;
	}
	if (f[a->f_kts] != NULL && tw_json_i64(f[a->f_kts], kts) != 0)
		*kts = NO_TIME;
	*pp = pos_get(a, t->p, t->len, part);
	a->kafka = 1;
	if (*pp != NULL && *off > (*pp)->hi)
		(*pp)->hi = *off;
	return *pp != NULL;
}

int
pos_counted(struct app *a, struct pos *p, int64_t off, int64_t kts,
    struct tw_input *in)
{
	if (p->loaded >= 0 && !p->seen && off > p->loaded + 1)
		tw_die(1, "%s:%llu: %s[%lld]: the first offset read is %lld, but %s "
		    "counted up to %lld: offsets %lld to %lld were never read (a "
		    "start too late, or deleted by the topic's retention). Read the "
		    "topic from an earlier offset, or count it afresh with "
		    "--reset-offsets %s", in->name, (unsigned long long)in->lineno,
		    p->topic, (long long)p->part, (long long)off, a->state_path,
		    (long long)p->loaded, (long long)p->loaded + 1, (long long)off - 1,
		    p->topic);
	p->seen = 1;
	/* The same log holds the same message at an offset: the first one
	 * ever counted and the last one saved are known by their times, and
	 * nothing before the last can be much newer than it. */
	if (p->loaded >= 0 && off <= p->loaded && kts != NO_TIME &&
	    ((off == p->loaded && p->loaded_ts != NO_TIME && kts != p->loaded_ts) ||
	    (off == p->first_off && p->first_ts != NO_TIME && kts != p->first_ts) ||
	    (p->loaded_ts != NO_TIME && kts > p->loaded_ts + TS_TOLERANCE_MS)))
		tw_die(1, "%s:%llu: %s[%lld] offset %lld has the time %lld, but %s "
		    "counted offset %lld at time %lld: this is not the log the state "
		    "was saved for (the topic recreated, or another cluster). Nothing "
		    "was counted; to count this topic afresh, run once with "
		    "--reset-offsets %s", in->name, (unsigned long long)in->lineno,
		    p->topic, (long long)p->part, (long long)off, (long long)kts,
		    a->state_path, (long long)(off == p->first_off ? p->first_off : p->loaded),
		    (long long)(off == p->first_off ? p->first_ts : p->loaded_ts),
		    p->topic);
	if (off < p->max || (off == p->max && p->skip > 0)) {
		/* A replay: the message at max comes again too. */
		if (off < p->max)
			p->skip = p->max_n;
		else
			p->skip--;
		return 1;
	}
	if (off > p->max) {
		p->max = off;
		p->max_n = 0;
		p->skip = 0;
		p->max_ts = kts;
		if (p->first_off < 0) {
			p->first_off = off;
			p->first_ts = kts;
		}
	}
	p->max_n++;
	return 0;
}

/* The minimum newest event time over the active partitions. */
static void
wm_scan(struct app *a)
{
	size_t i;

	a->wm_min = NO_TIME;
	a->wm_arg = (size_t)-1;
	for (i = 0; i < a->npos; i++) {
		struct pos *p = &a->pos[i];

		if (p->idle || p->ev_max == NO_TIME)
			continue;
		if (a->wm_arg == (size_t)-1 || p->ev_max < a->wm_min) {
			a->wm_min = p->ev_max;
			a->wm_arg = i;
		}
	}
	a->wm_valid = 1;
}

void
pos_replay_check(struct app *a, struct pos *p, int64_t off, int64_t t,
    struct tw_input *in)
{
	char ev[40], saved[40];
	struct tw_buf b = TW_BUF_INIT;

	if (t == NO_TIME || p->loaded_ev == NO_TIME || t <= p->loaded_ev)
		return;
	tw_buf_add_iso(&b, t);
	tw_buf_addc(&b, '\0');
	snprintf(ev, sizeof ev, "%s", b.p);
	tw_buf_reset(&b);
	tw_buf_add_iso(&b, p->loaded_ev);
	tw_buf_addc(&b, '\0');
	snprintf(saved, sizeof saved, "%s", b.p);
	tw_buf_free(&b);
	tw_die(1, "%s:%llu: %s[%lld] offset %lld holds an event of %s, newer than any "
	    "%s counted in that partition (%s), though its offset was counted: this "
	    "is not the log the state was saved for (the topic recreated, or another "
	    "cluster). Nothing was counted; to count this topic afresh, run once "
	    "with --reset-offsets %s", in->name, (unsigned long long)in->lineno,
	    p->topic, (long long)p->part, (long long)off, ev, a->state_path, saved,
	    p->topic);
}

int64_t
pos_event(struct app *a, struct pos *p, int64_t t, int64_t now_ms)
{
	size_t i = (size_t)(p - a->pos);

	p->last_ms = now_ms;
	if (p->idle) {
		p->idle = 0;
		a->wm_valid = 0;
	}
	if (t > p->ev_max) {
		p->ev_max = t;
		/* Only the slowest partition moves the minimum. */
		if (a->wm_valid && (a->wm_arg == i || a->wm_arg == (size_t)-1))
			a->wm_valid = 0;
	}
	if (!a->wm_valid)
		wm_scan(a);
	return a->wm_min;
}

int
pos_idle(struct app *a, int64_t now_ms)
{
	size_t i;
	int active = 0;

	for (i = 0; i < a->npos; i++) {
		struct pos *p = &a->pos[i];

		if (!p->idle && now_ms - p->last_ms >= a->idle_ms) {
			p->idle = 1;
			a->wm_valid = 0;
		}
		active += !p->idle && p->ev_max != NO_TIME;
	}
	if (!a->wm_valid)
		wm_scan(a);
	return active;
}

void
pos_reset(struct app *a, const char *topic)
{
	size_t i, k = 0;

	for (i = 0; i < a->npos; i++) {
		if (strcmp(a->pos[i].topic, topic) == 0) {
			free(a->pos[i].topic);
			continue;
		}
		a->pos[k++] = a->pos[i];
	}
	a->npos = k;
	a->last_pos = 0;
	a->wm_valid = 0;
}

void
pos_free(struct app *a)
{
	size_t i;

	for (i = 0; i < a->npos; i++)
		free(a->pos[i].topic);
	free(a->pos);
	a->pos = NULL;
	a->npos = 0;
}
