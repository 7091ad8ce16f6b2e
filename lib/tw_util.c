#define _GNU_SOURCE	/* F_GETPIPE_SZ, F_SETPIPE_SZ */
#include "tw_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tw_prog = "twpipe";

/*
 * At exit: what went to stdout through stdio (help, version, small
 * outputs) must have been written; a full disk or /dev/full is an error
 * (status 1), a closed pipe ends quietly by SIGPIPE. Output written
 * through tw_writer is checked there.
 */
static void
stdout_check(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return;
	if (errno == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	tw_warn("<stdout>: write error: %s", strerror(errno ? errno : EIO));
	_exit(1);
}

void
tw_setprog(const char *argv0)
{
	static int registered;
	const char *s;

	if (!registered++)
		atexit(stdout_check);
	if (argv0 == NULL || *argv0 == '\0')
		return;
	s = strrchr(argv0, '/');
	tw_prog = s ? s + 1 : argv0;
}

void
tw_vwarn(const char *fmt, va_list ap)
{
	char msg[4096];
	int n;

	/* One write per message so lines from parallel tools do not interleave. */
	n = snprintf(msg, sizeof msg, "%s: ", tw_prog);
	if (n < 0 || (size_t)n >= sizeof msg)
		n = 0;
	vsnprintf(msg + n, sizeof msg - (size_t)n - 1, fmt, ap);
	n = (int)strlen(msg);
	msg[n++] = '\n';
	fflush(stdout);
	if (write(STDERR_FILENO, msg, (size_t)n) < 0) {
		/* nowhere left to report */
	}
}

void
tw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tw_vwarn(fmt, ap);
	va_end(ap);
}

static void (*hooks[4])(void);
static int nhooks;

void
tw_atdie(void (*fn)(void))
{
	if (nhooks < (int)(sizeof hooks / sizeof hooks[0]))
		hooks[nhooks++] = fn;
}

/* Each hook once, newest first; a hook that dies again runs no more. */
static void
run_hooks(void)
{
	while (nhooks > 0)
		hooks[--nhooks]();
}

void
tw_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tw_vwarn(fmt, ap);
	va_end(ap);
	/*
	 * An error ends the program here, from deep inside it: run the die
	 * hooks (temporary files go), flush stdio and leave without running
	 * exit handlers, so that memory still held by the callers is not
	 * reported as leaked by LeakSanitizer. Output buffers are the
	 * callers' and are not written after an error.
	 */
	run_hooks();
	fflush(NULL);
	_exit(status);
}

void
tw_oom(void)
{
	static const char m[] = ": out of memory\n";

	if (write(STDERR_FILENO, tw_prog, strlen(tw_prog)) < 0 ||
	    write(STDERR_FILENO, m, sizeof m - 1) < 0) {
		/* nothing more to do */
	}
	run_hooks();
	_exit(1);
}

void *
tw_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		tw_oom();
	return p;
}

void *
tw_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		tw_oom();
	return p;
}

void *
tw_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		tw_oom();
	return p;
}

char *
tw_xstrdup(const char *s)
{
	return tw_xstrndup(s, strlen(s));
}

uint64_t
tw_hash64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL), k;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&k, s + i, 8);
		h = tw_mix64(h ^ tw_mix64(k + 0x9E3779B97F4A7C15ULL));
	}
	k = 0;
	if (n > i)
		memcpy(&k, s + i, n - i);
	return tw_mix64(h ^ tw_mix64(k ^ (n - i)));
}

char *
tw_xstrndup(const char *s, size_t n)
{
	char *p = tw_xmalloc(n + 1);

	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
tw_pipe_grow(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	int n;

	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return;
	n = fcntl(fd, F_GETPIPE_SZ);
	if (n >= 0 && n < TW_PIPE_BYTES)
		(void)fcntl(fd, F_SETPIPE_SZ, TW_PIPE_BYTES);
#else
	(void)fd;
#endif
}
