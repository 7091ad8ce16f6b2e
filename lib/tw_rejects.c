#include "tw_rejects.h"
#include "tw_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
open_append(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);

	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return fd;
}

int
tw_rejects_open(struct tw_rejects *r, const char *path, int reasons,
    char *err, size_t errlen)
{
	int fd;

	memset(r, 0, sizeof *r);
	if ((fd = open_append(path, err, errlen)) < 0)
		return -1;
	tw_writer_init(&r->data, fd, path);
	if (!reasons)
		return 0;
	r->why_path = tw_xmalloc(strlen(path) + 9);
	memcpy(r->why_path, path, strlen(path));
	memcpy(r->why_path + strlen(path), ".reasons", 9);
	if ((fd = open_append(r->why_path, err, errlen)) < 0) {
		tw_writer_close(&r->data);
		free(r->why_path);
		r->why_path = NULL;
		return -1;
	}
	tw_writer_init(&r->why, fd, r->why_path);
	r->reasons = 1;
	return 0;
}

int
tw_rejects_add(struct tw_rejects *r, const char *name, uint64_t line,
    const char *raw, size_t len, int cr, const char *why)
{
	int rc;

	if (raw != NULL)
		tw_buf_add(&r->data.out, raw, len);
	if (cr)
		tw_buf_addc(&r->data.out, '\r');
	tw_buf_addc(&r->data.out, '\n');
	rc = tw_writer_end_record(&r->data);
	if (r->reasons) {
		size_t i, at;

		tw_buf_addf(&r->why.out, "%s:%llu\t", name,
		    (unsigned long long)line);
		at = r->why.out.len;
		tw_buf_adds(&r->why.out, why ? why : "");
		/* One line per record, whatever the reason holds. */
		for (i = at; i < r->why.out.len; i++)
			if (r->why.out.p[i] == '\n' || r->why.out.p[i] == '\r')
				r->why.out.p[i] = ' ';
		tw_buf_addc(&r->why.out, '\n');
		if (tw_writer_end_record(&r->why) < 0)
			rc = -1;
	}
	return rc;
}

int
tw_rejects_flush(struct tw_rejects *r)
{
	int rc = tw_writer_flush(&r->data);

	if (r->reasons && tw_writer_flush(&r->why) < 0)
		rc = -1;
	return rc;
}

int
tw_rejects_close(struct tw_rejects *r)
{
	int rc = tw_writer_close(&r->data);

	/* why_path stays: a failed writer's message names it. */
	if (r->reasons && tw_writer_close(&r->why) < 0)
		rc = -1;
	return rc;
}

struct tw_writer *
tw_rejects_failed(struct tw_rejects *r)
{
	return r->data.err || !r->reasons ? &r->data : &r->why;
}
