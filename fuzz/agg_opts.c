/* tw-agg's option strings: aggregate lists, durations and sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tw_agg.h"
#include "tw_opt.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[300];
	struct tw_agg_spec *a;
	const char *e;
	int64_t v;
	double d;
	int n, i;

	memcpy(s, data, size);
	s[size] = '\0';
	n = tw_agg_parse(s, &a, err, sizeof err);
	if (n > 0) {
		for (i = 0; i < n; i++) {
			FUZZ_ASSERT(a[i].name != NULL && a[i].name[0] != '\0');
			FUZZ_ASSERT((a[i].kind == TW_A_COUNT) == (a[i].field == NULL));
		}
		tw_agg_specs_free(a, n);
	} else {
		FUZZ_ASSERT(err[0] != '\0');
	}
	if (tw_parse_duration(s, 0, INT64_MAX / 2, &v, &e) == 0)
		FUZZ_ASSERT(v >= 0);
	tw_parse_size(s, 0, INT64_MAX / 2, &v, &e);
	tw_parse_int(s, INT64_MIN, INT64_MAX, &v, &e);
	tw_parse_double(s, -1e300, 1e300, &d, &e);
	free(s);
	return 0;
}
