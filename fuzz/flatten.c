/* Shape detection and flattening: every record written is valid JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tw_flatten.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tw_flatten f;
	static int init;
	struct tw_json j, o;
	struct tw_buf out = TW_BUF_INIT;
	const char *p, *nl, *end;

	if (!init) {
		tw_flatten_init(&f);
		tw_flatten_types(&f, "all");
		init = 1;
	}
	tw_json_init(&j);
	tw_json_init(&o);
	if (tw_json_parse(&j, (const char *)data, size) == TW_JSON_OK) {
		if (tw_flatten_doc(&f, &j, &out) < 0)
			FUZZ_ASSERT(out.len == 0 && f.err[0] != '\0');
		for (p = out.p, end = out.p ? out.p + out.len : NULL; p && p < end; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			FUZZ_ASSERT(nl != NULL);
			FUZZ_ASSERT(tw_json_parse(&o, p, (size_t)(nl - p)) == TW_JSON_OK);
			FUZZ_ASSERT(o.v[0].type == TW_JOBJ && o.nbadutf8 == 0);
		}
	}
	tw_buf_free(&out);
	tw_json_free(&j);
	tw_json_free(&o);
	return 0;
}
