/*
 * tw-plot: SVG charts and an HTML dashboard from NDJSON records.
 *
 * Data flow: tw_reader -> tw_input (documents) -> points keyed by
 * (series, x), the last value kept (tw-agg update records) -> the chart
 * chooses what to show -> svg.c writes the SVG -> stdout or a file
 * written atomically. dash.c builds a page of several charts.
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

static const char usage_text[] =
    "usage: tw-plot line|bar|hbar [-x FIELD] -y FIELD[,FIELD...] [--by FIELD]\n"
    "               [--title TEXT] [--x-type auto|time|number] [--sort]\n"
    "               [--limit N] [--size WxH] [-q] [-o FILE.svg] [FILE ...]\n"
    "       tw-plot dashboard SPEC -o DIR/index.html\n";

static void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	if (status == 0)
		fputs("\n"
		    "  line                  a line chart over time or a number (one line per series)\n"
		    "  bar, hbar             vertical or horizontal bars, one per category\n"
		    "  -x, --x FIELD         x: a time (ISO 8601 or epoch ms), a number, a category\n"
		    "  -y, --y LIST          the values; a top-k array ([{value,count},...])\n"
		    "                        is expanded into bars\n"
		    "  -b, --by FIELD        one series per distinct value of FIELD\n"
		    "  -t, --title TEXT      the chart title\n"
		    "      --x-type TYPE     auto (default), time or number\n"
		    "  -s, --sort            bars: largest first (default: input order)\n"
		    "  -n, --limit N         bars: at most N categories (default 40)\n"
		    "      --size WxH        the size in pixels (default 800x400)\n"
		    "  -o, --output FILE     write to FILE (atomically) instead of stdout\n"
		    "  -q, --quiet           no per-line messages\n"
		    "  -h, --help            this help\n"
		    "      --version         the version\n"
		    "\n"
		    "  dashboard SPEC -o FILE  one HTML page from a spec of charts (see tw-plot(1))\n",
		    stdout);
	exit(status);
}

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
hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

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
	size_t i = hash_bytes(s, strlen(s)) & (m->cap - 1);

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

static int
errf(char *err, size_t n, const char *fmt, const char *a, const char *b)
{
	snprintf(err, n, fmt, a, b);
	return -1;
}

int
chart_parse(struct chart *c, int argc, char **argv, int opt_out, char *err,
    size_t errlen)
{
	static const struct option longopts[] = {
		{ "x", required_argument, NULL, 'x' },
		{ "y", required_argument, NULL, 'y' },
		{ "by", required_argument, NULL, 'b' },
		{ "title", required_argument, NULL, 't' },
		{ "sort", no_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "x-type", required_argument, NULL, 1 },
		{ "size", required_argument, NULL, 2 },
		{ "version", no_argument, NULL, 3 },
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
	if (strcmp(argv[0], "line") == 0)
		c->kind = K_LINE;
	else if (strcmp(argv[0], "bar") == 0)
		c->kind = K_BAR;
	else if (strcmp(argv[0], "hbar") == 0)
		c->kind = K_HBAR;
	else
		return errf(err, errlen, "unknown chart type \"%s\" (line, bar, hbar or dashboard)%s",
		    argv[0], "");
	optind = 0;	/* glibc: start a fresh scan (the dashboard parses many) */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+b:hn:o:qst:x:y:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b': c->by = optarg; break;
		case 'h': usage(0); break;
		case 'n':
			if (tw_parse_int(optarg, 1, 10000, &v, &e) < 0)
				return errf(err, errlen, "--limit: %s: %s", optarg, e);
			c->limit = (int)v;
			break;
		case 'o':
			if (!opt_out)
				return errf(err, errlen, "-o is not allowed here%s%s", "", "");
			c->out = optarg;
			break;
		case 'q': c->quiet = 1; break;
		case 's': c->sort = 1; break;
		case 't': c->title = optarg; break;
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
				return errf(err, errlen, "--x-type: %s: use auto, time or number%s",
				    optarg, "");
			break;
		case 2:
			errno = 0;
			w = strtol(optarg, &end, 10);
			if (end == optarg || *end != 'x' || errno)
				return errf(err, errlen, "--size: %s: use WIDTHxHEIGHT, e.g. 800x400%s",
				    optarg, "");
			h = strtol(end + 1, &end, 10);
			if (*end || errno || w < 200 || w > 10000 || h < 150 || h > 10000)
				return errf(err, errlen, "--size: %s: width 200..10000 and height 150..10000%s",
				    optarg, "");
			c->width = (int)w;
			c->height = (int)h;
			c->size_set = 1;
			break;
		case 3:
			printf("tw-plot %s\n", TW_VERSION);
			exit(0);
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option or missing argument: -%c", optopt);
			else
				snprintf(err, errlen, "unknown option or missing argument: %s",
				    argv[optind - 1]);
			return -1;
		}
	}
	if (yl == NULL || *yl == '\0')
		return errf(err, errlen, "no -y field: give e.g. -y count%s%s", "", "");
	if (c->x == NULL && c->kind == K_LINE)
		return errf(err, errlen, "a line chart needs -x FIELD, e.g. -x window_start%s%s", "", "");
	c->yarg = tw_xstrdup(yl);
	for (tok = strtok_r(c->yarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (c->ny == MAX_Y)
			return errf(err, errlen, "-y: at most 16 fields%s%s", "", "");
		c->ynames[c->ny++] = tok;
	}
	if (c->ny == 0)
		return errf(err, errlen, "no -y field: give e.g. -y count%s%s", "", "");
	c->files = argv + optind;
	c->nfiles = argc - optind;
	return 0;
}

/* ---- loading ---- */

static void
bad(struct chart *c, struct tw_input *in, const char *fmt, const char *field)
{
	char msg[300];

	/* Counted once per line, however many of its fields are bad. */
	if (c->bad_line != in->lineno || c->bad_name != in->name) {
		c->bad++;
		c->bad_line = in->lineno;
		c->bad_name = in->name;
	}
	if (c->quiet)
		return;
	snprintf(msg, sizeof msg, fmt, field);
	tw_warn("%s:%llu: %s", in->name, (unsigned long long)in->lineno, msg);
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

/* Keeps the last value for (series, x). */
static void
add_point(struct chart *c, uint32_t s, uint32_t cat, double x, double y,
    int topk)
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
	p->topk = topk;
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
    const struct tw_jval *arr, uint32_t s, const char *yname, struct tw_buf *lb)
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
		add_point(c, s, cat_id(c, lb->p), 0, y, 1);
	}
	return 0;
}

static void
record(struct chart *c, struct tw_input *in, const struct tw_json *j,
    struct tw_buf *lb, struct tw_buf *sb)
{
	const struct tw_jval *root = &j->v[0], *xv = NULL, *yv, *bv;
	double x = 0, y;
	uint32_t cat = 0, s;
	int i, havex = 0;

	if (root->type != TW_JOBJ) {
		bad(c, in, "expected a JSON object%s", "");
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
	c->records++;
	if (c->x != NULL)
		xv = tw_json_get(j, root, c->x, strlen(c->x));
	if (c->kind == K_LINE) {
		if (line_x(c, in, xv, &x) < 0)
			return;
		havex = 1;
	} else if (xv != NULL) {
		tw_buf_reset(lb);
		label_of(lb, j, xv);
		havex = 1;
	}
	tw_buf_reset(sb);
	if (c->by != NULL) {
		bv = tw_json_get(j, root, c->by, strlen(c->by));
		label_of(sb, j, bv);
	}
	for (i = 0; i < c->ny; i++) {
		size_t base = sb->len;

		yv = tw_json_get(j, root, c->ynames[i], strlen(c->ynames[i]));
		if (c->by == NULL || c->ny > 1) {
			if (c->by != NULL)
				tw_buf_addc(sb, ' ');
			tw_buf_adds(sb, c->ynames[i]);
		}
		s = series_id(c, sb->p);
		sb->len = base;
		sb->p[base] = '\0';
		if (yv == NULL) {
			bad(c, in, "field \"%s\" is missing", c->ynames[i]);
			continue;
		}
		if (yv->type == TW_JNULL)
			continue;	/* no value, as SQL: nothing to draw */
		if (yv->type == TW_JARR && c->kind != K_LINE) {
			topk(c, in, j, yv, s, c->ynames[i], lb);
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
		add_point(c, s, cat, x, y, 0);
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
	tw_reader_open(&r, files, c->nfiles);
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		switch (st) {
		case TW_IN_DOC:
			record(c, &in, &j, &lb, &sb);
			break;
		case TW_IN_BAD:
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

	sort_c = c;
	for (k = 0; k < c->npt; k++) {
		struct point *p = &c->pt[k];

		if (!live(c, p))
			continue;
		c->ser[p->series].total += fabs(p->y);
		c->ser[p->series].shown = 1;	/* has points */
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

	if (c->kind == K_LINE)
		return;
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

int
write_out(const char *path, const char *data, size_t len, char *err,
    size_t errlen)
{
	struct tw_buf tmp = TW_BUF_INIT;
	struct tw_writer w;
	struct stat sb;
	int fd, direct = 0, e;

	/* A device or a FIFO is written in place; a file is replaced whole. */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		direct = 1;
	if (direct) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		tw_buf_adds(&tmp, path);
	} else {
		const char *slash = strrchr(path, '/');

		if (slash)
			tw_buf_add(&tmp, path, (size_t)(slash - path + 1));
		tw_buf_addf(&tmp, ".%s.tmp.%ld", slash ? slash + 1 : path, (long)getpid());
		fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		tw_buf_free(&tmp);
		return -1;
	}
	tw_writer_init(&w, fd, path);
	tw_buf_add(&w.out, data, len);
	if (tw_writer_flush(&w) < 0 || (!direct && fsync(fd) < 0 && errno != EINVAL)) {
		e = w.err ? w.err : errno;
		tw_writer_close(&w);
		goto fail;
	}
	if (tw_writer_close(&w) < 0) {
		e = w.err;
		goto fail;
	}
	if (!direct && rename(tmp.p, path) < 0) {
		e = errno;
		goto fail;
	}
	tw_buf_free(&tmp);
	return 0;
fail:
	if (!direct)
		unlink(tmp.p);
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	tw_buf_free(&tmp);
	return -1;
}

int
main(int argc, char **argv)
{
	struct chart c;
	struct tw_buf out = TW_BUF_INIT;
	struct tw_writer w;
	char err[600];
	int status;

	tw_setprog(argv[0]);
	argv[0] = (char *)tw_prog;	/* getopt names the program by argv[0] */
	tw_sig_init();
	if (argc < 2)
		usage(2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(0);
	if (strcmp(argv[1], "--version") == 0) {
		printf("tw-plot %s\n", TW_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "dashboard") == 0)
		return dash_main(argc - 1, argv + 1);
	if (chart_parse(&c, argc - 1, argv + 1, 1, err, sizeof err) < 0) {
		tw_warn("%s", err);
		usage(2);
	}
	chart_load(&c, NULL);
	chart_finish(&c);
	svg_render(&out, &c);
	status = c.ioerr ? 1 : 0;
	if (c.out != NULL) {
		if (write_out(c.out, out.p, out.len, err, sizeof err) < 0) {
			tw_warn("%s", err);
			status = 1;
		}
	} else {
		tw_writer_init(&w, STDOUT_FILENO, "<stdout>");
		tw_buf_add(&w.out, out.p, out.len);
		if (tw_writer_close(&w) < 0)
			tw_writer_fail(&w);
	}
	if (c.bad && !c.quiet)
		tw_warn("%llu bad line%s skipped", (unsigned long long)c.bad,
		    c.bad == 1 ? "" : "s");
	if (c.dropped)
		tw_warn("%llu records past the limit of %d points left out",
		    (unsigned long long)c.dropped, MAX_POINTS);
	tw_buf_free(&out);
	chart_free(&c);
	return status;
}
