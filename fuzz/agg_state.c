/*
 * tw-agg's state loader: JSON that claims to be an aggregate state.
 * A state that loads must serialise, load again to the same text, merge
 * with itself and print a result without trouble.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tw_agg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *specs = "count,sum:x,avg:x,min:x,max:x,first:x,last:x,distinct:x,top:x:3,p95:x";
	static struct tw_agg_spec *a;
	static int na;
	struct tw_json j, k;
	struct tw_agg_state st, st2, m;
	struct tw_buf b1 = TW_BUF_INIT, b2 = TW_BUF_INIT, r = TW_BUF_INIT;
	char err[200];
	int i;

	if (a == NULL)
		na = tw_agg_parse(specs, &a, err, sizeof err);
	if (size < 1)
		return 0;
	tw_json_init(&j);
	tw_json_init(&k);
	i = data[0] % na;
	if (tw_json_parse(&j, (const char *)data + 1, size - 1) == TW_JSON_OK &&
	    tw_agg_from_json(&a[i], &st, &j, &j.v[0]) == 0) {
		tw_agg_to_json(&a[i], &st, &b1);
		FUZZ_ASSERT(tw_json_parse(&k, b1.p, b1.len) == TW_JSON_OK);
		FUZZ_ASSERT(tw_agg_from_json(&a[i], &st2, &k, &k.v[0]) == 0);
		tw_agg_to_json(&a[i], &st2, &b2);
		if (a[i].kind != TW_A_TOP)	/* top-k may reorder on reload */
			FUZZ_ASSERT(b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0);
		tw_agg_init(&a[i], &m);
		tw_agg_merge(&a[i], &m, &st);
		tw_agg_merge(&a[i], &m, &st2);
		tw_agg_result(&a[i], &m, &r);
		tw_agg_release(&a[i], &m);
		tw_agg_release(&a[i], &st2);
		tw_agg_release(&a[i], &st);
	}
	tw_buf_free(&b1);
	tw_buf_free(&b2);
	tw_buf_free(&r);
	tw_json_free(&j);
	tw_json_free(&k);
	return 0;
}
