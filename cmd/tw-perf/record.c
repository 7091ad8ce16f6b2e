/*
 * The records tw-perf writes: one NDJSON format shared by the meter and
 * run (documented in tw-perf(1), read by report and tw-plot).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "perf.h"
#include "tw_time.h"
#include "tw_util.h"

void
log_open(struct tw_writer *w, const char *path)
{
	int fd;

	if (path == NULL) {
		tw_writer_init(w, STDERR_FILENO, "<stderr>");
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0)
		tw_die(1, "%s: %s", path, strerror(errno));
	tw_writer_init(w, fd, path);
}

void
rec_key(struct tw_buf *b, const char *key)
{
	tw_buf_addc(b, ',');
	tw_buf_addc(b, '"');
	tw_buf_adds(b, key);
	tw_buf_add(b, "\":", 2);
}

void
rec_str(struct tw_buf *b, const char *s)
{
	struct tw_buf t = TW_BUF_INIT;

	if (s == NULL) {
		tw_buf_adds(b, "null");
		return;
	}
	tw_buf_add_utf8_repair(&t, s, strlen(s));
	tw_buf_add_jstr(b, t.p, t.len);
	tw_buf_free(&t);
}

void
rec_num(struct tw_buf *b, double v, int prec)
{
	char tmp[64];
	int n;

	if (!isfinite(v)) {
		tw_buf_adds(b, "null");
		return;
	}
	n = snprintf(tmp, sizeof tmp, "%.*f", prec, v);
	if (prec > 0) {
		while (n > 0 && tmp[n - 1] == '0')
			n--;
		if (n > 0 && tmp[n - 1] == '.')
			n--;
	}
	if (n == 2 && tmp[0] == '-' && tmp[1] == '0')
		tw_buf_addc(b, '0');
	else
		tw_buf_add(b, tmp, (size_t)n);
}

void
rec_latency(struct tw_buf *b, const struct tw_quant *q)
{
	if (q->n == 0) {
		tw_buf_adds(b, "null");
		return;
	}
	tw_buf_adds(b, "{\"p50\":");
	rec_num(b, tw_quant_value(q, 0.50), 1);
	tw_buf_adds(b, ",\"p95\":");
	rec_num(b, tw_quant_value(q, 0.95), 1);
	tw_buf_adds(b, ",\"p99\":");
	rec_num(b, tw_quant_value(q, 0.99), 1);
	tw_buf_adds(b, ",\"max\":");
	rec_num(b, q->max, 1);
	tw_buf_addc(b, '}');
}

void
rec_time(struct tw_buf *b, int64_t ms)
{
	tw_buf_addc(b, '"');
	tw_buf_add_iso(b, ms);
	tw_buf_addc(b, '"');
}

void
rec_rusage_self(struct tw_buf *b)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	rec_key(b, "cpu_user_s");
	rec_num(b, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, 3);
	rec_key(b, "cpu_sys_s");
	rec_num(b, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, 3);
	rec_key(b, "peak_rss_kb");
	tw_buf_add_i64(b, ru.ru_maxrss);
}
