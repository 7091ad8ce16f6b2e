#include "tw_csv.h"
#include "tw_util.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * One pass, 16 bytes at a time (tw_csv.h). Writes up to 16 bytes past
 * the field (room is made for them), so the caller's NUL comes after.
 */
void
tw_csv_quote(struct tw_buf *b, const char *q, size_t n, int json)
{
	const char *e = q + n;
	char *o;

	if (TW_UNLIKELY(b->cap - b->len <= 2 * n + 2 + 16))
		tw_buf_grow(b, 2 * n + 2 + 16);
	o = b->p + b->len;
	*o++ = '"';
	for (;;) {
#ifdef __SSE2__
		const __m128i vq = _mm_set1_epi8('"');
		const __m128i vb = _mm_set1_epi8(json ? '\\' : '"');

		while (e - q >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)q);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vb)));

			_mm_storeu_si128((__m128i *)o, x);
			if (m) {
				m = (unsigned)__builtin_ctz(m);
				q += m;
				o += m;
				goto special;
			}
			q += 16;
			o += 16;
		}
#endif
		while (q < e && *q != '"' && !(json && *q == '\\'))
			*o++ = *q++;
		if (q == e)
			break;
#ifdef __SSE2__
special:
#endif
		if (*q == '"') {
			*o++ = '"';
			*o++ = '"';
			q++;
			continue;
		}
		switch (q[1]) {
		case '"': *o++ = '"'; *o++ = '"'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {	/* \u00XX: a control character */
			char ch = (char)((q[4] <= '9' ? q[4] - '0' : q[4] - 'a' + 10) << 4 |
			    (q[5] <= '9' ? q[5] - '0' : q[5] - 'a' + 10));

			if (ch != '\0')
				*o++ = ch;
			q += 6;
			continue;
		}
		default: *o++ = q[1]; break;	/* \\ */
		}
		q += 2;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

void
tw_csv_add_quoted(struct tw_buf *b, const char *s, size_t n)
{
	tw_csv_quote(b, s, n, 0);
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
