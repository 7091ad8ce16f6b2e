#include "tw_reader.h"
#include "tw_sig.h"
#include "tw_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK ((size_t)256 << 10)

struct tw_reader_src {
	int fd;
	int is_stdin;
	int gz;			/* 1 inflating, 0 plain, -1 not yet known */
	int gz_done;		/* inflate reached the end of a member */
	int raw_eof;
	z_stream zs;
	unsigned char *raw;
	size_t raw_len;
};

void
tw_reader_open(struct tw_reader *r, char **files, int nfiles)
{
	memset(r, 0, sizeof *r);
	r->max_line = TW_READER_MAX_LINE;
	r->files = files;
	r->nfiles = nfiles;
	r->cur = -1;
	r->cap = (size_t)1 << 20;
	r->buf = tw_xmalloc(r->cap + TW_READER_PAD);
	r->name = "<stdin>";
}

static void
src_close(struct tw_reader *r)
{
	struct tw_reader_src *s = r->src;

	if (s == NULL)
		return;
	if (s->gz == 1)
		inflateEnd(&s->zs);
	if (!s->is_stdin)
		close(s->fd);
	free(s->raw);
	free(s);
	r->src = NULL;
}

void
tw_reader_close(struct tw_reader *r)
{
	src_close(r);
	free(r->buf);
	r->buf = NULL;
}

/* Opens the next file; returns 1 when opened, 0 when none left, -1 on error. */
static int
src_next(struct tw_reader *r)
{
	struct tw_reader_src *s;
	const char *f;
	int fd;

	src_close(r);
	r->cur++;
	if (r->nfiles == 0 ? r->cur > 0 : r->cur >= r->nfiles)
		return 0;
	f = r->nfiles ? r->files[r->cur] : "-";
	r->lineno = 0;
	r->bom_checked = 0;
	r->at_eof = 0;
	r->skipping = 0;
	r->skip_len = 0;
	if (strcmp(f, "-") == 0) {
		fd = STDIN_FILENO;
		r->name = "<stdin>";
	} else {
		r->name = f;
		fd = open(f, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(r->errmsg, sizeof r->errmsg, "%s", strerror(errno));
			r->nfiles_failed++;
			return -1;
		}
	}
	s = tw_xcalloc(1, sizeof *s);
	s->fd = fd;
	s->is_stdin = fd == STDIN_FILENO;
	s->gz = -1;
	s->raw = tw_xmalloc(CHUNK);
	r->src = s;
	return 1;
}

/* Waits until fd is readable, calling the idle and tick hooks. */
static int
wait_input(struct tw_reader *r, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc, idle_done = 0;

	if (r->idle == NULL && r->tick == NULL)
		return 0;
	for (;;) {
		if (tw_sig_caught)
			return -1;
		rc = poll(&p, 1, idle_done ? (r->tick ? r->tick_ms : -1) : 0);
		if (rc > 0)
			return 0;
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return 0;	/* let read report it */
		}
		if (!idle_done) {
			idle_done = 1;
			if (r->idle)
				r->idle(r->arg);
		} else if (r->tick) {
			r->tick(r->arg);
		}
	}
}

/* Reads raw bytes; returns count, 0 at end of file, -1 on error/stop. */
static ssize_t
raw_read(struct tw_reader *r, void *dst, size_t n)
{
	struct tw_reader_src *s = r->src;
	ssize_t k;

	for (;;) {
		if (wait_input(r, s->fd) < 0)
			return -1;
		k = read(s->fd, dst, n);
		if (k >= 0)
			return k;
		if (errno == EINTR) {
			if (tw_sig_caught)
				return -1;
			continue;
		}
		snprintf(r->errmsg, sizeof r->errmsg, "read error: %s",
		    strerror(errno));
		return -2;
	}
}

/*
 * Appends decoded bytes to buf[end..cap). Returns bytes added, 0 at the
 * end of this file, -1 when stopped by a signal, -2 on error.
 */
static ssize_t
src_fill(struct tw_reader *r, char *dst, size_t room)
{
	struct tw_reader_src *s = r->src;
	ssize_t k;
	int zr;

	if (s->gz == -1) {
		/* Decide gzip or plain from the first bytes. */
		k = raw_read(r, s->raw, CHUNK);
		if (k < 0)
			return k;
		s->raw_len = (size_t)k;
		if (k == 0)
			s->raw_eof = 1;
		if (k >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
			s->gz = 1;
			if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK)
				tw_oom();
			s->zs.next_in = s->raw;
			s->zs.avail_in = (uInt)s->raw_len;
		} else {
			s->gz = 0;
			if (s->raw_len > room)
				tw_die(1, "internal error: reader buffer");
			memcpy(dst, s->raw, s->raw_len);
			return (ssize_t)s->raw_len;
		}
	}
	if (s->gz == 0) {
		if (s->raw_eof)
			return 0;
		k = raw_read(r, dst, room);
		if (k == 0)
			s->raw_eof = 1;
		return k;
	}
	for (;;) {
		if (s->zs.avail_in == 0 && !s->raw_eof) {
			k = raw_read(r, s->raw, CHUNK);
			if (k < 0)
				return k;
			if (k == 0)
				s->raw_eof = 1;
			s->zs.next_in = s->raw;
			s->zs.avail_in = (uInt)k;
		}
		if (s->gz_done) {
			/* Another member may follow; gzip allows concatenation. */
			if (s->zs.avail_in == 0 && s->raw_eof)
				return 0;
			if (s->zs.avail_in == 0)
				continue;
			inflateReset(&s->zs);
			s->gz_done = 0;
		}
		if (s->zs.avail_in == 0 && s->raw_eof) {
			snprintf(r->errmsg, sizeof r->errmsg,
			    "unexpected end of gzip data (file cut short)");
			return -2;
		}
		s->zs.next_out = (unsigned char *)dst;
		s->zs.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
		zr = inflate(&s->zs, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			s->gz_done = 1;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			snprintf(r->errmsg, sizeof r->errmsg, "invalid gzip data: %s",
			    s->zs.msg ? s->zs.msg : "error");
			return -2;
		}
		k = (ssize_t)(room - s->zs.avail_out);
		if (k > 0)
			return k;
	}
}

int
tw_reader_ready(struct tw_reader *r)
{
	struct pollfd p;

	if (r->end > r->start || r->src == NULL)
		return 1;
	p.fd = r->src->fd;
	p.events = POLLIN;
	return poll(&p, 1, 0) > 0;
}

/* Hands out buf[start..start+n) as a line; nl says a newline ended it. */
static enum tw_read_status
take(struct tw_reader *r, size_t n, int nl, const char **line, size_t *len)
{
	char *p = r->buf + r->start;

	r->bytes += n + (size_t)nl;
	r->start += n + (size_t)nl;
	r->nl = nl;
	r->scan = r->start;
	r->lineno++;
	if (r->skipping || n > r->max_line) {
		/* An over-long line: report its length, not its bytes. */
		*len = r->skip_len + n;
		*line = NULL;
		r->skipping = 0;
		r->skip_len = 0;
		return TW_READ_LONG;
	}
	r->cr = n > 0 && p[n - 1] == '\r';
	if (r->cr)
		n--;
	if (!r->bom_checked) {
		r->bom_checked = 1;
		if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
			p += 3;
			n -= 3;
		}
	}
	p[n] = '\0';
	*line = p;
	*len = n;
	return TW_READ_LINE;
}

enum tw_read_status
tw_reader_next(struct tw_reader *r, const char **line, size_t *len)
{
	char *nl;
	ssize_t k;

	for (;;) {
		if (r->src == NULL) {
			int o = src_next(r);

			if (o == 0)
				return TW_READ_EOF;
			if (o < 0)
				return TW_READ_ERR;
			r->start = r->end = r->scan = 0;
		}
		nl = r->end > r->scan ? memchr(r->buf + r->scan, '\n',
		    r->end - r->scan) : NULL;
		if (nl != NULL)
			return take(r, (size_t)(nl - (r->buf + r->start)), 1, line, len);
		if (r->at_eof) {
			int e = r->pend_err;

			if (r->end > r->start || r->skipping)
				return take(r, r->end - r->start, 0, line, len);
			src_close(r);
			r->pend_err = 0;
			if (e)
				return TW_READ_ERR;
			continue;
		}
		if (tw_sig_caught) {
			r->stopped = tw_sig_caught;
			return TW_READ_EOF;
		}
		if (r->end - r->start > r->max_line || r->skipping) {
			/* Inside an over-long line: count its bytes, keep none. */
			r->skip_len += r->end - r->start;
			r->skipping = 1;
			r->start = r->end = r->scan = 0;
		} else if (r->start > 0) {
			/* Drop consumed bytes. */
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		r->scan = r->end;
		if (r->cap - r->end < CHUNK) {
			r->cap *= 2;
			r->buf = tw_xrealloc(r->buf, r->cap + TW_READER_PAD);
		}
		k = src_fill(r, r->buf + r->end, r->cap - r->end);
		if (k == -1) {
			r->stopped = tw_sig_caught;
			return TW_READ_EOF;
		}
		if (k == -2) {
			r->nfiles_failed++;
			/* Deliver what was read before the error first. */
			r->at_eof = 1;
			r->pend_err = 1;
			continue;
		}
		if (k == 0)
			r->at_eof = 1;
		r->end += (size_t)k;
	}
}
