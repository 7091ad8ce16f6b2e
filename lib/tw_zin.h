/*
 * tw_zin: gzip and zstd decoding behind one stepping interface, for
 * tw_reader. No I/O and no threads: the caller hands in compressed bytes
 * and room for decoded ones, and says when no more input will come.
 *
 * gzip is decoded by ISA-L's igzip (isal_inflate), which reads the same
 * RFC 1952 format as zlib at two to three times its speed (bench/README
 * has the comparison). Members in a row are one stream, as gzip(1) reads
 * them; each member's CRC-32 and length are checked.
 *
 * zstd is decoded by libzstd (ZSTD_decompressStream): frames in a row
 * are one stream, skippable frames are skipped, content checksums are
 * checked when the frame has one. A frame may ask for a window of up to
 * 128 MiB (zstd's default limit; a file made with zstd --long=28 or more
 * is refused as needing too much memory).
 *
 * Input that ends inside a member or frame is an error, "unexpected end
 * of gzip data (file cut short)" (or zstd), returned after the bytes
 * decoded before the cut: for zstd every whole block (a block is decoded
 * only when all of it is there); for gzip everything up to a flush point
 * (Z_SYNC_FLUSH, tw_zout_sync) and, inside a deflate block, all but at
 * most the last byte (ISA-L keeps it back when the input ends there).
 * Bytes after the end of a stream that do not start another member or
 * frame are an error too (invalid gzip data, invalid zstd data).
 *
 * Memory: 85 KiB of state for gzip (zeroed: on some corrupt input ISA-L
 * copies from it); for zstd the frame's window (at most 128 MiB; zstd
 * -1 to -19 on NDJSON use 0.5 to 8 MiB) plus about 200 KiB, allocated by
 * the first tw_zin_step.
 */
#ifndef TW_ZIN_H
#define TW_ZIN_H

#include <stddef.h>

enum tw_zin_codec {
	TW_ZIN_PLAIN,
	TW_ZIN_GZIP,
	TW_ZIN_ZSTD
};

enum tw_zin_status {
	TW_ZIN_OK,	/* *made bytes decoded (0: all input used, give more) */
	TW_ZIN_END,	/* eof was set and the stream ended cleanly */
	TW_ZIN_ERR,	/* msg says why; nothing more will be decoded */
	TW_ZIN_NOMEM	/* the decoder could not allocate its window */
};

struct tw_zin {
	/* Input, set by the caller and advanced by tw_zin_step. */
	const unsigned char *next_in;
	size_t avail_in;
	int eof;		/* no input follows next_in[0..avail_in) */

	char msg[128];		/* after TW_ZIN_ERR */

	/* Internal. */
	int codec;
	int member;		/* inside a gzip member or zstd frame */
	int pend;		/* a status to return on the next call */
	void *st;
};

/*
 * The codec of a file whose first bytes are p[0..n): TW_ZIN_GZIP (1f 8b),
 * TW_ZIN_ZSTD (the frame magic 28 b5 2f fd, or a skippable frame's,
 * 5? 2a 4d 18), TW_ZIN_PLAIN, or -1 when the n bytes are a proper prefix
 * of a magic number (read more; at end of file the bytes are plain).
 */
int tw_zin_detect(const void *p, size_t n);

/* Prepares z to decode codec (TW_ZIN_GZIP or TW_ZIN_ZSTD). Allocation
 * failure dies (tw_oom). */
void tw_zin_init(struct tw_zin *z, int codec);

/*
 * Decodes from next_in into out[0..room) and sets *made. Returns
 * TW_ZIN_OK while decoding goes on (with *made 0 when all input was
 * used and more is needed), TW_ZIN_END once eof is set, all input is
 * used and the last member or frame is complete, TW_ZIN_ERR or
 * TW_ZIN_NOMEM with *made 0 (the bytes decoded before the error were
 * returned by earlier calls). Call it again after TW_ZIN_OK even when
 * avail_in is 0: decoded bytes may still be waiting inside.
 */
enum tw_zin_status tw_zin_step(struct tw_zin *z, void *out, size_t room,
    size_t *made);

/* Releases the decoder's memory. */
void tw_zin_free(struct tw_zin *z);

#endif
