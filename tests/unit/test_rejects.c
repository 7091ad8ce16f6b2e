/* Unit tests for lib/tw_rejects against its header: records verbatim
 * with their line ends, the reasons file beside them, appending, open
 * failures and which writer failed. Files go into the current directory
 * (a temp dir of the runner). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tw_rejects.h"
#include "tap.h"

static const char *
slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return n < 0 ? "(missing)" : buf;
}

static void
test_records(void)
{
	struct tw_rejects r;
	char err[256] = "", a[512], b[512];
	static const char multi[] = "{\n  \"a\": 1,\n  \"b\":";

	unlink("rej.ndjson");
	unlink("rej.ndjson.reasons");
	unlink("plain");
	CHECK_INT("open: 0", tw_rejects_open(&r, "rej.ndjson", 1, err, sizeof err), 0);
	CHECK("open: the file made", access("rej.ndjson", F_OK) == 0);
	CHECK("open: and its reasons", access("rej.ndjson.reasons", F_OK) == 0);
	CHECK_INT("add: 0", tw_rejects_add(&r, "in.ndjson", 3, "{bad", 4, 0,
	    "truncated JSON"), 0);
	CHECK_STR("add: buffered, not yet written", slurp("rej.ndjson", a, sizeof a), "");
	tw_rejects_add(&r, "in.ndjson", 7, "crlf line", 9, 1, "not JSON");
	tw_rejects_add(&r, "-", 12, multi, sizeof multi - 1, 0,
	    "truncated JSON\nat the end\rof input");
	tw_rejects_add(&r, "x.gz", 18446744073709551615ULL, NULL, 0, 0, NULL);
	CHECK_INT("flush: 0", tw_rejects_flush(&r), 0);
	CHECK_STR("records verbatim: LF, CR LF kept, a document's lines, an empty one",
	    slurp("rej.ndjson", a, sizeof a),
	    "{bad\ncrlf line\r\n{\n  \"a\": 1,\n  \"b\":\n\n");
	CHECK_STR("reasons: file:line TAB reason, one line per record",
	    slurp("rej.ndjson.reasons", b, sizeof b),
	    "in.ndjson:3\ttruncated JSON\n"
	    "in.ndjson:7\tnot JSON\n"
	    "-:12\ttruncated JSON at the end of input\n"
	    "x.gz:18446744073709551615\t\n");
	CHECK_INT("close: 0", tw_rejects_close(&r), 0);
	free(r.why_path);

	/* A second run appends. */
	tw_rejects_open(&r, "rej.ndjson", 1, err, sizeof err);
	tw_rejects_add(&r, "in2", 1, "again", 5, 0, "why");
	tw_rejects_close(&r);
	free(r.why_path);
	CHECK_STR("append: the records after the earlier run's",
	    slurp("rej.ndjson", a, sizeof a),
	    "{bad\ncrlf line\r\n{\n  \"a\": 1,\n  \"b\":\n\nagain\n");
	CHECK("append: the reasons too", strstr(slurp("rej.ndjson.reasons", b,
	    sizeof b), "x.gz:18446744073709551615\t\nin2:1\twhy\n") != NULL);

	/* Without reasons: no .reasons file. */
	CHECK_INT("no reasons: open 0", tw_rejects_open(&r, "plain", 0, err,
	    sizeof err), 0);
	tw_rejects_add(&r, "f", 1, "x", 1, 0, "ignored");
	CHECK_INT("no reasons: close 0", tw_rejects_close(&r), 0);
	CHECK_STR("no reasons: the record", slurp("plain", a, sizeof a), "x\n");
	CHECK("no reasons: no .reasons file", access("plain.reasons", F_OK) != 0);
}

static void
test_open_fail(void)
{
	struct tw_rejects r;
	char err[256] = "";

	CHECK_INT("open: a missing folder: -1", tw_rejects_open(&r,
	    "nodir/rej", 1, err, sizeof err), -1);
	CHECK_STR("open: ... and why", err, "nodir/rej: No such file or directory");
	if (mkdir("busy.reasons", 0755) < 0 && errno != EEXIST)
		perror("mkdir");
	err[0] = '\0';
	CHECK_INT("open: reasons not writable: -1", tw_rejects_open(&r, "busy",
	    1, err, sizeof err), -1);
	CHECK_STR("open: ... naming the reasons file", err,
	    "busy.reasons: Is a directory");
	CHECK("open: ... the data file made (and closed)", access("busy", F_OK) == 0);
	CHECK("open: ... no reasons path kept", r.why_path == NULL);
}

static void
test_write_fail(void)
{
	struct tw_rejects r;
	char err[256];

	/* The data file on a full device, the reasons on a file. */
	unlink("full");
	unlink("full.reasons");
	if (symlink("/dev/full", "full") < 0)
		perror("symlink");
	CHECK_INT("full data: open 0", tw_rejects_open(&r, "full", 1, err,
	    sizeof err), 0);
	CHECK_INT("full data: add 0 (buffered)", tw_rejects_add(&r, "f", 1,
	    "x", 1, 0, "why"), 0);
	CHECK_INT("full data: flush -1", tw_rejects_flush(&r), -1);
	CHECK("full data: the failed writer is the data's",
	    tw_rejects_failed(&r) == &r.data);
	CHECK_INT("full data: ENOSPC", tw_rejects_failed(&r)->err, ENOSPC);
	CHECK_STR("full data: named for the message", tw_rejects_failed(&r)->name,
	    "full");
	CHECK_INT("full data: add -1 after it", tw_rejects_add(&r, "f", 2, "y",
	    1, 0, "why"), -1);
	CHECK_INT("full data: close -1", tw_rejects_close(&r), -1);
	free(r.why_path);

	/* The reasons on a full device. */
	unlink("okdata");
	unlink("okdata.reasons");
	if (symlink("/dev/full", "okdata.reasons") < 0)
		perror("symlink");
	tw_rejects_open(&r, "okdata", 1, err, sizeof err);
	tw_rejects_add(&r, "f", 1, "x", 1, 0, "why");
	CHECK_INT("full reasons: flush -1", tw_rejects_flush(&r), -1);
	CHECK("full reasons: the failed writer is the reasons'",
	    tw_rejects_failed(&r) == &r.why);
	CHECK_STR("full reasons: named for the message",
	    tw_rejects_failed(&r)->name, "okdata.reasons");
	CHECK_INT("full reasons: close -1", tw_rejects_close(&r), -1);
	CHECK_STR("full reasons: the data still written",
	    slurp("okdata", err, sizeof err), "x\n");
	free(r.why_path);
}

int
main(void)
{
	test_records();
	test_open_fail();
	test_write_fail();
	return tap_done();
}
