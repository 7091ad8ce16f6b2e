#include "tw_label.h"

#include <string.h>

/* s[0..n) cut to max characters with an ellipsis in the middle. */
static void
cut_middle(struct tw_buf *out, const char *s, size_t n, size_t max)
{
	size_t total = tw_utf8_chars(s, n), head, tail, k = 0, i, hb = 0, tb = n;

	if (total <= max) {
		tw_buf_add(out, s, n);
		return;
	}
	head = (max - 1) / 2;
	tail = max - 1 - head;
	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (k == head)
			hb = i;
		if (k == total - tail)
			tb = i;
		k++;
	}
	tw_buf_add(out, s, hb);
	tw_buf_adds(out, "\xE2\x80\xA6");
	tw_buf_add(out, s + tb, n - tb);
}

void
tw_label_short(struct tw_buf *out, const char *const *all, size_t n,
    size_t i, size_t max)
{
	const char *s = all[i];
	size_t len = strlen(s), pre = (size_t)-1, suf = (size_t)-1, k;
	struct tw_buf t = TW_BUF_INIT;

	if (max < 3)
		max = 3;
	if (tw_utf8_chars(s, len) <= max) {
		tw_buf_add(out, s, len);
		return;
	}
	for (k = 0; k < n; k++) {
		const char *o = all[k];
		size_t on = strlen(o), a = 0, z = 0;

		if (k == i || tw_utf8_chars(o, on) <= max)
			continue;	/* shown whole: not compared */
		while (a < len && a < on && s[a] == o[a])
			a++;
		while (z < len - a && z < on - a && s[len - 1 - z] == o[on - 1 - z])
			z++;
		if (a < pre)
			pre = a;
		if (z < suf)
			suf = z;
	}
	if (pre == (size_t)-1) {
		cut_middle(out, s, len, max);
		return;
	}
	/* One character of what is shared stays on each side: "…-1-…". */
	if (pre > 0)
		pre--;
	if (suf > 0)
		suf--;
	while (pre > 0 && ((unsigned char)s[pre] & 0xC0) == 0x80)
		pre--;
	while (suf > 0 && ((unsigned char)s[len - suf] & 0xC0) == 0x80)
		suf--;
	if (pre <= 3)
		pre = 0;
	if (suf <= 3)
		suf = 0;
	if (pre)
		tw_buf_adds(&t, "\xE2\x80\xA6");
	tw_buf_add(&t, s + pre, len - pre - suf);
	if (suf)
		tw_buf_adds(&t, "\xE2\x80\xA6");
	cut_middle(out, t.p, t.len, max);
	tw_buf_free(&t);
}
