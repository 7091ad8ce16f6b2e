/*
 * The tables of tw-perf report, as aligned text, markdown or JSON.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf.h"
#include "report.h"
#include "tw_util.h"
#include "tw_writer.h"

#define MAXCOL 14

struct table {
	const char *title;
	int ncol;
	const char *head[MAXCOL];
	int right[MAXCOL];
	char **cell;		/* row-major, nrow * ncol */
	size_t nrow;
};

static void
t_init(struct table *t, const char *title, const char *cols)
{
	char *c, *save = NULL, *dup = tw_xstrdup(cols);

	memset(t, 0, sizeof *t);
	t->title = title;
	/* "name|>number|..." : '>' marks a right-aligned column. */
	for (c = strtok_r(dup, "|", &save); c != NULL && t->ncol < MAXCOL;
	    c = strtok_r(NULL, "|", &save)) {
		t->right[t->ncol] = *c == '>';
		t->head[t->ncol++] = tw_xstrdup(c + (*c == '>'));
	}
	free(dup);
}

static void
t_add(struct table *t, char **cells)
{
	int i;

	t->cell = tw_xrealloc(t->cell, (t->nrow + 1) * (size_t)t->ncol * sizeof *t->cell);
	for (i = 0; i < t->ncol; i++)
		t->cell[t->nrow * (size_t)t->ncol + (size_t)i] = cells[i];
	t->nrow++;
}

static char *
fmt(double v, const char *f)
{
	char buf[64];

	if (!isfinite(v))
		return tw_xstrdup("-");
	snprintf(buf, sizeof buf, f, v);
	return tw_xstrdup(buf);
}

static char *
str(const char *s)
{
	return tw_xstrdup(s && *s ? s : "-");
}

static char *
human(double v)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	char buf[64];
	int i = 0;

	if (!isfinite(v))
		return tw_xstrdup("-");
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, sizeof buf, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
	return tw_xstrdup(buf);
}

/* A duration in milliseconds, in the unit that reads best: 950 ms,
 * 8.2 s, 8.4 min, 3.0 h, 2.9 d; "-" when not known. */
static char *
dur(double ms)
{
	char buf[64];
	double a = fabs(ms);

	if (!isfinite(ms))
		return tw_xstrdup("-");
	if (a < 1000)
		snprintf(buf, sizeof buf, "%.0f ms", ms);
	else if (a < 60e3)
		snprintf(buf, sizeof buf, "%.1f s", ms / 1e3);
	else if (a < 3600e3)
		snprintf(buf, sizeof buf, "%.1f min", ms / 60e3);
	else if (a < 86400e3)
		snprintf(buf, sizeof buf, "%.1f h", ms / 3600e3);
	else
		snprintf(buf, sizeof buf, "%.1f d", ms / 86400e3);
	return tw_xstrdup(buf);
}

static size_t
width(const char *s)
{
	return tw_utf8_chars(s, strlen(s));
}

static void
t_print(struct tw_buf *b, struct table *t, int md)
{
	size_t w[MAXCOL], r, n;
	int c;

	if (md)
		tw_buf_addf(b, "## %s\n\n", t->title);
	else
		tw_buf_addf(b, "%s\n", t->title);
	for (c = 0; c < t->ncol; c++)
		w[c] = width(t->head[c]);
	for (r = 0; r < t->nrow; r++)
		for (c = 0; c < t->ncol; c++) {
			n = width(t->cell[r * (size_t)t->ncol + (size_t)c]);
			if (n > w[c])
				w[c] = n;
		}
	for (r = 0; r <= t->nrow + (md ? 1 : 0); r++) {
		for (c = 0; c < t->ncol; c++) {
			const char *s;
			size_t pad;

			if (r == 0)
				s = t->head[c];
			else if (md && r == 1)
				s = NULL;
			else
				s = t->cell[(r - 1 - (md ? 1 : 0)) * (size_t)t->ncol + (size_t)c];
			if (md) {
				tw_buf_adds(b, c ? " | " : "| ");
				if (s == NULL) {
					for (pad = 0; pad < w[c]; pad++)
						tw_buf_addc(b, pad == w[c] - 1 && t->right[c] ? ':' : '-');
					continue;
				}
			} else if (c) {
				tw_buf_adds(b, "  ");
			}
			pad = w[c] - width(s);
			if (t->right[c])
				while (pad-- > 0)
					tw_buf_addc(b, ' ');
			tw_buf_adds(b, s);
			if (!t->right[c] && (md || c < t->ncol - 1))
				while (pad-- > 0)
					tw_buf_addc(b, ' ');
		}
		tw_buf_adds(b, md ? " |\n" : "\n");
	}
	tw_buf_addc(b, '\n');
	for (r = 0; r < t->nrow * (size_t)t->ncol; r++)
		free(t->cell[r]);
	for (c = 0; c < t->ncol; c++)
		free((char *)t->head[c]);
	free(t->cell);
}

static double
cpu(const struct run *r)
{
	if (!isfinite(r->cpu_user) && !isfinite(r->cpu_sys))
		return NAN;
	return (isfinite(r->cpu_user) ? r->cpu_user : 0) +
	    (isfinite(r->cpu_sys) ? r->cpu_sys : 0);
}

static double
langs(const struct data *d)
{
	double n = (double)d->nlang;

	if (d->langs > n)
		n = d->langs;
	return n > 0 ? n : NAN;
}

/* The metrics compared between batch and streaming (fmt NULL: a
 * duration in ms, printed by dur()). */
struct metric {
	const char *name, *fmt, *key;
	double (*get)(const struct run *);
};

static double m_records(const struct run *r) { return r->records; }
static double m_seconds(const struct run *r) { return r->seconds; }
static double m_rps(const struct run *r) { return r->rps; }
static double m_mbps(const struct run *r) { return r->bps / 1e6; }
static double m_mem(const struct run *r) { return r->peak_rss_kb / 1024; }
static double m_age(const struct run *r) { return r->age[2]; }
static double m_p99(const struct run *r) { return r->lat[2]; }

/* key: the name in JSON, where durations stay in milliseconds. */
static const struct metric metrics[] = {
	{ "tweets", "%.0f", "tweets", m_records },
	{ "seconds", "%.3f", "seconds", m_seconds },
	{ "tweets/s", "%.1f", "tweets/s", m_rps },
	{ "MB/s", "%.2f", "MB/s", m_mbps },
	{ "peak MiB", "%.1f", "peak MiB", m_mem },
	{ "CPU s", "%.2f", "CPU s", cpu },
	{ "data age p99", NULL, "data age p99 ms", m_age },
	{ "latency p99", NULL, "latency p99 ms", m_p99 },
};
#define NMETRIC (sizeof metrics / sizeof metrics[0])

/* A run summary with no meter's figures (tw-perf run without --meter
 * or a meter inside). */
static int
unmetered(const struct run *r)
{
	return r->command != NULL && !r->merged && !isfinite(r->records);
}

/* Calls fn for each note the report makes, with its text. */
static void
notes(const struct report *R, void (*fn)(struct tw_buf *, const char *, int),
    struct tw_buf *b, int md)
{
	char msg[600];
	size_t i;
	int age = 0;

	for (i = 0; i < R->nruns; i++) {
		const struct run *r = &R->runs[i];

		if (r->hidden)
			continue;
		if (isfinite(r->age[2]) || isfinite(r->lat[2]))
			age = 1;
		if (unmetered(r)) {
			snprintf(msg, sizeof msg, "run \"%s\" had no meter: tweets and "
			    "rates unknown (tw-perf run --meter, or a tw-perf meter "
			    "with the same label in the command)",
			    r->label ? r->label : "-");
			fn(b, msg, md);
		}
	}
	if (age)
		fn(b, "data age: now minus the event time of the records as they "
		    "passed the meter (for a backlog, how old the data was); "
		    "latency: now minus the time a record entered the pipeline "
		    "(its Kafka time, else its event time), over the records that "
		    "arrived live only: a batch run has a data age, no latency", md);
}

static void
note_text(struct tw_buf *b, const char *msg, int md)
{
	tw_buf_addf(b, md ? "Note: %s.\n\n" : "note: %s\n", msg);
}

static void
note_json(struct tw_buf *b, const char *msg, int md)
{
	(void)md;
	if (b->len > 0 && b->p[b->len - 1] != '[')
		tw_buf_addc(b, ',');
	rec_str(b, msg);
}

static void
text(const struct report *R, struct tw_buf *b, int md)
{
	struct table t;
	char *c[MAXCOL], title[512];
	size_t i;
	size_t before;

	if (R->nruns > 0) {
		t_init(&t, "Runs", "label|mode|>tweets|start|end|>seconds|>tweets/s|"
		    ">MB/s|>peak MiB|>CPU s|>data age p99|>latency p99");
		for (i = 0; i < R->nruns; i++) {
			const struct run *r = &R->runs[i];

			if (r->hidden)
				continue;
			c[0] = str(r->label);
			c[1] = str(r->mode);
			c[2] = fmt(r->records, "%.0f");
			c[3] = str(r->start);
			c[4] = str(r->end);
			c[5] = fmt(r->seconds, "%.3f");
			c[6] = fmt(r->rps, "%.1f");
			c[7] = fmt(r->bps / 1e6, "%.2f");
			c[8] = fmt(r->peak_rss_kb / 1024, "%.1f");
			c[9] = fmt(cpu(r), "%.2f");
			c[10] = dur(r->age[2]);
			c[11] = dur(r->lat[2]);
			t_add(&t, c);
		}
		t_print(b, &t, md);
		before = b->len;
		notes(R, note_text, b, md);
		if (b->len > before && !md)
			tw_buf_addc(b, '\n');
	}
	if (R->batch != NULL && R->streaming != NULL) {
		snprintf(title, sizeof title, "Batch vs streaming (batch: %s, streaming: %s)",
		    R->batch->label ? R->batch->label : "-",
		    R->streaming->label ? R->streaming->label : "-");
		t_init(&t, title, "metric|>batch|>streaming|>streaming/batch");
		c[0] = tw_xstrdup("mode");
		c[1] = str(R->batch->mode);
		c[2] = str(R->streaming->mode);
		c[3] = tw_xstrdup("");
		t_add(&t, c);
		for (i = 0; i < NMETRIC; i++) {
			double x = metrics[i].get(R->batch);
			double y = metrics[i].get(R->streaming);

			c[0] = tw_xstrdup(metrics[i].name);
			c[1] = metrics[i].fmt ? fmt(x, metrics[i].fmt) : dur(x);
			c[2] = metrics[i].fmt ? fmt(y, metrics[i].fmt) : dur(y);
			c[3] = fmt(x != 0 ? y / x : NAN, "%.2f");
			t_add(&t, c);
		}
		t_print(b, &t, md);
	}
	if (R->data.results > 0) {
		const struct data *d = &R->data;

		t_init(&t, "Data", "figure|>value");
#define ROW(name, val) do { c[0] = tw_xstrdup(name); c[1] = (val); t_add(&t, c); } while (0)
		ROW("aggregate results", fmt((double)d->results, "%.0f"));
		ROW("windows", fmt((double)d->nwin, "%.0f"));
		ROW("first window start", str(d->first));
		ROW("last window end", str(d->last));
		ROW("total tweets", fmt(d->have_tweets ? d->tweets : NAN, "%.0f"));
		ROW("average engagement", fmt(d->eng_w > 0 ? d->eng_sum / d->eng_w : NAN, "%.2f"));
		ROW("max engagement", fmt(d->have_max ? d->eng_max : NAN, "%.0f"));
		ROW(d->user_windows > 1 ? "unique users (largest result)" : "unique users",
		    fmt(d->user_windows ? d->users : NAN, "%.0f"));
		ROW("languages", fmt(langs(d), "%.0f"));
#undef ROW
		t_print(b, &t, md);
	}
	if (R->nstore > 0) {
		t_init(&t, "Storage", "source|table or directory|>bytes|>size|>files");
		for (i = 0; i < R->nstore; i++) {
			const struct store *s = &R->store[i];

			c[0] = str(s->source);
			c[1] = str(s->name);
			c[2] = fmt(s->bytes, "%.0f");
			c[3] = human(s->bytes);
			c[4] = fmt(s->files, "%.0f");
			t_add(&t, c);
		}
		t_print(b, &t, md);
	}
	if (R->bad > 0)
		tw_buf_addf(b, "skipped: %llu bad input lines\n",
		    (unsigned long long)R->bad);
}

static void
jnum(struct tw_buf *b, const char *key, double v, int prec)
{
	rec_key(b, key);
	rec_num(b, v, prec);
}

static void
pcts(struct tw_buf *b, const double v[4])
{
	if (!isfinite(v[0]) && !isfinite(v[3])) {
		tw_buf_adds(b, "null");
		return;
	}
	tw_buf_adds(b, "{\"p50\":");
	rec_num(b, v[0], 1);
	jnum(b, "p95", v[1], 1);
	jnum(b, "p99", v[2], 1);
	jnum(b, "max", v[3], 1);
	tw_buf_addc(b, '}');
}

static void
json(const struct report *R, struct tw_buf *b)
{
	size_t i;
	int first = 1;

	tw_buf_adds(b, "{\"runs\":[");
	for (i = 0; i < R->nruns; i++) {
		const struct run *r = &R->runs[i];

		if (r->hidden)
			continue;
		tw_buf_adds(b, first ? "{\"label\":" : ",{\"label\":");
		first = 0;
		rec_str(b, r->label);
		rec_key(b, "mode");
		rec_str(b, r->mode);
		rec_key(b, "ended");
		rec_str(b, r->ended);
		rec_key(b, "command");
		rec_str(b, r->command);
		jnum(b, "exit_status", r->exit_status, 0);
		jnum(b, "records", r->records, 0);
		jnum(b, "live_records", r->live, 0);
		jnum(b, "bytes", r->bytes, 0);
		rec_key(b, "start");
		rec_str(b, r->start);
		rec_key(b, "end");
		rec_str(b, r->end);
		jnum(b, "processing_s", r->seconds, 3);
		jnum(b, "throughput_rps", r->rps, 1);
		jnum(b, "throughput_bps", r->bps, 1);
		jnum(b, "cpu_s", cpu(r), 3);
		jnum(b, "peak_rss_kb", r->peak_rss_kb, 0);
		jnum(b, "max_single_rss_kb", r->max_single_kb, 0);
		rec_key(b, "age_ms");
		pcts(b, r->age);
		rec_key(b, "latency_ms");
		pcts(b, r->lat);
		jnum(b, "stats_records", r->stats ? (double)r->stats->n : 0, 0);
		jnum(b, "peak_rate_rps", r->stats ? r->stats->peak_rps : NAN, 1);
		tw_buf_addc(b, '}');
	}
	tw_buf_adds(b, "],\"comparison\":");
	if (R->batch != NULL && R->streaming != NULL) {
		tw_buf_adds(b, "{\"batch\":");
		rec_str(b, R->batch->label);
		rec_key(b, "streaming");
		rec_str(b, R->streaming->label);
		rec_key(b, "modes");
		tw_buf_adds(b, "{\"batch\":");
		rec_str(b, R->batch->mode);
		rec_key(b, "streaming");
		rec_str(b, R->streaming->mode);
		tw_buf_addc(b, '}');
		rec_key(b, "metrics");
		tw_buf_addc(b, '[');
		for (i = 0; i < NMETRIC; i++) {
			double x = metrics[i].get(R->batch);
			double y = metrics[i].get(R->streaming);

			tw_buf_adds(b, i ? ",{\"metric\":" : "{\"metric\":");
			rec_str(b, metrics[i].key);
			jnum(b, "batch", x, 3);
			jnum(b, "streaming", y, 3);
			jnum(b, "ratio", x != 0 ? y / x : NAN, 3);
			tw_buf_addc(b, '}');
		}
		tw_buf_adds(b, "]}");
	} else {
		tw_buf_adds(b, "null");
	}
	rec_key(b, "data");
	if (R->data.results > 0) {
		const struct data *d = &R->data;

		tw_buf_adds(b, "{\"results\":");
		tw_buf_add_u64(b, d->results);
		jnum(b, "windows", (double)d->nwin, 0);
		rec_key(b, "first_window_start");
		rec_str(b, d->first);
		rec_key(b, "last_window_end");
		rec_str(b, d->last);
		jnum(b, "total_tweets", d->have_tweets ? d->tweets : NAN, 0);
		jnum(b, "avg_engagement", d->eng_w > 0 ? d->eng_sum / d->eng_w : NAN, 3);
		jnum(b, "max_engagement", d->have_max ? d->eng_max : NAN, 3);
		jnum(b, "unique_users", d->user_windows ? d->users : NAN, 0);
		jnum(b, "languages", langs(d), 0);
		tw_buf_addc(b, '}');
	} else {
		tw_buf_adds(b, "null");
	}
	rec_key(b, "storage");
	tw_buf_addc(b, '[');
	for (i = 0; i < R->nstore; i++) {
		tw_buf_adds(b, i ? ",{\"source\":" : "{\"source\":");
		rec_str(b, R->store[i].source);
		rec_key(b, "name");
		rec_str(b, R->store[i].name);
		jnum(b, "bytes", R->store[i].bytes, 0);
		jnum(b, "files", R->store[i].files, 0);
		tw_buf_addc(b, '}');
	}
	tw_buf_addc(b, ']');
	rec_key(b, "notes");
	tw_buf_addc(b, '[');
	notes(R, note_json, b, 0);
	tw_buf_addc(b, ']');
	rec_key(b, "bad_lines");
	tw_buf_add_u64(b, R->bad);
	tw_buf_adds(b, "}\n");
}

void
report_print(const struct report *R)
{
	struct tw_writer w;

	tw_writer_init(&w, STDOUT_FILENO, "<stdout>");
	if (R->format == FMT_JSON)
		json(R, &w.out);
	else
		text(R, &w.out, R->format == FMT_MARKDOWN);
	if (tw_writer_close(&w) < 0)
		tw_writer_fail(&w);
}
