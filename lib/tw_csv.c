#include "tw_csv.h"

#include <csv.h>
#include <string.h>

void
tw_csv_add_quoted(struct tw_buf *b, const char *s, size_t n)
{
	size_t need = n * 2 + 2, got;

	if (b->cap - b->len <= need)
		tw_buf_grow(b, need);
	if (memchr(s, '"', n) == NULL) {
		/* Nothing to double (most values): what csv_write writes, in
		 * one copy rather than a byte at a time. */
		b->p[b->len] = '"';
		memcpy(b->p + b->len + 1, s, n);
		b->p[b->len + 1 + n] = '"';
		b->len += n + 2;
		b->p[b->len] = '\0';
		return;
	}
	got = csv_write(b->p + b->len, b->cap - b->len - 1, s, n);
	b->len += got;
	b->p[b->len] = '\0';
}

void
tw_csv_add_value(struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *v)
{
	struct tw_buf t = TW_BUF_INIT;

	switch (v->type) {
	case TW_JNULL:
		break;
	case TW_JTRUE:
		tw_buf_add(b, "true", 4);
		break;
	case TW_JFALSE:
		tw_buf_add(b, "false", 5);
		break;
	case TW_JNUM:
		tw_buf_add(b, v->p, v->len);
		break;
	case TW_JSTR:
		if (v->flags == 0) {
			tw_csv_add_quoted(b, v->p, v->len);
			break;
		}
		tw_json_str_decode(&t, v);
		if (t.len > 0 && memchr(t.p, '\0', t.len) != NULL) {
			/* No raw NUL in CSV: most readers stop at it. */
			size_t i, o;

			for (i = o = 0; i < t.len; i++)
				if (t.p[i] != '\0')
					t.p[o++] = t.p[i];
			t.len = o;
		}
		tw_csv_add_quoted(b, t.p, t.len);
		break;
	default:
		tw_json_emit(&t, j, v);
		tw_csv_add_quoted(b, t.p, t.len);
		break;
	}
	tw_buf_free(&t);
}
