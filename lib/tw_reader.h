/*
 * tw_reader: lines from a list of files, for every tool.
 *
 * Files are read in order; "-" (or an empty list) is standard input.
 * A file is decoded by its first bytes, not its name (tw_zin): the gzip
 * magic (1f 8b) means gzip, read through ISA-L, concatenated members
 * too; the zstd frame magic (28 b5 2f fd) or a skippable frame's means
 * zstd, concatenated and skippable frames too; anything else is read as
 * is. A compressed file cut short is reported as an error ("unexpected
 * end of gzip data (file cut short)", or zstd) after every line decoded
 * before the cut; a file that is corrupt, after the lines before the
 * damage. Lines may be of any length up to max_line; CRLF endings, a
 * UTF-8 BOM at the start of a file, and a last line without a newline
 * are handled.
 *
 * A compressed file is decoded by a second thread, so that decoding and
 * the tool's work overlap on two cores: it reads the file and fills up
 * to four 512 KiB blocks ahead, handing a block over early when the next
 * read would block. It blocks every signal and never calls the hooks;
 * decode_inline (or TW_READER_THREAD=0 in the environment) keeps the
 * decoding in the calling thread.
 *
 * The returned line points into the reader's buffer and is valid until
 * the next call. It is NUL-terminated (the newline is replaced) and is
 * followed by at least TW_READER_PAD readable bytes.
 *
 * Before a read that would block, the idle hook is called (tools flush
 * their output there, so records leave promptly at low rates); while
 * waiting, the tick hook is called every tick_ms (tw-agg closes windows
 * there). A caught SIGINT/SIGTERM (tw_sig) ends the input early:
 * tw_reader_next returns TW_READ_EOF with `stopped` set; unless `finish`
 * is set, for a read whose early end would be taken for the file's end
 * (tw-load's salvage of a killed writer's part, tw-agg's state): such a
 * read goes on to the real end, and the signal is seen after it.
 *
 * A filter whose input is quiet would learn that its reader has gone
 * (a pipeline's later stage ended) only at its next write, which may
 * never come; the stages before it would then wait for ever too. With
 * watch_fd set to its output (a pipe or socket), the wait for input
 * also waits for that reader to go, and then calls the gone hook, as a
 * write would have failed (tools end as by a closed pipe). gone must not
 * return; if it is NULL, the reader stops watching.
 */
#ifndef TW_READER_H
#define TW_READER_H

#include <stddef.h>
#include <stdint.h>

#define TW_READER_PAD 64
#define TW_READER_MAX_LINE ((size_t)256 << 20)

enum tw_read_status {
	TW_READ_LINE,	/* *line, *len set */
	TW_READ_EOF,	/* no more input (or stopped by a signal) */
	TW_READ_ERR,	/* errmsg set; the reader goes on with the next file */
	TW_READ_LONG	/* a line over max_line was skipped; *len is its length */
};

struct tw_reader_src;

struct tw_reader {
	/* Settings, fill in after tw_reader_open. */
	size_t max_line;
	void (*idle)(void *arg);
	void (*tick)(void *arg);
	void *arg;
	int tick_ms;
	int watch_fd;		/* -1, or an output whose reader's going ends the wait */
	void (*gone)(void *arg);
	int decode_inline;	/* decode in this thread, not a second one */
	int finish;		/* read to the end even after SIGINT/SIGTERM */

	/* State, read only. */
	const char *name;	/* current file, "<stdin>" for standard input */
	uint64_t lineno;	/* line number of the line just returned */
	int cr;			/* it ended in CR LF (the CR is not in it) */
	int nl;			/* it ended in a newline (0: the file's cut-off or
				   unterminated last line) */
	int stopped;		/* signal that ended input, or 0 */
	char errmsg[256];
	uint64_t bytes;		/* bytes returned, counting newlines */
	uint64_t nfiles_failed;

	/* Internal. */
	char **files;
	int nfiles, cur;
	struct tw_reader_src *src;
	char *buf;
	size_t start, end, scan, cap;
	int bom_checked, at_eof, skipping, pend_err;
	size_t skip_len;
};

/* Prepares to read files[0..nfiles) (standard input if nfiles is 0).
 * The names are borrowed and must outlive the reader. */
void tw_reader_open(struct tw_reader *r, char **files, int nfiles);

/* Returns the next line. */
enum tw_read_status tw_reader_next(struct tw_reader *r, const char **line,
    size_t *len);

/* 1 when more input is ready without blocking (or at end of file). */
int tw_reader_ready(struct tw_reader *r);

/* Releases everything; closes the current file. */
void tw_reader_close(struct tw_reader *r);

#endif
