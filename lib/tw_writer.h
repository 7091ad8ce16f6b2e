/*
 * tw_writer: buffered output with checked errors, for every tool.
 *
 * Tools build records straight into w->out (a tw_buf) and call
 * tw_writer_end_record after each; the buffer is written when it holds
 * TW_WRITER_BLOCK bytes, so a fast stream is written in large blocks.
 * tw_writer_flush writes what is buffered now: tools call it when their
 * input has nothing ready (tw_reader's idle hook), so at a low rate each
 * record leaves at once.
 *
 * Errors are sticky: after a failed write, err holds errno and further
 * output is discarded. tw_writer_fail ends the program as the policy
 * says: quietly by SIGPIPE for a closed pipe, else a message and status 1.
 * On a regular file a failed write (a full disk) is cut back to where
 * the block began, so the file ends with a whole record and the next
 * run's first record is not glued to half of one (records are only
 * flushed between records).
 */
#ifndef TW_WRITER_H
#define TW_WRITER_H

#include "tw_buf.h"

#define TW_WRITER_BLOCK ((size_t)128 << 10)

struct tw_writer {
	struct tw_buf out;
	int fd;
	const char *name;	/* for messages: "<stdout>" or a path */
	int err;		/* errno of the first failed write, or 0 */
	unsigned long long bytes;	/* bytes written so far */
	int reg, append;	/* fd is a regular file; opened O_APPEND */
	/* When set, every flush writes the same bytes to the mirror first
	 * (a copy of the output); a failed mirror ends the program through
	 * tw_writer_fail(mirror). Borrowed. */
	struct tw_writer *mirror;
	/* The lines written are KEY<TAB>RECORD (a Kafka key first): the
	 * mirror gets each without its key. */
	int mirror_unkey;
};

/* Starts a writer on fd (not closed by tw_writer_close if it is 1 or 2). */
void tw_writer_init(struct tw_writer *w, int fd, const char *name);

/* Writes everything buffered; returns 0, or -1 with err set. */
int tw_writer_flush(struct tw_writer *w);

/* Ends a record: writes the buffer if it has grown past the block size. */
static inline int
tw_writer_end_record(struct tw_writer *w)
{
	if (w->out.len >= TW_WRITER_BLOCK)
		return tw_writer_flush(w);
	return w->err ? -1 : 0;
}

/* Flushes and closes; returns 0 or -1 with err set. For stdout the
 * descriptor is closed too, so errors reported only at close are seen. */
int tw_writer_close(struct tw_writer *w);

/* Ends the program after a write error (see above). Never returns. */
void tw_writer_fail(struct tw_writer *w) __attribute__((noreturn));

/*
 * 1 when w writes into a pipe, FIFO or socket whose reader has gone (a
 * dead consumer), without writing anything: a tool that is idle, or about
 * to save a checkpoint that assumes its output arrived, asks this rather
 * than learning it at its next write. 0 for files and live readers.
 */
int tw_writer_reader_gone(const struct tw_writer *w);

/*
 * Writes data[0..len) as the whole of file path: to a temporary name
 * beside it, fsynced, then renamed over it, so that a failure (a full
 * disk, a signal) leaves the old file whole. A device or FIFO is written
 * in place. Returns 0, or -1 with "path: reason" in err.
 */
int tw_write_file(const char *path, const char *data, size_t len, char *err,
    size_t errlen);

/* Idle hook for tw_reader: flushes w (passed as arg). */
void tw_writer_idle(void *w);

/* w's descriptor when it is a pipe, FIFO or socket (whose reader can go
 * away: a tw_reader's watch_fd), else -1. */
int tw_writer_watch_fd(const struct tw_writer *w);

/* Gone hook for tw_reader: w's reader has gone; ends the program as a
 * write into the closed pipe would (tw_writer_fail with EPIPE). */
void tw_writer_gone(void *w) __attribute__((noreturn));

#endif
