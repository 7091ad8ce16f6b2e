/*
 * floor: the memchr floor of the flatten benchmark (bench/shapes.sh).
 *
 * usage: floor FILE
 *
 * Reads FILE with read(2) in 256 KiB blocks, as tw_reader does, and
 * counts its lines with memchr(3): the least any line-oriented tool has
 * to do. Prints the line count. Exit status 1 on an I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static char buf[256 << 10];
	unsigned long long lines = 0;
	ssize_t k;
	int fd;

	if (argc != 2) {
		fputs("usage: floor FILE\n", stderr);
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((k = read(fd, buf, sizeof buf)) > 0) {
		const char *p = buf, *e = buf + k;

		while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
			lines++;
			p++;
		}
	}
	if (k < 0) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("%llu\n", lines);
	return 0;
}
