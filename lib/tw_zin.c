#include "tw_zin.h"
#include "tw_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* ISA-L counts in 32 bits. */
#define CAP32(n) ((n) > UINT32_MAX ? UINT32_MAX : (uint32_t)(n))

int
tw_zin_detect(const void *p, size_t n)
{
	static const unsigned char gz[2] = { 0x1f, 0x8b };
	static const unsigned char zs[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char skip[3] = { 0x2a, 0x4d, 0x18 };
	const unsigned char *b = p;
	size_t k;

	if (n == 0)
		return -1;
	if (memcmp(b, gz, n < 2 ? n : 2) == 0)
		return n >= 2 ? TW_ZIN_GZIP : -1;
	if (memcmp(b, zs, n < 4 ? n : 4) == 0)
		return n >= 4 ? TW_ZIN_ZSTD : -1;
	/* A skippable frame: 0x184D2A50 to 0x184D2A5F, little-endian. */
	if ((b[0] & 0xf0) == 0x50) {
		k = n < 4 ? n - 1 : 3;
		if (memcmp(b + 1, skip, k) == 0)
			return n >= 4 ? TW_ZIN_ZSTD : -1;
	}
	return TW_ZIN_PLAIN;
}

void
tw_zin_init(struct tw_zin *z, int codec)
{
	memset(z, 0, sizeof *z);
	z->codec = codec;
	z->member = 1;	/* the magic number was seen */
	if (codec == TW_ZIN_GZIP) {
		/* Zeroed: on some corrupt input ISA-L copies bytes from its
		 * state's history buffer before the data's start (valgrind
		 * sees them); zeros, not stale memory, then come out. */
		struct inflate_state *s = tw_xcalloc(1, sizeof *s);

		isal_inflate_init(s);
		s->crc_flag = ISAL_GZIP;
		z->st = s;
	} else {
		ZSTD_DCtx *d = ZSTD_createDCtx();

		if (d == NULL)
			tw_oom();
		z->st = d;
	}
}

void
tw_zin_free(struct tw_zin *z)
{
	if (z->st == NULL)
		return;
	if (z->codec == TW_ZIN_GZIP)
		free(z->st);
	else
		ZSTD_freeDCtx(z->st);
	z->st = NULL;
}

static const char *
isal_msg(int rc)
{
	switch (rc) {
	case ISAL_INVALID_BLOCK:
		return "invalid block";
	case ISAL_INVALID_SYMBOL:
		return "invalid code";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	case ISAL_INVALID_WRAPPER:
		return "incorrect header check";
	case ISAL_UNSUPPORTED_METHOD:
		return "unknown compression method";
	case ISAL_INCORRECT_CHECKSUM:
		return "incorrect data check";
	case ISAL_NEED_DICT:
		return "a preset dictionary is needed";
	default:
		return "error";
	}
}

/* Output first: an error found in a call that also decoded bytes is
 * returned by the next call. */
static enum tw_zin_status
fail(struct tw_zin *z, enum tw_zin_status st, size_t made)
{
	z->pend = st;
	return made > 0 ? TW_ZIN_OK : st;
}

static enum tw_zin_status
gz_step(struct tw_zin *z, unsigned char *out, size_t room, size_t *made)
{
	struct inflate_state *s = z->st;
	uint32_t in0, out0;
	int rc;

	for (;;) {
		if (!z->member) {
			if (z->avail_in == 0)
				return z->eof ? TW_ZIN_END : TW_ZIN_OK;
			/* Another member follows; gzip allows concatenation. */
			isal_inflate_reset(s);
			s->crc_flag = ISAL_GZIP;
			z->member = 1;
		}
		s->next_in = (uint8_t *)z->next_in;
		s->avail_in = in0 = CAP32(z->avail_in);
		s->next_out = out + *made;
		s->avail_out = out0 = CAP32(room - *made);
		rc = isal_inflate(s);
		z->next_in += in0 - s->avail_in;
		z->avail_in -= in0 - s->avail_in;
		*made += out0 - s->avail_out;
		if (rc != ISAL_DECOMP_OK) {
			snprintf(z->msg, sizeof z->msg, "invalid gzip data: %s",
			    isal_msg(rc));
			return fail(z, TW_ZIN_ERR, *made);
		}
		if (s->block_state == ISAL_BLOCK_FINISH)
			z->member = 0;
		if (*made > 0)
			return TW_ZIN_OK;
		if (z->member && z->avail_in == 0) {
			if (!z->eof)
				return TW_ZIN_OK;
			snprintf(z->msg, sizeof z->msg,
			    "unexpected end of gzip data (file cut short)");
			return fail(z, TW_ZIN_ERR, 0);
		}
		if (z->member && in0 == s->avail_in) {
			/* Neither input used nor output made: cannot go on. */
			snprintf(z->msg, sizeof z->msg, "invalid gzip data: stalled");
			return fail(z, TW_ZIN_ERR, 0);
		}
	}
}

static enum tw_zin_status
zstd_step(struct tw_zin *z, unsigned char *out, size_t room, size_t *made)
{
	ZSTD_DCtx *d = z->st;
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob;
	size_t r;

	for (;;) {
		ib.src = z->next_in;
		ib.size = z->avail_in;
		ib.pos = 0;
		ob.dst = out;
		ob.size = room;
		ob.pos = *made;
		if (z->avail_in == 0 && !z->member)
			return z->eof ? TW_ZIN_END : TW_ZIN_OK;
		r = ZSTD_decompressStream(d, &ob, &ib);
		z->next_in += ib.pos;
		z->avail_in -= ib.pos;
		*made = ob.pos;
		if (ZSTD_isError(r)) {
			ZSTD_ErrorCode c = ZSTD_getErrorCode(r);

			if (c == ZSTD_error_memory_allocation)
				return fail(z, TW_ZIN_NOMEM, *made);
			/* A frame that says its size, all of it in the input,
			 * with room for it: libzstd decodes it in one pass, and
			 * blocks that decode to more than the frame said give
			 * "destination buffer too small" where its streaming
			 * path says "data corruption detected". The room and
			 * the input at hand differ between the decode thread
			 * and inline decoding: one message for both. */
			if (c == ZSTD_error_dstSize_tooSmall)
				c = ZSTD_error_corruption_detected;
			snprintf(z->msg, sizeof z->msg, "invalid zstd data: %s",
			    ZSTD_getErrorString(c));
			return fail(z, TW_ZIN_ERR, *made);
		}
		/* 0: a frame ended and all of it was returned. */
		z->member = r != 0;
		if (*made > 0)
			return TW_ZIN_OK;
		if (z->avail_in == 0) {
			if (!z->eof)
				return TW_ZIN_OK;
			if (!z->member)
				return TW_ZIN_END;
			snprintf(z->msg, sizeof z->msg,
			    "unexpected end of zstd data (file cut short)");
			return fail(z, TW_ZIN_ERR, 0);
		}
		if (ib.pos == 0) {
			snprintf(z->msg, sizeof z->msg, "invalid zstd data: stalled");
			return fail(z, TW_ZIN_ERR, 0);
		}
	}
}

enum tw_zin_status
tw_zin_step(struct tw_zin *z, void *out, size_t room, size_t *made)
{
	*made = 0;
	if (z->pend != TW_ZIN_OK)
		return z->pend;
	if (room == 0)
		return TW_ZIN_OK;
	if (z->codec == TW_ZIN_GZIP)
		return gz_step(z, out, room, made);
	return zstd_step(z, out, room, made);
}
