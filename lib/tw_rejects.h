/*
 * tw_rejects: a tool's rejects (dead-letter) file.
 *
 * Each bad input record goes to PATH verbatim, with the line ending it
 * was read with (CR LF stays CR LF; a multi-line document keeps its
 * lines, joined by LF), so that the file can be fixed and fed again.
 * Beside it, PATH.reasons gets one line per record, in the same order:
 * "file:line<TAB>reason". Both files are appended to, and each ends with
 * whole records even after a write error (see tw_writer).
 *
 * Write errors are sticky in the writers; tw_rejects_add and
 * tw_rejects_flush return -1 after one, and the caller ends the program
 * with tw_writer_fail on the writer named by tw_rejects_failed.
 */
#ifndef TW_REJECTS_H
#define TW_REJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "tw_writer.h"

struct tw_rejects {
	struct tw_writer data, why;
	int reasons;		/* PATH.reasons is written */
	char *why_path;
};

/*
 * Opens (appending, creating) path and, with reasons set, path.reasons.
 * Returns 0, or -1 with a message in err.
 */
int tw_rejects_open(struct tw_rejects *r, const char *path, int reasons,
    char *err, size_t errlen);

/*
 * Adds the record raw[0..len) read at name:line (cr: it ended in CR LF)
 * and, when reasons are kept, why. Returns 0 or -1 after a write error.
 */
int tw_rejects_add(struct tw_rejects *r, const char *name, uint64_t line,
    const char *raw, size_t len, int cr, const char *why);

/* Writes what is buffered; 0 or -1 after a write error. */
int tw_rejects_flush(struct tw_rejects *r);

/* Flushes and closes both files; 0 or -1 after a write error. */
int tw_rejects_close(struct tw_rejects *r);

/* The writer that failed (for tw_writer_fail), after a -1. */
struct tw_writer *tw_rejects_failed(struct tw_rejects *r);

#endif
