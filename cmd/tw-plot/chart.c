/*
 * chart.c: one chart's data. chart_parse reads the arguments of a chart
 * (the command line, or a dashboard spec line); chart_load reads NDJSON
 * records into points keyed by (series, x), the last value kept (tw-agg
 * update records); chart_finish chooses what is shown (tw_write_file
 * writes it, atomically).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot.h"
#include "tw_input.h"
#include "tw_opt.h"
#include "tw_sig.h"
#include "tw_time.h"
#include "tw_util.h"
#include "tw_writer.h"
/* ---- small maps ---- */

struct strmap {
	char **key;
	uint32_t *id;
	size_t n, cap;
};

struct pairmap {
	uint64_t *k1, *k2;
	size_t *val;		/* index + 1; 0 is empty */
	size_t n, cap;
};

static uint64_t
mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

/* Returns the slot of s in m, or of the empty slot where it belongs. */
static size_t
sm_slot(const struct strmap *m, const char *s)
{
	size_t i = tw_hash64(s, strlen(s)) & (m->cap - 1);

	while (m->key[i] != NULL && strcmp(m->key[i], s) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The id of s, or (uint32_t)-1 with *isnew set when it has to be added. */
static uint32_t
sm_get(struct strmap *m, const char *s, uint32_t newid, int *isnew)
{
	size_t i;

	if (m->n * 2 >= m->cap) {
		struct strmap o = *m;
		size_t j;

		m->cap = o.cap ? o.cap * 2 : 64;
		m->key = tw_xcalloc(m->cap, sizeof *m->key);
		m->id = tw_xcalloc(m->cap, sizeof *m->id);
		for (j = 0; j < o.cap; j++)
			if (o.key[j]) {
				i = sm_slot(m, o.key[j]);
				m->key[i] = o.key[j];
				m->id[i] = o.id[j];
			}
		free(o.key);
		free(o.id);
	}
	i = sm_slot(m, s);
	if (m->key[i] != NULL) {
		*isnew = 0;
		return m->id[i];
	}
	m->key[i] = tw_xstrdup(s);
	m->id[i] = newid;
	m->n++;
	*isnew = 1;
	return newid;
}

static void
sm_free(struct strmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		free(m->key[i]);
	free(m->key);
	free(m->id);
	free(m);
}

static size_t
pm_slot(const struct pairmap *m, uint64_t a, uint64_t b)
{
	size_t i = mix(a, b) & (m->cap - 1);

	while (m->val[i] != 0 && (m->k1[i] != a || m->k2[i] != b))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* Returns a pointer to the value slot of (a, b); 0 there means new. */
static size_t *
pm_get(struct pairmap *m, uint64_t a, uint64_t b)
{
	size_t i;

	if (m->n * 2 >= m->cap) {
		struct pairmap o = *m;
		size_t j;

		m->cap = o.cap ? o.cap * 2 : 256;
		m->k1 = tw_xcalloc(m->cap, sizeof *m->k1);
		m->k2 = tw_xcalloc(m->cap, sizeof *m->k2);
		m->val = tw_xcalloc(m->cap, sizeof *m->val);
		for (j = 0; j < o.cap; j++)
			if (o.val[j]) {
				i = pm_slot(m, o.k1[j], o.k2[j]);
				m->k1[i] = o.k1[j];
				m->k2[i] = o.k2[j];
				m->val[i] = o.val[j];
			}
		free(o.k1);
		free(o.k2);
		free(o.val);
	}
	i = pm_slot(m, a, b);
	if (m->val[i] == 0) {
		m->k1[i] = a;
		m->k2[i] = b;
		m->n++;
	}
	return &m->val[i];
}

static void
pm_free(struct pairmap *m)
{
	if (m == NULL)
		return;
	free(m->k1);
	free(m->k2);
	free(m->val);
	free(m);
}

/* ---- options ---- */

static int TW_PRINTF(3, 4)
errf(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

int
chart_parse(struct chart *c, int argc, char **argv, int opt_out, char *err,
    size_t errlen)
{
	static const struct option longopts[] = {
		{ "x", required_argument, NULL, 'x' },
		{ "y", required_argument, NULL, 'y' },
		{ "by", required_argument, NULL, 'g' },
		{ "group", required_argument, NULL, 'g' },
		{ "title", required_argument, NULL, 5 },
		{ "sort", no_argument, NULL, 6 },
		{ "limit", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "x-type", required_argument, NULL, 1 },
		{ "size", required_argument, NULL, 2 },
		{ "version", no_argument, NULL, 3 },
		{ "partial", required_argument, NULL, 4 },
		{ NULL, 0, NULL, 0 }
	};
	const char *e, *yl = NULL;
	int64_t v;
	int ch;
	char *tok, *save = NULL, *end;
	long w, h;

	memset(c, 0, sizeof *c);
	c->limit = 40;
	c->width = 800;
	c->height = 400;
	c->wmin = HUGE_VAL;
	c->wsmax = -HUGE_VAL;
	if (strcmp(argv[0], "line") == 0)
		c->kind = K_LINE;
	else if (strcmp(argv[0], "bar") == 0)
		c->kind = K_BAR;
	else if (strcmp(argv[0], "hbar") == 0)
		c->kind = K_HBAR;
	else
		return errf(err, errlen, "unknown chart type \"%s\" (line, bar, hbar or dashboard)",
		    argv[0]);
	optind = 0;	/* glibc: start a fresh scan (the dashboard parses many) */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:g:hn:o:qr:sx:y:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'g': c->by = optarg; break;
		case 'h': return 1;
		case 'n':
			if (tw_parse_int(optarg, 1, 10000, &v, &e) < 0)
				return errf(err, errlen, "--limit: %s: %s", optarg, e);
			c->limit = (int)v;
			break;
		case 'o':
			if (!opt_out)
				return errf(err, errlen, "-o is not allowed here");
			c->out = optarg;
			break;
		case 'q': c->quiet = 1; break;
		case 'r':
		case 's':
			if (!opt_out)
				return errf(err, errlen, ch == 'r' ? "-r is not allowed here" : "-s is not allowed here");
			if (ch == 'r')
				c->rejects = optarg;
			else
				c->strict = 1;
			break;
		case 6: c->sort = 1; break;
		case 5: c->title = optarg; break;
		case 'x': c->x = optarg; break;
		case 'y': yl = optarg; break;
		case 1:
			if (strcmp(optarg, "auto") == 0)
				c->xtype = X_AUTO;
			else if (strcmp(optarg, "time") == 0)
				c->xtype = X_TIME;
			else if (strcmp(optarg, "number") == 0)
				c->xtype = X_NUMBER;
			else
				return errf(err, errlen, "--x-type: %s: use auto, time or number",
				    optarg);
			break;
		case 2:
			errno = 0;
			w = strtol(optarg, &end, 10);
			if (end == optarg || *end != 'x' || errno)
				return errf(err, errlen, "--size: %s: use WIDTHxHEIGHT, e.g. 800x400",
				    optarg);
			h = strtol(end + 1, &end, 10);
			if (*end || errno || w < 200 || w > 10000 || h < 150 || h > 10000)
				return errf(err, errlen, "--size: %s: width 200..10000 and height 150..10000",
				    optarg);
			c->width = (int)w;
			c->height = (int)h;
			c->size_set = 1;
			break;
		case 3: return 2;
		case 4:
			if (strcmp(optarg, "auto") == 0)
				c->partial = PART_AUTO;
			else if (strcmp(optarg, "open") == 0)
				c->partial = PART_OPEN;
			else if (strcmp(optarg, "none") == 0)
				c->partial = PART_NONE;
			else
				return errf(err, errlen, "--partial: %s: use auto, open or none",
				    optarg);
			break;
		default: {
			static const struct tw_opt_moved moved[] = { { 'b', "-g (--by)" },
			    { 't', "--title" }, { 0, NULL } };

			tw_opt_refused_msg(ch, argv, moved, err, errlen);
			return -1;
		}
		}
	}
	if (yl == NULL || *yl == '\0')
		return errf(err, errlen, "no -y field: give e.g. -y count");
	if (c->x == NULL && c->kind == K_LINE)
		return errf(err, errlen, "a line chart needs -x FIELD, e.g. -x window_start");
	c->yarg = tw_xstrdup(yl);
	for (tok = strtok_r(c->yarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (c->ny == MAX_Y)
			return errf(err, errlen, "-y: at most 16 fields");
		c->ynames[c->ny++] = tok;
	}
	if (c->ny == 0)
		return errf(err, errlen, "no -y field: give e.g. -y count");
	c->files = argv + optind;
	c->nfiles = argc - optind;
	return 0;
}

/* ---- loading ---- */

static void TW_PRINTF(3, 4)
bad(struct chart *c, struct tw_input *in, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	/* Counted once per line, however many of its fields are bad. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->bad_line != in->lineno || c->bad_name != in->name) {
		c->bad++;
		c->bad_line = in->lineno;
		c->bad_name = in->name;
		if (c->have_rej && tw_rejects_add(&c->rej, in->name, in->lineno,
		    in->raw, in->rawlen, in->cr, msg) < 0)
			tw_writer_fail(tw_rejects_failed(&c->rej));
		if (c->strict) {
			/* Nothing drawn: no chart from part of the input. */
			if (c->have_rej && tw_rejects_close(&c->rej) < 0)
				tw_writer_fail(tw_rejects_failed(&c->rej));
			tw_die(1, "%s:%llu: %s; stopping at the first bad line "
			    "(--strict)", in->name, (unsigned long long)in->lineno, msg);
		}
	}
	if (c->quiet || c->msgs > MAX_MSGS)
		return;
	if (c->msgs++ == MAX_MSGS) {
		tw_warn("%s:%llu: more bad lines: not shown, counted at the end",
		    in->name, (unsigned long long)in->lineno);
		return;
	}
	tw_warn("%s:%llu: %s", in->name, (unsigned long long)in->lineno, msg);
}

/* Input that is not records: says what to run, stops reading. */
static void
wrong(struct chart *c, struct tw_input *in, const char *what)
{
	c->wrong = 1;
	snprintf(c->errs, sizeof c->errs, "%s:%llu: %s", in->name,
	    (unsigned long long)in->lineno, what);
	tw_warn("%s", c->errs);
}

static const char api_hint[] =
    "this looks like an API payload, not flat records: run tw-flatten first";
static const char csv_hint[] =
    "this looks like CSV: tw-plot reads NDJSON records (one JSON object a line)";

/* A Twitter API payload (v1.1 or v2): an envelope or a nested tweet. */
static int
looks_api(const struct tw_json *j, const struct tw_jval *root)
{
	const struct tw_jval *v;

	if (root->type == TW_JARR)
		return root->len > 0 && root[1].type == TW_JOBJ;
	if (root->type != TW_JOBJ)
		return 0;
	if ((v = TW_JGET(j, root, "data")) != NULL &&
	    (v->type == TW_JOBJ || v->type == TW_JARR))
		return 1;
	if (TW_JGET(j, root, "statuses") || TW_JGET(j, root, "search_metadata") ||
	    TW_JGET(j, root, "__twarc"))
		return 1;
	if ((v = TW_JGET(j, root, "includes")) != NULL && v->type == TW_JOBJ)
		return 1;
	if ((v = TW_JGET(j, root, "public_metrics")) != NULL && v->type == TW_JOBJ)
		return 1;
	return (v = TW_JGET(j, root, "user")) != NULL && v->type == TW_JOBJ &&
	    (TW_JGET(j, root, "id_str") || TW_JGET(j, root, "text") ||
	    TW_JGET(j, root, "full_text"));
}

/* A first line that is not JSON and has a separator: a CSV header. */
static int
looks_csv(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || s[i] == '{' || s[i] == '[')
		return 0;
	return memchr(s, ',', n) != NULL || memchr(s, '\t', n) != NULL ||
	    memchr(s, ';', n) != NULL;
}

/* The record lacks the object shape or a field the chart reads. */
static int
lacks_fields(const struct chart *c, const struct tw_json *j,
    const struct tw_jval *root)
{
	int i;

	if (root->type != TW_JOBJ)
		return 1;
	if (c->x && tw_json_get(j, root, c->x, strlen(c->x)) == NULL)
		return 1;
	for (i = 0; i < c->ny; i++)
		if (tw_json_get(j, root, c->ynames[i], strlen(c->ynames[i])) == NULL)
			return 1;
	return 0;
}

/* Notes the fields of the first record, for a message about a typo. */
static void
note_keys(struct chart *c, const struct tw_json *j, const struct tw_jval *root)
{
	const struct tw_jval *k = root + 1;
	struct tw_buf b = TW_BUF_INIT;
	uint32_t i;

	for (i = 0; i < root->len; i++) {
		if (i)
			tw_buf_adds(&b, ", ");
		tw_json_str_decode(&b, k);
		k = tw_json_after(j, k + 1);
		if (b.len > sizeof c->first_keys - 8) {
			tw_buf_adds(&b, ", ...");
			break;
		}
	}
	snprintf(c->first_keys, sizeof c->first_keys, "%s", b.p);
	tw_buf_free(&b);
}

/* Window bounds of a tw-agg record (epoch ms); 0, or -1 when none. */
static int
window_of(const struct tw_json *j, const struct tw_jval *root, double *ws,
    double *we)
{
	int64_t a, b;

	if (tw_json_time(TW_JGET(j, root, "window_start"), &a) < 0 ||
	    tw_json_time(TW_JGET(j, root, "window_end"), &b) < 0 || b < a)
		return -1;
	*ws = (double)a;
	*we = (double)b;
	return 0;
}

static uint32_t
series_id(struct chart *c, const char *name)
{
	int isnew;
	uint32_t id;

	if (c->sm == NULL)
		c->sm = tw_xcalloc(1, sizeof *c->sm);
	id = sm_get(c->sm, name, c->nser, &isnew);
	if (isnew) {
		if (c->nser == c->capser) {
			c->capser = c->capser ? c->capser * 2 : 16;
			c->ser = tw_xrealloc(c->ser, c->capser * sizeof *c->ser);
		}
		memset(&c->ser[id], 0, sizeof c->ser[id]);
		c->ser[id].name = tw_xstrdup(name);
		c->nser++;
	}
	return id;
}

static uint32_t
cat_id(struct chart *c, const char *name)
{
	int isnew;
	uint32_t id;

	if (c->cm == NULL)
		c->cm = tw_xcalloc(1, sizeof *c->cm);
	id = sm_get(c->cm, name, c->ncat, &isnew);
	if (isnew) {
		if (c->ncat == c->capcat) {
			c->capcat = c->capcat ? c->capcat * 2 : 64;
			c->cat = tw_xrealloc(c->cat, c->capcat * sizeof *c->cat);
			c->cattotal = tw_xrealloc(c->cattotal, c->capcat * sizeof *c->cattotal);
		}
		c->cat[id] = tw_xstrdup(name);
		c->cattotal[id] = 0;
		c->ncat++;
	}
	return id;
}

/* What a record says of its window. */
struct winfo {
	double ws, we;
	unsigned char flags;	/* PT_OPEN, PT_WIN */
};

/* Keeps the last value for (series, x). */
static void
add_point(struct chart *c, uint32_t s, uint32_t cat, double x, double y,
    int topk, const struct winfo *wi)
{
	uint64_t xb;
	size_t *slot;
	struct point *p;

	if (c->kind == K_LINE)
		memcpy(&xb, &x, sizeof xb);
	else
		xb = cat;
	if (c->pm == NULL)
		c->pm = tw_xcalloc(1, sizeof *c->pm);
	slot = pm_get(c->pm, s, xb);
	if (*slot == 0) {
		if (c->npt == c->cappt) {
			c->cappt = c->cappt ? c->cappt * 2 : 256;
			c->pt = tw_xrealloc(c->pt, c->cappt * sizeof *c->pt);
		}
		*slot = ++c->npt;
	}
	p = &c->pt[*slot - 1];
	p->series = s;
	p->cat = cat;
	p->x = x;
	p->y = y;
	p->gen = c->records;
	p->topk = (unsigned char)topk;
	p->flags = wi->flags;
	p->ws = wi->ws;
}

/* A JSON scalar as label text. */
static void
label_of(struct tw_buf *b, const struct tw_json *j, const struct tw_jval *v)
{
	size_t from = b->len, i;

	if (v == NULL)
		tw_buf_adds(b, "null");
	else if (v->type == TW_JSTR)
		tw_json_str_decode(b, v);
	else
		tw_json_emit(b, j, v);
	/* Labels are C strings: a decoded \u0000 becomes U+FFFD. */
	if (memchr(b->p + from, '\0', b->len - from) != NULL) {
		struct tw_buf t = TW_BUF_INIT;

		for (i = from; i < b->len; i++) {
			if (b->p[i] == '\0')
				tw_buf_adds(&t, "\xef\xbf\xbd");
			else
				tw_buf_addc(&t, b->p[i]);
		}
		b->len = from;
		tw_buf_add(b, t.p, t.len);
		tw_buf_free(&t);
	}
}

/* Reads x for a line chart; 0, or -1 after reporting. */
static int
line_x(struct chart *c, struct tw_input *in, const struct tw_jval *v, double *x)
{
	int64_t t;

	if (v == NULL || v->type == TW_JNULL) {
		bad(c, in, "field \"%s\" is missing", c->x);
		return -1;
	}
	if (v->type == TW_JSTR && c->xtype != X_NUMBER) {
		if (v->flags == 0 && tw_time_parse(v->p, v->len, &t) == 0) {
			*x = (double)t;
			return 0;
		}
		if (c->xtype == X_TIME || tw_json_double(v, x) < 0 || !isfinite(*x)) {
			bad(c, in, "field \"%s\" is not a time", c->x);
			return -1;
		}
	} else if (tw_json_double(v, x) < 0 || !isfinite(*x)) {
		bad(c, in, c->xtype == X_TIME ? "field \"%s\" is not a time" :
		    "field \"%s\" is not a number", c->x);
		return -1;
	}
	/* A plain number: epoch milliseconds when it looks like one. */
	if (!(*x == floor(*x) && *x >= 1e11 && *x < 1e14))
		c->any_plain_num = 1;
	return 0;
}

/* Expands a top-k array [{"value":V,"count":N},...]; -1 when it is not one. */
static int
topk(struct chart *c, struct tw_input *in, const struct tw_json *j,
    const struct tw_jval *arr, uint32_t s, const char *yname, struct tw_buf *lb,
    const struct winfo *wi)
{
	const struct tw_jval *e, *val, *cnt;
	uint32_t i;
	double y;

	for (i = 0, e = arr + 1; i < arr->len; i++, e = tw_json_after(j, e)) {
		if (e->type != TW_JOBJ || (cnt = TW_JGET(j, e, "count")) == NULL) {
			bad(c, in, "field \"%s\" is not a top-k array of {\"value\",\"count\"}", yname);
			return -1;
		}
	}
	c->ser[s].topgen = c->records;
	for (i = 0, e = arr + 1; i < arr->len; i++, e = tw_json_after(j, e)) {
		val = TW_JGET(j, e, "value");
		cnt = TW_JGET(j, e, "count");
		if (tw_json_double(cnt, &y) < 0 || !isfinite(y)) {
			bad(c, in, "field \"%s\" has a count that is not a number", yname);
			continue;
		}
		tw_buf_reset(lb);
		label_of(lb, j, val);
		add_point(c, s, cat_id(c, lb->p), 0, y, 1, wi);
	}
	return 0;
}

static void
record(struct chart *c, struct tw_input *in, const struct tw_json *j,
    struct tw_buf *lb, struct tw_buf *sb)
{
	const struct tw_jval *root = &j->v[0], *xv = NULL, *yv, *bv, *fv;
	struct winfo wi = { 0, 0, 0 };
	double x = 0, y;
	uint32_t cat = 0, s;
	int i, havex = 0, used = 0;

	/* The first record of a file that lacks what the chart reads and
	 * is shaped like an API payload: the wrong input, not bad lines. */
	if (c->cur_usable == 0 && lacks_fields(c, j, root) && looks_api(j, root)) {
		wrong(c, in, api_hint);
		return;
	}
	if (root->type != TW_JOBJ) {
		bad(c, in, "expected a JSON object");
		return;
	}
	if (c->npt >= MAX_POINTS || c->nser >= MAX_NAMES || c->ncat >= MAX_NAMES) {
		/* Memory stays bounded: a chart of a million points is
		 * already more than a page can show. */
		if (c->dropped++ == 0 && !c->quiet)
			tw_warn("%s:%llu: more than %d points, series or categories: "
			    "this record and the rest are left out", in->name,
			    (unsigned long long)in->lineno, MAX_POINTS);
		return;
	}
	if (c->records++ == 0)
		note_keys(c, j, root);
	if (window_of(j, root, &wi.ws, &wi.we) == 0) {
		wi.flags |= PT_WIN;
		if (c->wmin == HUGE_VAL)
			c->wdur = wi.we - wi.ws;
		else if (wi.we - wi.ws != c->wdur)
			c->wirregular = 1;
		c->wmin = fmin(c->wmin, wi.ws);
		c->wsmax = fmax(c->wsmax, wi.ws);
	}
	if ((fv = TW_JGET(j, root, "final")) != NULL && fv->type == TW_JFALSE)
		wi.flags |= PT_OPEN;
	if (c->x != NULL && (xv = tw_json_get(j, root, c->x, strlen(c->x))) != NULL)
		c->seen_x = 1;
	if (c->kind == K_LINE) {
		if (line_x(c, in, xv, &x) < 0)
			return;
		havex = 1;
	} else if (xv != NULL) {
		tw_buf_reset(lb);
		label_of(lb, j, xv);
		havex = 1;
	}
	bv = c->by != NULL ? tw_json_get(j, root, c->by, strlen(c->by)) : NULL;
	if (bv != NULL)
		c->seen_by = 1;
	for (i = 0; i < c->ny; i++) {
		/* Series names say what they are: "count", "lang=en",
		 * "count, lang=en" (a legend of "true" and "false" would not). */
		tw_buf_reset(sb);
		if (c->by == NULL || c->ny > 1)
			tw_buf_adds(sb, c->ynames[i]);
		if (c->by != NULL) {
			if (sb->len)
				tw_buf_adds(sb, ", ");
			tw_buf_adds(sb, c->by);
			tw_buf_addc(sb, '=');
			label_of(sb, j, bv);
		}
		s = series_id(c, sb->p);
		yv = tw_json_get(j, root, c->ynames[i], strlen(c->ynames[i]));
		if (yv == NULL) {
			bad(c, in, "field \"%s\" is missing", c->ynames[i]);
			continue;
		}
		c->seen_y[i] = 1;
		if (yv->type == TW_JNULL) {
			used = 1;
			continue;	/* no value, as SQL: nothing to draw */
		}
		if (yv->type == TW_JARR && c->kind != K_LINE) {
			if (topk(c, in, j, yv, s, c->ynames[i], lb, &wi) == 0)
				used = 1;
			continue;
		}
		if (!havex) {
			bad(c, in, c->x ? "field \"%s\" is missing" :
			    "no -x field, and \"%s\" is not a top-k array", c->x ? c->x : c->ynames[i]);
			continue;
		}
		if (tw_json_double(yv, &y) < 0 || !isfinite(y)) {
			bad(c, in, "field \"%s\" is not a number", c->ynames[i]);
			continue;
		}
		if (c->kind != K_LINE) {
			/* the label may have been overwritten by a top-k list */
			tw_buf_reset(lb);
			label_of(lb, j, xv);
			cat = cat_id(c, lb->p);
		}
		add_point(c, s, cat, x, y, 0, &wi);
		used = 1;
	}
	if (used) {
		c->usable++;
		c->cur_usable++;
	}
}

void
chart_load(struct chart *c, const char *dir)
{
	struct tw_reader r;
	struct tw_input in;
	struct tw_json j;
	struct tw_buf lb = TW_BUF_INIT, sb = TW_BUF_INIT;
	char **files = c->files;
	enum tw_in_status st;
	int i;

	if (dir != NULL && c->nfiles > 0) {
		files = tw_xcalloc((size_t)c->nfiles, sizeof *files);
		for (i = 0; i < c->nfiles; i++) {
			struct tw_buf p = TW_BUF_INIT;

			if (c->files[i][0] != '/' && strcmp(c->files[i], "-") != 0) {
				tw_buf_adds(&p, dir);	/* "" for a spec in / */
				tw_buf_addc(&p, '/');
			}
			tw_buf_adds(&p, c->files[i]);
			files[i] = p.p;
		}
	}
	if (c->rejects != NULL) {
		char e[300];

		if (tw_rejects_open(&c->rej, c->rejects, 1, e, sizeof e) < 0)
			tw_die(1, "%s", e);
		c->have_rej = 1;
	}
	tw_reader_open(&r, files, c->nfiles);
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	while (!c->wrong && (st = tw_input_next(&in)) != TW_IN_EOF) {
		int first = 0;

		if (st == TW_IN_DOC || st == TW_IN_BAD) {
			c->lines++;
			if (in.name != c->cur_file) {
				c->cur_file = in.name;
				c->cur_usable = 0;
				first = 1;
			}
		}
		switch (st) {
		case TW_IN_DOC:
			record(c, &in, &j, &lb, &sb);
			break;
		case TW_IN_BAD:
			if (first && looks_csv(in.raw, in.rawlen))
				wrong(c, &in, csv_hint);
			else
				bad(c, &in, "%s", in.reason);
			break;
		case TW_IN_IOERR:
			c->ioerr++;
			tw_warn("%s: %s", in.name, r.errmsg);
			if (strlen(c->errs) < sizeof c->errs - 2)
				snprintf(c->errs + strlen(c->errs),
				    sizeof c->errs - strlen(c->errs), "%s%s: %s",
				    c->errs[0] ? "; " : "", in.name, r.errmsg);
			break;
		default:
			break;
		}
	}
	if (c->have_rej) {
		if (tw_rejects_close(&c->rej) < 0)
			tw_writer_fail(tw_rejects_failed(&c->rej));
		free(c->rej.why_path);	/* kept by close for its messages */
		c->rej.why_path = NULL;
	}
	c->have_rej = 0;
	c->time_x = c->kind == K_LINE && (c->xtype == X_TIME ||
	    (c->xtype == X_AUTO && !c->any_plain_num));
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
	tw_buf_free(&lb);
	tw_buf_free(&sb);
	if (files != c->files) {
		for (i = 0; i < c->nfiles; i++)
			free(files[i]);
		free(files);
	}
	if (r.stopped || tw_sig_caught)
		tw_sig_reraise();
}

/* ---- choosing what is drawn ---- */

static const struct chart *sort_c;

static int
by_name(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return strcmp(sort_c->ser[x].name, sort_c->ser[y].name);
}

static int
by_total(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	double tx = sort_c->ser[x].total, ty = sort_c->ser[y].total;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(sort_c->ser[x].name, sort_c->ser[y].name);
}

static int
cat_by_total(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	double tx = sort_c->cattotal[x], ty = sort_c->cattotal[y];

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int
cat_by_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Why the chart cannot be drawn, if it cannot: in failed and errs. */
static void
check(struct chart *c)
{
	const char *missing = NULL;
	int i;

	if (c->wrong) {
		c->failed = FAIL_WRONG;	/* errs holds the message */
		return;
	}
	if (c->ioerr) {
		char t[sizeof c->errs];

		memcpy(t, c->errs, sizeof t);
		snprintf(c->errs, sizeof c->errs, "cannot read %.480s", t);
		c->failed = FAIL_IO;
		return;
	}
	if (c->records > 0) {
		/* A field in no record is a typo, not an empty chart. */
		if (c->x != NULL && !c->seen_x)
			missing = c->x;
		for (i = 0; i < c->ny && missing == NULL; i++)
			if (!c->seen_y[i])
				missing = c->ynames[i];
		if (missing == NULL && c->by != NULL && !c->seen_by)
			missing = c->by;
		if (missing != NULL) {
			snprintf(c->errs, sizeof c->errs,
			    "no record has the field \"%s\" (the first has: %s)",
			    missing, c->first_keys);
			c->failed = FAIL_FIELD;
			return;
		}
	}
	if (c->lines > 0 && c->usable == 0) {
		snprintf(c->errs, sizeof c->errs, "no usable record in %llu line%s",
		    (unsigned long long)c->lines, c->lines == 1 ? "" : "s");
		c->failed = FAIL_UNUSABLE;
	}
}

/* A point is live unless a later top-k list of its series replaced it. */
static int
live(const struct chart *c, const struct point *p)
{
	return !p->topk || p->gen == c->ser[p->series].topgen;
}

void
chart_finish(struct chart *c)
{
	uint32_t i, *all, n = 0;
	size_t k;
	char *has;
	int regular;

	check(c);
	regular = !c->wirregular && c->wsmax > c->wmin;
	sort_c = c;
	for (k = 0; k < c->npt; k++) {
		struct point *p = &c->pt[k];

		if (!live(c, p))
			continue;
		c->ser[p->series].total += fabs(p->y);
		c->ser[p->series].shown = 1;	/* has points */
		/* A window may be partial when tw-agg says it is still open,
		 * or when it is the first or the last of regular windows
		 * (two starts or more, one length: not the event range of a
		 * whole-input aggregate, nor sessions): the events may start
		 * or stop anywhere inside it. */
		if (c->partial != PART_NONE && ((p->flags & PT_OPEN) ||
		    (c->partial == PART_AUTO && (p->flags & PT_WIN) && regular &&
		    (p->ws == c->wmin || p->ws == c->wsmax))))
			p->flags |= PT_PARTIAL;
	}
	/* Series: the MAX_SERIES largest by total, then shown by name. */
	all = tw_xcalloc(c->nser + 1, sizeof *all);
	for (i = 0; i < c->nser; i++)
		if (c->ser[i].shown)
			all[n++] = i;
	if (n > MAX_SERIES) {
		qsort(all, n, sizeof *all, by_total);
		snprintf(c->notes[c->nnotes++], sizeof c->notes[0],
		    "%u series: the %d with the largest totals are shown",
		    (unsigned)n, MAX_SERIES);
		for (i = MAX_SERIES; i < n; i++)
			c->ser[all[i]].shown = 0;
		n = MAX_SERIES;
	}
	/* Several -y fields keep their order; --by values sort by name. */
	if (c->by != NULL && c->ny == 1)
		qsort(all, n, sizeof *all, by_name);
	else
		qsort(all, n, sizeof *all, cat_by_id);	/* ids: first seen */
	c->sorder = all;
	c->nshown = n;

	if (c->kind == K_LINE) {
		for (k = 0; k < c->npt; k++)
			if (c->ser[c->pt[k].series].shown && (c->pt[k].flags & PT_PARTIAL))
				c->npartial++;
		return;
	}
	/* Categories: totals over the shown series. */
	for (k = 0; k < c->npt; k++) {
		struct point *p = &c->pt[k];

		if (live(c, p) && c->ser[p->series].shown)
			c->cattotal[p->cat] += fabs(p->y);
	}
	/* Categories with a live point of a shown series, as first seen. */
	c->corder = tw_xcalloc(c->ncat + 1, sizeof *c->corder);
	has = tw_xcalloc(c->ncat + 1, 1);
	for (k = 0; k < c->npt; k++)
		if (live(c, &c->pt[k]) && c->ser[c->pt[k].series].shown)
			has[c->pt[k].cat] = 1;
	for (i = 0, n = 0; i < c->ncat; i++)
		if (has[i])
			c->corder[n++] = i;
	free(has);
	if ((int)n > c->limit || c->sort) {
		qsort(c->corder, n, sizeof *c->corder, cat_by_total);
		if ((int)n > c->limit) {
			snprintf(c->notes[c->nnotes++], sizeof c->notes[0],
			    "%u categories: the %d largest are shown", (unsigned)n, c->limit);
			n = (uint32_t)c->limit;
		}
		if (!c->sort)
			qsort(c->corder, n, sizeof *c->corder, cat_by_id);
	}
	c->ncshown = n;
	/* Partial bars, of the categories shown. */
	has = tw_xcalloc(c->ncat + 1, 1);
	for (i = 0; i < n; i++)
		has[c->corder[i]] = 1;
	for (k = 0; k < c->npt; k++) {
		struct point *p = &c->pt[k];

		if (live(c, p) && c->ser[p->series].shown && has[p->cat] &&
		    (p->flags & PT_PARTIAL))
			c->npartial++;
	}
	free(has);
}

void
chart_free(struct chart *c)
{
	uint32_t i;

	for (i = 0; i < c->nser; i++)
		free(c->ser[i].name);
	for (i = 0; i < c->ncat; i++)
		free(c->cat[i]);
	free(c->ser);
	free(c->cat);
	free(c->cattotal);
	free(c->pt);
	free(c->sorder);
	free(c->corder);
	free(c->yarg);
	sm_free(c->sm);
	sm_free(c->cm);
	pm_free(c->pm);
}

/* ---- output ---- */


