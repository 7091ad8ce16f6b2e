#include "tw_reader.h"
#include "tw_sig.h"
#include "tw_util.h"
#include "tw_zin.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK ((size_t)256 << 10)

/* The decode thread's blocks: NBLK of BLK bytes, filled in turn. */
#define NBLK 4
#define BLK ((size_t)512 << 10)

/*
 * The decode thread ("pump") of a compressed file: it reads the file and
 * decodes it into blocks, which the reader copies out in order. It owns
 * the descriptor while it runs; signals are blocked in it, so they reach
 * the reading thread as before. A block is handed over when full, at the
 * end, or when the next read would block, so a slow stream's lines are
 * not held back.
 */
struct pump {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* the thread waits for a free block */
	int note[2];		/* thread -> reader: a block, a wait, the end */
	int stop[2];		/* reader -> thread: stop now */
	int fd, is_reg;
	struct tw_zin zin;
	unsigned char *raw;	/* CHUNK, the thread's read buffer */
	unsigned char *b[NBLK];
	size_t len[NBLK];
	size_t off;		/* the reader's position in b[head] */

	/* Under mu. */
	unsigned head, n;	/* ready blocks: head .. head + n - 1 */
	int done;		/* the thread has ended; status says how */
	int status;		/* TW_ZIN_END, TW_ZIN_ERR, TW_ZIN_NOMEM, -2 read error */
	int starved;		/* the thread waits for input */
	int waiting;		/* the reader waits on note */
	int quit;		/* the reader asks the thread to end */
	char msg[256];
};

struct tw_reader_src {
	int fd;
	int is_stdin;
	int codec;		/* enum tw_zin_codec, or -1 not yet known */
	int raw_eof;
	unsigned char *raw;	/* CHUNK: the first bytes, then compressed input */
	size_t raw_len;
	struct tw_zin zin;	/* decoding in this thread */
	struct pump *pump;	/* or in a decode thread */
};

void
tw_reader_open(struct tw_reader *r, char **files, int nfiles)
{
	const char *t = getenv("TW_READER_THREAD");

	memset(r, 0, sizeof *r);
	r->max_line = TW_READER_MAX_LINE;
	r->files = files;
	r->nfiles = nfiles;
	r->cur = -1;
	r->cap = (size_t)1 << 20;
	r->buf = tw_xmalloc(r->cap + TW_READER_PAD);
	r->name = "<stdin>";
	r->watch_fd = -1;
	r->decode_inline = t != NULL && strcmp(t, "0") == 0;
}

static void pump_stop(struct pump *p);

static void
src_close(struct tw_reader *r)
{
	struct tw_reader_src *s = r->src;

	if (s == NULL)
		return;
	if (s->pump != NULL)
		pump_stop(s->pump);
	tw_zin_free(&s->zin);
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
	tw_pipe_grow(fd);	/* (whoever writes into it) */
	s->codec = -1;
	s->raw = tw_xmalloc(CHUNK);
	r->src = s;
	return 1;
}

/*
 * Polls fd for input and, when set, the watched output for its reader's
 * going (POLLERR on a pipe's write end, POLLHUP on a socket). Returns
 * poll's result for fd: 1 readable, 0 timed out, -1 failed (errno).
 */
static int
poll_in(struct tw_reader *r, int fd, int timeout)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = r->watch_fd, .events = 0 }
	};
	int rc;

	rc = poll(p, r->watch_fd >= 0 ? 2 : 1, timeout);
	if (rc > 0 && r->watch_fd >= 0 &&
	    (p[1].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
		if (r->gone != NULL)
			r->gone(r->arg);
		r->watch_fd = -1;	/* (no hook: stop watching) */
	}
	if (rc > 0 && p[0].revents == 0)
		return 0;
	return rc > 0 ? 1 : rc;
}

/* A caught SIGINT or SIGTERM ends the input, unless it must be read to
 * its end (finish). */
static int
stop_now(const struct tw_reader *r)
{
	return tw_sig_caught && !r->finish;
}

/* Waits until fd is readable, calling the idle and tick hooks. */
static int
wait_input(struct tw_reader *r, int fd)
{
	int rc, idle_done = 0;

	if (r->idle == NULL && r->tick == NULL && r->watch_fd < 0)
		return 0;
	for (;;) {
		if (stop_now(r))
			return -1;
		rc = poll_in(r, fd, idle_done ? (r->tick ? r->tick_ms : -1) : 0);
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
			if (stop_now(r))
				return -1;
			continue;
		}
		snprintf(r->errmsg, sizeof r->errmsg, "read error: %s",
		    strerror(errno));
		return -2;
	}
}

/* ---- the decode thread ---- */

static void
pump_note(struct pump *p)
{
	/* Under mu. A full pipe already holds a note. */
	if (p->waiting && write(p->note[1], "", 1) < 0) {
		/* nothing to do */
	}
}

/* Reads compressed bytes in the thread: count, 0 at end of file, -1
 * when asked to stop, -2 on a read error (msg set). */
static ssize_t
pump_read(struct pump *p)
{
	struct pollfd pf[2] = {
		{ .fd = p->fd, .events = POLLIN },
		{ .fd = p->stop[0], .events = POLLIN }
	};
	ssize_t k;
	int rc;

	for (;;) {
		if (!p->is_reg) {
			rc = poll(pf, 2, 0);
			if (rc == 0) {
				pthread_mutex_lock(&p->mu);
				p->starved = 1;
				pump_note(p);
				pthread_mutex_unlock(&p->mu);
				rc = poll(pf, 2, -1);
				pthread_mutex_lock(&p->mu);
				p->starved = 0;
				pthread_mutex_unlock(&p->mu);
			}
			if (rc < 0 && errno == EINTR)
				continue;
			if (rc > 0 && pf[1].revents)
				return -1;
		}
		k = read(p->fd, p->raw, CHUNK);
		if (k >= 0)
			return k;
		if (errno == EINTR)
			continue;
		snprintf(p->msg, sizeof p->msg, "read error: %s", strerror(errno));
		return -2;
	}
}

/* pipe(2) with both ends close-on-exec and non-blocking. */
static int
pipe_nb(int fd[2])
{
	int i;

	if (pipe(fd) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fcntl(fd[i], F_SETFD, FD_CLOEXEC);
		fcntl(fd[i], F_SETFL, O_NONBLOCK);
	}
	return 0;
}

/* 1 when a read of the thread's descriptor would not block. */
static int
pump_readable(struct pump *p)
{
	struct pollfd pf = { .fd = p->fd, .events = POLLIN };

	return p->is_reg || poll(&pf, 1, 0) != 0;
}

static void *
pump_main(void *arg)
{
	struct pump *p = arg;
	struct tw_zin *z = &p->zin;
	int status = 0, quit = 0;

	while (!status && !quit) {
		unsigned i;
		size_t len = 0, made;
		ssize_t k;

		pthread_mutex_lock(&p->mu);
		while (p->n == NBLK && !p->quit)
			pthread_cond_wait(&p->cv, &p->mu);
		quit = p->quit;
		i = (p->head + p->n) % NBLK;
		pthread_mutex_unlock(&p->mu);
		if (quit)
			break;
		while (len < BLK) {
			if (z->avail_in == 0 && !z->eof) {
				if (len > 0 && !pump_readable(p))
					break;	/* hand over what there is */
				k = pump_read(p);
				if (k == -1) {
					quit = 1;
					break;
				}
				if (k == -2) {
					status = -2;
					break;
				}
				z->next_in = p->raw;
				z->avail_in = (size_t)k;
				z->eof = k == 0;
			}
			switch (tw_zin_step(z, p->b[i] + len, BLK - len, &made)) {
			case TW_ZIN_OK:
				break;
			case TW_ZIN_END:
				status = TW_ZIN_END;
				break;
			case TW_ZIN_ERR:
				snprintf(p->msg, sizeof p->msg, "%s", z->msg);
				status = TW_ZIN_ERR;
				break;
			case TW_ZIN_NOMEM:
				status = TW_ZIN_NOMEM;
				break;
			}
			len += made;
			if (status)
				break;
		}
		pthread_mutex_lock(&p->mu);
		if (len > 0) {
			p->len[i] = len;
			p->n++;
		}
		if (status) {
			p->status = status;
			p->done = 1;
		}
		if (len > 0 || status)
			pump_note(p);
		pthread_mutex_unlock(&p->mu);
	}
	if (quit) {
		pthread_mutex_lock(&p->mu);
		p->done = 1;
		p->status = TW_ZIN_END;
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* Starts the decode thread on s's descriptor, with the first bytes read
 * so far. Returns NULL when a thread cannot be started (then decode here). */
static struct pump *
pump_start(struct tw_reader_src *s)
{
	struct pump *p = tw_xcalloc(1, sizeof *p);
	struct stat sb;
	sigset_t all, old;
	int i, rc;

	p->fd = s->fd;
	p->is_reg = fstat(s->fd, &sb) == 0 && S_ISREG(sb.st_mode);
	p->zin = s->zin;	/* taken over, with its first bytes */
	memset(&s->zin, 0, sizeof s->zin);
	p->raw = s->raw;
	s->raw = NULL;
	for (i = 0; i < NBLK; i++)
		p->b[i] = tw_xmalloc(BLK);
	if (pipe_nb(p->note) < 0)
		goto fail_pipe;
	if (pipe_nb(p->stop) < 0)
		goto fail_stop;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	/* The thread inherits a mask that blocks every signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->th, NULL, pump_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		return p;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	close(p->stop[0]);
	close(p->stop[1]);
fail_stop:
	close(p->note[0]);
	close(p->note[1]);
fail_pipe:
	s->zin = p->zin;
	s->raw = p->raw;
	for (i = 0; i < NBLK; i++)
		free(p->b[i]);
	free(p);
	return NULL;
}

static void
pump_stop(struct pump *p)
{
	int i;

	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (write(p->stop[1], "", 1) < 0) {
		/* the pipe is empty and ours: cannot fail */
	}
	pthread_join(p->th, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	close(p->note[0]);
	close(p->note[1]);
	close(p->stop[0]);
	close(p->stop[1]);
	tw_zin_free(&p->zin);
	free(p->raw);
	for (i = 0; i < NBLK; i++)
		free(p->b[i]);
	free(p);
}

/* Copies decoded bytes from the thread's blocks, waiting as raw_read
 * does (idle hook once the thread waits for input, tick hook while
 * waiting). Returns as src_fill does. */
static ssize_t
pump_fill(struct tw_reader *r, struct pump *p, char *dst, size_t room)
{
	int idle_done = 0, starved, rc;
	char drain[64];

	for (;;) {
		pthread_mutex_lock(&p->mu);
		if (p->n > 0) {
			unsigned h = p->head;
			size_t k = p->len[h] - p->off;

			pthread_mutex_unlock(&p->mu);
			if (k > room)
				k = room;
			memcpy(dst, p->b[h] + p->off, k);
			p->off += k;
			if (p->off == p->len[h]) {
				p->off = 0;
				pthread_mutex_lock(&p->mu);
				p->head = (h + 1) % NBLK;
				p->n--;
				pthread_cond_signal(&p->cv);
				pthread_mutex_unlock(&p->mu);
			}
			return (ssize_t)k;
		}
		if (p->done) {
			int st = p->status;

			pthread_mutex_unlock(&p->mu);
			if (st == TW_ZIN_NOMEM)
				tw_oom();
			if (st == TW_ZIN_END)
				return 0;
			snprintf(r->errmsg, sizeof r->errmsg, "%s", p->msg);
			return -2;
		}
		starved = p->starved;
		p->waiting = 1;
		pthread_mutex_unlock(&p->mu);
		if (stop_now(r))
			rc = -1;
		else if (starved && !idle_done && r->idle) {
			idle_done = 1;
			r->idle(r->arg);
			rc = 1;
		} else {
			rc = poll_in(r, p->note[0], r->tick &&
			    (idle_done || !r->idle) ? r->tick_ms : -1);
			if (rc > 0)
				while (read(p->note[0], drain, sizeof drain) > 0)
					;
			else if (rc == 0 && r->tick)
				r->tick(r->arg);
			else if (rc < 0 && errno == EINTR)
				rc = stop_now(r) ? -1 : 1;
		}
		pthread_mutex_lock(&p->mu);
		p->waiting = 0;
		pthread_mutex_unlock(&p->mu);
		if (rc < 0)
			return -1;
	}
}

/* ---- decoded bytes for the reader ---- */

/* Reads the first bytes of a file until they say gzip, zstd or plain. */
static ssize_t
src_detect(struct tw_reader *r)
{
	struct tw_reader_src *s = r->src;
	ssize_t k;
	int c;

	do {
		k = raw_read(r, s->raw + s->raw_len, CHUNK - s->raw_len);
		if (k < 0)
			return k;
		s->raw_len += (size_t)k;
		c = tw_zin_detect(s->raw, s->raw_len);
	} while (c < 0 && k > 0);
	if (k == 0)
		s->raw_eof = 1;
	s->codec = c < 0 ? TW_ZIN_PLAIN : c;
	if (s->codec == TW_ZIN_PLAIN)
		return 0;
	tw_zin_init(&s->zin, s->codec);
	s->zin.next_in = s->raw;
	s->zin.avail_in = s->raw_len;
	s->zin.eof = s->raw_eof;
	if (!r->decode_inline)
		s->pump = pump_start(s);
	return 0;
}

/*
 * Appends decoded bytes to buf[end..cap). Returns bytes added, 0 at the
 * end of this file, -1 when stopped by a signal, -2 on error.
 */
static ssize_t
src_fill(struct tw_reader *r, char *dst, size_t room)
{
	struct tw_reader_src *s = r->src;
	struct tw_zin *z = &s->zin;
	size_t made;
	ssize_t k;

	if (s->codec < 0) {
		k = src_detect(r);
		if (k < 0)
			return k;
		if (s->codec == TW_ZIN_PLAIN) {
			if (s->raw_len > room)
				tw_die(1, "internal error: reader buffer");
			memcpy(dst, s->raw, s->raw_len);
			if (s->raw_len > 0 || s->raw_eof)
				return (ssize_t)s->raw_len;
		}
	}
	if (s->pump != NULL)
		return pump_fill(r, s->pump, dst, room);
	if (s->codec == TW_ZIN_PLAIN) {
		if (s->raw_eof)
			return 0;
		k = raw_read(r, dst, room);
		if (k == 0)
			s->raw_eof = 1;
		return k;
	}
	for (;;) {
		if (z->avail_in == 0 && !z->eof) {
			k = raw_read(r, s->raw, CHUNK);
			if (k < 0)
				return k;
			z->next_in = s->raw;
			z->avail_in = (size_t)k;
			z->eof = k == 0;
		}
		switch (tw_zin_step(z, dst, room, &made)) {
		case TW_ZIN_OK:
			if (made > 0)
				return (ssize_t)made;
			break;
		case TW_ZIN_END:
			return 0;
		case TW_ZIN_ERR:
			snprintf(r->errmsg, sizeof r->errmsg, "%s", z->msg);
			return -2;
		case TW_ZIN_NOMEM:
			tw_oom();
		}
	}
}

int
tw_reader_ready(struct tw_reader *r)
{
	struct pollfd p;

	if (r->end > r->start || r->src == NULL)
		return 1;
	if (r->src->pump != NULL) {
		struct pump *q = r->src->pump;
		int ready;

		pthread_mutex_lock(&q->mu);
		ready = q->n > 0 || q->done || !q->starved;
		pthread_mutex_unlock(&q->mu);
		return ready;
	}
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
		if (stop_now(r)) {
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
