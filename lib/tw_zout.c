#include "tw_zout.h"
#include "tw_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define IBUF ((size_t)32 << 10)
#define OBUF ((size_t)64 << 10)

/* gzip levels up to this one are ISA-L's, above it zlib's. */
#define ISAL_TOP 3
#define GZIP_DEFAULT 2
#define ZSTD_DEFAULT 1
#define ZSTD_MIN (-7)
#define ZSTD_MAX 19

enum flush { F_NONE, F_SYNC, F_END };

static const uint32_t isal_lvlbuf[ISAL_TOP + 1] = {
	ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
	ISAL_DEF_LVL3_DEFAULT
};

int
tw_zout_codec(const char *name)
{
	if (strcmp(name, "gzip") == 0)
		return TW_ZOUT_GZIP;
	if (strcmp(name, "zstd") == 0)
		return TW_ZOUT_ZSTD;
	if (strcmp(name, "none") == 0)
		return TW_ZOUT_NONE;
	return -1;
}

const char *
tw_zout_name(int codec)
{
	return codec == TW_ZOUT_GZIP ? "gzip" : codec == TW_ZOUT_ZSTD ? "zstd" :
	    "none";
}

const char *
tw_zout_suffix(int codec)
{
	return codec == TW_ZOUT_GZIP ? ".gz" : codec == TW_ZOUT_ZSTD ? ".zst" : "";
}

void
tw_zout_levels(int codec, int *min, int *max)
{
	*min = *max = 0;
	if (codec == TW_ZOUT_GZIP) {
		*min = 1;
		*max = 9;
	} else if (codec == TW_ZOUT_ZSTD) {
		*min = ZSTD_MIN;
		*max = ZSTD_MAX;
	}
}

static int
is_isal(const struct tw_zout *z)
{
	return z->codec == TW_ZOUT_GZIP && z->level <= ISAL_TOP;
}

/* Starts (or restarts) the compressor; z->st is allocated already. */
static void
comp_start(struct tw_zout *z)
{
	if (is_isal(z)) {
		struct isal_zstream *s = z->st;

		isal_deflate_init(s);
		s->level = (uint32_t)z->level;
		s->level_buf = z->lvlbuf;
		s->level_buf_size = isal_lvlbuf[z->level];
		s->gzip_flag = IGZIP_GZIP;
	} else if (z->codec == TW_ZOUT_GZIP) {
		if (deflateReset(z->st) != Z_OK)
			tw_oom();
	} else if (z->codec == TW_ZOUT_ZSTD) {
		ZSTD_CCtx_reset(z->st, ZSTD_reset_session_only);
	}
}

int
tw_zout_open(struct tw_zout *z, int codec, int level, int fd)
{
	int min, max;

	memset(z, 0, sizeof *z);
	z->fd = fd;
	tw_zout_levels(codec, &min, &max);
	if (codec < TW_ZOUT_NONE || codec > TW_ZOUT_ZSTD ||
	    (level != TW_ZOUT_DEFAULT && (level < min || level > max))) {
		errno = EINVAL;
		return -1;
	}
	if (level == TW_ZOUT_DEFAULT)
		level = codec == TW_ZOUT_GZIP ? GZIP_DEFAULT :
		    codec == TW_ZOUT_ZSTD ? ZSTD_DEFAULT : 0;
	z->codec = codec;
	z->level = level;
	z->obuf = tw_xmalloc(OBUF);
	if (codec == TW_ZOUT_NONE)
		return 0;
	z->ibuf = tw_xmalloc(IBUF);
	if (is_isal(z)) {
		z->st = tw_xmalloc(sizeof(struct isal_zstream));
		z->lvlbuf = tw_xmalloc(isal_lvlbuf[level]);
	} else if (codec == TW_ZOUT_GZIP) {
		z_stream *s = tw_xcalloc(1, sizeof *s);

		if (deflateInit2(s, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			tw_oom();
		z->st = s;
	} else {
		ZSTD_CCtx *c = ZSTD_createCCtx();

		if (c == NULL)
			tw_oom();
		if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel,
		    level)) || ZSTD_isError(ZSTD_CCtx_setParameter(c,
		    ZSTD_c_checksumFlag, 1)))
			tw_oom();
		z->st = c;
	}
	comp_start(z);
	return 0;
}

/* Records the first failure; returns -1 with errno set to it. */
static int
failed(struct tw_zout *z, int e)
{
	if (z->err == 0)
		z->err = e;
	errno = z->err;
	return -1;
}

/* Writes p[0..n) to the descriptor, all of it. */
static int
put(struct tw_zout *z, const unsigned char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(z->fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return failed(z, errno);
		}
		if (k == 0)
			return failed(z, EIO);
		p += k;
		n -= (size_t)k;
		z->out += (uint64_t)k;
	}
	return 0;
}

/* Writes out the output buffer. */
static int
drain(struct tw_zout *z)
{
	size_t n = z->olen;

	z->olen = 0;
	return put(z, z->obuf, n);
}

static int
isal_run(struct tw_zout *z, const unsigned char *p, size_t n, enum flush f)
{
	struct isal_zstream *s = z->st;

	s->next_in = (uint8_t *)p;
	s->avail_in = (uint32_t)n;
	s->end_of_stream = f == F_END;
	s->flush = f == F_SYNC ? SYNC_FLUSH : NO_FLUSH;
	for (;;) {
		if (z->olen == OBUF && drain(z) < 0)
			return -1;
		s->next_out = z->obuf + z->olen;
		s->avail_out = (uint32_t)(OBUF - z->olen);
		if (isal_deflate(s) != COMP_OK)
			return failed(z, EINVAL);
		z->olen = OBUF - s->avail_out;
		/* Room left in the buffer: all input taken, and flushed as asked. */
		if (f == F_END ? s->internal_state.state == ZSTATE_END :
		    s->avail_in == 0 && s->avail_out > 0)
			return 0;
	}
}

static int
zlib_run(struct tw_zout *z, const unsigned char *p, size_t n, enum flush f)
{
	z_stream *s = z->st;
	int rc;

	s->next_in = (unsigned char *)p;
	s->avail_in = (uInt)n;
	for (;;) {
		if (z->olen == OBUF && drain(z) < 0)
			return -1;
		s->next_out = z->obuf + z->olen;
		s->avail_out = (uInt)(OBUF - z->olen);
		rc = deflate(s, f == F_END ? Z_FINISH : f == F_SYNC ?
		    Z_SYNC_FLUSH : Z_NO_FLUSH);
		z->olen = OBUF - s->avail_out;
		if (rc == Z_STREAM_ERROR)
			return failed(z, EINVAL);
		if (f == F_END ? rc == Z_STREAM_END :
		    s->avail_in == 0 && s->avail_out > 0)
			return 0;
	}
}

static int
zstd_run(struct tw_zout *z, const unsigned char *p, size_t n, enum flush f)
{
	ZSTD_inBuffer ib = { p, n, 0 };
	ZSTD_outBuffer ob;
	size_t r;

	for (;;) {
		if (z->olen == OBUF && drain(z) < 0)
			return -1;
		ob.dst = z->obuf;
		ob.size = OBUF;
		ob.pos = z->olen;
		r = ZSTD_compressStream2(z->st, &ob, &ib, f == F_END ? ZSTD_e_end :
		    f == F_SYNC ? ZSTD_e_flush : ZSTD_e_continue);
		z->olen = ob.pos;
		if (ZSTD_isError(r)) {
			if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
				tw_oom();
			return failed(z, EINVAL);
		}
		/* r is what is left to flush, for a flush or the end. */
		if (f == F_NONE ? ib.pos == ib.size : r == 0)
			return 0;
	}
}

/* Compresses p[0..n) with flush f into the output buffer. */
static int
run(struct tw_zout *z, const unsigned char *p, size_t n, enum flush f)
{
	if (z->codec == TW_ZOUT_NONE) {
		while (n > 0) {
			size_t k = OBUF - z->olen < n ? OBUF - z->olen : n;

			memcpy(z->obuf + z->olen, p, k);
			z->olen += k;
			p += k;
			n -= k;
			if (z->olen == OBUF && drain(z) < 0)
				return -1;
		}
		return 0;
	}
	if (is_isal(z))
		return isal_run(z, p, n, f);
	if (z->codec == TW_ZOUT_GZIP)
		return zlib_run(z, p, n, f);
	return zstd_run(z, p, n, f);
}

int
tw_zout_write(struct tw_zout *z, const void *data, size_t n)
{
	const unsigned char *p = data;

	if (z->err)
		return failed(z, z->err);
	if (n == 0)
		return 0;
	z->in += n;
	z->dirty = 1;
	if (z->codec == TW_ZOUT_NONE)
		return run(z, p, n, F_NONE);
	/* Small writes gather in ibuf; large ones go straight through. */
	if (n < IBUF) {
		if (z->ilen + n > IBUF) {
			size_t k = z->ilen;

			z->ilen = 0;
			if (run(z, z->ibuf, k, F_NONE) < 0)
				return -1;
		}
		memcpy(z->ibuf + z->ilen, p, n);
		z->ilen += n;
		return 0;
	}
	if (z->ilen > 0) {
		size_t k = z->ilen;

		z->ilen = 0;
		if (run(z, z->ibuf, k, F_NONE) < 0)
			return -1;
	}
	while (n > UINT32_MAX) {
		if (run(z, p, UINT32_MAX, F_NONE) < 0)
			return -1;
		p += UINT32_MAX;
		n -= UINT32_MAX;
	}
	return run(z, p, n, F_NONE);
}

/* Compresses what ibuf holds with flush f and writes everything out. */
static int
flush_all(struct tw_zout *z, enum flush f)
{
	size_t k = z->ilen;

	z->ilen = 0;
	if (run(z, z->ibuf, k, f) < 0 || drain(z) < 0)
		return -1;
	z->synced_in = z->in;
	z->synced_out = z->out;
	z->dirty = 0;
	return 0;
}

int
tw_zout_sync(struct tw_zout *z)
{
	if (z->err)
		return failed(z, z->err);
	if (!z->dirty && z->olen == 0)
		return 0;
	return flush_all(z, F_SYNC);
}

int
tw_zout_finish(struct tw_zout *z)
{
	if (z->err)
		return failed(z, z->err);
	if (z->finished)
		return 0;
	if (flush_all(z, F_END) < 0)
		return -1;
	z->finished = 1;
	return 0;
}

void
tw_zout_reset(struct tw_zout *z, int fd)
{
	z->fd = fd;
	z->in = z->out = z->synced_in = z->synced_out = 0;
	z->err = 0;
	z->finished = 0;
	z->dirty = 0;
	z->ilen = z->olen = 0;
	if (z->st != NULL)
		comp_start(z);
}

void
tw_zout_free(struct tw_zout *z)
{
	if (z->st != NULL) {
		if (is_isal(z)) {
			free(z->st);
		} else if (z->codec == TW_ZOUT_GZIP) {
			deflateEnd(z->st);
			free(z->st);
		} else {
			ZSTD_freeCCtx(z->st);
		}
	}
	free(z->lvlbuf);
	free(z->ibuf);
	free(z->obuf);
	memset(z, 0, sizeof *z);
	z->fd = -1;
}
