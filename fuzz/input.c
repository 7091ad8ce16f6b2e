/*
 * The reader and the document layer: bytes as a file, split into lines
 * and joined documents. The file is decoded by its first bytes (gzip,
 * zstd or plain), so mutated gzip and zstd seeds reach the decoders'
 * error paths. A first byte of 1, 2 or 3 instead makes the file from the
 * rest of the input, so that the decoded text is the fuzzer's:
 *
 *   1  the rest as a zstd frame (libzstd, a block every 61 bytes)
 *   2  the rest as a gzip member (tw_zout)
 *   3  the rest through tw_zout as zstd with a sync every 50 bytes, the
 *      file then cut at a length set by the last byte (a part whose
 *      writer was killed)
 *
 * Every file is read twice by tw_reader, with its decode thread and
 * inline: the two must return the same lines, lengths, line numbers and
 * errors. Modes 1 and 2 must decode without an error. A small input may
 * decode to gigabytes (zstd RLE blocks, gzip runs): reading stops after
 * LIMIT decoded bytes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "fuzz.h"
#include "tw_input.h"
#include "tw_zout.h"

#define LIMIT ((uint64_t)16 << 20)

/* Writes data[0..size) to fd as the mode says. */
static void
make_file(int fd, int mode, const uint8_t *data, size_t size)
{
	struct tw_zout z;
	size_t off, cut;

	if (mode == 1) {
		ZSTD_CCtx *c = ZSTD_createCCtx();
		size_t cap = ZSTD_compressBound(size) + 64 * (size / 61 + 1) + 64, r;
		unsigned char *out = malloc(cap);
		ZSTD_outBuffer ob = { out, cap, 0 };

		FUZZ_ASSERT(c != NULL && out != NULL);
		ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
		for (off = 0; off <= size; off += 61) {
			size_t n = size - off < 61 ? size - off : 61;
			ZSTD_inBuffer ib = { data + off, n, 0 };
			ZSTD_EndDirective e = off + n == size ? ZSTD_e_end : ZSTD_e_flush;

			do
				r = ZSTD_compressStream2(c, &ob, &ib, e);
			while (!ZSTD_isError(r) && r != 0);
			FUZZ_ASSERT(!ZSTD_isError(r));
			if (e == ZSTD_e_end)
				break;
		}
		FUZZ_ASSERT(write(fd, out, ob.pos) == (ssize_t)ob.pos);
		free(out);
		ZSTD_freeCCtx(c);
		return;
	}
	FUZZ_ASSERT(tw_zout_open(&z, mode == 2 ? TW_ZOUT_GZIP : TW_ZOUT_ZSTD,
	    TW_ZOUT_DEFAULT, fd) == 0);
	for (off = 0; off < size; off += 50) {
		FUZZ_ASSERT(tw_zout_write(&z, data + off, size - off < 50 ? size - off : 50) == 0);
		if (mode == 3)
			FUZZ_ASSERT(tw_zout_sync(&z) == 0);
	}
	FUZZ_ASSERT(tw_zout_finish(&z) == 0);
	if (mode == 3 && size > 0) {
		cut = (size_t)(z.out * data[size - 1] / 255);
		FUZZ_ASSERT(ftruncate(fd, (off_t)cut) == 0);
	}
	tw_zout_free(&z);
}

/* A hash of everything tw_reader returns for files[0..n). */
static uint64_t
read_events(char **files, int n, int inline_mode, uint64_t *nerr)
{
	struct tw_reader r;
	const char *line;
	size_t len, i;
	uint64_t h = 1469598103934665603ull;
	int st;

	*nerr = 0;
	tw_reader_open(&r, files, n);
	r.decode_inline = inline_mode;
	r.max_line = 4096;
	while (r.bytes < LIMIT && (st = tw_reader_next(&r, &line, &len)) != TW_READ_EOF) {
		h = (h ^ (uint64_t)st) * 1099511628211ull;
		h = (h ^ len) * 1099511628211ull;
		h = (h ^ r.lineno) * 1099511628211ull;
		if (st == TW_READ_LINE)
			for (i = 0; i < len; i++)
				h = (h ^ (unsigned char)line[i]) * 1099511628211ull;
		if (st == TW_READ_ERR) {
			(*nerr)++;
			for (i = 0; r.errmsg[i]; i++)
				h = (h ^ (unsigned char)r.errmsg[i]) * 1099511628211ull;
		}
	}
	tw_reader_close(&r);
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *files[2];
	struct tw_reader r;
	struct tw_input in;
	struct tw_json j;
	enum tw_in_status st;
	uint64_t n = 0, h1, h2, e1, e2;
	int fd = memfd_create("fuzz", 0);
	int mode = size > 0 && data[0] >= 1 && data[0] <= 3 ? data[0] : 0;

	if (fd < 0)
		return 0;
	if (mode) {
		make_file(fd, mode, data + 1, size - 1);
	} else if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	files[0] = path;
	files[1] = path;	/* twice: joins must not cross files */

	h1 = read_events(files, 2, 0, &e1);
	h2 = read_events(files, 2, 1, &e2);
	FUZZ_ASSERT(h1 == h2 && e1 == e2);
	if (mode == 1 || mode == 2)
		FUZZ_ASSERT(e1 == 0);

	tw_reader_open(&r, files, 2);
	r.max_line = 4096;
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	in.max_doc = 8192;
	while (r.bytes < LIMIT && (st = tw_input_next(&in)) != TW_IN_EOF) {
		FUZZ_ASSERT(++n < 10 * (size + 2) + 10 || r.bytes > size);
		if (st == TW_IN_DOC || st == TW_IN_BAD || st == TW_IN_BLANK) {
			FUZZ_ASSERT(in.lineno >= 1);
			FUZZ_ASSERT(in.name == path);
		}
		if (st == TW_IN_DOC)
			FUZZ_ASSERT(j.n > 0);
	}
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
	close(fd);
	return 0;
}
