/*
 * zwrite: standard input through lib/tw_zout to standard output, for the
 * tests that check its files against readers we did not write.
 *
 * usage: zwrite CODEC LEVEL [SYNC [FILE]]
 *
 * CODEC is gzip, zstd or none, LEVEL a number (0 the codec's default).
 * With SYNC (0: none), a sync after every SYNC bytes of input, and after
 * it the line "synced IN OUT" on standard error (input bytes made
 * decodable by the first OUT bytes of output). FILE is read instead of
 * standard input. Exit status 0, 1 on an error (its errno text on
 * standard error), 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_zout.h"

int
main(int argc, char **argv)
{
	static char buf[65536];
	struct tw_zout z;
	unsigned long long sync = 0, since = 0;
	ssize_t k;
	int codec, in = STDIN_FILENO;

	if (argc < 3 || argc > 5 || (codec = tw_zout_codec(argv[1])) < 0) {
		fprintf(stderr, "usage: zwrite gzip|zstd|none LEVEL [SYNC [FILE]]\n");
		return 2;
	}
	if (argc >= 4)
		sync = strtoull(argv[3], NULL, 10);
	if (argc == 5 && (in = open(argv[4], O_RDONLY)) < 0) {
		fprintf(stderr, "zwrite: %s: %s\n", argv[4], strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (tw_zout_open(&z, codec, atoi(argv[2]), STDOUT_FILENO) < 0) {
		fprintf(stderr, "zwrite: %s\n", strerror(errno));
		return 2;
	}
	while ((k = read(in, buf, sizeof buf)) > 0) {
		if (tw_zout_write(&z, buf, (size_t)k) < 0)
			goto fail;
		since += (unsigned long long)k;
		if (sync && since >= sync) {
			if (tw_zout_sync(&z) < 0)
				goto fail;
			fprintf(stderr, "synced %llu %llu\n",
			    (unsigned long long)z.synced_in,
			    (unsigned long long)z.synced_out);
			since = 0;
		}
	}
	if (k < 0 || tw_zout_finish(&z) < 0)
		goto fail;
	tw_zout_free(&z);
	return 0;
fail:
	fprintf(stderr, "zwrite: %s\n", strerror(errno));
	tw_zout_free(&z);
	return 1;
}
