/*
 * tw-gen --replay: writes a recorded NDJSON file back out, verbatim,
 * paced by the times the lines carry.
 *
 * A line's time is the first found of .ts (epoch ms), .data.created_at
 * (a page: its first tweet's), .timestamp_ms and .created_at. Line i
 * leaves at start + (max time so far - first time) / speed, so a line
 * that goes back in time (disorder) leaves at once and does not delay
 * the lines after it. Lines without a time leave at once.
 */
#include "gen.h"
#include "opts.h"
#include "tw_input.h"
#include "tw_json.h"
#include "tw_reader.h"
#include "tw_sig.h"
#include "tw_time.h"
#include "tw_util.h"
#include "tw_mark.h"
#include "tw_writer.h"


/* Reads a time from string or number v; 0 and *ms on success. */
static int
time_of(const struct tw_jval *v, struct tw_buf *tmp, int64_t *ms)
{
	if (v == NULL)
		return -1;
	if (v->type == TW_JNUM) {
		double d;

		if (tw_json_i64(v, ms) == 0)
			return 0;
		if (tw_json_double(v, &d) == 0) {
			*ms = (int64_t)d;
			return 0;
		}
		return -1;
	}
	if (v->type != TW_JSTR)
		return -1;
	if (v->flags & TW_JF_ESC) {
		tw_buf_reset(tmp);
		tw_json_str_decode(tmp, v);
		return tw_time_parse(tmp->p, tmp->len, ms);
	}
	return tw_time_parse(v->p, v->len, ms);
}

/* The time of the parsed line in j, or -1. */
static int
line_time(const struct tw_json *j, struct tw_buf *tmp, int64_t *ms)
{
	const struct tw_jval *root = j->v, *d;

	if (root->type != TW_JOBJ)
		return -1;
	if (time_of(TW_JGET(j, root, "ts"), tmp, ms) == 0)
		return 0;
	d = TW_JGET(j, root, "data");
	if (d && d->type == TW_JARR)
		d = tw_json_index(j, d, 0);
	if (d && d->type == TW_JOBJ &&
	    time_of(TW_JGET(j, d, "created_at"), tmp, ms) == 0)
		return 0;
	if (time_of(TW_JGET(j, root, "timestamp_ms"), tmp, ms) == 0)
		return 0;
	return time_of(TW_JGET(j, root, "created_at"), tmp, ms);
}

int
replay_run(const char *file, double speed, struct tw_marker *marks, int quiet)
{
	struct tw_reader r;
	struct tw_input in;
	struct tw_json j;
	struct tw_writer w;
	struct tw_buf tmp = TW_BUF_INIT;
	char *files[1];
	enum tw_in_status st;
	int rc = 0, have = 0;
	int64_t t, first = 0, high = 0, wall0 = 0, due, now = 0;

	files[0] = (char *)file;
	tw_writer_init(&w, 1, "<stdout>");
	tw_reader_open(&r, files, 1);
	r.idle = tw_writer_idle;
	r.arg = &w;
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	in.multiline = 0;	/* verbatim: one line is one record */
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		if (st == TW_IN_IOERR) {
			tw_warn("%s: %s", r.name ? r.name : file, r.errmsg);
			rc = 1;
			continue;
		}
		if (st == TW_IN_BAD && !quiet)
			tw_warn("%s:%llu: %s", in.name ? in.name : file,
			    (unsigned long long)in.lineno, in.reason);
		if (st == TW_IN_DOC && speed > 0 && line_time(&j, &tmp, &t) == 0) {
			if (!have) {
				have = 1;
				first = high = t;
				now = wall0 = tw_mono_ns();
			}
			if (t > high)
				high = t;
			due = wall0 + (int64_t)((double)(high - first) * 1e6 /
			    speed);
			if (due > now) {
				if (marks)
					tw_marker_tick(marks, &w.out, now);
				if (tw_writer_flush(&w))
					tw_writer_fail(&w);
				sleep_until(due);
				now = tw_mono_ns();
				if (tw_sig_caught)
					break;
			}
		}
		if (in.raw)
			tw_buf_add(&w.out, in.raw, in.rawlen);
		tw_buf_addc(&w.out, '\n');
		if (marks)
			tw_marker_tick(marks, &w.out, tw_mono_ns());
		if (tw_writer_end_record(&w))
			tw_writer_fail(&w);
	}
	if (marks)
		tw_marker_add(marks, &w.out);
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
	tw_buf_free(&tmp);
	if (tw_sig_caught) {
		if (tw_writer_flush(&w))
			tw_writer_fail(&w);
		tw_sig_reraise();
	}
	if (tw_writer_close(&w))
		tw_writer_fail(&w);
	return rc;
}
