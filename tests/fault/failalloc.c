/*
 * LD_PRELOAD hook for allocation-failure tests.
 *
 *   TW_FAIL_ALLOC=N      the Nth allocation (malloc, calloc, realloc,
 *                        counted from the start of the program proper,
 *                        __libc_start_main: allocations made by shared
 *                        libraries' constructors are not ours to test,
 *                        and libjq 1.6's does not check for NULL)
 *                        returns NULL; 0 fails none
 *   TW_FAIL_COUNT=FILE   at exit, write how many allocations were made
 *   TW_FAIL_READ=N       the Nth read() of a regular file (on a
 *                        descriptor above 2) fails with EIO (a file that
 *                        becomes unreadable); reads of pipes do not count
 *   TW_FAIL_SYNCFS=1     every syncfs() fails with EIO
 *   TW_FAIL_FSYNC=TEXT   fsync() of a file whose path holds TEXT (ends
 *                        with it, when TEXT ends in '$') fails with EIO
 *                        (a disk that fails a write-back)
 *   TW_FAIL_DLOPEN=TEXT  dlopen() of a name that holds TEXT returns NULL
 *                        (a library that is not installed)
 *
 * Built as tests/fault/failalloc.so by tests/integration/faults.sh.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern ssize_t __read(int, void *, size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static unsigned long count, fail_at;
static int ready, started;

static void
setup(void)
{
	const char *s = getenv("TW_FAIL_ALLOC");

	fail_at = s ? strtoul(s, NULL, 10) : 0;
	ready = 1;
}

static int
should_fail(void)
{
	if (!started)
		return 0;
	if (!ready)
		setup();
	return ++count == fail_at;
}

void *
malloc(size_t n)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

ssize_t
read(int fd, void *buf, size_t n)
{
	static unsigned long reads;
	const char *s = getenv("TW_FAIL_READ");
	struct stat sb;

	if (fd > 2 && s != NULL && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    ++reads == strtoul(s, NULL, 10)) {
		errno = EIO;
		return -1;
	}
	return __read(fd, buf, n);
}

void *
dlopen(const char *name, int flags)
{
	const char *s = getenv("TW_FAIL_DLOPEN");
	void *(*real)(const char *, int) =
	    (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");

	if (s != NULL && name != NULL && strstr(name, s) != NULL)
		return NULL;
	return real(name, flags);
}

int
syncfs(int fd)
{
	const char *s = getenv("TW_FAIL_SYNCFS");
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "syncfs");

	if (s != NULL && strcmp(s, "1") == 0) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int
fsync(int fd)
{
	const char *s = getenv("TW_FAIL_FSYNC");
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	char link[64], path[4096];
	ssize_t k;

	if (s != NULL) {
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		k = readlink(link, path, sizeof path - 1);
		if (k > 0) {
			size_t m = strlen(s);
			int hit;

			path[k] = '\0';
			if (m > 0 && s[m - 1] == '$')
				hit = (size_t)k >= m - 1 &&
				    strncmp(path + k - (m - 1), s, m - 1) == 0;
			else
				hit = strstr(path, s) != NULL;
			if (hit) {
				errno = EIO;
				return -1;
			}
		}
	}
	return real(fd);
}

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
    void (*)(void), void *);

int
__libc_start_main(main_fn m, int argc, char **argv, void (*init)(void),
    void (*fini)(void), void (*rtld_fini)(void), void *stack)
{
	start_fn real = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");

	started = 1;
	return real(m, argc, argv, init, fini, rtld_fini, stack);
}

__attribute__((destructor)) static void
report(void)
{
	const char *f = getenv("TW_FAIL_COUNT");
	char b[32];
	int fd, n;

	if (f == NULL)
		return;
	fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0)
		return;
	n = snprintf(b, sizeof b, "%lu\n", count);
	if (write(fd, b, (size_t)n) < 0) {
		/* nothing to do */
	}
	close(fd);
}
