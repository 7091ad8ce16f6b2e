/*
 * Shape detection and flattening: every record written is valid JSON;
 * CSV rows and keyed lines made from the records as they are written
 * (tw_flatten_output) equal those made by parsing the NDJSON records
 * again, as tw-flatten did before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tw_csv.h"
#include "tw_flatten.h"

/* The CSV row of NDJSON record r (columns by name), as the old path. */
static void
csv_ref(struct tw_buf *b, const struct tw_flatten *f, const char *r, size_t n)
{
	const char *cols[TW_FLAT_MAXF];
	struct tw_json j;
	const struct tw_jval *v;
	int i, nc = tw_flatten_columns(f, TW_R_TWEET, cols, TW_FLAT_MAXF);

	tw_json_init(&j);
	FUZZ_ASSERT(tw_json_parse(&j, r, n) == TW_JSON_OK);
	for (i = 0; i < nc; i++) {
		if (i)
			tw_buf_addc(b, ',');
		v = tw_json_get(&j, j.v, cols[i], strlen(cols[i]));
		if (v != NULL)
			tw_csv_add_value(b, &j, v);
	}
	tw_buf_addc(b, '\n');
	tw_json_free(&j);
}

/* The keyed line of NDJSON record r, as the old path. */
static void
key_ref(struct tw_buf *b, const char *key, const char *r, size_t n)
{
	struct tw_json j;
	const struct tw_jval *v;
	size_t k0 = b->len, i;

	tw_json_init(&j);
	FUZZ_ASSERT(tw_json_parse(&j, r, n) == TW_JSON_OK);
	v = tw_json_get(&j, j.v, key, strlen(key));
	if (v != NULL && v->type != TW_JNULL) {
		if (v->type == TW_JSTR)
			tw_json_str_decode(b, v);
		else
			tw_json_emit(b, &j, v);
	}
	for (i = k0; i < b->len; i++)
		if (b->p[i] == '\t' || b->p[i] == '\n' || b->p[i] == '\r')
			b->p[i] = ' ';
	tw_buf_addc(b, '\t');
	tw_buf_add(b, r, n);
	tw_buf_addc(b, '\n');
	tw_json_free(&j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tw_flatten f, fj, fc, fk;
	static const char *keys[] = { "id", "text", "hashtags", "lang", "nope" };
	static int init;
	struct tw_json j, o;
	struct tw_buf out = TW_BUF_INIT, nd = TW_BUF_INIT, csv = TW_BUF_INIT,
	    ref = TW_BUF_INIT;
	const char *p, *nl, *end;
	int rj, rc;

	if (!init) {
		tw_flatten_init(&f);
		tw_flatten_types(&f, "all");
		tw_flatten_init(&fj);
		tw_flatten_init(&fc);
		tw_flatten_output(&fc, TW_OUT_CSV, NULL);
		tw_flatten_init(&fk);
		init = 1;
	}
	tw_json_init(&j);
	tw_json_init(&o);
	if (tw_json_parse(&j, (const char *)data, size) == TW_JSON_OK) {
		if (tw_flatten_doc(&f, &j, &out) < 0)
			FUZZ_ASSERT(out.len == 0 && f.err[0] != '\0');
		for (p = out.p, end = out.p + out.len; p < end; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			FUZZ_ASSERT(nl != NULL);
			FUZZ_ASSERT(tw_json_parse(&o, p, (size_t)(nl - p)) == TW_JSON_OK);
			FUZZ_ASSERT(o.v[0].type == TW_JOBJ && o.nbadutf8 == 0);
		}
		/* tweets as NDJSON, as CSV, keyed by one of a few fields */
		tw_flatten_output(&fk, TW_OUT_KEYED, keys[size % 5]);
		rj = tw_flatten_doc(&fj, &j, &nd);
		rc = tw_flatten_doc(&fc, &j, &csv);
		FUZZ_ASSERT(rj == rc);
		for (p = nd.p, end = nd.p + nd.len; p < end; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			csv_ref(&ref, &fj, p, (size_t)(nl - p));
		}
		FUZZ_ASSERT(ref.len == csv.len && (ref.len == 0 ||
		    memcmp(ref.p, csv.p, ref.len) == 0));
		tw_buf_reset(&ref);
		tw_buf_reset(&csv);
		FUZZ_ASSERT(tw_flatten_doc(&fk, &j, &csv) == rj);
		for (p = nd.p, end = nd.p + nd.len; p < end; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			key_ref(&ref, keys[size % 5], p, (size_t)(nl - p));
		}
		FUZZ_ASSERT(ref.len == csv.len && (ref.len == 0 ||
		    memcmp(ref.p, csv.p, ref.len) == 0));
	}
	tw_buf_free(&out);
	tw_buf_free(&nd);
	tw_buf_free(&csv);
	tw_buf_free(&ref);
	tw_json_free(&j);
	tw_json_free(&o);
	return 0;
}
