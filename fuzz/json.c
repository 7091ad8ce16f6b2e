/*
 * The JSON parser: any bytes; a parsed document must re-emit stably, and
 * the SIMD UTF-8 path must agree with the scalar one on every string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tw_json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_json j, k, sc;
	enum tw_json_status st, st2;
	struct tw_buf a = TW_BUF_INIT, b = TW_BUF_INIT, s = TW_BUF_INIT;
	size_t i;

	tw_json_init(&j);
	tw_json_init(&k);
	tw_json_init(&sc);
	st = tw_json_parse(&j, (const char *)data, size);
	tw_json_simd(0);
	st2 = tw_json_parse(&sc, (const char *)data, size);
	tw_json_simd(1);
	FUZZ_ASSERT(st == st2);
	if (st == TW_JSON_OK) {
		FUZZ_ASSERT(j.n == sc.n);
		for (i = 0; i < j.n; i++)
			FUZZ_ASSERT(j.v[i].flags == sc.v[i].flags && j.v[i].len == sc.v[i].len);
	} else {
		FUZZ_ASSERT(j.erroff == sc.erroff);
	}
	if (st == TW_JSON_OK) {
		tw_json_emit(&a, &j, &j.v[0]);
		for (i = 0; i < j.n; i++) {
			if (j.v[i].type == TW_JSTR)
				tw_json_str_decode(&s, &j.v[i]);
			FUZZ_ASSERT(j.v[i].next > i && j.v[i].next <= j.n);
		}
		/* Canonical output parses, and emitting it again is a fixed point. */
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
