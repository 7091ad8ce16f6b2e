/*
 * The Parquet writer fed with arbitrary NDJSON. The first byte picks the
 * codec, tiny row group, page and dictionary bounds (so every path runs:
 * several row groups, dictionary fallback, widening with read-back),
 * the UTF-8 policy and an omitted field; the rest is records, one a line.
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
