/*
 * The JSON parser: any bytes. The two-stage parser (at each SIMD level)
 * must agree with the scalar one in every respect; a parsed document
 * must re-emit stably; one-pass string output must equal decoding,
 * undoing the entities and escaping again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tw_json.h"

/* The same status, error, and nodes. */
static void
same(const struct tw_json *a, enum tw_json_status sa, const struct tw_json *b,
    enum tw_json_status sb, const char *s)
{
	size_t i;

	FUZZ_ASSERT(sa == sb);
	if (sa != TW_JSON_OK) {
		FUZZ_ASSERT(a->erroff == b->erroff);
		FUZZ_ASSERT(a->errmsg && b->errmsg && strcmp(a->errmsg, b->errmsg) == 0);
		return;
	}
	FUZZ_ASSERT(a->n == b->n && a->nbadutf8 == b->nbadutf8);
	for (i = 0; i < a->n; i++) {
		const struct tw_jval *x = &a->v[i], *y = &b->v[i];

		FUZZ_ASSERT(x->type == y->type && x->flags == y->flags &&
		    x->len == y->len && x->next == y->next && x->p - s == y->p - s &&
		    x->hint[0] == y->hint[0] && x->hint[1] == y->hint[1]);
	}
}

/* decode, &amp; &lt; &gt; left to right, escape: what emit_html writes */
static void
reference(struct tw_buf *out, const struct tw_jval *v, int html, size_t *bad)
{
	struct tw_buf d = TW_BUF_INIT;
	size_t k, o;

	*bad = tw_json_str_decode(&d, v);
	if (html && d.len > 0) {
		for (k = o = 0; k < d.len; ) {
			if (d.len - k >= 5 && memcmp(d.p + k, "&amp;", 5) == 0) {
				d.p[o++] = '&';
				k += 5;
			} else if (d.len - k >= 4 && (memcmp(d.p + k, "&lt;", 4) == 0 ||
			    memcmp(d.p + k, "&gt;", 4) == 0)) {
				d.p[o++] = d.p[k + 1] == 'l' ? '<' : '>';
				k += 4;
			} else {
				d.p[o++] = d.p[k++];
			}
		}
		d.len = o;
	}
	tw_buf_add_jstr(out, d.p, d.len);
	tw_buf_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_json j, k, sc;
	enum tw_json_status st, st2;
	struct tw_buf a = TW_BUF_INIT, b = TW_BUF_INIT, s = TW_BUF_INIT;
	size_t i, r1, r2;
	int was, lvl, html;

	tw_json_init(&j);
	tw_json_init(&k);
	tw_json_init(&sc);
	was = tw_json_simd(TW_SIMD_OFF);
	st2 = tw_json_parse(&sc, (const char *)data, size);
	for (lvl = TW_SIMD_AVX2; lvl <= TW_SIMD_ALL; lvl++) {
		tw_json_simd(lvl);
		st = tw_json_parse(&j, (const char *)data, size);
		same(&j, st, &sc, st2, (const char *)data);
	}
	tw_json_simd(was);
	if (st == TW_JSON_OK) {
		tw_json_emit(&a, &j, &j.v[0]);
		for (i = 0; i < j.n; i++) {
			if (j.v[i].type == TW_JSTR) {
				tw_json_str_decode(&s, &j.v[i]);
				for (html = 0; html <= 1; html++) {
					tw_buf_reset(&b);
					tw_buf_reset(&s);
					r1 = html ? tw_json_str_emit_html(&b, &j.v[i]) :
					    tw_json_str_emit(&b, &j.v[i]);
					reference(&s, &j.v[i], html, &r2);
					FUZZ_ASSERT(r1 == r2 && b.len == s.len &&
					    memcmp(b.p, s.p, b.len) == 0);
				}
			}
			FUZZ_ASSERT(j.v[i].next > i && j.v[i].next <= j.n);
		}
		/* Canonical output parses, and emitting it again is a fixed point. */
		tw_buf_reset(&b);
		FUZZ_ASSERT(tw_json_parse(&k, a.p, a.len) == TW_JSON_OK);
		tw_json_emit(&b, &k, &k.v[0]);
		FUZZ_ASSERT(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
		FUZZ_ASSERT(k.nbadutf8 == 0);
	} else {
		FUZZ_ASSERT(j.errmsg != NULL);
	}
	tw_buf_free(&a);
	tw_buf_free(&b);
	tw_buf_free(&s);
	tw_json_free(&j);
	tw_json_free(&k);
	tw_json_free(&sc);
	return 0;
}
