#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tw_mark.h"
#include "tw_time.h"

int
tw_mark_is(const char *line, size_t n)
{
	return n >= TW_MARK_PREFIX_LEN &&
	    memcmp(line, TW_MARK_PREFIX, TW_MARK_PREFIX_LEN) == 0;
}

void
tw_marker_init(struct tw_marker *m, const char *source, int64_t every_ms)
{
	memset(m, 0, sizeof *m);
	m->source = source;
	m->t0 = tw_now_ms();
	m->every_ns = every_ms * 1000000;
	m->last_ns = tw_mono_ns();
}

void
tw_marker_add(struct tw_marker *m, struct tw_buf *b)
{
	char tail[48];
	int k;

	m->n++;
	tw_buf_add(b, TW_MARK_PREFIX, TW_MARK_PREFIX_LEN);
	tw_buf_add_jstr(b, m->source, strlen(m->source));
	/* The suffix goes inside the string: drop the closing quote. */
	b->len--;
	k = snprintf(tail, sizeof tail, "/%lld.%llu\"}\n", (long long)m->t0,
	    (unsigned long long)m->n);
	tw_buf_add(b, tail, (size_t)k);
	m->last_ns = tw_mono_ns();
}

int
tw_marker_tick(struct tw_marker *m, struct tw_buf *b, int64_t now_ns)
{
	if (m->every_ns <= 0 || now_ns - m->last_ns < m->every_ns)
		return 0;
	tw_marker_add(m, b);
	return 1;
}

void
tw_mark_default_source(char *buf, size_t n)
{
	char host[64];
	size_t i;

	if (gethostname(host, sizeof host - 1) < 0 || host[0] == '\0')
		strcpy(host, "host");
	host[sizeof host - 1] = '\0';
	for (i = 0; host[i]; i++)
		if (host[i] == '"' || host[i] == '\\' || (unsigned char)host[i] < ' ')
			host[i] = '_';
	snprintf(buf, n, "%s:%ld", host, (long)getpid());
}
