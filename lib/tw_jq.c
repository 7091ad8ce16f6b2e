#include "tw_jq.h"
#include "tw_util.h"

#include <jq.h>
#include <jv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tw_jq {
	jq_state *jq;
	char *err;
	size_t errlen;
};

static void
on_error(void *data, jv msg)
{
	struct tw_jq *q = data;

	if (q->err != NULL && q->err[0] == '\0') {
		if (jv_get_kind(msg) == JV_KIND_STRING)
			snprintf(q->err, q->errlen, "%s", jv_string_value(msg));
		else
			snprintf(q->err, q->errlen, "jq error");
	}
	jv_free(msg);
}

struct tw_jq *
tw_jq_new(const char *expr, char *err, size_t errlen)
{
	struct tw_jq *q = tw_xcalloc(1, sizeof *q);

	q->jq = jq_init();
	if (q->jq == NULL)
		tw_oom();
	err[0] = '\0';
	q->err = err;
	q->errlen = errlen;
	jq_set_error_cb(q->jq, on_error, q);
	if (!jq_compile(q->jq, expr)) {
		if (err[0] == '\0')
			snprintf(err, errlen, "cannot compile the expression");
		jq_teardown(&q->jq);
		free(q);
		return NULL;
	}
	q->err = NULL;
	return q;
}

int
tw_jq_run(struct tw_jq *q, const char *s, size_t n, struct tw_buf *out,
    char *err, size_t errlen)
{
	jv in = jv_parse_sized(s, (int)n), res;
	int count = 0;

	if (!jv_is_valid(in)) {
		jv m = jv_invalid_get_msg(in);

		snprintf(err, errlen, "jq cannot read the record: %s",
		    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "?");
		jv_free(m);
		return -1;
	}
	jq_start(q->jq, in, 0);
	for (;;) {
		res = jq_next(q->jq);
		if (!jv_is_valid(res)) {
			if (jv_invalid_has_msg(jv_copy(res))) {
				jv m = jv_invalid_get_msg(res);

				if (jv_get_kind(m) == JV_KIND_STRING)
					snprintf(err, errlen, "jq: %s", jv_string_value(m));
				else {
					jv d = jv_dump_string(m, 0);

					snprintf(err, errlen, "jq: %s", jv_string_value(d));
					jv_free(d);
					m = jv_null();
				}
				jv_free(m);
				return -1;
			}
			jv_free(res);
			break;
		}
		{
			jv d = jv_dump_string(res, 0);

			tw_buf_adds(out, jv_string_value(d));
			tw_buf_addc(out, '\n');
			jv_free(d);
		}
		count++;
	}
	return count;
}

void
tw_jq_free(struct tw_jq *q)
{
	if (q == NULL)
		return;
	jq_teardown(&q->jq);
	free(q);
}
