/* Unit tests for lib/tw_writer against its header: blocks and flushes,
 * sticky errors (/dev/full, a closed pipe), a failed block cut back on a
 * regular file (RLIMIT_FSIZE stands in for a full disk), how
 * tw_writer_fail ends the program, tw_writer_reader_gone on pipes,
 * sockets and files, and the mirror. Files go into the current
 * directory (a temp dir of the runner); the ways to die run in a child. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tw_buf.h"
#include "tw_util.h"
#include "tw_writer.h"
#include "tap.h"

static long long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* The contents of path (at most cap - 1 bytes), NUL-terminated. */
static const char *
slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static int
open_new(const char *path, int append)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | (append ? O_APPEND : 0),
	    0644);
}

/*
 * Runs fn(arg) in a child with stderr captured into err (cap bytes);
 * returns the wait status.
 */
static int
in_child(void (*fn)(void *), void *arg, char *err, size_t cap)
{
	int p[2], st = 0;
	pid_t pid;
	ssize_t n, got = 0;

	if (pipe(p) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 2);
		fn(arg);
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < (ssize_t)cap && (n = read(p[0], err + got,
	    cap - 1 - (size_t)got)) > 0)
		got += n;
	err[got] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return st;
}

static void
test_blocks(void)
{
	struct tw_writer w;
	char buf[256];
	int fd = open_new("w1", 0), rc = 0, early = 0;
	size_t n = 0;

	tw_writer_init(&w, fd, "w1");
	CHECK("init: a regular file is known as one", w.reg);
	CHECK("init: not O_APPEND", !w.append);
	tw_buf_adds(&w.out, "a\n");
	CHECK_INT("end_record: below a block, 0", tw_writer_end_record(&w), 0);
	CHECK_INT("end_record: below a block, nothing written", file_size("w1"), 0);
	CHECK_INT("flush: 0", tw_writer_flush(&w), 0);
	CHECK_STR("flush: the record written", slurp("w1", buf, sizeof buf), "a\n");
	CHECK_UINT("flush: bytes counted", w.bytes, 2);
	CHECK_INT("flush: the buffer emptied", w.out.len, 0);
	CHECK_INT("flush: of nothing, 0", tw_writer_flush(&w), 0);

	/* Records of 256 bytes: the buffer leaves when it holds a block. */
	memset(buf, 'x', sizeof buf - 1);
	buf[sizeof buf - 1] = '\n';
	while (n < TW_WRITER_BLOCK) {
		tw_buf_add(&w.out, buf, sizeof buf);
		n += sizeof buf;
		rc |= tw_writer_end_record(&w);
		if (n < TW_WRITER_BLOCK && (w.out.len != n || file_size("w1") != 2))
			early = 1;
	}
	CHECK("end_record: the records of a block stay buffered", !early);
	CHECK_INT("end_record: ... then leave in one write", w.out.len, 0);
	CHECK_INT("end_record: ... all of them", file_size("w1"),
	    2 + (long long)n);
	CHECK_INT("end_record: ... returning 0", rc, 0);
	CHECK_INT("close: 0", tw_writer_close(&w), 0);
	CHECK_INT("close: the descriptor closed", fcntl(fd, F_GETFD), -1);
	CHECK_INT("close: fd forgotten", w.fd, -1);

	/* O_APPEND: every block goes to the end, after another writer's. */
	fd = open_new("w2", 1);
	tw_writer_init(&w, fd, "w2");
	CHECK("init: O_APPEND seen", w.append);
	tw_buf_adds(&w.out, "mine\n");
	{
		int other = open("w2", O_WRONLY | O_APPEND);

		if (write(other, "theirs\n", 7) != 7)
			perror("write");
		close(other);
	}
	tw_writer_flush(&w);
	CHECK_STR("append: after the other writer's record",
	    slurp("w2", buf, sizeof buf), "theirs\nmine\n");
	tw_writer_close(&w);

	fd = open("/dev/null", O_WRONLY);
	tw_writer_init(&w, fd, "/dev/null");
	CHECK("init: /dev/null is not a regular file", !w.reg);
	tw_writer_close(&w);
}

static void
test_sticky(void)
{
	struct tw_writer w;
	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0) {
		CHECK("open /dev/full", 0);
		return;
	}
	tw_writer_init(&w, fd, "/dev/full");
	tw_buf_adds(&w.out, "a\n");
	CHECK_INT("/dev/full: flush fails", tw_writer_flush(&w), -1);
	CHECK_INT("/dev/full: err is ENOSPC", w.err, ENOSPC);
	CHECK_INT("/dev/full: the buffer dropped", w.out.len, 0);
	CHECK_UINT("/dev/full: nothing counted", w.bytes, 0);
	tw_buf_adds(&w.out, "b\n");
	CHECK_INT("sticky: end_record fails at once", tw_writer_end_record(&w), -1);
	CHECK_INT("sticky: flush fails again", tw_writer_flush(&w), -1);
	CHECK_INT("sticky: later output discarded", w.out.len, 0);
	CHECK_INT("sticky: the first error kept", w.err, ENOSPC);
	CHECK_INT("sticky: close fails", tw_writer_close(&w), -1);
}

struct cut {
	int append;
	int rc, err;
	long long size;
};

/* A child: 10 bytes in the file, a file size limit of 110, then a block
 * of 300 bytes; the result goes back through the exit status. */
static void
cut_child(void *arg)
{
	struct cut *c = arg;
	struct tw_writer w;
	struct rlimit rl = { 110, 110 };
	int fd = open_new(c->append ? "cut-a" : "cut", c->append), i;

	signal(SIGXFSZ, SIG_IGN);
	tw_writer_init(&w, fd, "cut");
	tw_buf_adds(&w.out, "123456789\n");
	tw_writer_flush(&w);
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		_exit(90);
	for (i = 0; i < 30; i++)
		tw_buf_adds(&w.out, "record 00\n");
	c->rc = tw_writer_flush(&w);
	c->err = w.err;
	/* Status: 1 flush failed, 2 EFBIG, 4 still at offset 10. */
	_exit((c->rc == -1) | (c->err == EFBIG) << 1 |
	    (lseek(fd, 0, SEEK_CUR) == 10 || c->append) << 2);
}

static void
test_cut_back(void)
{
	struct cut c = { 0, 0, 0, 0 };
	char err[512], buf[256];
	int st;

	st = in_child(cut_child, &c, err, sizeof err);
	CHECK_INT("full disk: the child ran", WIFEXITED(st), 1);
	CHECK_INT("full disk: flush failed with EFBIG, offset back at 10",
	    WEXITSTATUS(st), 7);
	CHECK_INT("full disk: the half block cut off", file_size("cut"), 10);
	CHECK_STR("full disk: the records before it whole",
	    slurp("cut", buf, sizeof buf), "123456789\n");
	c.append = 1;
	st = in_child(cut_child, &c, err, sizeof err);
	CHECK_INT("full disk, O_APPEND: flush failed with EFBIG",
	    WEXITSTATUS(st), 7);
	CHECK_INT("full disk, O_APPEND: the half block cut off",
	    file_size("cut-a"), 10);
}

static void
fail_full(void *arg)
{
	struct tw_writer w;

	(void)arg;
	tw_writer_init(&w, open("/dev/full", O_WRONLY), "/dev/full");
	tw_buf_adds(&w.out, "x\n");
	tw_writer_flush(&w);
	tw_writer_fail(&w);
}

static void
fail_pipe(void *arg)
{
	struct tw_writer w;
	int p[2];

	(void)arg;
	signal(SIGPIPE, SIG_IGN);	/* as tw_sig_init leaves it */
	if (pipe(p) < 0)
		_exit(90);
	close(p[0]);
	tw_writer_init(&w, p[1], "<pipe>");
	tw_buf_adds(&w.out, "x\n");
	if (tw_writer_flush(&w) != -1 || w.err != EPIPE)
		_exit(91);
	tw_writer_fail(&w);
}

static void
test_fail(void)
{
	char err[512];
	int st;

	tw_prog = "test_writer";
	st = in_child(fail_full, NULL, err, sizeof err);
	CHECK("fail: a write error exits 1", WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CHECK_STR("fail: ... with the message",
	    err, "test_writer: /dev/full: write error: No space left on device\n");
	st = in_child(fail_pipe, NULL, err, sizeof err);
	CHECK("fail: a closed pipe (EPIPE) dies by SIGPIPE",
	    WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
	CHECK_STR("fail: ... quietly", err, "");
}

static void
test_reader_gone(void)
{
	struct tw_writer w;
	int p[2], s[2], fd;

	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0) {
		CHECK("pipe and socketpair", 0);
		return;
	}
	tw_writer_init(&w, p[1], "<pipe>");
	tw_buf_adds(&w.out, "pending\n");
	CHECK_INT("reader_gone: a pipe with its reader: 0",
	    tw_writer_reader_gone(&w), 0);
	close(p[0]);
	CHECK_INT("reader_gone: the reader closed: 1", tw_writer_reader_gone(&w), 1);
	CHECK_INT("reader_gone: nothing written", w.out.len, 8);
	CHECK_UINT("reader_gone: ... nothing counted", w.bytes, 0);
	CHECK_INT("reader_gone: no error set", w.err, 0);
	CHECK_INT("reader_gone: the next flush fails with EPIPE",
	    tw_writer_flush(&w) == -1 && w.err == EPIPE, 1);
	tw_writer_close(&w);

	tw_writer_init(&w, s[0], "<socket>");
	CHECK_INT("reader_gone: a connected socket: 0", tw_writer_reader_gone(&w), 0);
	close(s[1]);
	CHECK_INT("reader_gone: the peer gone: 1", tw_writer_reader_gone(&w), 1);
	tw_writer_close(&w);

	fd = open_new("gone", 0);
	tw_writer_init(&w, fd, "gone");
	CHECK_INT("reader_gone: a regular file: 0", tw_writer_reader_gone(&w), 0);
	tw_writer_close(&w);
	CHECK_INT("reader_gone: a closed writer: 0", tw_writer_reader_gone(&w), 0);
	fd = open("/dev/null", O_WRONLY);
	tw_writer_init(&w, fd, "/dev/null");
	CHECK_INT("reader_gone: /dev/null: 0", tw_writer_reader_gone(&w), 0);
	tw_writer_close(&w);
}

static void
test_mirror(void)
{
	struct tw_writer w, m;
	char a[64], b[64];
	size_t i;

	tw_writer_init(&w, open_new("main.out", 0), "main.out");
	tw_writer_init(&m, open_new("copy.out", 0), "copy.out");
	w.mirror = &m;
	tw_buf_adds(&w.out, "r1\nr2\n");
	CHECK_INT("mirror: flush 0", tw_writer_flush(&w), 0);
	tw_buf_adds(&w.out, "r3\n");
	tw_writer_flush(&w);
	CHECK_STR("mirror: the output", slurp("main.out", a, sizeof a), "r1\nr2\nr3\n");
	CHECK_STR("mirror: the same bytes in the copy",
	    slurp("copy.out", b, sizeof b), "r1\nr2\nr3\n");
	CHECK_UINT("mirror: both counted", m.bytes, w.bytes);
	CHECK_INT("mirror: its buffer emptied", m.out.len, 0);
	/* A block leaving by end_record goes to the mirror as well. */
	for (i = 0; i < TW_WRITER_BLOCK / 8 + 1; i++) {
		tw_buf_adds(&w.out, "1234567\n");
		tw_writer_end_record(&w);
	}
	CHECK_INT("mirror: a full block sent on", file_size("copy.out"),
	    file_size("main.out"));
	tw_writer_close(&w);
	CHECK_INT("mirror: the main output closed, the copy still open",
	    m.fd >= 0, 1);
	tw_writer_close(&m);
}

static void
mirror_full(void *arg)
{
	struct tw_writer w, m;

	(void)arg;
	tw_writer_init(&w, open_new("main2.out", 0), "main2.out");
	tw_writer_init(&m, open("/dev/full", O_WRONLY), "copy on /dev/full");
	w.mirror = &m;
	tw_buf_adds(&w.out, "r1\n");
	tw_writer_flush(&w);
	_exit(0);
}

static void
mirror_pipe(void *arg)
{
	struct tw_writer w, m;
	int p[2];

	(void)arg;
	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) < 0)
		_exit(90);
	close(p[0]);
	tw_writer_init(&w, open_new("main3.out", 0), "main3.out");
	tw_writer_init(&m, p[1], "<copy pipe>");
	w.mirror = &m;
	tw_buf_adds(&w.out, "r1\n");
	tw_writer_flush(&w);
	_exit(0);
}

static void
test_mirror_fail(void)
{
	char err[512];
	int st;

	st = in_child(mirror_full, NULL, err, sizeof err);
	CHECK("mirror: its write error ends the program (status 1)",
	    WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CHECK_STR("mirror: ... naming the mirror", err,
	    "test_writer: copy on /dev/full: write error: No space left on device\n");
	CHECK_INT("mirror: ... before the main output got the bytes",
	    file_size("main2.out"), 0);
	st = in_child(mirror_pipe, NULL, err, sizeof err);
	CHECK("mirror: its reader gone: death by SIGPIPE",
	    WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
	CHECK_INT("mirror: ... the main output untouched", file_size("main3.out"), 0);
}

int
main(void)
{
	test_blocks();
	test_sticky();
	test_cut_back();
	test_fail();
	test_reader_gone();
	test_mirror();
	test_mirror_fail();
	return tap_done();
}
