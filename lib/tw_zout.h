/*
 * tw_zout: a streaming compressor for part files, written to a file
 * descriptor: gzip, zstd, or none (the bytes as given).
 *
 * The output is one standard file per stream: a single gzip member
 * (RFC 1952; gzip -t, zcat, Python's gzip, DuckDB, Hadoop read it) or a
 * single zstd frame with a content checksum (zstd -t, DuckDB). gzip
 * levels 1 to 3 are ISA-L's igzip levels, five to eight times as fast as
 * gzip -1; 4 to 9 are zlib's (and gzip's) levels of the same number, for
 * the smallest files at zlib's speed. The default, 2, makes files 2-4%
 * smaller than gzip -1 on NDJSON and CSV (level 1 is 5% faster and 2%
 * larger than gzip -1 on CSV), and 20-25% larger than gzip -6. zstd
 * levels are zstd's, -7 (zstd --fast=7) to 19; the default, 1, makes
 * NDJSON parts a quarter smaller than gzip's at about the same speed.
 * bench/README.md has the speeds and sizes.
 *
 * tw_zout_sync makes everything written so far decodable from the bytes
 * in the file: a reader that stops at the end of the file (a part whose
 * writer was killed, read by tw_reader, zcat or zstd -d) gets all of it
 * and then reports the file as cut short. It does not call fsync(2).
 *
 * Errors are returned, never fatal: -1 with errno (EPIPE, ENOSPC, EIO,
 * ... from write(2); EINVAL for a bad codec or level). The first write
 * error is kept in err and every later call fails with it. Running out
 * of memory dies (tw_oom), as everywhere in twpipe.
 *
 * Memory per stream, bounded whatever is written: 32 KiB of input (small
 * writes gather there; ISA-L is a fifth slower fed record by record) and
 * 64 KiB of output buffer, plus the compressor: gzip level 1 356 KiB,
 * 2 404 KiB, 3 420 KiB, 4-9 (zlib) 262 KiB; zstd level 1 1.3 MiB, 3 3.5
 * MiB, 9 17 MiB, 19 90 MiB (ZSTD_estimateCStreamSize). A sync writes
 * whatever is buffered; without syncs, output reaches the descriptor
 * 64 KiB at a time.
 *
 * The descriptor stays the caller's: tw_zout never closes or seeks it.
 */
#ifndef TW_ZOUT_H
#define TW_ZOUT_H

#include <stddef.h>
#include <stdint.h>

enum tw_zcodec {
	TW_ZOUT_NONE,
	TW_ZOUT_GZIP,
	TW_ZOUT_ZSTD
};

/* A level argument meaning the codec's default (gzip 2, zstd 1). */
#define TW_ZOUT_DEFAULT 0

struct tw_zout {
	/* State, read only. */
	int codec, level;	/* the level in use (never TW_ZOUT_DEFAULT) */
	uint64_t in;		/* bytes given to tw_zout_write */
	uint64_t out;		/* bytes written to the descriptor */
	uint64_t synced_in;	/* at the last sync (or finish): input bytes */
	uint64_t synced_out;	/* ... decodable from the first synced_out */
	int err;		/* errno of the first failure, or 0 */
	int finished;		/* tw_zout_finish succeeded */

	/* Internal. */
	int fd;
	int dirty;		/* input since the last sync */
	void *st;		/* the compressor */
	unsigned char *lvlbuf;	/* ISA-L's level buffer */
	unsigned char *ibuf, *obuf;
	size_t ilen, olen;
};

/* The codec named name ("gzip", "zstd", "none"), or -1. */
int tw_zout_codec(const char *name);

/* The codec's name, and the suffix of its files (".gz", ".zst", ""). */
const char *tw_zout_name(int codec);
const char *tw_zout_suffix(int codec);

/* The range of levels for codec (TW_ZOUT_DEFAULT is always accepted);
 * 0 when codec has none (none). */
void tw_zout_levels(int codec, int *min, int *max);

/*
 * Starts a stream of codec at level on fd. Returns 0, or -1 with errno
 * EINVAL for an unknown codec or a level out of range (z is then not
 * open). Nothing is written before the first write, sync or finish.
 */
int tw_zout_open(struct tw_zout *z, int codec, int level, int fd);

/* Compresses data[0..n); may write to fd. Returns 0, or -1 with errno. */
int tw_zout_write(struct tw_zout *z, const void *data, size_t n);

/*
 * Makes every byte given so far decodable from what is in the file
 * (gzip: Z_SYNC_FLUSH, an empty stored block; zstd: ZSTD_e_flush, the
 * frame's blocks so far) and writes it all. Sets synced_in and
 * synced_out. Costs a few bytes each time (gzip 5, zstd 3 or more and
 * the end of a block), nothing when nothing was written since the last
 * sync. Returns 0, or -1 with errno.
 */
int tw_zout_sync(struct tw_zout *z);

/*
 * Ends the stream (gzip trailer, last zstd block and checksum) and
 * writes it all: fd then holds a complete file. Returns 0, or -1 with
 * errno. After it, only tw_zout_reset or tw_zout_free.
 */
int tw_zout_finish(struct tw_zout *z);

/* Starts a new stream on fd with the same codec and level, keeping the
 * memory (for the next part). Counters start again from 0. */
void tw_zout_reset(struct tw_zout *z, int fd);

/* Releases the memory; does not write or close anything. A stream not
 * finished is left as it is in the file (cut short after the last sync). */
void tw_zout_free(struct tw_zout *z);

#endif
