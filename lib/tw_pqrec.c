/*
 * tw_pqrec.c: records to Parquet rows (the mapping is in tw_pqrec.h).
 *
 * A known record is one pass over its members: each finds its column
 * (tw-flatten writes them in schema order, so the column after the last
 * one is tried first), converts its value and hands it to the writer.
 * An inferred record takes two: the first settles the schema (new
 * columns, widenings, which the writer only does between rows), the
 * second gives the values.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_pqrec.h"
#include "tw_schema.h"
#include "tw_time.h"
#include "tw_util.h"

enum kind {
	K_NONE,		/* inferred, no value seen yet: not in the writer */
	K_STR, K_ID, K_INT, K_NUM, K_BOOL, K_TIME,
	K_LSTR,		/* list of strings */
	K_LNUM,		/* list of doubles */
	K_LID,		/* list of ids: int64 */
	K_MEDIA,	/* list of {media_key, type, url} */
	K_JSON		/* JSON text */
};

struct col {
	char *name;
	size_t len;
	enum kind kind;
	int f;			/* the writer's field, -1 for K_NONE */
	int omit;
	int window;		/* window_start, window_end */
	int dbl;		/* tw-agg's avg_ and pNN_: numbers are doubles */
	uint64_t stamp;		/* the record that gave it a value */
};

struct tw_pqrec {
	struct tw_pq *w;
	struct tw_pqrec_opts o;
	char **omit;
	int started;
	int rtype;		/* TW_R_*, or -1: inferred */
	char *kind;
	struct col *cols;
	int ncols, capcols;
	int hint;
	uint64_t stamp;
	int *mcol;		/* inferred: the column of each member */
	size_t capm;
	struct tw_pqrec_counts c;
	struct tw_buf tmp, tmp2, key;
	int broken;
	char err[256];
};

static const struct tw_pq_member media_members[] = {
	{ "media_key", TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING, 0 },
	{ "type", TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING, 1 },
	{ "url", TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING, 0 },
};

static const char *const kind_names[] = {
	[K_NONE] = "null", [K_STR] = "string", [K_ID] = "int64",
	[K_INT] = "int64", [K_NUM] = "double", [K_BOOL] = "boolean",
	[K_TIME] = "timestamp", [K_LSTR] = "list<string>",
	[K_LNUM] = "list<double>", [K_LID] = "list<int64>",
	[K_MEDIA] = "list<struct>", [K_JSON] = "json"
};

/* The writer field of a column of kind k named name. */
static struct tw_pq_field
pq_field(const char *name, enum kind k)
{
	struct tw_pq_field f;

	memset(&f, 0, sizeof f);
	f.name = name;
	f.shape = TW_PQ_SCALAR;
	switch (k) {
	case K_ID:
	case K_INT:
		f.type = TW_PQ_INT64;
		break;
	case K_TIME:
		f.type = TW_PQ_INT64;
		f.logical = TW_PQ_L_TIMESTAMP_MS;
		break;
	case K_NUM:
		f.type = TW_PQ_DOUBLE;
		break;
	case K_BOOL:
		f.type = TW_PQ_BOOLEAN;
		break;
	case K_LSTR:
		f.shape = TW_PQ_LIST;
		f.type = TW_PQ_BYTE_ARRAY;
		f.logical = TW_PQ_L_STRING;
		f.dict = 1;
		break;
	case K_LNUM:
		f.shape = TW_PQ_LIST;
		f.type = TW_PQ_DOUBLE;
		break;
	case K_LID:
		f.shape = TW_PQ_LIST;
		f.type = TW_PQ_INT64;
		break;
	case K_MEDIA:
		f.shape = TW_PQ_LIST_STRUCT;
		f.members = media_members;
		f.nmembers = 3;
		break;
	case K_JSON:
		f.type = TW_PQ_BYTE_ARRAY;
		f.logical = TW_PQ_L_JSON;
		f.dict = 1;
		break;
	default:
		f.type = TW_PQ_BYTE_ARRAY;
		f.logical = TW_PQ_L_STRING;
		f.dict = 1;
		break;
	}
	return f;
}

/* The kind of known field fl. */
static enum kind
known_kind(const struct tw_field *fl)
{
	switch (fl->type) {
	case TW_F_ID: return K_ID;
	case TW_F_INT: return K_INT;
	case TW_F_NUM: return K_NUM;
	case TW_F_BOOL: return K_BOOL;
	case TW_F_TIME: return K_TIME;
	case TW_F_JSON:
		if (strcmp(fl->name, "hashtags") == 0 || strcmp(fl->name, "mentions") == 0 ||
		    strcmp(fl->name, "urls") == 0 || strcmp(fl->name, "matching_rules") == 0)
			return K_LSTR;
		if (strcmp(fl->name, "mention_ids") == 0 ||
		    strcmp(fl->name, "edit_history_tweet_ids") == 0 ||
		    strcmp(fl->name, "poll_ids") == 0)
			return K_LID;
		if (strcmp(fl->name, "bbox") == 0)
			return K_LNUM;
		if (strcmp(fl->name, "media") == 0)
			return K_MEDIA;
		return K_JSON;
	default:
		return K_STR;
	}
}

const struct tw_pq_field *
tw_pqrec_schema(int t, int *n)
{
	static struct tw_pq_field known[TW_R_N][64];
	static int ready;
	int r, i;

	if (!ready) {
		for (r = 0; r < TW_R_N; r++)
			for (i = 0; i < tw_rdefs[r].nfields && i < 64; i++)
				known[r][i] = pq_field(tw_rdefs[r].fields[i].name,
				    known_kind(&tw_rdefs[r].fields[i]));
		ready = 1;
	}
	if (t < 0 || t >= TW_R_N) {
		*n = 0;
		return NULL;
	}
	*n = tw_rdefs[t].nfields;
	return known[t];
}

static void
hive_scalar(struct tw_buf *b, enum tw_pq_type t, enum tw_pq_logical l)
{
	switch (t) {
	case TW_PQ_BOOLEAN: tw_buf_adds(b, "boolean"); break;
	case TW_PQ_INT64:
		tw_buf_adds(b, l == TW_PQ_L_TIMESTAMP_MS ? "timestamp" : "bigint");
		break;
	case TW_PQ_DOUBLE: tw_buf_adds(b, "double"); break;
	default: tw_buf_adds(b, l == TW_PQ_L_NONE ? "binary" : "string"); break;
	}
}

void
tw_pqrec_hive_type(struct tw_buf *b, const struct tw_pq_field *f)
{
	int i;

	switch (f->shape) {
	case TW_PQ_SCALAR:
		hive_scalar(b, f->type, f->logical);
		break;
	case TW_PQ_LIST:
		tw_buf_adds(b, "array<");
		hive_scalar(b, f->type, f->logical);
		tw_buf_addc(b, '>');
		break;
	case TW_PQ_LIST_STRUCT:
		tw_buf_adds(b, "array<struct<");
		for (i = 0; i < f->nmembers; i++) {
			if (i)
				tw_buf_addc(b, ',');
			tw_buf_adds(b, f->members[i].name);
			tw_buf_addc(b, ':');
			hive_scalar(b, f->members[i].type, f->members[i].logical);
		}
		tw_buf_adds(b, ">>");
		break;
	}
}

/* ---- setup ---------------------------------------------------------------- */

struct tw_pqrec *
tw_pqrec_new(int fd, const struct tw_pq_opts *po, const struct tw_pqrec_opts *ro)
{
	struct tw_pqrec *r = tw_xcalloc(1, sizeof *r);
	int i;

	tw_buf_init(&r->tmp);
	tw_buf_init(&r->tmp2);
	tw_buf_init(&r->key);

	r->w = tw_pq_new(fd, po);
	if (ro)
		r->o = *ro;
	if (r->o.max_value == 0)
		r->o.max_value = TW_PQREC_MAX_VALUE;
	if (r->o.nomit > 0) {
		r->omit = tw_xcalloc((size_t)r->o.nomit, sizeof *r->omit);
		for (i = 0; i < r->o.nomit; i++)
			r->omit[i] = tw_xstrdup(r->o.omit[i]);
	}
	r->o.omit = NULL;
	r->rtype = -1;
	r->kind = tw_xstrdup("");
	return r;
}

static int
omitted(const struct tw_pqrec *r, const char *name, size_t n)
{
	int i;

	for (i = 0; i < r->o.nomit; i++)
		if (strlen(r->omit[i]) == n && memcmp(r->omit[i], name, n) == 0)
			return 1;
	return 0;
}

static struct col *
add_col(struct tw_pqrec *r, const char *name, size_t n, enum kind k)
{
	struct col *c;

	if (r->ncols == r->capcols) {
		r->capcols = r->capcols ? r->capcols * 2 : 64;
		r->cols = tw_xrealloc(r->cols, (size_t)r->capcols * sizeof *r->cols);
	}
	c = &r->cols[r->ncols++];
	memset(c, 0, sizeof *c);
	c->name = tw_xstrndup(name, n);
	c->len = n;
	c->kind = k;
	c->f = -1;
	c->omit = omitted(r, name, n);
	c->window = (n == 12 && memcmp(name, "window_start", 12) == 0) ||
	    (n == 10 && memcmp(name, "window_end", 10) == 0);
	c->dbl = (n > 4 && memcmp(name, "avg_", 4) == 0) ||
	    (n > 2 && name[0] == 'p' && name[1] >= '0' && name[1] <= '9');
	return c;
}

static int
io_error(struct tw_pqrec *r)
{
	int e = errno;

	r->broken = 1;
	snprintf(r->err, sizeof r->err, "%s", tw_pq_error(r->w));
	errno = e;
	return TW_PQREC_IOERR;
}

/* Gives column c its place in the writer (kind c->kind). */
static int
col_to_writer(struct tw_pqrec *r, struct col *c)
{
	struct tw_pq_field f = pq_field(c->name, c->kind);

	c->f = tw_pq_add_field(r->w, &f);
	if (c->f < 0)
		return io_error(r);
	return 0;
}

/* The first record: the file's kind, and for a known type its columns. */
static int
start(struct tw_pqrec *r, const struct tw_jval *rt, int t)
{
	int i;

	r->started = 1;
	free(r->kind);
	if (rt && rt->type == TW_JSTR) {
		tw_buf_reset(&r->tmp);
		tw_json_str_decode(&r->tmp, rt);
		r->kind = tw_xstrndup(r->tmp.p, r->tmp.len);
	} else
		r->kind = tw_xstrdup("");
	r->rtype = t;
	if (r->kind[0])
		tw_pq_kv(r->w, "twpipe.record_type", r->kind);
	if (t < 0)
		return 0;
	for (i = 0; i < tw_rdefs[t].nfields; i++) {
		const struct tw_field *fl = &tw_rdefs[t].fields[i];
		struct col *c = add_col(r, fl->name, strlen(fl->name), known_kind(fl));

		if (!c->omit && col_to_writer(r, c) < 0)
			return TW_PQREC_IOERR;
	}
	return 0;
}

/* ---- values ------------------------------------------------------------- */

static int TW_PRINTF(2, 3)
bad(struct tw_pqrec *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return TW_PQREC_BAD;
}

static int
too_long(struct tw_pqrec *r, const struct col *c)
{
	return bad(r, "field '%s': value longer than %zu bytes", c->name,
	    r->o.max_value);
}

/*
 * The decoded value of string v (the policy of tw_pqrec.h) in *p, *n:
 * its raw text when it has no escapes and is valid UTF-8, else decoded
 * into b. Returns 0 or TW_PQREC_BAD.
 */
static int
str_value(struct tw_pqrec *r, const struct col *c, const struct tw_jval *v,
    struct tw_buf *b, const char **p, size_t *n)
{
	size_t rep;

	if (v->flags == 0 || v->flags == TW_JF_INT) {
		*p = v->p;
		*n = v->len;
	} else {
		if ((v->flags & TW_JF_BADUTF8) && !r->o.repair_utf8)
			return bad(r, "field '%s': invalid UTF-8", c->name);
		tw_buf_reset(b);
		rep = tw_json_str_decode(b, v);
		if (rep && !r->o.repair_utf8)
			return bad(r, "field '%s': invalid UTF-8 (a lone surrogate)", c->name);
		r->c.repaired += rep;
		r->c.nul_removed += tw_buf_strip_nul(b, 0);
		*p = b->p;
		*n = b->len;
	}
	if (*n > r->o.max_value)
		return too_long(r, c);
	return 0;
}

/* Appends v as compact canonical JSON with the string policy. */
static int
json_text(struct tw_pqrec *r, const struct col *c, struct tw_buf *b,
    const struct tw_json *j, const struct tw_jval *v)
{
	const struct tw_jval *k, *end;
	const char *p = NULL;	/* set by str_value when it returns 0 */
	size_t n = 0;
	int first = 1, rc;

	switch (v->type) {
	case TW_JNULL: tw_buf_adds(b, "null"); return 0;
	case TW_JTRUE: tw_buf_adds(b, "true"); return 0;
	case TW_JFALSE: tw_buf_adds(b, "false"); return 0;
	case TW_JNUM: tw_buf_add(b, v->p, v->len); return 0;
	case TW_JSTR:
		if ((rc = str_value(r, c, v, &r->tmp2, &p, &n)) != 0)
			return rc;
		tw_buf_add_jstr(b, p, n);
		return 0;
	default:
		break;
	}
	tw_buf_addc(b, v->type == TW_JARR ? '[' : '{');
	end = tw_json_after(j, v);
	for (k = v + 1; k < end; k = tw_json_after(j, k)) {
		if (!first)
			tw_buf_addc(b, ',');
		first = 0;
		if ((rc = json_text(r, c, b, j, k)) != 0)
			return rc;
		if (v->type == TW_JOBJ) {
			k = tw_json_after(j, k);
			tw_buf_addc(b, ':');
			if ((rc = json_text(r, c, b, j, k)) != 0)
				return rc;
		}
		if (b->len > r->o.max_value)
			return too_long(r, c);
	}
	tw_buf_addc(b, v->type == TW_JARR ? ']' : '}');
	if (b->len > r->o.max_value)
		return too_long(r, c);
	return 0;
}

/*
 * The text of v for a string column: a string's value, a number's or a
 * boolean's JSON text, and for inferred columns an array's or object's
 * JSON text (a bad value in a known string field).
 */
static int
text_value(struct tw_pqrec *r, const struct col *c, const struct tw_json *j,
    const struct tw_jval *v, const char **p, size_t *n)
{
	int rc;

	switch (v->type) {
	case TW_JSTR:
		return str_value(r, c, v, &r->tmp, p, n);
	case TW_JNUM:
		*p = v->p;
		*n = v->len;
		return 0;
	case TW_JTRUE:
		*p = "true";
		*n = 4;
		return 0;
	case TW_JFALSE:
		*p = "false";
		*n = 5;
		return 0;
	default:
		if (r->rtype >= 0)
			return bad(r, "field '%s': an %s where a string belongs",
			    c->name, v->type == TW_JARR ? "array" : "object");
		tw_buf_reset(&r->tmp);
		if ((rc = json_text(r, c, &r->tmp, j, v)) != 0)
			return rc;
		*p = r->tmp.p;
		*n = r->tmp.len;
		return 0;
	}
}

static int
as_i64(const struct tw_jval *v, int64_t *x)
{
	if (v->type == TW_JNUM && !(v->flags & TW_JF_INT))
		return -1;
	return tw_json_i64(v, x);
}

static int
as_double(const struct tw_jval *v, double *x)
{
	if (v->type != TW_JNUM && v->type != TW_JSTR)
		return -1;
	return tw_json_double(v, x) == 0 && isfinite(*x) ? 0 : -1;
}

/* An id: a decimal string, or an integer literal, parsed exactly. */
static int
as_id(const struct tw_jval *v, int64_t *x)
{
	if (tw_json_i64(v, x) < 0 || (v->type == TW_JNUM && !(v->flags & TW_JF_INT)))
		return -1;
	return 0;
}

/*
 * A list column (K_LSTR, K_LNUM, K_LID): strings (numbers and booleans as
 * text), finite numbers, or ids (decimal strings or integers, parsed
 * exactly); a null element is a null.
 */
static int
list(struct tw_pqrec *r, const struct col *c, const struct tw_json *j,
    const struct tw_jval *v)
{
	const struct tw_jval *e, *end = tw_json_after(j, v);
	const char *p;
	size_t n;
	double d;
	int64_t x;
	int rc;

	if (v->type != TW_JARR)
		return bad(r, "field '%s': not a list", c->name);
	tw_pq_list_begin(r->w, c->f);
	for (e = v + 1; e < end; e = tw_json_after(j, e)) {
		if (e->type == TW_JNULL) {
			tw_pq_null(r->w, c->f);
			continue;
		}
		switch (c->kind) {
		case K_LNUM:
			if (e->type != TW_JNUM || as_double(e, &d) < 0)
				return bad(r, "field '%s': a list element that is not a "
				    "finite number", c->name);
			tw_pq_double(r->w, c->f, d);
			break;
		case K_LID:
			if (as_id(e, &x) < 0)
				return bad(r, "field '%s': a list element that is not an "
				    "id that fits int64", c->name);
			tw_pq_i64(r->w, c->f, x);
			break;
		default:
			if (e->type == TW_JARR || e->type == TW_JOBJ)
				return bad(r, "field '%s': a list element that is not a "
				    "string", c->name);
			if ((rc = text_value(r, c, j, e, &p, &n)) != 0)
				return rc;
			tw_pq_bytes(r->w, c->f, p, n);
			break;
		}
	}
	tw_pq_list_end(r->w, c->f);
	return 0;
}

static int
media(struct tw_pqrec *r, const struct col *c, const struct tw_json *j,
    const struct tw_jval *v)
{
	const struct tw_jval *e, *k, *end = tw_json_after(j, v), *kend;
	const char *p;
	size_t n;
	int rc, m;

	if (v->type != TW_JARR)
		return bad(r, "field '%s': not a list", c->name);
	tw_pq_list_begin(r->w, c->f);
	for (e = v + 1; e < end; e = tw_json_after(j, e)) {
		if (e->type == TW_JNULL) {
			tw_pq_null(r->w, c->f);
			continue;
		}
		if (e->type != TW_JOBJ)
			return bad(r, "field '%s': a list element that is not an object",
			    c->name);
		tw_pq_struct_begin(r->w, c->f);
		kend = tw_json_after(j, e);
		for (k = e + 1; k < kend; k = tw_json_after(j, k + 1)) {
			for (m = 0; m < 3; m++)
				if (tw_json_streq(k, media_members[m].name,
				    strlen(media_members[m].name)))
					break;
			if (m == 3) {
				r->c.skipped_fields++;
				continue;
			}
			if (k[1].type == TW_JNULL)
				continue;
			if ((rc = text_value(r, c, j, k + 1, &p, &n)) != 0)
				return rc;
			tw_pq_member_bytes(r->w, c->f, m, p, n);
		}
		tw_pq_struct_end(r->w, c->f);
	}
	tw_pq_list_end(r->w, c->f);
	return 0;
}

/* Gives value v of column c to the writer. */
static int
emit(struct tw_pqrec *r, struct col *c, const struct tw_json *j,
    const struct tw_jval *v)
{
	const char *p;
	size_t n;
	int64_t x;
	double d;
	int rc;

	if (v->type == TW_JNULL)
		return 0;	/* the writer nulls what is not given */
	switch (c->kind) {
	case K_STR:
		if ((rc = text_value(r, c, j, v, &p, &n)) != 0)
			return rc;
		tw_pq_bytes(r->w, c->f, p, n);
		return 0;
	case K_ID:
		if (as_id(v, &x) < 0)
			return bad(r, "field '%s': not an id that fits int64", c->name);
		tw_pq_i64(r->w, c->f, x);
		return 0;
	case K_INT:
		if (as_i64(v, &x) < 0)
			return bad(r, "field '%s': not an integer that fits int64", c->name);
		tw_pq_i64(r->w, c->f, x);
		return 0;
	case K_NUM:
		if (as_double(v, &d) < 0)
			return bad(r, "field '%s': not a finite number", c->name);
		tw_pq_double(r->w, c->f, d);
		return 0;
	case K_BOOL:
		if (v->type != TW_JTRUE && v->type != TW_JFALSE)
			return bad(r, "field '%s': not a boolean", c->name);
		tw_pq_bool(r->w, c->f, v->type == TW_JTRUE);
		return 0;
	case K_TIME:
		if (tw_json_time(v, &x) < 0)
			return bad(r, "field '%s': not a time", c->name);
		tw_pq_i64(r->w, c->f, x);
		return 0;
	case K_LSTR:
	case K_LNUM:
	case K_LID:
		return list(r, c, j, v);
	case K_MEDIA:
		return media(r, c, j, v);
	case K_JSON:
		tw_buf_reset(&r->tmp);
		if ((rc = json_text(r, c, &r->tmp, j, v)) != 0)
			return rc;
		tw_pq_bytes(r->w, c->f, r->tmp.p, r->tmp.len);
		return 0;
	default:
		return 0;
	}
}

/* ---- records ------------------------------------------------------------ */

/* The key of member k, decoded when it has escapes, in *p, *n. */
static void
key_of(struct tw_pqrec *r, const struct tw_jval *k, const char **p, size_t *n)
{
	if (k->flags == 0) {
		*p = k->p;
		*n = k->len;
		return;
	}
	tw_buf_reset(&r->key);
	tw_json_str_decode(&r->key, k);
	*p = r->key.p;
	*n = r->key.len;
}

static struct col *
find_col(struct tw_pqrec *r, const char *p, size_t n)
{
	int i, h = r->hint;

	if (h < r->ncols && r->cols[h].len == n && memcmp(r->cols[h].name, p, n) == 0) {
		r->hint = h + 1;
		return &r->cols[h];
	}
	for (i = 0; i < r->ncols; i++)
		if (r->cols[i].len == n && memcmp(r->cols[i].name, p, n) == 0) {
			r->hint = i + 1;
			return &r->cols[i];
		}
	return NULL;
}

static int
add_known(struct tw_pqrec *r, const struct tw_json *j, const struct tw_jval *obj)
{
	const struct tw_jval *k, *end = tw_json_after(j, obj);
	const char *p;
	size_t n;
	int rc;

	r->hint = 0;
	for (k = obj + 1; k < end; k = tw_json_after(j, k + 1)) {
		struct col *c;

		key_of(r, k, &p, &n);
		c = find_col(r, p, n);
		if (c == NULL) {
			r->c.skipped_fields++;
			continue;
		}
		if (c->omit || c->stamp == r->stamp)
			continue;	/* a partition column, or a repeated key */
		c->stamp = r->stamp;
		if ((rc = emit(r, c, j, k + 1)) != 0) {
			tw_pq_row_cancel(r->w);
			return rc;
		}
	}
	return 0;
}

/* The exact form "YYYY-MM-DDTHH:MM:SS.mmmZ", which reads back the same. */
static int
iso_ms(const struct tw_jval *v)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	int i;

	if (v->type != TW_JSTR || v->len != 24 || v->flags)
		return 0;
	for (i = 0; i < 24; i++)
		if (pat[i] == 'd' ? (v->p[i] < '0' || v->p[i] > '9') : v->p[i] != pat[i])
			return 0;
	return 1;
}

/* The kind a first value gives an inferred column. */
static enum kind
infer(const struct col *c, const struct tw_jval *v)
{
	int64_t x;
	double d;

	switch (v->type) {
	case TW_JNULL:
		return K_NONE;
	case TW_JTRUE:
	case TW_JFALSE:
		return K_BOOL;
	case TW_JNUM:
		if (c->window && tw_json_time(v, &x) == 0)
			return K_TIME;
		if (!c->dbl && as_i64(v, &x) == 0)
			return K_INT;
		return as_double(v, &d) == 0 ? K_NUM : K_STR;
	case TW_JSTR:
		if ((c->window || iso_ms(v)) && tw_json_time(v, &x) == 0)
			return K_TIME;
		return K_STR;
	default:
		return K_JSON;
	}
}

/* 1 when v fits inferred column c as it is. */
static int
fits(const struct col *c, const struct tw_jval *v)
{
	int64_t x;
	double d;

	if (v->type == TW_JNULL)
		return 1;
	switch (c->kind) {
	case K_BOOL:
		return v->type == TW_JTRUE || v->type == TW_JFALSE;
	case K_INT:
		return v->type == TW_JNUM && as_i64(v, &x) == 0;
	case K_NUM:
		return v->type == TW_JNUM && as_double(v, &d) == 0;
	case K_TIME:
		return (v->type == TW_JSTR || (v->type == TW_JNUM && c->window)) &&
		    tw_json_time(v, &x) == 0;
	default:
		return 1;
	}
}

/* A name an inferred column can have: 1 to 255 bytes of valid UTF-8
 * without control characters. */
static int
name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > 255 || tw_utf8_valid_prefix(p, n) != n)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	return 1;
}

/* Widens inferred column c to kind to (tw_pq_retype), reported once. */
static int
widen(struct tw_pqrec *r, struct col *c, enum kind to)
{
	enum tw_pq_type t = to == K_NUM ? TW_PQ_DOUBLE : TW_PQ_BYTE_ARRAY;
	enum tw_pq_logical l = to == K_NUM ? TW_PQ_L_NONE : TW_PQ_L_STRING;

	if (tw_pq_retype(r->w, c->f, t, l) < 0) {
		if (errno == ESPIPE || errno == EBADF || errno == ENOTSUP)
			return bad(r, "field '%s': needs widening from %s to %s, but the "
			    "row groups written cannot be read back (the output is not "
			    "a regular file open for reading)",
			    c->name, kind_names[c->kind], kind_names[to]);
		return io_error(r);
	}
	r->c.widened++;
	if (r->o.on_widen)
		r->o.on_widen(r->o.arg, c->name, kind_names[c->kind], kind_names[to]);
	c->kind = to;
	return 0;
}

static int
add_inferred(struct tw_pqrec *r, const struct tw_json *j, const struct tw_jval *obj)
{
	const struct tw_jval *k, *end = tw_json_after(j, obj);
	const char *p;
	size_t n, m = 0, i;
	int rc;

	if (obj->len > r->capm) {
		r->capm = obj->len;
		r->mcol = tw_xrealloc(r->mcol, r->capm * sizeof *r->mcol);
	}
	/* Pass 1: the schema. */
	r->hint = 0;
	for (k = obj + 1; k < end; k = tw_json_after(j, k + 1), m++) {
		struct col *c;
		enum kind vk;

		r->mcol[m] = -1;
		key_of(r, k, &p, &n);
		c = find_col(r, p, n);
		if (c == NULL) {
			if (!name_ok(p, n) || r->ncols >= TW_PQREC_MAX_COLUMNS) {
				r->c.skipped_fields++;
				continue;
			}
			c = add_col(r, p, n, K_NONE);
		}
		if (c->omit || c->stamp == r->stamp)
			continue;
		c->stamp = r->stamp;
		r->mcol[m] = (int)(c - r->cols);
		vk = infer(c, k + 1);
		if (c->kind == K_NONE) {
			if (vk == K_NONE)
				continue;
			c->kind = vk;
			if (col_to_writer(r, c) < 0)
				return TW_PQREC_IOERR;
		} else if (!fits(c, k + 1)) {
			enum kind to = c->kind == K_INT && vk == K_NUM ? K_NUM : K_STR;

			if ((rc = widen(r, c, to)) != 0)
				return rc;
		}
	}
	/* Pass 2: the values. */
	for (k = obj + 1, i = 0; i < m; k = tw_json_after(j, k + 1), i++) {
		if (r->mcol[i] < 0 || r->cols[r->mcol[i]].kind == K_NONE)
			continue;
		if ((rc = emit(r, &r->cols[r->mcol[i]], j, k + 1)) != 0) {
			tw_pq_row_cancel(r->w);
			return rc;
		}
	}
	return 0;
}

int
tw_pqrec_add(struct tw_pqrec *r, const struct tw_json *j, const struct tw_jval *obj)
{
	const struct tw_jval *rt;
	int rc, t = -1;

	r->err[0] = '\0';
	if (r->broken) {
		errno = EIO;
		return TW_PQREC_IOERR;
	}
	if (obj->type != TW_JOBJ)
		return bad(r, "not a JSON object");
	rt = TW_JGET(j, obj, "record_type");
	if (!r->started) {
		if (rt && rt->type == TW_JSTR) {
			tw_buf_reset(&r->tmp);
			tw_json_str_decode(&r->tmp, rt);
			t = tw_rtype_lookup(r->tmp.p, r->tmp.len);
			if (t >= 0 && strcmp(tw_rdefs[t].name, r->tmp.p) != 0)
				t = -1;		/* "tweets": not a record_type */
		}
		if ((rc = start(r, rt, t)) != 0)
			return rc;
	} else {
		int same = rt && rt->type == TW_JSTR ? r->kind[0] != '\0' &&
		    tw_json_streq(rt, r->kind, strlen(r->kind)) : r->kind[0] == '\0';

		if (!same)
			return TW_PQREC_OTHER;
	}
	r->stamp++;
	rc = r->rtype >= 0 ? add_known(r, j, obj) : add_inferred(r, j, obj);
	if (rc != 0)
		return rc;
	if (tw_pq_row_end(r->w) < 0) {
		if (errno == EINVAL) {
			tw_pq_row_cancel(r->w);
			return bad(r, "%s", tw_pq_error(r->w));
		}
		return io_error(r);
	}
	r->c.rows++;
	return 0;
}

const char *
tw_pqrec_error(const struct tw_pqrec *r)
{
	return r->err;
}

const struct tw_pqrec_counts *
tw_pqrec_counts(const struct tw_pqrec *r)
{
	return &r->c;
}

const char *
tw_pqrec_kind(const struct tw_pqrec *r)
{
	return r->kind;
}

struct tw_pq *
tw_pqrec_writer(struct tw_pqrec *r)
{
	return r->w;
}

int
tw_pqrec_close(struct tw_pqrec *r)
{
	int i;

	if (r->broken) {
		errno = EIO;
		return -1;
	}
	/* Columns seen only as null are strings of nulls. */
	for (i = 0; i < r->ncols; i++) {
		struct col *c = &r->cols[i];

		if (c->kind == K_NONE && !c->omit) {
			c->kind = K_STR;
			if (col_to_writer(r, c) < 0)
				return -1;
		}
	}
	if (tw_pq_nfields(r->w) == 0) {
		/* Only {} (or nothing): one column, so readers see a table. */
		struct col *c = add_col(r, "value", 5, K_STR);

		if (col_to_writer(r, c) < 0)
			return -1;
	}
	if (tw_pq_close(r->w) < 0) {
		io_error(r);
		return -1;
	}
	return 0;
}

void
tw_pqrec_free(struct tw_pqrec *r)
{
	int i;

	if (r == NULL)
		return;
	tw_pq_free(r->w);
	for (i = 0; i < r->ncols; i++)
		free(r->cols[i].name);
	free(r->cols);
	for (i = 0; i < r->o.nomit; i++)
		free(r->omit[i]);
	free(r->omit);
	free(r->kind);
	free(r->mcol);
	tw_buf_free(&r->tmp);
	tw_buf_free(&r->tmp2);
	tw_buf_free(&r->key);
	free(r);
}
