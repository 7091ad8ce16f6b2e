/*
 * The reader and the document layer: bytes as a file (gzip when they
 * start with the magic), split into lines and joined documents.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "tw_input.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *files[2];
	struct tw_reader r;
	struct tw_input in;
	struct tw_json j;
	enum tw_in_status st;
	uint64_t last = 0, n = 0;
	int fd = memfd_create("fuzz", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	files[0] = path;
	files[1] = path;	/* twice: joins must not cross files */
	tw_reader_open(&r, files, 2);
	r.max_line = 4096;
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	in.max_doc = 8192;
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		FUZZ_ASSERT(++n < 10 * (size + 2) + 10);
		if (st == TW_IN_DOC || st == TW_IN_BAD || st == TW_IN_BLANK) {
			FUZZ_ASSERT(in.lineno >= 1);
			FUZZ_ASSERT(in.name == path);
		}
		if (st == TW_IN_DOC)
			FUZZ_ASSERT(j.n > 0);
		(void)last;
	}
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
	close(fd);
	return 0;
}
