/* The CSV writer: any JSON values become fields libcsv reads back. */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tw_csv.h"

static size_t nfields;

static void
on_field(void *s, size_t n, void *data)
{
	(void)s;
	(void)n;
	(void)data;
	nfields++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_json j;
	struct tw_buf b = TW_BUF_INIT;
	struct csv_parser p;
	const struct tw_jval *e;
	uint32_t i, n = 0;

	tw_json_init(&j);
	if (tw_json_parse(&j, (const char *)data, size) == TW_JSON_OK &&
	    j.v[0].type == TW_JARR) {
		for (i = 0, e = j.v + 1; i < j.v[0].len; i++, e = tw_json_after(&j, e)) {
			if (i)
				tw_buf_addc(&b, ',');
			tw_csv_add_value(&b, &j, e);
			n++;
		}
		tw_buf_addc(&b, '\n');
		/* The row reads back as exactly n fields. */
		csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
		nfields = 0;
		FUZZ_ASSERT(csv_parse(&p, b.p, b.len, on_field, NULL, NULL) == b.len);
		csv_fini(&p, on_field, NULL, NULL);
		csv_free(&p);
		FUZZ_ASSERT(n == 0 || nfields == n || (n == 1 && b.len == 1));
	}
	tw_buf_free(&b);
	tw_json_free(&j);
	return 0;
}
