/*
 * tw-agg: event-time window aggregation of NDJSON records.
 *
 * Data flow: tw_reader -> tw_input (documents) -> assign to windows and
 * groups -> update aggregate states -> when the watermark (highest event
 * time minus --lateness) passes a window's end, write its results.
 * At end of input every open window is written, or saved to --state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agg.h"
#include "tw_input.h"
#include "tw_mark.h"
#include "tw_opt.h"
#include "tw_sig.h"
#include "tw_time.h"
#include "tw_util.h"

static const char usage_text[] =
    "usage: tw-agg [-w DUR [--hop DUR | --session GAP]] [-g FIELD,...] -a AGG,...\n"
    "              [-u FIELD] [-j EXPR] [--time FIELD] [-l DUR] [--late FILE]\n"
    "              [-e final|update] [-r FILE] [-s] [--max-bad N]\n"
    "              [--interval DUR] [--idle DUR]\n"
    "              [--partial [--source NAME] | --merge [--sources N]]\n"
    "              [--state FILE [--flush] [--checkpoint DUR]] [--reset-offsets TOPIC]\n"
    "              [--retain DUR] [--tee FILE] [--copy FILE] [--kafka-key]\n"
    "              [--max-groups N]\n"
    "              [--stats DUR] [-qv]\n"
    "              [FILE ...]\n"
    "       tw-agg --state FILE --resume-point\n";

static void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	if (status == 0)
		fputs("\n"
		    "  -w, --window DUR      tumbling windows of DUR (hopping with --hop)\n"
		    "      --hop DUR         hopping windows that start every DUR\n"
		    "      --session GAP     session windows per group, closed after GAP of silence\n"
		    "  -g, --group LIST      group by these fields (an array field: once per element)\n"
		    "  -a, --agg LIST        count sum:F avg:F min:F max:F first:F last:F distinct:F\n"
		    "                        top:F[:K] p50:F p95:F p99:F (any pNN); -a again adds\n"
		    "  -u, --unique FIELD    count each value of FIELD once in a window and group\n"
		    "  -j, --jq EXPR         filter or reshape each record with a jq expression first\n"
		    "      --time FIELD      event time field (default ts, else created_at); now: arrival\n"
		    "  -l, --lateness DUR    how far the watermark trails the newest event (default 0)\n"
		    "      --late FILE       append records too late for their window to FILE\n"
		    "  -e, --emit MODE       final (default): each window once; update: also early results\n"
		    "      --interval DUR    how often early results are written (default 1s)\n"
		    "      --idle DUR        a Kafka partition or source quiet this long is idle;\n"
		    "                        after DUR without input the clock moves the watermark\n"
		    "      --partial         write mergeable partial states and watermarks\n"
		    "      --source NAME     the name of this --partial stream (default host:pid)\n"
		    "      --merge           combine partial states from several tw-agg --partial\n"
		    "      --sources N       a streaming merge waits for N sources\n"
		    "      --state FILE      load open windows at start, save them at the end\n"
		    "      --flush           with --state: write every window at the end\n"
		    "      --checkpoint DUR  with --state: also save it every DUR (Kafka offsets kept)\n"
		    "      --reset-offsets T with --state: forget the saved offsets of topic T\n"
		    "      --resume-point    with --state: print kcat's -o to read the topic again\n"
		    "      --retain DUR      keep written windows DUR (30s with --state): written again\n"
		    "                        after a restart, corrected by late partials\n"
		    "      --tee FILE        append each record counted (not the replayed) to FILE\n"
		    "      --copy FILE       also write the results to FILE\n"
		    "      --kafka-key       begin each line of stdout with its key and a tab\n"
		    "                        (for kcat -P -K): window start|group values, or\n"
		    "                        with --partial the source; --copy gets no key\n"
		    "      --max-groups N    open windows x groups allowed (default 1000000)\n"
		    "      --stats DUR       print counts (records, late, bad) every DUR\n"
		    "  -r, --rejects FILE    append bad input lines to FILE verbatim,\n"
		    "                        and file:line<TAB>reason to FILE.reasons\n"
		    "  -s, --strict          stop at the first bad line (status 1)\n"
		    "      --max-bad N       stop when the first N lines are all bad (default 100;\n"
		    "                        0: no limit)\n"
		    "  -q, --quiet           no per-line messages\n"
		    "  -v, --verbose         print the summary\n"
		    "  -h, --help            this help\n"
		    "      --version         the version\n", stdout);
	exit(status);
}

static int
fs_add(struct fieldset *fs, const char *name)
{
	int i;
	size_t n = strlen(name);

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->name[i], name) == 0)
			return i;
	if (fs->n == MAXF)
		tw_die(2, "too many distinct fields (at most %d)", MAXF);
	fs->name[fs->n] = name;
	fs->len[fs->n] = n;
	if (n < 64)
		fs->bylen[n] |= (uint64_t)1 << fs->n;
	else
		tw_die(2, "field name too long (at most 63 bytes): %s", name);
	return fs->n++;
}

static void
fs_scan(const struct fieldset *fs, const struct tw_json *j,
    const struct tw_jval *obj, const struct tw_jval **out)
{
	const struct tw_jval *k;
	uint32_t m;
	int i, found = 0;

	for (i = 0; i < fs->n; i++)
		out[i] = NULL;
	for (m = 0, k = obj + 1; m < obj->len && found < fs->n;
	    m++, k = j->v + k[1].next) {
		uint64_t cand;

		if (k->len >= 64 || (cand = fs->bylen[k->len]) == 0)
			continue;
		while (cand) {
			i = __builtin_ctzll(cand);
			cand &= cand - 1;
			if (out[i] == NULL && (k->flags == 0 ?
			    k->p[0] == fs->name[i][0] &&
			    memcmp(k->p, fs->name[i], k->len) == 0 :
			    tw_json_streq(k, fs->name[i], fs->len[i]))) {
				out[i] = k + 1;
				found++;
				break;
			}
		}
	}
}

void
report(struct app *a, struct tw_input *in, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	a->bad++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!a->quiet)
		tw_warn("%s:%llu: %s", in->name, (unsigned long long)in->lineno, msg);
	if (a->have_rej && tw_rejects_add(&a->rej, in->name, in->lineno,
	    in->raw, in->rawlen, in->cr, msg) < 0)
		tw_writer_fail(tw_rejects_failed(&a->rej));
	if (a->strict || tw_guard_bad(&a->guard)) {
		/* What was written stays; open windows are not written (a
		 * --state keeps its last save). */
		outputs_flush(a);
		if (a->have_rej && tw_rejects_close(&a->rej) < 0)
			tw_writer_fail(tw_rejects_failed(&a->rej));
		if (a->strict)
			tw_die(1, "stopping at the first bad line (--strict)");
		tw_guard_stop(&a->guard);
	}
}

void
advance(struct app *a, int64_t wm)
{
	struct engine *e = &a->e;

	uint64_t before = e->emitted;

	if (wm <= e->watermark)
		return;
	e->watermark = wm;
	if (e->close_on_watermark)
		engine_close(e, wm);
	/* A --partial says how far it has got once it wrote windows. */
	if (e->emitted != before)
		say_watermark(a, 0);
}

void
write_late(struct app *a, struct tw_input *in)
{
	a->late_n++;
	if (a->have_late && in->raw != NULL) {
		tw_buf_add(&a->late.out, in->raw, in->rawlen);
		tw_buf_addc(&a->late.out, '\n');
		if (tw_writer_end_record(&a->late) < 0)
			tw_writer_fail(&a->late);
	}
}

/* Adds the record to every window it belongs to, for one group key. */
static int
apply(struct app *a, int64_t t, const char *key, size_t klen,
    const struct tw_json *j, const struct tw_jval **vals)
{
	struct engine *e = &a->e;
	struct cell *c;
	int64_t s, en;
	int i, k, dup = 0;
	const struct tw_jval *u = e->uniq >= 0 ? vals[e->uniq] : NULL;

	for (i = 0; engine_window(e, t, i, &s, &en); i++) {
		switch (e->mode) {
		case M_GLOBAL:
			/* One cell; its start and end are the data's span. */
			c = engine_cell(e, INT64_MAX, NO_TIME, key, klen);
			if (c && t != NO_TIME) {
				if (t < c->start)
					c->start = t;
				if (t > c->end)
					c->end = t;
			}
			break;
		case M_SESSION:
			c = engine_session(e, s, en, key, klen);
			break;
		default:
			if (e->mode == M_HOP && en <= e->watermark)
				continue;	/* that window has closed */
			c = engine_cell(e, s, en, key, klen);
		}
		if (c == NULL)
			return -1;
		/* -u: a value this window and group has counted is skipped. */
		if (u != NULL && u->type != TW_JNULL &&
		    !tw_agg_first_time(&e->a[e->uniq], &c->st[e->uniq], j, u)) {
			dup = 1;
			continue;
		}
		c->dirty = 1;
		for (k = 0; k < e->na; k++)
			if (k != e->uniq)
				tw_agg_update(&e->a[k], &c->st[k], j, vals[k],
				    t == NO_TIME ? (int64_t)a->arrival : t);
	}
	a->dups += dup;
	return 0;
}

#define MAX_COMBOS 100000	/* group keys of one record, at most */
#define MAX_COMBOS_TEXT "100000"

/*
 * --partial keeps each Kafka partition's share of a cell apart (the key
 * gets 0x1f, the topic, 0x1e, the partition), so that --merge can replace
 * one partition's share when another consumer counts that partition again
 * after a rebalance.
 */
static void
key_partition(struct app *a, struct tw_buf *key, const struct pos *p)
{
	if (!a->e.partial || p == NULL || p->part < 0)
		return;
	tw_buf_addc(key, '\x1f');
	tw_buf_add(key, p->topic, p->tlen);
	tw_buf_addc(key, '\x1e');
	tw_buf_add_i64(key, p->part);
}

/* Builds every group key of the record (a cross product over arrays). */
static int
each_group(struct app *a, int64_t t, const struct tw_json *j,
    const struct tw_jval **gv, const struct tw_jval **vals, struct tw_input *in)
{
	struct engine *e = &a->e;
	uint32_t idx[32], len[32];
	const struct tw_jval *cur[32];
	int i;
	uint64_t prod = 1;

	for (i = 0; i < e->ng; i++) {
		idx[i] = 0;
		len[i] = gv[i] && gv[i]->type == TW_JARR ? gv[i]->len : 1;
		if (len[i] == 0)
			return 0;	/* an empty array: no group at all */
		prod *= len[i];
		if (prod > MAX_COMBOS) {
			/* All or nothing: a record is never counted in some
			 * of its groups only. */
			report(a, in, "its array group fields make more than %s groups; "
			    "record skipped", MAX_COMBOS_TEXT);
			return -1;
		}
	}
	for (;;) {
		tw_buf_reset(&a->key);
		for (i = 0; i < e->ng; i++) {
			const struct tw_jval *v = gv[i];

			if (v != NULL && v->type == TW_JARR) {
				uint32_t k;

				v = v + 1;
				for (k = 0; k < idx[i]; k++)
					v = tw_json_after(j, v);
			}
			cur[i] = v;
			if (i)
				tw_buf_addc(&a->key, '\x1e');
			if (v == NULL)
				tw_buf_add(&a->key, "null", 4);
			else
				tw_json_emit(&a->key, j, v);
		}
		key_partition(a, &a->key, a->cur_pos);
		if (apply(a, t, a->key.p, a->key.len, j, vals) < 0) {
			report(a, in, "too many open windows x groups (limit %s); record skipped",
			    "--max-groups");
			return -1;
		}
		for (i = e->ng - 1; i >= 0; i--) {
			if (++idx[i] < len[i])
				break;
			idx[i] = 0;
		}
		if (i < 0)
			return 0;
	}
	(void)cur;
}



static void key_partition(struct app *a, struct tw_buf *key, const struct pos *p);

/* Appends the record's text to --tee (a record counted for the first time). */
static void
tee_record(struct app *a, struct tw_input *in)
{
	tw_buf_add(&a->tee.out, in->raw, in->rawlen);
	tw_buf_addc(&a->tee.out, '\n');
	if (tw_writer_end_record(&a->tee) < 0)
		tw_writer_fail(&a->tee);
}

/*
 * Moves the watermark to min (the slowest active partition's newest event
 * time) less the lateness. While Kafka partitions may still be starting
 * (the first --idle of the run), it waits: a partition whose first fetch
 * comes late would otherwise find its windows closed.
 */
static void
watermark(struct app *a, int64_t min, int64_t now_ms)
{
	struct engine *e = &a->e;

	if (min == NO_TIME)
		return;
	if (a->kafka && a->idle_ms > 0 && now_ms - a->start_ms < a->idle_ms)
		return;
	advance(a, min - e->lateness);
}

/* --partial: moves partition p's watermark to wm, writing its windows. */
static void
part_advance(struct app *a, struct pos *p, int64_t wm)
{
	struct engine *e = &a->e;
	uint64_t before = e->emitted;

	if (e->mode == M_GLOBAL || (p->pwm != NO_TIME && wm <= p->pwm))
		return;
	p->pwm = wm;
	tw_buf_reset(&a->suffix);
	key_partition(a, &a->suffix, p);
	engine_close_part(e, wm, a->suffix.p, a->suffix.len);
	if (e->emitted != before) {
		tw_writer_flush(&a->w);
		say_watermark(a, 0);
	}
}

#define FIELDS_LOOK 1000	/* records read before a missing field is named */

static void fields_seen(struct app *a, const struct tw_jval **f);
static void fields_say(struct app *a);

/* Counts a record in its windows and groups; p: its Kafka partition. */
static void
count(struct app *a, const struct tw_json *j, const struct tw_jval **f,
    struct pos *p, struct tw_input *in)
{
	struct engine *e = &a->e;
	const struct tw_jval *gv[32], *vals[64];
	char err[200];
	int64_t t = NO_TIME, now_ms = 0, wm;
	int i;

	if (a->fields_seen != a->fields_want)
		fields_seen(a, f);
	a->arrival++;
	if (a->time_now) {
		t = tw_now_ms();
	} else if (a->f_time >= 0) {
		const struct tw_jval *tv = f[a->f_time];

		if ((tv == NULL || tv->type == TW_JNULL) && a->f_time2 >= 0)
			tv = f[a->f_time2];
		if (tv == NULL || tv->type == TW_JNULL) {
			if (e->mode != M_GLOBAL) {
				report(a, in, "no time field \"%s\"", a->fs.name[a->f_time]);
				return;
			}
		} else if (tw_json_time(tv, &t) != 0) {
			report(a, in, "field \"%s\" is not a time", a->fs.name[a->f_time]);
			return;
		}
	}
	for (i = 0; i < e->na; i++) {
		vals[i] = a->f_agg[i] >= 0 ? f[a->f_agg[i]] : NULL;
		if (tw_agg_check(&e->a[i], vals[i], err, sizeof err) < 0) {
			report(a, in, "%s", err);
			return;
		}
	}
	for (i = 0; i < e->ng; i++)
		gv[i] = f[a->f_group[i]];
	a->records++;
	if (++a->fields_n == FIELDS_LOOK)
		fields_say(a);
	/* A --partial judges a record late by its own partition's watermark:
	 * each partition's windows close on their own. */
	wm = e->partial && p != NULL ? p->pwm : e->watermark;
	if (e->mode != M_GLOBAL && wm != NO_TIME && engine_first_end(e, t) <= wm) {
		write_late(a, in);
		if (e->mode != M_HOP)
			goto time;
		/* A hopping record still counts in the windows left open. */
	}
	a->cur_pos = p;
	each_group(a, t, j, gv, vals, in);
time:
	if (t != NO_TIME && p != NULL && a->jq == NULL && t > p->ev_all)
		p->ev_all = t;
	if (t != NO_TIME && e->mode != M_GLOBAL && p != NULL) {
		if (t > e->max_event)
			e->max_event = t;
		if (a->kafka)
			now_ms = tw_mono_ns() / 1000000;
		watermark(a, pos_event(a, p, t, now_ms), now_ms);
		if (e->partial)
			part_advance(a, p, p->ev_max - e->lateness);
	}
}

/* The event time of a record (its time field, else created_at), or NO_TIME. */
static int64_t
record_time(const struct app *a, const struct tw_jval **f)
{
	const struct tw_jval *tv;
	int64_t t;

	if (a->f_time < 0)
		return NO_TIME;
	tv = f[a->f_time];
	if ((tv == NULL || tv->type == TW_JNULL) && a->f_time2 >= 0)
		tv = f[a->f_time2];
	return tv != NULL && tw_json_time(tv, &t) == 0 ? t : NO_TIME;
}

/*
 * A record: skipped when its Kafka message was counted before, else
 * counted (with --jq, each result of the filter is). The Kafka position
 * is the input record's, so that a filter cannot lose it.
 */
static void
record(struct app *a, const struct tw_json *j, struct tw_input *in)
{
	const struct tw_jval *f[MAXF], *root = &j->v[0];
	struct pos *p = NULL;
	int64_t off = -1, kts = NO_TIME;
	const char *s, *end, *nl;
	char err[256];
	int i;

	if (root->type == TW_JOBJ)
		fs_scan(&a->fs, j, root, f);
	else if (a->jq != NULL)
		for (i = 0; i < a->fs.n; i++)
			f[i] = NULL;
	else {
		report(a, in, "expected a JSON object");
		return;
	}
	if (a->ckpt_due)
		checkpoint(a);
	if (pos_of(a, f, &p, &off, &kts) && a->track &&
	    pos_counted(a, p, off, kts, in)) {
		/* A replay holds no event newer than the partition counted. */
		if (p->loaded_ev != NO_TIME)
			pos_replay_check(a, p, off, record_time(a, f), in);
		a->replayed++;
		return;
	}
	if (a->have_tee)
		tee_record(a, in);
	if (a->jq != NULL && p != NULL && off >= 0 && a->track) {
		/* The input record's time (the filter may drop or change it). */
		int64_t t = record_time(a, f);

		if (t != NO_TIME && t > p->ev_all)
			p->ev_all = t;
	}
	if (a->jq == NULL) {
		count(a, j, f, p, in);
		return;
	}
	tw_buf_reset(&a->jqout);
	if (tw_jq_run(a->jq, in->raw, in->rawlen, &a->jqout, err, sizeof err) < 0) {
		report(a, in, "--jq: %s", err);
		return;
	}
	for (s = a->jqout.p, end = s + a->jqout.len; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		if (tw_json_parse(&a->jj, s, (size_t)(nl - s)) != TW_JSON_OK ||
		    a->jj.v[0].type != TW_JOBJ) {
			snprintf(err, sizeof err, "--jq: a result is not a JSON object: %.*s",
			    nl - s > 60 ? 60 : (int)(nl - s), s);
			report(a, in, "%s", err);
			continue;
		}
		fs_scan(&a->fs, &a->jj, &a->jj.v[0], f);
		count(a, &a->jj, f, p, in);
	}
}

/*
 * Notes the group and aggregate fields the record has; the ones no
 * record has had are named once (a misspelt field gives nulls).
 */
static void
fields_seen(struct app *a, const struct tw_jval **f)
{
	uint64_t miss = a->fields_want & ~a->fields_seen;

	while (miss) {
		int i = __builtin_ctzll(miss);

		miss &= miss - 1;
		if (f[i] != NULL && f[i]->type != TW_JNULL)
			a->fields_seen |= (uint64_t)1 << i;
	}
}

static void
fields_say(struct app *a)
{
	struct engine *e = &a->e;
	uint64_t miss = a->fields_want & ~a->fields_seen;
	int i;

	if (a->fields_said || miss == 0 || a->fields_n == 0)
		return;
	a->fields_said = 1;
	for (i = 0; i < e->ng; i++)
		if (miss & (uint64_t)1 << a->f_group[i]) {
			tw_warn("-g %s: none of the first %llu records has this field "
			    "(or it was null): they are all in its group null",
			    e->gfields[i], (unsigned long long)a->fields_n);
			miss &= ~((uint64_t)1 << a->f_group[i]);
		}
	for (i = 0; i < e->na; i++)
		if (a->f_agg[i] >= 0 && miss & (uint64_t)1 << a->f_agg[i] &&
		    e->a[i].hidden) {
			tw_warn("-u %s: none of the first %llu records has this field "
			    "(or it was null): every record is counted", e->a[i].field,
			    (unsigned long long)a->fields_n);
			miss &= ~((uint64_t)1 << a->f_agg[i]);
		} else if (a->f_agg[i] >= 0 && miss & (uint64_t)1 << a->f_agg[i]) {
			tw_warn("-a: none of the first %llu records has the field \"%s\" "
			    "(or it was null): %s is null", (unsigned long long)a->fields_n,
			    e->a[i].field, e->a[i].name);
			miss &= ~((uint64_t)1 << a->f_agg[i]);
		}
}

/*
 * Dies (status 2) unless name can be a group field: a plain field name
 * (letters, digits, '_', '-', '.'), not given twice, and not the name
 * of an output field (the window bounds, final, an aggregate's result,
 * the partial state's own fields).
 */
static void
group_name_check(const struct engine *e, const char *name)
{
	static const char *const out[] = { "window_start", "window_end",
	    "final", "_aggs", "_state", "_groups", "_window" };
	size_t n = strlen(name), k;
	int i;

	if (n == 0 || n > 128 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != n)
		tw_die(2, "-g: \"%s\" is not a field name (letters, digits, _ - .)",
		    name);
	for (i = 0; i < e->ng; i++)
		if (strcmp(e->gfields[i], name) == 0)
			tw_die(2, "-g: %s is given twice", name);
	for (k = 0; k < sizeof out / sizeof out[0]; k++)
		if (strcmp(out[k], name) == 0)
			tw_die(2, "-g: %s is the name of an output field", name);
	for (i = 0; i < e->na; i++) {
		size_t an = strlen(e->a[i].name);

		if (strcmp(e->a[i].name, name) == 0 || (n == an + 7 &&
		    strncmp(name, e->a[i].name, an) == 0 &&
		    strcmp(name + an, "_approx") == 0))
			tw_die(2, "-g: %s is also the name of an aggregate's result",
			    name);
	}
}

/*
 * --stats: one line of counts on standard error: since the last line,
 * this run and, with --state, since the state began (late records are
 * never lost without a word, even when the job is killed later).
 */
static void
stats(struct app *a)
{
	struct tw_buf b = TW_BUF_INIT;

	tw_buf_adds(&b, "stats ");
	tw_buf_add_iso(&b, tw_now_ms());
	tw_buf_addf(&b, ": %llu records (+%llu), %llu late (+%llu), %llu bad (+%llu)",
	    (unsigned long long)a->records,
	    (unsigned long long)(a->records - a->stats_records),
	    (unsigned long long)a->late_n,
	    (unsigned long long)(a->late_n - a->stats_late),
	    (unsigned long long)a->bad,
	    (unsigned long long)(a->bad - a->stats_bad));
	if (a->replayed)
		tw_buf_addf(&b, ", %llu replayed skipped", (unsigned long long)a->replayed);
	if (a->e.uniq >= 0)
		tw_buf_addf(&b, ", %llu duplicates skipped", (unsigned long long)a->dups);
	tw_buf_addf(&b, "; %llu cells in memory; watermark ", (unsigned long long)a->e.ncells);
	if (a->e.watermark == NO_TIME)
		tw_buf_adds(&b, "none");
	else
		tw_buf_add_iso(&b, a->e.watermark);
	if (a->state_path)
		tw_buf_addf(&b, "; since the state began: %llu records, %llu late, %llu bad",
		    (unsigned long long)(a->total_records + a->records),
		    (unsigned long long)(a->total_late + a->late_n),
		    (unsigned long long)(a->total_bad + a->bad));
	tw_buf_addc(&b, '\0');
	tw_warn("%s", b.p);
	tw_buf_free(&b);
	a->stats_records = a->records;
	a->stats_late = a->late_n;
	a->stats_bad = a->bad;
}

/* ---- the clock: idle watermark and early results ---- */

static void
on_tick(void *arg)
{
	struct app *a = arg;
	struct engine *e = &a->e;
	int64_t now = tw_mono_ns() / 1000000;

	if (a->idle_ms > 0 && e->mode != M_GLOBAL && !a->merge) {
		size_t k;

		/* Partitions quiet for --idle no longer hold the watermark; a
		 * --partial's own windows of such a partition move on with the
		 * clock. */
		if (e->partial)
			for (k = 0; k < a->npos; k++) {
				struct pos *p = &a->pos[k];

				if (now - p->last_ms < a->idle_ms)
					continue;
				if (p->ev_max != NO_TIME)
					part_advance(a, p, p->ev_max - e->lateness +
					    (now - p->last_ms));
				else if (e->watermark != NO_TIME)
					/* Known from the state only (another consumer
					 * has it now): its windows go with ours. */
					part_advance(a, p, e->watermark);
			}
		if (pos_idle(a, now) > 0)
			watermark(a, a->wm_min, now);
		else if (now - a->last_input_ms >= a->idle_ms) {
			/* A quiet stream: processing time moves it on. */
			if (a->time_now)
				advance(a, tw_now_ms() - e->lateness);
			else if (e->max_event != NO_TIME)
				advance(a, e->max_event - e->lateness + (now - a->last_input_ms));
		}
	}
	if (a->merge)
		merge_advance(a, now);
	if (a->emit_update && now - a->last_update_ms >= a->interval_ms) {
		a->last_update_ms = now;
		engine_updates(e);
	}
	if (e->partial && now - a->last_update_ms >= a->interval_ms) {
		a->last_update_ms = now;
		say_watermark(a, 0);
	}
	if (e->retain_ms > 0)
		engine_expire(e, tw_now_ms());
	outputs_alive(a);
	if (a->ckpt_ms > 0) {
		if (now - a->last_ckpt_ms >= a->ckpt_ms)
			checkpoint(a);
	}
	if (a->stats_ms > 0 && now - a->last_stats_ms >= a->stats_ms) {
		a->last_stats_ms = now;
		stats(a);
	}
	tw_writer_flush(&a->w);
	if (a->have_late)
		tw_writer_flush(&a->late);
	if (a->have_tee)
		tw_writer_flush(&a->tee);
	if (a->have_rej && tw_rejects_flush(&a->rej) < 0)
		tw_writer_fail(tw_rejects_failed(&a->rej));
}

static void
on_idle(void *arg)
{
	on_tick(arg);
}

static int64_t
duration(const char *opt, const char *s, int64_t min)
{
	const char *err;
	int64_t ms;

	if (tw_parse_duration(s, min, (int64_t)3650 * 86400000, &ms, &err) < 0)
		tw_die(2, "%s: %s: %s", opt, s, err);
	return ms;
}

static void
summary(struct app *a)
{
	if (a->replayed > 0)
		tw_warn("%llu records already counted in %s skipped (Kafka offsets up to the saved ones)",
		    (unsigned long long)a->replayed, a->state_path);
	if (a->dups > 0)
		tw_warn("%llu records skipped: their %s was counted already in the window",
		    (unsigned long long)a->dups, a->e.a[a->e.uniq].field);
	if (a->verbose && a->checkpoints > 0)
		tw_warn("%llu checkpoints saved to %s", (unsigned long long)a->checkpoints,
		    a->state_path);
	if (!a->verbose && a->bad == 0 && a->late_n == 0 && a->ioerr == 0)
		return;
	tw_warn("%llu records, %llu results; %llu late%s, %llu bad lines, %llu blank",
	    (unsigned long long)a->records, (unsigned long long)a->e.emitted,
	    (unsigned long long)a->late_n,
	    a->late_n && !a->have_late ? " (not kept: use --late FILE)" : "",
	    (unsigned long long)a->bad, (unsigned long long)a->blank);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "window", required_argument, NULL, 'w' },
		{ "group", required_argument, NULL, 'g' },
		{ "agg", required_argument, NULL, 'a' },
		{ "time", required_argument, NULL, 22 },
		{ "lateness", required_argument, NULL, 'l' },
		{ "emit", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "hop", required_argument, NULL, 1 },
		{ "session", required_argument, NULL, 2 },
		{ "late", required_argument, NULL, 3 },
		{ "idle", required_argument, NULL, 4 },
		{ "partial", no_argument, NULL, 5 },
		{ "merge", no_argument, NULL, 6 },
		{ "state", required_argument, NULL, 7 },
		{ "flush", no_argument, NULL, 8 },
		{ "max-groups", required_argument, NULL, 9 },
		{ "interval", required_argument, NULL, 10 },
		{ "version", no_argument, NULL, 11 },
		{ "checkpoint", required_argument, NULL, 12 },
		{ "source", required_argument, NULL, 13 },
		{ "sources", required_argument, NULL, 14 },
		{ "retain", required_argument, NULL, 15 },
		{ "tee", required_argument, NULL, 16 },
		{ "reset-offsets", required_argument, NULL, 17 },
		{ "resume-point", no_argument, NULL, 18 },
		{ "copy", required_argument, NULL, 19 },
		{ "kafka-key", no_argument, NULL, 23 },
		{ "jq", required_argument, NULL, 'j' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "max-bad", required_argument, NULL, 20 },
		{ "unique", required_argument, NULL, 'u' },
		{ "stats", required_argument, NULL, 21 },
		{ NULL, 0, NULL, 0 }
	};
	static struct app app;	/* static: zeroed, and not on the stack */
	struct app *a = &app;
	struct engine *e = &a->e;
	struct tw_reader r;
	struct tw_input in;
	struct tw_json j;
	enum tw_in_status st;
	const char *aggs = NULL, *unique = NULL, *jq_expr = NULL, *rejects = NULL, *groups = NULL, *timef = NULL, *late = NULL;
	const char *emit = "final";
	char errbuf[300], defsource[128];
	int ch, i, stopped, resume_point = 0;
	int64_t x, retain = -1;
	struct tw_buf spec = TW_BUF_INIT, spec_old = TW_BUF_INIT;
	struct tw_buf aggbuf = TW_BUF_INIT;
	uint64_t bad_before;

	tw_setprog(argv[0]);
	argv[0] = (char *)tw_prog;	/* getopt names the program by argv[0] */
	tw_sig_init();
	engine_init(e);
	tw_guard_init(&a->guard, TW_GUARD_FLAT);
	a->interval_ms = 1000;
	opterr = 0;	/* tw_opt_refused says what was wrong */
	while ((ch = getopt_long(argc, argv, ":a:e:g:hj:l:qr:su:vw:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			/* -a count -a sum:F is -a count,sum:F */
			if (aggbuf.len > 0)
				tw_buf_addc(&aggbuf, ',');
			tw_buf_adds(&aggbuf, optarg);
			aggs = aggbuf.p;
			break;
		case 'j': jq_expr = optarg; break;
		case 'r': rejects = optarg; break;
		case 's': a->strict = 1; break;
		case 'u':
			if (*optarg == '\0' || strchr(optarg, ',') != NULL)
				tw_die(2, "-u: give one field");
			unique = optarg;
			break;
		case 'e': emit = optarg; break;
		case 'g': groups = optarg; break;
		case 'h': usage(0); break;
		case 'l':
			e->lateness = duration("--lateness", optarg, 0);
			a->lateness_given = 1;
			break;
		case 'q': a->quiet = 1; break;
		case 'v': a->verbose = 1; break;
		case 'w':
			e->size = duration("--window", optarg, 1);
			if (e->mode == M_GLOBAL)
				e->mode = M_TUMBLE;
			break;
		case 1:
			e->hop = duration("--hop", optarg, 1);
			break;
		case 2:
			e->gap = duration("--session", optarg, 1);
			break;
		case 3: late = optarg; break;
		case 4: a->idle_ms = duration("--idle", optarg, 1); break;
		case 5: e->partial = 1; break;
		case 6: a->merge = 1; break;
		case 7: a->state_path = optarg; break;
		case 8: a->flush = 1; break;
		case 9:
			e->max_cells = (uint64_t)tw_opt_int("--max-groups", optarg, 1,
			    (int64_t)1 << 40);
			break;
		case 10: a->interval_ms = duration("--interval", optarg, 1); break;
		case 11:
			printf("tw-agg %s\n", TW_VERSION);
			return 0;
		case 12: a->ckpt_ms = duration("--checkpoint", optarg, 10); break;
		case 13:
			if (*optarg == '\0' || strlen(optarg) > 200)
				tw_die(2, "--source: give a name of 1 to 200 bytes");
			a->source = optarg;
			break;
		case 14:
			a->want_sources = tw_opt_int("--sources", optarg, 1, 100000);
			break;
		case 15: retain = duration("--retain", optarg, 0); break;
		case 16:
			if (a->have_tee)
				tw_die(2, "--tee: give it once");
			if ((x = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0)
				tw_die(1, "%s: %s", optarg, strerror(errno));
			tw_writer_init(&a->tee, (int)x, optarg);
			a->have_tee = 1;
			break;
		case 17:
			a->reset_topics = tw_xrealloc(a->reset_topics,
			    (size_t)(a->nreset + 1) * sizeof *a->reset_topics);
			a->reset_topics[a->nreset++] = optarg;
			break;
		case 18: resume_point = 1; break;
		case 19:
			if (a->have_copy)
				tw_die(2, "--copy: give it once");
			if ((x = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0)
				tw_die(1, "%s: %s", optarg, strerror(errno));
			tw_writer_init(&a->copy, (int)x, optarg);
			a->have_copy = 1;
			break;
		case 22: timef = optarg; break;
		case 23: e->kafka_key = 1; break;
		case 21: a->stats_ms = duration("--stats", optarg, 100); break;
		case 20:
			a->guard.budget = (uint64_t)tw_opt_int("--max-bad", optarg, 0,
			    INT64_MAX);
			break;
		default: {
			static const struct tw_opt_moved moved[] = {
				{ 't', "--time" }, { 0, NULL } };

			tw_opt_refused(ch, argv, moved);
			usage(2);
		}
		}
	}
	argc -= optind;
	argv += optind;

	if (resume_point) {
		if (a->state_path == NULL)
			tw_die(2, "--resume-point: give --state FILE");
		return state_resume_point(a);
	}
	if (aggs == NULL)
		tw_die(2, "no aggregates: give -a, e.g. -a count,avg:engagement");
	e->na = tw_agg_parse(aggs, &e->a, errbuf, sizeof errbuf);
	if (e->na < 0)
		tw_die(2, "-a: %s", errbuf);
	if (unique != NULL) {
		/* A hidden exact distinct of the field: each value counts once
		 * in a window and group; saved, partial and merged as the
		 * aggregates are, and named in their text. */
		struct tw_agg_spec *u;

		if (e->na >= TW_AGG_MAX)
			tw_die(2, "-u: -a has the most aggregates already");
		e->a = tw_xrealloc(e->a, (size_t)(e->na + 1) * sizeof *e->a);
		u = &e->a[e->na];
		memset(u, 0, sizeof *u);
		u->kind = TW_A_DISTINCT;
		u->field = tw_xstrdup(unique);
		u->name = tw_xstrdup("_unique");
		u->exact = 1;
		u->hidden = 1;
		e->uniq = e->na++;
		tw_buf_addf(&aggbuf, ";unique=%s", unique);
		aggs = aggbuf.p;
	}
	e->aggs_text = aggs;
	if (e->gap) {
		if (e->size || e->hop)
			tw_die(2, "--session cannot be used with -w or --hop");
		e->mode = M_SESSION;
	} else if (e->hop) {
		if (!e->size)
			tw_die(2, "--hop needs a window size: -w DUR --hop DUR");
		if (e->hop > e->size)
			tw_die(2, "--hop must not be longer than the window");
		if (e->size % e->hop != 0)
			tw_die(2, "--hop must divide the window size");
		e->mode = e->hop == e->size ? M_TUMBLE : M_HOP;
	}
	if (strcmp(emit, "update") == 0)
		a->emit_update = 1;
	else if (strcmp(emit, "final") != 0)
		tw_die(2, "--emit: use final or update");
	if (e->partial && a->merge)
		tw_die(2, "--partial and --merge cannot be used together");
	if (a->flush && !a->state_path)
		tw_die(2, "--flush goes with --state");
	if (a->ckpt_ms && !a->state_path)
		tw_die(2, "--checkpoint goes with --state");
	if (e->partial && a->emit_update)
		tw_die(2, "--partial writes final partial states only; drop --emit update");
	if (a->source && !e->partial)
		tw_die(2, "--source names a --partial stream");
	if (a->want_sources && !a->merge)
		tw_die(2, "--sources goes with --merge");
	if (a->nreset && !a->state_path)
		tw_die(2, "--reset-offsets goes with --state");
	if (groups != NULL && *groups) {
		char *g = tw_xstrdup(groups), *save = NULL, *tok;

		for (tok = strtok_r(g, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (e->ng == 32)
				tw_die(2, "-g: at most 32 fields");
			group_name_check(e, tok);
			e->gfields = tw_xrealloc(e->gfields, (size_t)(e->ng + 1) * sizeof *e->gfields);
			e->gfields[e->ng++] = tok;
		}
	}
	{
		struct tw_buf gt = TW_BUF_INIT;

		for (i = 0; i < e->ng; i++) {
			if (i)
				tw_buf_addc(&gt, ',');
			tw_buf_adds(&gt, e->gfields[i]);
		}
		e->groups_text = tw_buf_detach(&gt);
		if (e->mode == M_SESSION)
			tw_buf_addf(&gt, "session %lld", (long long)e->gap);
		else if (e->mode == M_HOP)
			tw_buf_addf(&gt, "hopping %lld/%lld", (long long)e->size,
			    (long long)e->hop);
		else if (e->size)
			tw_buf_addf(&gt, "tumbling %lld", (long long)e->size);
		else
			tw_buf_adds(&gt, "global");
		e->window_text = gt.p;
	}
	/* The fields each record is read for. */
	a->f_time = a->f_time2 = -1;
	if (timef != NULL && strcmp(timef, "now") == 0) {
		a->time_now = 1;
	} else if (timef != NULL) {
		a->f_time = fs_add(&a->fs, timef);
	} else {
		a->f_time = fs_add(&a->fs, "ts");
		a->f_time2 = fs_add(&a->fs, "created_at");
	}
	for (i = 0; i < e->ng; i++)
		a->f_group[i] = fs_add(&a->fs, e->gfields[i]);
	for (i = 0; i < e->na; i++)
		a->f_agg[i] = e->a[i].field ? fs_add(&a->fs, e->a[i].field) : -1;
	for (i = 0; i < e->ng && !a->merge; i++)
		a->fields_want |= (uint64_t)1 << a->f_group[i];
	for (i = 0; i < e->na && !a->merge; i++)
		if (a->f_agg[i] >= 0)
			a->fields_want |= (uint64_t)1 << a->f_agg[i];
	/* A plain --merge writes every window at the end (the inputs are
	 * files, read one after the other); a streaming one follows the
	 * sources' watermarks. */
	if (a->merge && !a->lateness_given && !a->want_sources && !a->idle_ms)
		e->close_on_watermark = 0;
	/* A --partial closes each partition's windows by its own watermark;
	 * its watermark (the slowest partition's) is what it tells --merge. */
	if (e->partial)
		e->close_on_watermark = 0;
	/* Every record's Kafka position: the watermark is the slowest
	 * partition's; with --state, a message counted before is skipped. */
	a->f_ktopic = fs_add(&a->fs, "kafka_topic");
	a->f_kpart = fs_add(&a->fs, "kafka_partition");
	a->f_koff = fs_add(&a->fs, "kafka_offset");
	a->f_kts = fs_add(&a->fs, "kafka_ts");
	a->track = a->state_path && !a->merge;
	/* Written windows are kept a while: written again after a restart
	 * (--state), corrected by late partials (--merge --emit update). */
	if (retain < 0)
		retain = a->state_path || (a->merge && a->emit_update) ? 30000 : 0;
	e->retain_ms = retain;
	if (e->partial || a->merge) {
		e->extra = partial_extra;
		e->extra_arg = a;
	}
	if (e->partial && a->source == NULL) {
		tw_mark_default_source(defsource, sizeof defsource);
		a->source = defsource;
	}
	if (e->partial && e->kafka_key) {
		if (strpbrk(a->source, "\t\n") != NULL)
			tw_die(2, "--kafka-key: the --source name is the key: give one without a tab or newline");
		e->key_source = a->source;
	}
	a->wm_said = NO_TIME;

	/* The fingerprint names the window kind: an enum's number would
	 * change meaning if the enum were reordered. The older form (the
	 * number, as tw-agg 0.1 wrote it) is still accepted on load. */
	{
		static const char *const kinds[] = { [M_GLOBAL] = "global",
		    [M_TUMBLE] = "tumbling", [M_HOP] = "hopping",
		    [M_SESSION] = "session" };
		static const int old_number[] = { [M_GLOBAL] = 0, [M_TUMBLE] = 1,
		    [M_HOP] = 2, [M_SESSION] = 3 };
		const char *rest = "w=%lld;hop=%lld;gap=%lld;g=%s;a=%s;t=%s;partial=%d;merge=%d";

		tw_buf_addf(&spec, "window=%s;", kinds[e->mode]);
		tw_buf_addf(&spec, rest, (long long)e->size, (long long)e->hop,
		    (long long)e->gap, groups ? groups : "", aggs, timef ? timef : "",
		    e->partial, a->merge);
		tw_buf_addf(&spec_old, "mode=%d;", old_number[e->mode]);
		tw_buf_addf(&spec_old, rest, (long long)e->size, (long long)e->hop,
		    (long long)e->gap, groups ? groups : "", aggs, timef ? timef : "",
		    e->partial, a->merge);
	}
	a->spec = spec.p;
	a->spec_old = spec_old.p;

	tw_writer_init(&a->w, STDOUT_FILENO, "<stdout>");
	e->w = &a->w;
	if (a->have_copy) {
		a->w.mirror = &a->copy;
		a->w.mirror_unkey = e->kafka_key;
	}
	if (late != NULL) {
		int fd = open(late, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);

		if (fd < 0)
			tw_die(1, "%s: %s", late, strerror(errno));
		tw_writer_init(&a->late, fd, late);
		a->have_late = 1;
	}
	if (jq_expr != NULL) {
		char jqerr[512];

		if (a->merge)
			tw_die(2, "--jq filters records; --merge reads partial states");
		if ((a->jq = tw_jq_new(jq_expr, jqerr, sizeof jqerr)) == NULL)
			tw_die(2, "--jq: %s", jqerr);
		tw_json_init(&a->jj);
	}
	if (rejects != NULL) {
		char rerr[512];

		if (tw_rejects_open(&a->rej, rejects, 1, rerr, sizeof rerr) < 0)
			tw_die(1, "%s", rerr);
		a->have_rej = 1;
	}
	if (a->state_path) {
		state_litter(a);
		state_load(a);
		for (i = 0; i < a->nreset; i++) {
			pos_reset(a, a->reset_topics[i]);
			tw_warn("%s: the offsets of topic '%s' are forgotten: its messages "
			    "are counted from the first one read", a->state_path,
			    a->reset_topics[i]);
		}
		/* Windows written just before the state was saved: a sink that
		 * lost them (killed before it committed) gets them again; one
		 * that has them replaces them by key. */
		if (engine_rewrite_kept(e) > 0 && tw_writer_flush(&a->w) < 0)
			tw_writer_fail(&a->w);
	}
	a->start_ms = tw_mono_ns() / 1000000;

	tw_reader_open(&r, argv, argc);
	r.idle = on_idle;
	r.arg = a;
	if (a->idle_ms > 0 || a->emit_update || a->ckpt_ms > 0 || e->partial ||
	    (a->merge && e->close_on_watermark) || e->retain_ms > 0 || a->stats_ms > 0) {
		int64_t tk = a->idle_ms > 0 ? a->idle_ms : a->ckpt_ms > 0 ? a->ckpt_ms : a->interval_ms;

		if ((a->emit_update || e->partial || a->merge) && a->interval_ms < tk)
			tk = a->interval_ms;
		if (a->ckpt_ms > 0 && a->ckpt_ms < tk)
			tk = a->ckpt_ms;
		if (a->stats_ms > 0 && a->stats_ms < tk)
			tk = a->stats_ms;
		r.tick = on_tick;
		r.tick_ms = (int)(tk / 4 > 10 ? (tk / 4 < 1000 ? tk / 4 : 1000) : 10);
	}
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	a->last_input_ms = a->last_update_ms = a->last_ckpt_ms = tw_mono_ns() / 1000000;
	a->last_stats_ms = a->last_input_ms;
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		switch (st) {
		case TW_IN_DOC:
			if (tw_mark_is(in.raw, in.rawlen)) {
				a->marks++;	/* a stream mark: not a record */
				break;
			}
			tw_guard_look(&a->guard, &in, &j);
			bad_before = a->bad;
			if (a->merge)
				merge_record(a, &j, &in, 0);
			else
				record(a, &j, &in);
			if (a->bad == bad_before)
				tw_guard_good(&a->guard);
			if (tw_writer_end_record(&a->w) < 0)
				tw_writer_fail(&a->w);
			if (((a->records & 1023) == 0 && (a->emit_update || e->partial ||
			    a->merge || e->retain_ms || a->stats_ms)) || a->idle_ms || a->ckpt_ms) {
				int64_t now = tw_mono_ns() / 1000000;

				if (a->stats_ms && now - a->last_stats_ms >= a->stats_ms) {
					a->last_stats_ms = now;
					stats(a);
				}

				a->last_input_ms = now;
				if (a->ckpt_ms && now - a->last_ckpt_ms >= a->ckpt_ms)
					a->ckpt_due = 1;
				if (now - a->last_update_ms >= a->interval_ms) {
					a->last_update_ms = now;
					if (a->emit_update)
						engine_updates(e);
					say_watermark(a, 0);
					if (a->merge)
						merge_advance(a, now);
					if (e->retain_ms > 0)
						engine_expire(e, tw_now_ms());
				}
			}
			break;
		case TW_IN_BLANK:
			a->blank++;
			break;
		case TW_IN_BAD:
			tw_guard_look(&a->guard, &in, NULL);
			report(a, &in, "%s", in.reason);
			break;
		case TW_IN_IOERR:
			a->ioerr++;
			tw_warn("%s: %s", in.name, r.errmsg);
			break;
		case TW_IN_EOF:
			break;
		}
	}
	/* End of input (or a signal): save open windows, or write them all.
	 * A signal means save, even with --flush and even when it came as
	 * the input ended. */
	stopped = r.stopped || tw_sig_caught;
	if (a->state_path && (!a->flush || stopped)) {
		/* -e update: the open windows as they are now, for a reader
		 * between runs (a cron batch's table exists from its first). */
		if (a->emit_update)
			engine_updates(e);
		outputs_flush(a);
		state_save(a);
	} else {
		e->retain_ms = 0;	/* nothing is kept past the end */
		engine_close(e, INT64_MAX);
		engine_expire(e, tw_now_ms());
		/* Every window is written: this source is done. */
		say_watermark(a, 1);
		if (a->state_path) {
			outputs_flush(a);
			state_save(a);
		}
	}
	if (tw_writer_close(&a->w) < 0)
		tw_writer_fail(&a->w);
	if (a->have_late && tw_writer_close(&a->late) < 0)
		tw_writer_fail(&a->late);
	if (a->have_tee && tw_writer_close(&a->tee) < 0)
		tw_writer_fail(&a->tee);
	if (a->have_copy && tw_writer_close(&a->copy) < 0)
		tw_writer_fail(&a->copy);
	if (a->have_rej && tw_rejects_close(&a->rej) < 0)
		tw_writer_fail(tw_rejects_failed(&a->rej));
	fields_say(a);
	summary(a);
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
	engine_free(e);
	tw_agg_specs_free(e->a, e->na);
	free(e->gfields);
	free(e->groups_text);
	free(e->window_text);
	tw_buf_free(&spec);
	tw_buf_free(&spec_old);
	tw_buf_free(&a->key);
	tw_buf_free(&a->suffix);
	pos_free(a);
	merge_free(a);
	free(a->reset_topics);
	tw_buf_free(&aggbuf);
	tw_buf_free(&a->jqout);
	if (a->jq != NULL) {
		tw_jq_free(a->jq);
		tw_json_free(&a->jj);
	}
	if (stopped)
		tw_sig_reraise();
	if (tw_guard_none_usable(&a->guard)) {
		tw_warn("no line of the input could be used");
		return 1;
	}
	return a->ioerr > 0 || r.nfiles_failed > 0 ? 1 : 0;
}
