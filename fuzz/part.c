/*
 * tw-load's partition pattern and value escaping. The input is a pattern
 * (up to the first newline), 8 bytes of event time, then field values
 * separated by newlines, handed to the %{field}s in turn. For every
 * pattern that compiles and every set of values: the path has exactly the
 * '/' and '=' of the pattern's own text (no value adds or splits a level),
 * no component is empty, "." or "..", and each escaped value decodes back
 * to the value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tw_part.h"

struct vals {
	const char *p, *end;
};

static void
next_value(void *arg, struct tw_buf *val, const char *field, size_t len)
{
	struct vals *v = arg;
	const char *nl;

	(void)field;
	(void)len;
	if (v->p >= v->end)
		return;			/* missing: the default partition */
	nl = memchr(v->p, '\n', (size_t)(v->end - v->p));
	if (nl == NULL)
		nl = v->end;
	tw_buf_add(val, v->p, (size_t)(nl - v->p));
	v->p = nl < v->end ? nl + 1 : nl;
}

static int
hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Escapes s, checks the escaped form, decodes it and compares. */
static void
round_trip(const char *s, size_t n)
{
	struct tw_buf e = TW_BUF_INIT, d = TW_BUF_INIT;
	size_t i;

	tw_part_escape(&e, s, n);
	FUZZ_ASSERT(e.len > 0);
	FUZZ_ASSERT(!(e.len == 1 && e.p[0] == '.') && !(e.len == 2 && e.p[0] == '.' && e.p[1] == '.'));
	for (i = 0; i < e.len; i++) {
		unsigned char c = (unsigned char)e.p[i];

		FUZZ_ASSERT(c >= 0x20 && c != 0x7f && c != '/' && c != '=');
		if (c == '%') {
			FUZZ_ASSERT(i + 2 < e.len && hexv(e.p[i + 1]) >= 0 && hexv(e.p[i + 2]) >= 0);
			tw_buf_addc(&d, (char)(hexv(e.p[i + 1]) * 16 + hexv(e.p[i + 2])));
			i += 2;
		} else
			tw_buf_addc(&d, (char)c);
	}
	if (n > 0)
		FUZZ_ASSERT(d.len == n && memcmp(d.p, s, n) == 0);
	tw_buf_free(&e);
	tw_buf_free(&d);
}

static size_t
count(const char *s, size_t n, char c)
{
	size_t k = 0, i;

	for (i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *nl;
	struct tw_part_pat pat;
	struct tw_buf pattern = TW_BUF_INIT, path = TW_BUF_INIT;
	struct vals v;
	const char *err = NULL;
	char msg[200];
	size_t slashes = 0, eqs = 0, i, comp;
	int64_t ms = 0;
	int k, rc, have_time;

	nl = memchr(s, '\n', size);
	if (nl == NULL)
		nl = end;
	tw_buf_add(&pattern, s, (size_t)(nl - s));
	tw_buf_addc(&pattern, '\0');
	s = nl < end ? nl + 1 : nl;
	have_time = end - s >= 8;
	if (have_time) {
		memcpy(&ms, s, 8);
		s += 8;
	}
	v.p = s;
	v.end = end;
	/* Every value line escapes and decodes back. */
	for (i = 0; v.p < v.end && i < 64; i++) {
		struct tw_buf one = TW_BUF_INIT;

		next_value(&v, &one, "", 0);
		round_trip(one.p, one.len);
		tw_buf_free(&one);
	}
	v.p = s;
	if (tw_part_compile(&pat, pattern.p, msg, sizeof msg) < 0) {
		FUZZ_ASSERT(strncmp(msg, "--partition-by: ", 16) == 0);
		FUZZ_ASSERT(pat.segs == NULL && pat.nsegs == 0);
		goto out;
	}
	for (k = 0; k < pat.nsegs; k++)
		if (pat.segs[k].kind == TW_PART_LIT) {
			slashes += count(pat.segs[k].text, pat.segs[k].len, '/');
			eqs += count(pat.segs[k].text, pat.segs[k].len, '=');
		}
	rc = tw_part_path(&pat, &path, have_time ? &ms : NULL, next_value, &v, &err);
	FUZZ_ASSERT(count(path.p, path.len, '/') == slashes);
	FUZZ_ASSERT(count(path.p, path.len, '=') == eqs);
	comp = 0;
	for (i = 0; i <= path.len; i++) {
		if (i == path.len || path.p[i] == '/') {
			size_t n = i - comp;
			const char *c = path.p + comp;

			FUZZ_ASSERT(n > 0);
			FUZZ_ASSERT(!(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.'));
			if (rc == 0)
				FUZZ_ASSERT(n <= TW_PART_MAX_COMPONENT);
			comp = i + 1;
		}
	}
	FUZZ_ASSERT(rc == 0 || err != NULL);
	tw_part_free(&pat);
out:
	tw_buf_free(&pattern);
	tw_buf_free(&path);
	return 0;
}
