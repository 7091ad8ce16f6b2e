/*
 * Replays saved inputs through a harness without libFuzzer, so that
 * make check (gcc, no sanitizer runtime needed) runs every input that
 * ever broke a harness. Usage: harness FILE|DIR ...
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, n = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		struct stat sb;

		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char p[4096];

			while (d && (e = readdir(d)) != NULL) {
				if (e->d_name[0] == '.')
					continue;
				snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
				bad += run_file(p);
				n++;
			}
			if (d)
				closedir(d);
		} else {
			bad += run_file(argv[i]);
			n++;
		}
	}
	printf("ok - replayed %d inputs\n", n);
	return bad != 0;
}
