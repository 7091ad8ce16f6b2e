#include "tw_agg.h"
#include "tw_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum tw_agg_kind kind;
	int needs_field;
} kinds[] = {
	{ "count", TW_A_COUNT, 0 }, { "sum", TW_A_SUM, 1 },
	{ "avg", TW_A_AVG, 1 }, { "min", TW_A_MIN, 1 }, { "max", TW_A_MAX, 1 },
	{ "first", TW_A_FIRST, 1 }, { "last", TW_A_LAST, 1 },
	{ "distinct", TW_A_DISTINCT, 1 }, { "top", TW_A_TOP, 1 },
};

static int
valid_field(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

static int
parse_one(const char *s, size_t n, struct tw_agg_spec *o, char *err,
    size_t errlen)
{
	const char *c1 = memchr(s, ':', n), *c2 = NULL, *f;
	size_t kl = c1 ? (size_t)(c1 - s) : n, fl;
	char kname[32];
	unsigned i;

	memset(o, 0, sizeof *o);
	if (c1)
		c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - s));
	if (kl == 0 || kl >= sizeof kname) {
		snprintf(err, errlen, "unknown aggregate \"%.*s\"", (int)n, s);
		return -1;
	}
	memcpy(kname, s, kl);
	kname[kl] = '\0';
	f = c1 ? c1 + 1 : NULL;
	fl = c1 ? (size_t)((c2 ? c2 : s + n) - f) : 0;
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].name, kname) == 0)
			break;
	if (i == sizeof kinds / sizeof kinds[0]) {
		/* pNN or pNN.N: a quantile. */
		char *end;
		double q;

		if (kname[0] != 'p' || kname[1] < '0' || kname[1] > '9') {
			snprintf(err, errlen, "unknown aggregate \"%s\" (use count, sum, avg, min, max, first, last, distinct, top, pNN)", kname);
			return -1;
		}
		q = strtod(kname + 1, &end);
		if (*end != '\0' || q <= 0 || q >= 100) {
			snprintf(err, errlen, "bad quantile \"%s\" (use p1 to p99.9)", kname);
			return -1;
		}
		o->kind = TW_A_QUANT;
		o->q = q / 100;
	} else {
		o->kind = kinds[i].kind;
		if (!kinds[i].needs_field) {
			if (c1) {
				snprintf(err, errlen, "\"count\" takes no field");
				return -1;
			}
			o->name = tw_xstrdup("count");
			return 0;
		}
	}
	if (!c1 || !valid_field(f, fl)) {
		snprintf(err, errlen, "aggregate \"%s\" needs a field: %s:FIELD", kname, kname);
		return -1;
	}
	if (o->kind == TW_A_TOP) {
		char *end;
		unsigned long k = 10;

		if (c2) {
			if (c2 + 1 == s + n) {
				snprintf(err, errlen, "top: missing K after the field");
				return -1;
			}
			k = strtoul(c2 + 1, &end, 10);
			if (end != s + n || k < 1 || k > 1000) {
				snprintf(err, errlen, "top: K must be 1 to 1000");
				return -1;
			}
		}
		o->k = (unsigned)k;
	} else if (c2 && o->kind == TW_A_DISTINCT) {
		if ((size_t)(s + n - (c2 + 1)) != 5 || memcmp(c2 + 1, "exact", 5) != 0) {
			snprintf(err, errlen, "distinct: the only option is exact "
			    "(distinct:FIELD:exact)");
			return -1;
		}
		o->exact = 1;
	} else if (c2) {
		snprintf(err, errlen, "aggregate \"%.*s\" has too many parts", (int)n, s);
		return -1;
	}
	o->field = tw_xstrndup(f, fl);
	{
		struct tw_buf nb = TW_BUF_INIT;
		char *dot;

		tw_buf_adds(&nb, kname);
		/* p99.9 -> p99_9 so the name is a column name. */
		while ((dot = strchr(nb.p, '.')) != NULL)
			*dot = '_';
		tw_buf_addc(&nb, '_');
		tw_buf_adds(&nb, o->field);
		while ((dot = strchr(nb.p, '.')) != NULL)
			*dot = '_';
		while ((dot = strchr(nb.p, '-')) != NULL)
			*dot = '_';
		o->name = nb.p;
	}
	return 0;
}

int
tw_agg_parse(const char *list, struct tw_agg_spec **out, char *err,
    size_t errlen)
{
	struct tw_agg_spec *v = NULL;
	const char *s = list, *e;
	int n = 0, i;

	if (*s == '\0') {
		snprintf(err, errlen, "no aggregate given");
		return -1;
	}
	for (;;) {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		if (n >= TW_AGG_MAX) {
			snprintf(err, errlen, "more than %d aggregates", TW_AGG_MAX);
			goto fail;
		}
		v = tw_xrealloc(v, (size_t)(n + 1) * sizeof *v);
		if (parse_one(s, (size_t)(e - s), &v[n], err, errlen) < 0)
			goto fail;
		for (i = 0; i < n; i++)
			if (strcmp(v[i].name, v[n].name) == 0) {
				snprintf(err, errlen, "aggregate \"%s\" given twice", v[n].name);
				n++;
				goto fail;
			}
		n++;
		if (*e == '\0')
			break;
		s = e + 1;
	}
	*out = v;
	return n;
fail:
	tw_agg_specs_free(v, n);
	return -1;
}

void
tw_agg_specs_free(struct tw_agg_spec *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(s[i].field);
		free(s[i].name);
	}
	free(s);
}

void
tw_agg_init(const struct tw_agg_spec *s, struct tw_agg_state *st)
{
	memset(st, 0, sizeof *st);
	if (s->kind == TW_A_TOP)
		tw_topk_init(&st->u.t, s->k);
	if (s->kind == TW_A_DISTINCT)
		st->u.d.exact = s->exact;
}

void
tw_agg_release(const struct tw_agg_spec *s, struct tw_agg_state *st)
{
	switch (s->kind) {
	case TW_A_FIRST: case TW_A_LAST: free(st->u.fl.val); break;
	case TW_A_DISTINCT: tw_distinct_free(&st->u.d); break;
	case TW_A_TOP: tw_topk_free(&st->u.t); break;
	case TW_A_QUANT: tw_quant_free(&st->u.q); break;
	default: break;
	}
	memset(st, 0, sizeof *st);
}

static int
numeric(enum tw_agg_kind k)
{
	return k == TW_A_SUM || k == TW_A_AVG || k == TW_A_MIN ||
	    k == TW_A_MAX || k == TW_A_QUANT;
}

int
tw_agg_check(const struct tw_agg_spec *s, const struct tw_jval *v, char *err,
    size_t errlen)
{
	double d;

	if (v == NULL || v->type == TW_JNULL || !numeric(s->kind))
		return 0;
	/* sum and avg count booleans as 1 and 0 (a share of true). */
	if ((v->type == TW_JTRUE || v->type == TW_JFALSE) &&
	    (s->kind == TW_A_SUM || s->kind == TW_A_AVG))
		return 0;
	if (v->type != TW_JNUM) {
		snprintf(err, errlen, "field \"%s\" is not a number (%s needs one)",
		    s->field, s->name);
		return -1;
	}
	if (tw_json_double(v, &d) != 0) {
		snprintf(err, errlen, "field \"%s\": %.*s is out of the range of "
		    "a double (%s)", s->field, v->len > 40 ? 40 : (int)v->len,
		    v->p, s->name);
		return -1;
	}
	return 0;
}

/* Canonical JSON text of v into b (strings re-escaped the one way). */
static void
canon(struct tw_buf *b, const struct tw_json *j, const struct tw_jval *v)
{
	tw_buf_reset(b);
	tw_json_emit(b, j, v);
}

static void
count_value(const struct tw_agg_spec *s, struct tw_agg_state *st,
    const struct tw_json *j, const struct tw_jval *v, struct tw_buf *tmp)
{
	const char *p;
	size_t n;

	if (v->type == TW_JSTR && v->flags == 0) {
		/* Fast path: the raw text is canonical. */
		p = v->p - 1;
		n = v->len + 2;
	} else {
		canon(tmp, j, v);
		p = tmp->p;
		n = tmp->len;
	}
	if (s->kind == TW_A_DISTINCT)
		tw_distinct_add(&st->u.d, tw_hash64(p, n));
	else
		tw_topk_add(&st->u.t, p, n, 1);
}

int
tw_agg_first_time(const struct tw_agg_spec *s, struct tw_agg_state *st,
    const struct tw_json *j, const struct tw_jval *v)
{
	static struct tw_buf tmp = TW_BUF_INIT;

	(void)s;
	if (v->type == TW_JSTR && v->flags == 0)
		return tw_distinct_add_new(&st->u.d, tw_hash64(v->p - 1, v->len + 2));
	canon(&tmp, j, v);
	return tw_distinct_add_new(&st->u.d, tw_hash64(tmp.p, tmp.len));
}

/* Turns an integer min/max state into a double one. */
static void
mm_to_float(struct tw_agg_mm *m)
{
	if (!m->isfloat) {
		m->isfloat = 1;
		m->v = (double)m->iv;
	}
}

/*
 * Two values at the same event time: first keeps the smaller JSON text,
 * last the larger, so that the result does not depend on the order of
 * the input or of the partials merged. 1 when a replaces b.
 */
static int
fl_wins(const struct tw_agg_spec *s, const char *a, size_t an, const char *b,
    size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c == 0)
		c = an < bn ? -1 : an > bn;
	return s->kind == TW_A_FIRST ? c < 0 : c > 0;
}

void
tw_agg_update(const struct tw_agg_spec *s, struct tw_agg_state *st,
    const struct tw_json *j, const struct tw_jval *v, int64_t ts)
{
	static struct tw_buf tmp = TW_BUF_INIT;
	double d;
	int64_t i;

	if (s->kind == TW_A_COUNT) {
		st->u.count++;
		return;
	}
	if (v == NULL || v->type == TW_JNULL)
		return;
	switch (s->kind) {
	case TW_A_SUM:
	case TW_A_AVG: {
		int64_t r;
		int isbool = v->type == TW_JTRUE || v->type == TW_JFALSE;

		/* The overflow builtin stores the wrapped sum: only a sum
		 * that fits is kept. Past int64, a double carries on. */
		if (isbool)
			i = v->type == TW_JTRUE;	/* true 1, false 0 */
		if (!st->u.sum.isfloat && (isbool || tw_json_i64(v, &i) == 0) &&
		    !__builtin_add_overflow(st->u.sum.isum, i, &r)) {
			st->u.sum.isum = r;
			st->u.sum.dsum += (double)i;
		} else {
			if (isbool)
				d = (double)i;
			else if (tw_json_double(v, &d) != 0)
				return;
			if (!st->u.sum.isfloat) {
				st->u.sum.isfloat = 1;
				st->u.sum.dsum = (double)st->u.sum.isum;
			}
			st->u.sum.dsum += d;
		}
		st->u.sum.n++;
		break;
	}
	case TW_A_MIN:
	case TW_A_MAX:
		/* Integers are compared as integers (ids over 2^53 stay
		 * exact); the first non-integer turns the state to doubles. */
		if (!st->u.mm.isfloat && tw_json_i64(v, &i) == 0) {
			if (!st->u.mm.have || (s->kind == TW_A_MIN ?
			    i < st->u.mm.iv : i > st->u.mm.iv))
				st->u.mm.iv = i;
			st->u.mm.v = (double)st->u.mm.iv;
			st->u.mm.have = 1;
			break;
		}
		if (tw_json_double(v, &d) != 0)
			return;
		mm_to_float(&st->u.mm);
		if (!st->u.mm.have || (s->kind == TW_A_MIN ? d < st->u.mm.v : d > st->u.mm.v))
			st->u.mm.v = d;
		st->u.mm.have = 1;
		break;
	case TW_A_QUANT:
		if (tw_json_double(v, &d) == 0)
			tw_quant_add(&st->u.q, d);
		break;
	case TW_A_FIRST:
	case TW_A_LAST:
		if (st->u.fl.val != NULL && (s->kind == TW_A_FIRST ?
		    ts > st->u.fl.ts : ts < st->u.fl.ts))
			return;
		canon(&tmp, j, v);
		if (st->u.fl.val != NULL && ts == st->u.fl.ts &&
		    !fl_wins(s, tmp.p, tmp.len, st->u.fl.val, st->u.fl.len))
			return;
		free(st->u.fl.val);
		st->u.fl.val = tw_xstrndup(tmp.p, tmp.len);
		st->u.fl.len = tmp.len;
		st->u.fl.ts = ts;
		break;
	case TW_A_DISTINCT:
	case TW_A_TOP:
		if (v->type == TW_JARR) {
			const struct tw_jval *e;
			uint32_t k;

			for (k = 0, e = v + 1; k < v->len; k++, e = tw_json_after(j, e))
				if (e->type != TW_JNULL)
					count_value(s, st, j, e, &tmp);
		} else {
			count_value(s, st, j, v, &tmp);
		}
		break;
	case TW_A_COUNT:
		break;
	}
}

void
tw_agg_merge(const struct tw_agg_spec *s, struct tw_agg_state *st,
    const struct tw_agg_state *o)
{
	switch (s->kind) {
	case TW_A_COUNT:
		st->u.count += o->u.count;
		break;
	case TW_A_SUM:
	case TW_A_AVG:
		if (!st->u.sum.isfloat && !o->u.sum.isfloat &&
		    !__builtin_add_overflow(st->u.sum.isum, o->u.sum.isum, &st->u.sum.isum)) {
			st->u.sum.dsum = (double)st->u.sum.isum;
		} else {
			if (!st->u.sum.isfloat)
				st->u.sum.dsum = (double)st->u.sum.isum;
			st->u.sum.dsum += o->u.sum.isfloat ? o->u.sum.dsum :
			    (double)o->u.sum.isum;
			st->u.sum.isfloat = 1;
		}
		st->u.sum.n += o->u.sum.n;
		break;
	case TW_A_MIN:
	case TW_A_MAX: {
		struct tw_agg_mm om = o->u.mm;

		if (!om.have)
			break;
		if (!st->u.mm.have) {
			st->u.mm = om;
			break;
		}
		if (!st->u.mm.isfloat && !om.isfloat) {
			if (s->kind == TW_A_MIN ? om.iv < st->u.mm.iv : om.iv > st->u.mm.iv)
				st->u.mm.iv = om.iv;
			st->u.mm.v = (double)st->u.mm.iv;
			break;
		}
		mm_to_float(&st->u.mm);
		mm_to_float(&om);
		if (s->kind == TW_A_MIN ? om.v < st->u.mm.v : om.v > st->u.mm.v)
			st->u.mm.v = om.v;
		break;
	}
	case TW_A_FIRST:
	case TW_A_LAST:
		if (o->u.fl.val == NULL)
			break;
		if (st->u.fl.val != NULL && (s->kind == TW_A_FIRST ?
		    o->u.fl.ts > st->u.fl.ts : o->u.fl.ts < st->u.fl.ts))
			break;
		if (st->u.fl.val != NULL && o->u.fl.ts == st->u.fl.ts &&
		    !fl_wins(s, o->u.fl.val, o->u.fl.len, st->u.fl.val, st->u.fl.len))
			break;
		free(st->u.fl.val);
		st->u.fl.val = tw_xstrndup(o->u.fl.val, o->u.fl.len);
		st->u.fl.len = o->u.fl.len;
		st->u.fl.ts = o->u.fl.ts;
		break;
	case TW_A_DISTINCT:
		tw_distinct_merge(&st->u.d, &o->u.d);
		break;
	case TW_A_TOP:
		tw_topk_merge(&st->u.t, &o->u.t);
		break;
	case TW_A_QUANT:
		tw_quant_merge(&st->u.q, &o->u.q);
		break;
	}
}

static void
key(struct tw_buf *b, const char *name, const char *suffix)
{
	tw_buf_add(b, ",\"", 2);
	tw_buf_adds(b, name);
	tw_buf_adds(b, suffix);
	tw_buf_add(b, "\":", 2);
}

void
tw_agg_result(const struct tw_agg_spec *s, struct tw_agg_state *st,
    struct tw_buf *b)
{
	int approx;

	key(b, s->name, "");
	switch (s->kind) {
	case TW_A_COUNT:
		tw_buf_add_u64(b, st->u.count);
		break;
	case TW_A_SUM:
		if (st->u.sum.n == 0)
			tw_buf_add(b, "null", 4);
		else if (st->u.sum.isfloat)
			tw_buf_add_double(b, st->u.sum.dsum);
		else
			tw_buf_add_i64(b, st->u.sum.isum);
		break;
	case TW_A_AVG:
		if (st->u.sum.n == 0)
			tw_buf_add(b, "null", 4);
		else
			tw_buf_add_double(b, (st->u.sum.isfloat ? st->u.sum.dsum :
			    (double)st->u.sum.isum) / (double)st->u.sum.n);
		break;
	case TW_A_MIN:
	case TW_A_MAX:
		if (!st->u.mm.have)
			tw_buf_add(b, "null", 4);
		else if (!st->u.mm.isfloat)
			tw_buf_add_i64(b, st->u.mm.iv);
		else
			tw_buf_add_double(b, st->u.mm.v);
		break;
	case TW_A_FIRST:
	case TW_A_LAST:
		if (st->u.fl.val)
			tw_buf_add(b, st->u.fl.val, st->u.fl.len);
		else
			tw_buf_add(b, "null", 4);
		break;
	case TW_A_DISTINCT:
		tw_buf_add_u64(b, tw_distinct_count(&st->u.d, &approx));
		key(b, s->name, "_approx");
		tw_buf_adds(b, approx ? "true" : "false");
		break;
	case TW_A_TOP:
		tw_topk_result(&st->u.t, s->k, b);
		key(b, s->name, "_approx");
		tw_buf_adds(b, st->u.t.evicted ? "true" : "false");
		break;
	case TW_A_QUANT:
		tw_buf_add_double(b, tw_quant_value(&st->u.q, s->q));
		break;
	}
}

void
tw_agg_to_json(const struct tw_agg_spec *s, const struct tw_agg_state *st,
    struct tw_buf *b)
{
	switch (s->kind) {
	case TW_A_COUNT:
		tw_buf_add_u64(b, st->u.count);
		break;
	case TW_A_SUM:
	case TW_A_AVG:
		tw_buf_add(b, "{\"n\":", 5);
		tw_buf_add_u64(b, st->u.sum.n);
		if (st->u.sum.isfloat) {
			char t[40];

			/* %.17g reads back as the same double on any machine. */
			snprintf(t, sizeof t, "%.17g", st->u.sum.dsum);
			tw_buf_add(b, ",\"fsum\":", 8);
			tw_buf_adds(b, t);
		} else {
			tw_buf_add(b, ",\"isum\":", 8);
			tw_buf_add_i64(b, st->u.sum.isum);
		}
		tw_buf_addc(b, '}');
		break;
	case TW_A_MIN:
	case TW_A_MAX:
		if (!st->u.mm.have) {
			tw_buf_add(b, "null", 4);
		} else if (!st->u.mm.isfloat) {
			tw_buf_add_i64(b, st->u.mm.iv);
		} else {
			char t[40];

			/* Never an integer's spelling, so it reads back as
			 * a double state. */
			snprintf(t, sizeof t, "%.17g", st->u.mm.v);
			tw_buf_adds(b, t);
			if (strspn(t, "-0123456789") == strlen(t))
				tw_buf_adds(b, ".0");
		}
		break;
	case TW_A_FIRST:
	case TW_A_LAST:
		if (st->u.fl.val == NULL) {
			tw_buf_add(b, "null", 4);
			break;
		}
		tw_buf_add(b, "{\"ts\":", 6);
		tw_buf_add_i64(b, st->u.fl.ts);
		tw_buf_add(b, ",\"v\":", 5);
		tw_buf_add(b, st->u.fl.val, st->u.fl.len);
		tw_buf_addc(b, '}');
		break;
	case TW_A_DISTINCT:
		tw_distinct_to_json(&st->u.d, b);
		break;
	case TW_A_TOP:
		tw_topk_to_json(&st->u.t, b);
		break;
	case TW_A_QUANT:
		tw_quant_to_json(&st->u.q, b);
		break;
	}
}

int
tw_agg_from_json(const struct tw_agg_spec *s, struct tw_agg_state *st,
    const struct tw_json *j, const struct tw_jval *v)
{
	struct tw_buf t = TW_BUF_INIT;
	const struct tw_jval *x;
	int64_t i;

	tw_agg_init(s, st);
	switch (s->kind) {
	case TW_A_COUNT:
		if (tw_json_i64(v, &i) != 0 || i < 0)
			return -1;
		st->u.count = (uint64_t)i;
		return 0;
	case TW_A_SUM:
	case TW_A_AVG:
		if (tw_json_i64(TW_JGET(j, v, "n"), &i) != 0 || i < 0)
			return -1;
		st->u.sum.n = (uint64_t)i;
		if ((x = TW_JGET(j, v, "isum")) != NULL) {
			if (tw_json_i64(x, &st->u.sum.isum) != 0)
				return -1;
			st->u.sum.dsum = (double)st->u.sum.isum;
			return 0;
		}
		st->u.sum.isfloat = 1;
		return tw_json_double(TW_JGET(j, v, "fsum"), &st->u.sum.dsum);
	case TW_A_MIN:
	case TW_A_MAX:
		if (v->type == TW_JNULL)
			return 0;
		st->u.mm.have = 1;
		if ((v->flags & TW_JF_INT) && tw_json_i64(v, &st->u.mm.iv) == 0) {
			st->u.mm.v = (double)st->u.mm.iv;
			return 0;
		}
		st->u.mm.isfloat = 1;
		return tw_json_double(v, &st->u.mm.v);
	case TW_A_FIRST:
	case TW_A_LAST:
		if (v->type == TW_JNULL)
			return 0;
		x = TW_JGET(j, v, "v");
		if (x == NULL || tw_json_i64(TW_JGET(j, v, "ts"), &st->u.fl.ts) != 0)
			return -1;
		tw_json_emit(&t, j, x);
		st->u.fl.val = t.p;
		st->u.fl.len = t.len;
		return 0;
	case TW_A_DISTINCT:
		st->u.d.exact = s->exact;
		return v->type == TW_JOBJ ? tw_distinct_from_json(&st->u.d, j, v) : -1;
	case TW_A_TOP:
		tw_topk_free(&st->u.t);
		return v->type == TW_JOBJ ? tw_topk_from_json(&st->u.t, j, v, s->k) : -1;
	case TW_A_QUANT:
		return v->type == TW_JOBJ ? tw_quant_from_json(&st->u.q, j, v) : -1;
	}
	return -1;
}

size_t
tw_agg_bytes(const struct tw_agg_spec *s, const struct tw_agg_state *st)
{
	switch (s->kind) {
	case TW_A_FIRST: case TW_A_LAST: return st->u.fl.len;
	case TW_A_DISTINCT: return tw_distinct_bytes(&st->u.d);
	case TW_A_TOP: return st->u.t.cap * (sizeof(struct tw_topk_item) + 24);
	case TW_A_QUANT: return (st->u.q.pos.len + st->u.q.neg.len) * 8;
	default: return 0;
	}
}
