#include "tw_writer.h"
#include "tw_sig.h"
#include "tw_util.h"

#include <errno.h>
#include <stdio.h>
#include <poll.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
tw_writer_init(struct tw_writer *w, int fd, const char *name)
{
	struct stat st;
	int fl;

	memset(w, 0, sizeof *w);
	w->fd = fd;
	w->name = name;
	w->reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	w->append = (fl = fcntl(fd, F_GETFL)) >= 0 && (fl & O_APPEND);
	if (!w->reg)
		tw_pipe_grow(fd);
	tw_buf_grow(&w->out, TW_WRITER_BLOCK + 4096);
}

/* Appends the lines of p[0..n) without what comes before their first tab. */
static void
add_unkeyed(struct tw_buf *b, const char *p, size_t n)
{
	const char *end = p + n, *nl, *tab;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl + 1 : end;
		tab = memchr(p, '\t', (size_t)(nl - p));
		if (tab != NULL)
			p = tab + 1;
		tw_buf_add(b, p, (size_t)(nl - p));
		p = nl;
	}
}

int
tw_writer_flush(struct tw_writer *w)
{
	size_t off = 0;
	ssize_t k;
	off_t start = -1;

	if (w->err) {
		tw_buf_reset(&w->out);
		return -1;
	}
	if (w->mirror != NULL && w->out.len > 0) {
		/* The same bytes to the mirror first; its failure is its own. */
		if (w->mirror_unkey)
			add_unkeyed(&w->mirror->out, w->out.p, w->out.len);
		else
			tw_buf_add(&w->mirror->out, w->out.p, w->out.len);
		if (tw_writer_flush(w->mirror) < 0)
			tw_writer_fail(w->mirror);
	}
	if (w->reg && w->out.len > 0)
		start = lseek(w->fd, 0, w->append ? SEEK_END : SEEK_CUR);
	while (off < w->out.len) {
		k = write(w->fd, w->out.p + off, w->out.len - off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			w->err = errno;
			tw_buf_reset(&w->out);
			if (start >= 0 && off > 0 && ftruncate(w->fd, start) == 0 &&
			    !w->append)
				lseek(w->fd, start, SEEK_SET);
			return -1;
		}
		off += (size_t)k;
	}
	w->bytes += off;
	tw_buf_reset(&w->out);
	return 0;
}

int
tw_writer_close(struct tw_writer *w)
{
	int rc = tw_writer_flush(w);

	if (w->fd > 2 || w->fd == STDOUT_FILENO) {
		if (close(w->fd) < 0 && rc == 0 && errno != EINTR) {
			w->err = errno;
			rc = -1;
		}
		w->fd = -1;
	}
	tw_buf_free(&w->out);
	return rc;
}

void
tw_writer_fail(struct tw_writer *w)
{
	if (w->err == EPIPE)
		tw_sig_pipe_exit();
	tw_die(1, "%s: write error: %s", w->name, strerror(w->err));
}

void
tw_writer_idle(void *w)
{
	tw_writer_flush(w);
}

int
tw_writer_watch_fd(const struct tw_writer *w)
{
	struct stat st;

	if (w->fd < 0 || fstat(w->fd, &st) < 0)
		return -1;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ? w->fd : -1;
}

void
tw_writer_gone(void *w)
{
	struct tw_writer *x = w;

	x->err = EPIPE;
	tw_writer_fail(x);
}

int
tw_writer_reader_gone(const struct tw_writer *w)
{
	struct pollfd p = { .fd = w->fd, .events = 0 };

	if (w->reg || w->fd < 0)
		return 0;
	/* POLLERR on a pipe's write end: no reader; POLLHUP: a socket
	 * whose peer has shut down. */
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP)) != 0;
}

int
tw_write_file(const char *path, const char *data, size_t len, char *err,
    size_t errlen)
{
	struct tw_buf tmp = TW_BUF_INIT;
	struct tw_writer w;
	struct stat sb;
	int fd, direct = 0, e;

	/* A device or a FIFO is written in place; a file is replaced whole. */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		direct = 1;
	if (direct) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		tw_buf_adds(&tmp, path);
	} else {
		const char *slash = strrchr(path, '/');

		if (slash)
			tw_buf_add(&tmp, path, (size_t)(slash - path + 1));
		tw_buf_addf(&tmp, ".%s.tmp.%ld", slash ? slash + 1 : path, (long)getpid());
		fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		tw_buf_free(&tmp);
		return -1;
	}
	tw_writer_init(&w, fd, path);
	tw_buf_add(&w.out, data, len);
	if (tw_writer_flush(&w) < 0 || (!direct && fsync(fd) < 0 && errno != EINVAL)) {
		e = w.err ? w.err : errno;
		tw_writer_close(&w);
		goto fail;
	}
	if (tw_writer_close(&w) < 0) {
		e = w.err;
		goto fail;
	}
	if (!direct && rename(tmp.p, path) < 0) {
		e = errno;
		goto fail;
	}
	tw_buf_free(&tmp);
	return 0;
fail:
	if (!direct)
		unlink(tmp.p);
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	tw_buf_free(&tmp);
	return -1;
}
