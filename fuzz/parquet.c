/*
 * The Parquet writer fed with arbitrary NDJSON. The first byte picks the
 * codec, tiny row group, page and dictionary bounds (so every path runs:
 * several row groups, dictionary fallback, widening with read-back, the
 * DELTA encodings chosen per chunk), the UTF-8 policy and an omitted
 * field (both at once: PLAIN and dictionary encodings only); the rest is
 * records, one a line. The same bytes, as int64 values, go through
 * DELTA_BINARY_PACKED and back unchanged, and as an encoded stream into
 * its decoder, which must not read past them.
 * The file goes to a memfd. For every input: no crash, no leak; every
 * record is added, bad (with a reason) or of another kind; and the file
 * is whole: "PAR1" at both ends, a footer that parses to its last byte,
 * num_rows equal to the records added and to the sum of its row groups.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "tw_buf.h"
#include "tw_json.h"
#include "tw_parquet.h"
#include "tw_pqrec.h"
#include "tw_thrift.h"

/* Parses the footer of f[0..n); returns num_rows, sets *sum to the rows
 * of its row groups. -1 when the file is not whole. */
static int64_t
footer_rows(const unsigned char *f, size_t n, int64_t *sum)
{
	struct tw_thrift_rd r;
	uint32_t len, k, m;
	int id, ft, et;
	int64_t rows = -1;

	*sum = 0;
	if (n < 12 || memcmp(f, "PAR1", 4) || memcmp(f + n - 4, "PAR1", 4))
		return -1;
	memcpy(&len, f + n - 8, 4);
	if (len > n - 12)
		return -1;
	tw_thrift_rd_init(&r, f + n - 8 - len, len);
	while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
		if (id == 3 && ft == TW_TT_I64)
			rows = tw_thrift_rd_int(&r);
		else if (id == 4 && ft == TW_TT_LIST) {
			m = tw_thrift_rd_list(&r, &et);
			for (k = 0; k < m && !r.err; k++) {
				tw_thrift_rd_enter(&r);
				while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
					if (id == 3 && ft == TW_TT_I64)
						*sum += tw_thrift_rd_int(&r);
					else
						tw_thrift_rd_skip(&r, ft);
				}
			}
		} else
			tw_thrift_rd_skip(&r, ft);
	}
	if (r.err || r.p != r.end)
		return -1;
	return rows;
}

/* data as int64 values: encoded and decoded, they come back; data as an
 * encoded stream: decoded (into room for what its header claims, up to
 * 4096 values) without reading past it. */
static void
delta_round_trip(const uint8_t *data, size_t size)
{
	size_t n = size / 8;
	int64_t *v = malloc(n * 8 + 8), *d = malloc(n * 8 + 8), *e;
	struct tw_buf b = TW_BUF_INIT;
	uint8_t *copy;
	uint64_t cnt;
	size_t k, i;
	int sh;

	memcpy(v, data, n * 8);
	tw_pq_delta_encode(&b, v, n);
	FUZZ_ASSERT(tw_pq_delta_decode(b.p, b.len, d, n) == (long)b.len);
	FUZZ_ASSERT(memcmp(v, d, n * 8) == 0);
	tw_buf_free(&b);
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	/* The header's third varint is the count of values. */
	for (k = 0, i = 0; i < size && k < 2; i++)
		k += !(data[i] & 0x80);
	for (cnt = 0, sh = 0; i < size && sh < 63; i++, sh += 7) {
		cnt |= (uint64_t)(data[i] & 0x7f) << sh;
		if (!(data[i] & 0x80))
			break;
	}
	if (cnt <= 4096) {
		e = malloc(4096 * sizeof *e);
		(void)tw_pq_delta_decode(copy, size, e, (size_t)cnt);
		free(e);
	}
	free(copy);
	free(v);
	free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tw_pq_codec codecs[] = { TW_PQ_UNCOMPRESSED, TW_PQ_SNAPPY,
	    TW_PQ_GZIP, TW_PQ_ZSTD };
	const char *omit[] = { "lang" };
	struct tw_pq_opts po;
	struct tw_pqrec_opts ro;
	struct tw_pqrec *pr;
	struct tw_json j;
	char *buf, *p, *end;
	unsigned char *file;
	uint64_t added = 0, bad = 0, other = 0, lines = 0;
	int64_t rows, sum;
	int fd, opt;
	off_t n;

	if (size < 1)
		return 0;
	opt = data[0];
	memset(&po, 0, sizeof po);
	memset(&ro, 0, sizeof ro);
	po.codec = codecs[opt & 3];
	po.row_group_bytes = (opt & 4) ? 300 : 1 << 20;
	po.page_bytes = (opt & 8) ? 64 : 0;
	po.dict_bytes = (opt & 16) ? 40 : 0;
	ro.repair_utf8 = (opt & 32) != 0;
	if (opt & 64) {
		ro.omit = omit;
		ro.nomit = 1;
	}
	ro.max_value = (opt & 128) ? 50 : 0;
	po.plain = (opt & 192) == 192;
	delta_round_trip(data, size);
	fd = memfd_create("fuzz-parquet", 0);
	if (fd < 0)
		return 0;
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	end = buf + size - 1;
	pr = tw_pqrec_new(fd, &po, &ro);
	tw_json_init(&j);
	for (p = buf; p < end; ) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		int rc;

		lines++;
		if (tw_json_parse(&j, p, len) == TW_JSON_OK && j.v[0].type == TW_JOBJ) {
			rc = tw_pqrec_add(pr, &j, j.v);
			FUZZ_ASSERT(rc != TW_PQREC_IOERR);
			if (rc == TW_PQREC_OK)
				added++;
			else if (rc == TW_PQREC_BAD) {
				FUZZ_ASSERT(tw_pqrec_error(pr)[0] != '\0');
				bad++;
			} else
				other++;
		}
		p += len + 1;
	}
	FUZZ_ASSERT(tw_pqrec_counts(pr)->rows == added);
	FUZZ_ASSERT(tw_pqrec_close(pr) == 0);
	n = lseek(fd, 0, SEEK_END);
	file = malloc((size_t)n + 1);
	FUZZ_ASSERT(pread(fd, file, (size_t)n, 0) == n);
	rows = footer_rows(file, (size_t)n, &sum);
	FUZZ_ASSERT(rows == (int64_t)added);
	FUZZ_ASSERT(sum == rows);
	free(file);
	tw_pqrec_free(pr);
	tw_json_free(&j);
	free(buf);
	close(fd);
	(void)bad;
	(void)other;
	return 0;
}
