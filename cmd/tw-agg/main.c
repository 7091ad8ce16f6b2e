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
    "              [--time FIELD] [--lateness DUR] [--late FILE] [--emit final|update]\n"
    "              [--interval DUR] [--idle DUR] [--partial | --merge]\n"
    "              [--state FILE [--flush] [--checkpoint DUR]] [--max-groups N]\n"
    "              [-qv] [FILE ...]\n";

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
		    "                        top:F[:K] p50:F p95:F p99:F (any pNN)\n"
		    "  -t, --time FIELD      event time field (default ts, else created_at); now: arrival\n"
		    "  -l, --lateness DUR    how far the watermark trails the newest event (default 0)\n"
		    "      --late FILE       append records too late for their window to FILE\n"
		    "  -e, --emit MODE       final (default): each window once; update: also early results\n"
		    "      --interval DUR    how often early results are written (default 1s)\n"
		    "      --idle DUR        after DUR without input, advance the watermark by the clock\n"
		    "      --partial         write mergeable partial states\n"
		    "      --merge           combine partial states from several tw-agg --partial\n"
		    "      --state FILE      load open windows at start, save them at the end\n"
		    "      --flush           with --state: write every window at the end\n"
		    "      --checkpoint DUR  with --state: also save it every DUR (Kafka offsets kept)\n"
		    "      --max-groups N    open windows x groups allowed (default 1000000)\n"
		    "  -q, --quiet           no per-line messages\n"
		    "  -v, --verbose         print the summary\n", stdout);
	exit(status);
}

/* The fields a record is read for, found in one pass over its members. */
#define MAXF 64		/* a bit per field in bylen */
struct fieldset {
	const char *name[MAXF];
	size_t len[MAXF];
	uint64_t bylen[64];	/* bit i: field i has this length */
	int n;
};

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

/*
 * Where a record came from: a Kafka topic partition and offset (as
 * tw-flatten copies them from a kcat -J envelope). With --state, the
 * highest offset counted per partition, and how many records of that
 * message were counted (a v2 page gives several records at one offset,
 * always in the same order), are saved with the windows. A record below
 * the highest offset, or one of the first n at it, has been counted and
 * is skipped: replaying a topic from an earlier point after a crash, or
 * a consumer rewound by a rebalance, counts nothing twice.
 */
struct pos {
	char *topic;
	size_t tlen;
	int64_t part;
	int64_t max;			/* highest offset counted; -1: none */
	int64_t max_n;			/* records counted at max */
	int64_t skip;			/* records at max still to skip */
};

struct app {
	struct engine e;
	struct tw_writer w, late;
	int have_late;
	struct fieldset fs;
	int f_time, f_time2, f_group[32], f_agg[64];
	int time_now, time_explicit, merge, emit_update, quiet, verbose;
	int lateness_given;
	int64_t idle_ms, interval_ms;
	int64_t last_input_ms, last_update_ms;
	const char *state_path;
	int flush;
	char *spec;			/* fingerprint for state files */
	uint64_t records, bad, late_n, blank, ioerr, marks;
	uint64_t arrival;		/* ordinal, the time of untimed records */
	int track;			/* keep Kafka positions (--state) */
	int f_ktopic, f_kpart, f_koff;
	struct pos *pos;
	size_t npos, last_pos;
	uint64_t replayed, docs, checkpoints;
	int64_t ckpt_ms, last_ckpt_ms;
	int ckpt_due;
	struct tw_buf key;
};

static struct app A;

static void
report(struct tw_input *in, const char *fmt, const char *arg)
{
	char msg[300];

	A.bad++;
	if (A.quiet)
		return;
	snprintf(msg, sizeof msg, fmt, arg);
	tw_warn("%s:%llu: %s", in->name, (unsigned long long)in->lineno, msg);
}

static void
advance(int64_t wm)
{
	struct engine *e = &A.e;

	if (wm <= e->watermark)
		return;
	e->watermark = wm;
	if (e->close_on_watermark)
		engine_close(e, wm);
}

static void
write_late(struct tw_input *in)
{
	A.late_n++;
	if (A.have_late && in->raw != NULL) {
		tw_buf_add(&A.late.out, in->raw, in->rawlen);
		tw_buf_addc(&A.late.out, '\n');
		if (tw_writer_end_record(&A.late) < 0)
			tw_writer_fail(&A.late);
	}
}

/* Adds the record to every window it belongs to, for one group key. */
static int
apply(int64_t t, const char *key, size_t klen, const struct tw_json *j,
    const struct tw_jval **vals)
{
	struct engine *e = &A.e;
	struct cell *c = NULL;
	int64_t s;
	int i, n = 0;

	for (;;) {
		switch (e->mode) {
		case M_GLOBAL:
			c = engine_cell(e, INT64_MAX, NO_TIME, key, klen);
			if (c && t != NO_TIME) {
				if (t < c->start)
					c->start = t;
				if (t > c->end)
					c->end = t;
			}
			break;
		case M_TUMBLE:
			s = floordiv64(t, e->size) * e->size;
			c = engine_cell(e, s, s + e->size, key, klen);
			break;
		case M_HOP:
			s = floordiv64(t, e->hop) * e->hop - (int64_t)n * e->hop;
			if (s <= t - e->size)
				return 0;
			if (s + e->size <= e->watermark) {
				n++;
				continue;	/* that window has closed */
			}
			c = engine_cell(e, s, s + e->size, key, klen);
			break;
		case M_SESSION:
			c = engine_session(e, t, t + e->gap, key, klen);
			break;
		}
		if (c == NULL)
			return -1;
		c->dirty = 1;
		for (i = 0; i < e->na; i++)
			tw_agg_update(&e->a[i], &c->st[i], j, vals[i],
			    t == NO_TIME ? (int64_t)A.arrival : t);
		if (e->mode != M_HOP)
			return 0;
		n++;
	}
}

#define MAX_COMBOS 100000	/* group keys of one record, at most */
#define MAX_COMBOS_TEXT "100000"

/* Builds every group key of the record (a cross product over arrays). */
static int
each_group(int64_t t, const struct tw_json *j, const struct tw_jval **gv,
    const struct tw_jval **vals, struct tw_input *in)
{
	struct engine *e = &A.e;
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
			report(in, "its array group fields make more than %s groups; "
			    "record skipped", MAX_COMBOS_TEXT);
			return -1;
		}
	}
	for (;;) {
		tw_buf_reset(&A.key);
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
				tw_buf_addc(&A.key, '\x1e');
			if (v == NULL)
				tw_buf_add(&A.key, "null", 4);
			else
				tw_json_emit(&A.key, j, v);
		}
		if (apply(t, A.key.p, A.key.len, j, vals) < 0) {
			report(in, "too many open windows x groups (limit %s); record skipped",
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

static void checkpoint(void);

/* The record's partition (index into A.pos) and offset; 0 when it has none. */
static int
position(const struct tw_jval **f, size_t *idx, int64_t *off)
{
	const struct tw_jval *t = f[A.f_ktopic];
	int64_t part;
	size_t i;

	if (t == NULL || t->type != TW_JSTR || t->flags != 0 ||
	    tw_json_i64(f[A.f_kpart], &part) != 0 ||
	    f[A.f_koff] == NULL || f[A.f_koff]->type != TW_JNUM ||
	    tw_json_i64(f[A.f_koff], off) != 0 || *off < 0)
		return 0;
	i = A.last_pos;
	if (i < A.npos && A.pos[i].part == part && A.pos[i].tlen == t->len &&
	    memcmp(A.pos[i].topic, t->p, t->len) == 0) {
		*idx = i;
		return 1;
	}
	for (i = 0; i < A.npos; i++)
		if (A.pos[i].part == part && A.pos[i].tlen == t->len &&
		    memcmp(A.pos[i].topic, t->p, t->len) == 0)
			break;
	if (i == A.npos) {
		if (A.npos == 1 << 20)
			return 0;	/* absurd; don't grow without bound */
		A.pos = tw_xrealloc(A.pos, (A.npos + 1) * sizeof *A.pos);
		A.pos[i].topic = tw_xstrndup(t->p, t->len);
		A.pos[i].tlen = t->len;
		A.pos[i].part = part;
		A.pos[i].max = -1;
		A.pos[i].max_n = A.pos[i].skip = 0;
		A.npos++;
	}
	*idx = i;
	return 1;
}

static void
record(const struct tw_json *j, struct tw_input *in)
{
	struct engine *e = &A.e;
	const struct tw_jval *f[MAXF], *root = &j->v[0], *gv[32], *vals[64];
	char err[200];
	int64_t t = NO_TIME;
	int i;

	if (root->type != TW_JOBJ) {
		report(in, "expected a JSON object%s", "");
		return;
	}
	fs_scan(&A.fs, j, root, f);
	if (A.ckpt_due)
		checkpoint();
	if (A.track) {
		size_t pi = 0;
		int64_t off = 0;

		if (position(f, &pi, &off)) {
			struct pos *p = &A.pos[pi];

			A.last_pos = pi;
			if (off < p->max || (off == p->max && p->skip > 0)) {
				/* A replay: the message at max comes again too. */
				if (off < p->max)
					p->skip = p->max_n;
				else
					p->skip--;
				A.replayed++;
				return;
			}
			if (off > p->max) {
				p->max = off;
				p->max_n = 0;
				p->skip = 0;
			}
			p->max_n++;
		}
	}
	A.arrival++;
	if (A.time_now) {
		t = tw_now_ms();
	} else if (A.f_time >= 0) {
		const struct tw_jval *tv = f[A.f_time];

		if ((tv == NULL || tv->type == TW_JNULL) && A.f_time2 >= 0)
			tv = f[A.f_time2];
		if (tv == NULL || tv->type == TW_JNULL) {
			if (e->mode != M_GLOBAL) {
				report(in, "no time field \"%s\"", A.fs.name[A.f_time]);
				return;
			}
		} else if (tw_json_time(tv, &t) != 0) {
			report(in, "field \"%s\" is not a time", A.fs.name[A.f_time]);
			return;
		}
	}
	for (i = 0; i < e->na; i++) {
		vals[i] = A.f_agg[i] >= 0 ? f[A.f_agg[i]] : NULL;
		if (tw_agg_check(&e->a[i], vals[i], err, sizeof err) < 0) {
			report(in, "%s", err);
			return;
		}
	}
	for (i = 0; i < e->ng; i++)
		gv[i] = f[A.f_group[i]];
	A.records++;
	if (e->mode != M_GLOBAL && e->watermark != NO_TIME &&
	    engine_first_end(e, t) <= e->watermark) {
		write_late(in);
		if (e->mode != M_HOP)
			return;
		/* A hopping record still counts in the windows left open. */
	}
	each_group(t, j, gv, vals, in);
	if (t != NO_TIME && e->mode != M_GLOBAL) {
		if (t > e->max_event)
			e->max_event = t;
		advance(e->max_event - e->lateness);
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

/* A partial record from tw-agg --partial (or a state file line). */
static int
merge_record(const struct tw_json *j, struct tw_input *in, int from_state)
{
	struct engine *e = &A.e;
	const struct tw_jval *root = &j->v[0], *ws, *we, *aggs, *st, *x, *g;
	struct tw_agg_state tmp[TW_AGG_MAX];
	struct cell *c;
	int64_t s = NO_TIME, en = NO_TIME;
	int i;

	if (root->type != TW_JOBJ) {
		report(in, "expected a partial state object%s", "");
		return -1;
	}
	ws = TW_JGET(j, root, "window_start");
	we = TW_JGET(j, root, "window_end");
	aggs = TW_JGET(j, root, "_aggs");
	st = TW_JGET(j, root, "_state");
	if (aggs == NULL || st == NULL || st->type != TW_JARR) {
		report(in, "not a partial state (no _aggs/_state; was it written by tw-agg --partial?)%s", "");
		return -1;
	}
	if (!tw_json_streq(aggs, e->aggs_text, strlen(e->aggs_text))) {
		report(in, "partial state made with other aggregates (-a %s)", e->aggs_text);
		return -1;
	}
	/* The groups and the windows must be the same too, or the merge
	 * would fold groups together or keep windows of another size. */
	g = TW_JGET(j, root, "_groups");
	x = TW_JGET(j, root, "_window");
	if ((g == NULL || x == NULL) && !from_state) {
		report(in, "partial state without _groups/_window (from an older tw-agg?)%s", "");
		return -1;
	}
	if (g != NULL && !tw_json_streq(g, e->groups_text, strlen(e->groups_text))) {
		report(in, "partial state made with other groups (-g %s)",
		    *e->groups_text ? e->groups_text : "(none)");
		return -1;
	}
	if (x != NULL && !tw_json_streq(x, e->window_text, strlen(e->window_text))) {
		report(in, "partial state made with other windows (%s)", e->window_text);
		return -1;
	}
	if ((int)st->len != e->na) {
		report(in, "partial state has the wrong number of aggregates%s", "");
		return -1;
	}
	if ((ws && ws->type != TW_JNULL && tw_json_time(ws, &s) != 0) ||
	    (we && we->type != TW_JNULL && tw_json_time(we, &en) != 0)) {
		report(in, "bad window_start or window_end%s", "");
		return -1;
	}
	if (e->mode != M_GLOBAL && (s == NO_TIME || en == NO_TIME || en <= s)) {
		report(in, "partial state without a window%s", "");
		return -1;
	}
	tw_buf_reset(&A.key);
	for (i = 0; i < e->ng; i++) {
		g = tw_json_get(j, root, e->gfields[i], strlen(e->gfields[i]));
		if (i)
			tw_buf_addc(&A.key, '\x1e');
		if (g == NULL)
			tw_buf_add(&A.key, "null", 4);
		else
			tw_json_emit(&A.key, j, g);
	}
	if (!from_state && e->mode != M_GLOBAL && e->watermark != NO_TIME &&
	    en <= e->watermark) {
		write_late(in);
		return 0;
	}
	/* Every state is read before anything is merged: a record with one
	 * bad state changes nothing. */
	for (i = 0, x = st + 1; i < e->na; i++, x = tw_json_after(j, x)) {
		if (tw_agg_from_json(&e->a[i], &tmp[i], j, x) < 0) {
			report(in, "malformed state for aggregate \"%s\"", e->a[i].name);
			while (i >= 0) {
				tw_agg_release(&e->a[i], &tmp[i]);
				i--;
			}
			return -1;
		}
	}
	if (e->mode == M_SESSION)
		c = engine_session(e, s, en, A.key.p, A.key.len);
	else if (e->mode == M_GLOBAL)
		c = engine_cell(e, INT64_MAX, NO_TIME, A.key.p, A.key.len);
	else
		c = engine_cell(e, s, en, A.key.p, A.key.len);
	if (c == NULL) {
		report(in, "too many open windows x groups (limit %s)", "--max-groups");
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
	for (i = 0; i < e->na; i++) {
		tw_agg_merge(&e->a[i], &c->st[i], &tmp[i]);
		tw_agg_release(&e->a[i], &tmp[i]);
	}
	c->dirty = 1;
	A.records++;
	if (!from_state && e->mode != M_GLOBAL) {
		if (en > e->max_event)
			e->max_event = en;
		if (e->close_on_watermark)
			advance(e->max_event - e->lateness);
	}
	return 0;
}

/* ---- state file ---- */

/*
 * "offsets":[["topic",partition,offset,n],...] of a state file's header:
 * n records of the message at offset were counted.
 */
static void
offsets_load(const struct tw_json *j, const struct tw_jval *arr)
{
	const struct tw_jval *e, *t;
	int64_t part, off, n;
	size_t i, k;

	if (arr == NULL || arr->type == TW_JNULL)
		return;
	if (arr->type != TW_JARR)
		tw_die(1, "%s: corrupt state file: bad offsets", A.state_path);
	for (i = 0; i < arr->len; i++) {
		e = tw_json_index(j, arr, i);
		t = e && e->type == TW_JARR && e->len == 4 ? tw_json_index(j, e, 0) : NULL;
		if (t == NULL || t->type != TW_JSTR || t->flags != 0 ||
		    tw_json_i64(tw_json_index(j, e, 1), &part) != 0 ||
		    tw_json_i64(tw_json_index(j, e, 2), &off) != 0 || off < 0 ||
		    tw_json_i64(tw_json_index(j, e, 3), &n) != 0 || n < 1)
			tw_die(1, "%s: corrupt state file: bad offsets", A.state_path);
		for (k = 0; k < A.npos; k++)
			if (A.pos[k].part == part && A.pos[k].tlen == t->len &&
			    memcmp(A.pos[k].topic, t->p, t->len) == 0)
				break;
		if (k == A.npos) {
			A.pos = tw_xrealloc(A.pos, (A.npos + 1) * sizeof *A.pos);
			A.pos[k].topic = tw_xstrndup(t->p, t->len);
			A.pos[k].tlen = t->len;
			A.pos[k].part = part;
			A.npos++;
		}
		A.pos[k].max = off;
		A.pos[k].max_n = A.pos[k].skip = n;
	}
}

/*
 * Removes FILE.tmp.PID left by a tw-agg that was killed while saving
 * (PID no longer running): a crash leaves no litter beside the state.
 */
static void
state_litter(void)
{
	char *dir = tw_xstrdup(A.state_path), *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : A.state_path;
	size_t bl = strlen(base);
	struct tw_buf path = TW_BUF_INIT;
	struct dirent *de;
	DIR *d;

	if (slash)
		*slash = '\0';
	d = opendir(slash ? (*dir ? dir : "/") : ".");
	while (d != NULL && (de = readdir(d)) != NULL) {
		const char *t = de->d_name + bl;
		char *end;
		long pid;

		if (strncmp(de->d_name, base, bl) != 0 || strncmp(t, ".tmp.", 5) != 0)
			continue;
		errno = 0;
		pid = strtol(t + 5, &end, 10);
		if (errno || *end || end == t + 5 || pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		tw_buf_reset(&path);
		tw_buf_addf(&path, "%s%s%s", slash ? (*dir ? dir : "") : "", slash ? "/" : "",
		    de->d_name);
		if (unlink(path.p) == 0 && A.verbose)
			tw_warn("%s: removed, left by a tw-agg killed while saving", path.p);
	}
	if (d != NULL)
		closedir(d);
	tw_buf_free(&path);
	free(dir);
}

static void
state_load(void)
{
	struct tw_reader r;
	struct tw_input in;
	struct tw_json j;
	char *files[1];
	enum tw_in_status st;
	int first = 1, saved_quiet = A.quiet, version = 0, ended = 0;
	uint64_t bad0 = A.bad, cells = 0;
	const struct tw_jval *v;
	struct stat sb;

	if (stat(A.state_path, &sb) != 0) {
		if (errno == ENOENT)
			return;	/* the first run */
		tw_die(1, "%s: %s", A.state_path, strerror(errno));
	}
	files[0] = (char *)A.state_path;
	tw_reader_open(&r, files, 1);
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	A.quiet = 0;
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		if (st == TW_IN_IOERR)
			tw_die(1, "%s: %s", A.state_path, r.errmsg);
		if (st == TW_IN_BAD)
			tw_die(1, "%s:%llu: corrupt state file: %s", A.state_path,
			    (unsigned long long)in.lineno, in.reason);
		if (st != TW_IN_DOC)
			continue;
		if (first) {
			int64_t x;

			first = 0;
			v = TW_JGET(&j, &j.v[0], "twpipe_agg_state");
			if (v == NULL || tw_json_i64(v, &x) != 0 || (x != 1 && x != 2))
				tw_die(1, "%s: not a tw-agg state file", A.state_path);
			version = (int)x;	/* 1: before the end line */
			v = TW_JGET(&j, &j.v[0], "spec");
			if (v == NULL || !tw_json_streq(v, A.spec, strlen(A.spec)))
				tw_die(1, "%s: saved by tw-agg with other options (%s)",
				    A.state_path, A.spec);
			if (tw_json_i64(TW_JGET(&j, &j.v[0], "watermark"), &x) == 0)
				A.e.watermark = x;
			if (tw_json_i64(TW_JGET(&j, &j.v[0], "max_event"), &x) == 0)
				A.e.max_event = x;
			offsets_load(&j, TW_JGET(&j, &j.v[0], "offsets"));
			continue;
		}
		if ((v = TW_JGET(&j, &j.v[0], "twpipe_agg_state_end")) != NULL) {
			int64_t x;

			if (tw_json_i64(v, &x) != 0 || (uint64_t)x != cells || ended)
				tw_die(1, "%s:%llu: corrupt state file: the end line "
				    "does not match the %llu windows read", A.state_path,
				    (unsigned long long)in.lineno, (unsigned long long)cells);
			ended = 1;
			continue;
		}
		if (ended)
			tw_die(1, "%s:%llu: corrupt state file: a window after the "
			    "end line", A.state_path, (unsigned long long)in.lineno);
		if (merge_record(&j, &in, 1) < 0 || A.bad != bad0)
			tw_die(1, "%s:%llu: state file not loaded (see above)", A.state_path,
			    (unsigned long long)in.lineno);
		cells++;
	}
	if (first)
		tw_die(1, "%s: empty state file", A.state_path);
	if (version >= 2 && !ended)
		tw_die(1, "%s: state file cut short (no end line): restore the whole "
		    "file, or remove it to start over", A.state_path);
	A.quiet = saved_quiet;
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
}

static void
state_save(void)
{
	struct tw_buf b = TW_BUF_INIT, tmp = TW_BUF_INIT;
	struct tw_writer w;
	char *dir, *slash;
	int fd;

	tw_buf_addf(&tmp, "%s.tmp.%ld", A.state_path, (long)getpid());
	fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		tw_die(1, "%s: %s", tmp.p, strerror(errno));
	tw_writer_init(&w, fd, tmp.p);
	tw_buf_add(&w.out, "{\"twpipe_agg_state\":2,\"spec\":", 29);
	tw_buf_add_jstr(&w.out, A.spec, strlen(A.spec));
	tw_buf_add(&w.out, ",\"watermark\":", 13);
	if (A.e.watermark == NO_TIME)
		tw_buf_add(&w.out, "null", 4);
	else
		tw_buf_add_i64(&w.out, A.e.watermark);
	tw_buf_add(&w.out, ",\"max_event\":", 13);
	if (A.e.max_event == NO_TIME)
		tw_buf_add(&w.out, "null", 4);
	else
		tw_buf_add_i64(&w.out, A.e.max_event);
	if (A.npos > 0) {
		size_t i;
		int n = 0;

		tw_buf_adds(&w.out, ",\"offsets\":[");
		for (i = 0; i < A.npos; i++) {
			if (A.pos[i].max < 0)
				continue;
			if (n++)
				tw_buf_addc(&w.out, ',');
			tw_buf_addc(&w.out, '[');
			tw_buf_add_jstr(&w.out, A.pos[i].topic, A.pos[i].tlen);
			tw_buf_addc(&w.out, ',');
			tw_buf_add_i64(&w.out, A.pos[i].part);
			tw_buf_addc(&w.out, ',');
			tw_buf_add_i64(&w.out, A.pos[i].max);
			tw_buf_addc(&w.out, ',');
			tw_buf_add_i64(&w.out, A.pos[i].max_n);
			tw_buf_addc(&w.out, ']');
		}
		tw_buf_addc(&w.out, ']');
	}
	tw_buf_add(&w.out, "}\n", 2);
	engine_dump(&A.e, &b);
	tw_buf_add(&w.out, b.p ? b.p : "", b.len);
	{
		/* The end line says how many cells came: a copy cut short at
		 * a line end is told from a whole file. */
		size_t i, n = 0;

		for (i = 0; i < b.len; i++)
			n += b.p[i] == '\n';
		tw_buf_addf(&w.out, "{\"twpipe_agg_state_end\":%zu}\n", n);
	}
	tw_buf_free(&b);
	/* Write, sync, then rename: a reader sees the old or the new file. */
	if (tw_writer_flush(&w) < 0 || fsync(fd) < 0) {
		int err = w.err ? w.err : errno;

		close(fd);
		unlink(tmp.p);
		tw_die(1, "%s: cannot save state: %s", A.state_path, strerror(err));
	}
	if (tw_writer_close(&w) < 0) {
		unlink(tmp.p);
		tw_die(1, "%s: cannot save state: %s", A.state_path, strerror(w.err));
	}
	if (rename(tmp.p, A.state_path) < 0) {
		int err = errno;

		unlink(tmp.p);
		tw_die(1, "%s: cannot save state: %s", A.state_path, strerror(err));
	}
	dir = tw_xstrdup(A.state_path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
	tw_buf_free(&tmp);
}

/*
 * A checkpoint: the windows written so far reach stdout (and late
 * records their file) before the state that no longer holds them is
 * published, so a crash after it loses no window; one before it only
 * means the windows since the last checkpoint are written again.
 */
static void
checkpoint(void)
{
	if (tw_writer_flush(&A.w) < 0)
		tw_writer_fail(&A.w);
	if (A.have_late && tw_writer_flush(&A.late) < 0)
		tw_writer_fail(&A.late);
	state_save();
	A.ckpt_due = 0;
	A.last_ckpt_ms = tw_mono_ns() / 1000000;
	A.checkpoints++;
}

/* ---- the clock: idle watermark and early results ---- */

static void
on_tick(void *arg)
{
	struct engine *e = &A.e;
	int64_t now = tw_mono_ns() / 1000000;

	(void)arg;
	if (A.idle_ms > 0 && now - A.last_input_ms >= A.idle_ms &&
	    e->mode != M_GLOBAL) {
		/* A quiet stream: let processing time move the watermark on. */
		if (A.time_now)
			advance(tw_now_ms() - e->lateness);
		else if (e->max_event != NO_TIME)
			advance(e->max_event - e->lateness + (now - A.last_input_ms));
	}
	if (A.emit_update && now - A.last_update_ms >= A.interval_ms) {
		A.last_update_ms = now;
		engine_updates(e);
	}
	if (A.ckpt_ms > 0) {
		if (now - A.last_ckpt_ms >= A.ckpt_ms)
			checkpoint();
	}
	tw_writer_flush(&A.w);
	if (A.have_late)
		tw_writer_flush(&A.late);
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
summary(void)
{
	if (A.replayed > 0)
		tw_warn("%llu records already counted in %s skipped (Kafka offsets up to the saved ones)",
		    (unsigned long long)A.replayed, A.state_path);
	if (A.verbose && A.checkpoints > 0)
		tw_warn("%llu checkpoints saved to %s", (unsigned long long)A.checkpoints,
		    A.state_path);
	if (!A.verbose && A.bad == 0 && A.late_n == 0 && A.ioerr == 0)
		return;
	tw_warn("%llu records, %llu results; %llu late%s, %llu bad lines, %llu blank",
	    (unsigned long long)A.records, (unsigned long long)A.e.emitted,
	    (unsigned long long)A.late_n,
	    A.late_n && !A.have_late ? " (not kept: use --late FILE)" : "",
	    (unsigned long long)A.bad, (unsigned long long)A.blank);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "window", required_argument, NULL, 'w' },
		{ "group", required_argument, NULL, 'g' },
		{ "agg", required_argument, NULL, 'a' },
		{ "time", required_argument, NULL, 't' },
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
		{ NULL, 0, NULL, 0 }
	};
	struct engine *e = &A.e;
	struct tw_reader r;
	struct tw_input in;
	struct tw_json j;
	enum tw_in_status st;
	const char *aggs = NULL, *groups = NULL, *timef = NULL, *late = NULL, *err;
	const char *emit = "final";
	char errbuf[300];
	int ch, i, stopped;
	int64_t x;
	struct tw_buf spec = TW_BUF_INIT;

	tw_setprog(argv[0]);
	argv[0] = (char *)tw_prog;	/* getopt names the program by argv[0] */
	tw_sig_init();
	engine_init(e);
	A.interval_ms = 1000;
	while ((ch = getopt_long(argc, argv, "a:e:g:hl:qt:vw:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': aggs = optarg; break;
		case 'e': emit = optarg; break;
		case 'g': groups = optarg; break;
		case 'h': usage(0); break;
		case 'l':
			e->lateness = duration("--lateness", optarg, 0);
			A.lateness_given = 1;
			break;
		case 'q': A.quiet = 1; break;
		case 't': timef = optarg; break;
		case 'v': A.verbose = 1; break;
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
		case 4: A.idle_ms = duration("--idle", optarg, 1); break;
		case 5: e->partial = 1; break;
		case 6: A.merge = 1; break;
		case 7: A.state_path = optarg; break;
		case 8: A.flush = 1; break;
		case 9:
			if (tw_parse_int(optarg, 1, (int64_t)1 << 40, &x, &err) < 0)
				tw_die(2, "--max-groups: %s", err);
			e->max_cells = (uint64_t)x;
			break;
		case 10: A.interval_ms = duration("--interval", optarg, 1); break;
		case 11:
			printf("tw-agg %s\n", TW_VERSION);
			return 0;
		case 12: A.ckpt_ms = duration("--checkpoint", optarg, 10); break;
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;

	if (aggs == NULL)
		tw_die(2, "no aggregates: give -a, e.g. -a count,avg:engagement");
	e->na = tw_agg_parse(aggs, &e->a, errbuf, sizeof errbuf);
	if (e->na < 0)
		tw_die(2, "-a: %s", errbuf);
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
		A.emit_update = 1;
	else if (strcmp(emit, "final") != 0)
		tw_die(2, "--emit: use final or update");
	if (e->partial && A.merge)
		tw_die(2, "--partial and --merge cannot be used together");
	if (A.flush && !A.state_path)
		tw_die(2, "--flush goes with --state");
	if (A.ckpt_ms && !A.state_path)
		tw_die(2, "--checkpoint goes with --state");
	if (e->partial && A.emit_update)
		tw_die(2, "--partial writes final partial states only; drop --emit update");
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
		e->groups_text = gt.p ? gt.p : tw_xstrdup("");
		gt.p = NULL;	/* now owned by groups_text */
		gt.len = gt.cap = 0;
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
	A.f_time = A.f_time2 = -1;
	if (timef != NULL && strcmp(timef, "now") == 0) {
		A.time_now = 1;
	} else if (timef != NULL) {
		A.f_time = fs_add(&A.fs, timef);
	} else {
		A.f_time = fs_add(&A.fs, "ts");
		A.f_time2 = fs_add(&A.fs, "created_at");
	}
	for (i = 0; i < e->ng; i++)
		A.f_group[i] = fs_add(&A.fs, e->gfields[i]);
	for (i = 0; i < e->na; i++)
		A.f_agg[i] = e->a[i].field ? fs_add(&A.fs, e->a[i].field) : -1;
	if (A.merge && !A.lateness_given)
		e->close_on_watermark = 0;
	if (A.state_path && !A.merge) {
		A.track = 1;
		A.f_ktopic = fs_add(&A.fs, "kafka_topic");
		A.f_kpart = fs_add(&A.fs, "kafka_partition");
		A.f_koff = fs_add(&A.fs, "kafka_offset");
	}

	tw_buf_addf(&spec, "mode=%d;w=%lld;hop=%lld;gap=%lld;g=%s;a=%s;t=%s;partial=%d;merge=%d",
	    (int)e->mode, (long long)e->size, (long long)e->hop, (long long)e->gap,
	    groups ? groups : "", aggs, timef ? timef : "", e->partial, A.merge);
	A.spec = spec.p;

	tw_writer_init(&A.w, STDOUT_FILENO, "<stdout>");
	e->w = &A.w;
	if (late != NULL) {
		int fd = open(late, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);

		if (fd < 0)
			tw_die(1, "%s: %s", late, strerror(errno));
		tw_writer_init(&A.late, fd, late);
		A.have_late = 1;
	}
	if (A.state_path) {
		state_litter();
		state_load();
	}

	tw_reader_open(&r, argv, argc);
	r.idle = on_idle;
	if (A.idle_ms > 0 || A.emit_update || A.ckpt_ms > 0) {
		int64_t tk = A.idle_ms > 0 ? A.idle_ms : A.emit_update ? A.interval_ms : A.ckpt_ms;

		if (A.emit_update && A.interval_ms < tk)
			tk = A.interval_ms;
		if (A.ckpt_ms > 0 && A.ckpt_ms < tk)
			tk = A.ckpt_ms;
		r.tick = on_tick;
		r.tick_ms = (int)(tk / 4 > 10 ? (tk / 4 < 1000 ? tk / 4 : 1000) : 10);
	}
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	A.last_input_ms = A.last_update_ms = A.last_ckpt_ms = tw_mono_ns() / 1000000;
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		switch (st) {
		case TW_IN_DOC:
			if (tw_mark_is(in.raw, in.rawlen)) {
				A.marks++;	/* a stream mark: not a record */
				break;
			}
			if (A.merge)
				merge_record(&j, &in, 0);
			else
				record(&j, &in);
			if (tw_writer_end_record(&A.w) < 0)
				tw_writer_fail(&A.w);
			if (((A.records & 1023) == 0 && A.emit_update) || A.idle_ms ||
			    A.ckpt_ms) {
				int64_t now = tw_mono_ns() / 1000000;

				A.last_input_ms = now;
				if (A.ckpt_ms && now - A.last_ckpt_ms >= A.ckpt_ms)
					A.ckpt_due = 1;
				if (A.emit_update && now - A.last_update_ms >= A.interval_ms) {
					A.last_update_ms = now;
					engine_updates(e);
				}
			}
			break;
		case TW_IN_BLANK:
			A.blank++;
			break;
		case TW_IN_BAD:
			report(&in, "%s", in.reason);
			break;
		case TW_IN_IOERR:
			A.ioerr++;
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
	if (A.state_path && (!A.flush || stopped))
		state_save();
	else {
		engine_close(e, INT64_MAX);
		if (A.state_path)
			state_save();
	}
	if (tw_writer_close(&A.w) < 0)
		tw_writer_fail(&A.w);
	if (A.have_late && tw_writer_close(&A.late) < 0)
		tw_writer_fail(&A.late);
	summary();
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
	engine_free(e);
	tw_agg_specs_free(e->a, e->na);
	free(e->gfields);
	free(e->groups_text);
	free(e->window_text);
	tw_buf_free(&spec);
	tw_buf_free(&A.key);
	for (i = 0; i < (int)A.npos; i++)
		free(A.pos[i].topic);
	free(A.pos);
	if (stopped)
		tw_sig_reraise();
	return A.ioerr > 0 || r.nfiles_failed > 0 ? 1 : 0;
}
