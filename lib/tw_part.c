/* Hive-style partition paths (see tw_part.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_part.h"
#include "tw_time.h"
#include "tw_util.h"

void
tw_part_escape(struct tw_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	if (n == 0) {
		tw_buf_adds(b, TW_PART_DEFAULT);
		return;
	}
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		tw_buf_adds(b, n == 1 ? "%2E" : "%2E%2E");
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || (c != 0 && strchr("\"#%'*/:=?\\{[]^", c) != NULL)) {
			tw_buf_addc(b, '%');
			tw_buf_addc(b, hex[c >> 4]);
			tw_buf_addc(b, hex[c & 15]);
		} else
			tw_buf_addc(b, (char)c);
	}
}

static void
add_seg(struct tw_part_pat *pat, int kind, char conv, const char *text, size_t len)
{
	struct tw_part_seg *s;

	pat->segs = tw_xrealloc(pat->segs, (size_t)(pat->nsegs + 1) * sizeof *pat->segs);
	s = &pat->segs[pat->nsegs++];
	s->kind = kind;
	s->conv = conv;
	s->text = text ? tw_xstrndup(text, len) : NULL;
	s->len = len;
}

void
tw_part_free(struct tw_part_pat *pat)
{
	int i;

	for (i = 0; i < pat->nsegs; i++)
		free(pat->segs[i].text);
	free(pat->segs);
	pat->segs = NULL;
	pat->nsegs = 0;
}

int
tw_part_compile(struct tw_part_pat *pat, const char *pattern, char *err, size_t errlen)
{
	const char *p = pattern, *lit = p, *c;

	pat->segs = NULL;
	pat->nsegs = 0;
	if (*p == '/' || *p == '\0') {
		snprintf(err, errlen, "--partition-by: give a relative pattern");
		return -1;
	}
	/* No component may be empty, "." or ".." as written. */
	for (c = p; *c; ) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
			snprintf(err, errlen, "--partition-by: empty, '.' or '..' component");
			return -1;
		}
		c += n;
		if (*c == '/' && *++c == '\0') {
			snprintf(err, errlen, "--partition-by: empty, '.' or '..' component");
			return -1;
		}
	}
	while (*p) {
		if (*p != '%') {
			p++;
			continue;
		}
		if (p > lit)
			add_seg(pat, TW_PART_LIT, 0, lit, (size_t)(p - lit));
		p++;
		if (*p == '{') {
			const char *e = strchr(p, '}');

			if (e == NULL || e == p + 1 || memchr(p, '/', (size_t)(e - p)) != NULL) {
				snprintf(err, errlen, "--partition-by: bad %%{field}");
				tw_part_free(pat);
				return -1;
			}
			add_seg(pat, TW_PART_FIELD, 0, p + 1, (size_t)(e - p - 1));
			p = e + 1;
		} else if (*p && strchr("YmdHMj", *p)) {
			add_seg(pat, TW_PART_TIME, *p, NULL, 0);
			p++;
		} else if (*p == '%') {
			add_seg(pat, TW_PART_LIT, 0, "%", 1);
			p++;
		} else {
			snprintf(err, errlen, "--partition-by: unknown conversion '%%%c' "
			    "(use %%Y %%m %%d %%H %%M %%j %%%% %%{field})", *p ? *p : ' ');
			tw_part_free(pat);
			return -1;
		}
		lit = p;
	}
	if (p > lit)
		add_seg(pat, TW_PART_LIT, 0, lit, (size_t)(p - lit));
	return 0;
}

/* Appends v (0 to 10^width - 1) zero-padded to width digits. */
static void
add_digits(struct tw_buf *b, int v, int width)
{
	char d[4];
	int i;

	for (i = width - 1; i >= 0; i--) {
		d[i] = (char)('0' + v % 10);
		v /= 10;
	}
	tw_buf_add(b, d, (size_t)width);
}

int
tw_part_path(const struct tw_part_pat *pat, struct tw_buf *out, const int64_t *ms,
    tw_part_value_fn value, void *ctx, const char **err)
{
	struct tw_buf val = TW_BUF_INIT;
	struct tw_tm tm;
	size_t comp = 0, i;
	int k, rc = 0;

	tw_buf_reset(out);
	if (ms != NULL)
		tw_time_split(*ms, &tm);
	for (k = 0; k < pat->nsegs; k++) {
		const struct tw_part_seg *s = &pat->segs[k];

		switch (s->kind) {
		case TW_PART_LIT:
			tw_buf_add(out, s->text, s->len);
			break;
		case TW_PART_TIME:
			if (ms == NULL || tm.year < 0 || tm.year > 9999) {
				tw_buf_adds(out, TW_PART_DEFAULT);
				break;
			}
			/* Digits by hand: this runs for every record. */
			switch (s->conv) {
			case 'Y': add_digits(out, tm.year, 4); break;
			case 'm': add_digits(out, tm.mon, 2); break;
			case 'd': add_digits(out, tm.day, 2); break;
			case 'H': add_digits(out, tm.hour, 2); break;
			case 'M': add_digits(out, tm.min, 2); break;
			case 'j': add_digits(out, tm.yday + 1, 3); break;
			}
			break;
		case TW_PART_FIELD:
			tw_buf_reset(&val);
			value(ctx, &val, s->text, s->len);
			tw_part_escape(out, val.p, val.len);
			break;
		}
	}
	tw_buf_free(&val);
	/* Each component must fit a file name. */
	for (i = 0; i <= out->len; i++) {
		if (i == out->len || out->p[i] == '/') {
			if (i - comp > TW_PART_MAX_COMPONENT) {
				*err = "partition value too long for a directory name";
				rc = -1;
				break;
			}
			comp = i + 1;
		}
	}
	return rc;
}
