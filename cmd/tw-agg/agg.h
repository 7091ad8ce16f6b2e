/*
 * tw-agg internals.
 *
 *   engine.c  cells (one window x group), their stores, the window maths
 *             (which windows a time belongs to) and the writing of results
 *             as the watermark passes windows
 *   state.c   the state file (open windows, Kafka positions, fingerprint)
 *             and the positions: which Kafka messages were counted
 *   main.c    options, the record loop, partial-state merging
 *
 * Data flow: main.c reads documents (tw_input); each record's time and
 * group keys are found (fieldset), its Kafka position checked (state.c:
 * a message counted before is skipped), then the engine adds it to every
 * window it belongs to and moves the watermark; windows whose end the
 * watermark passes are written to the writer. At end of input every open
 * window is written, or saved to --state. All state lives in one struct
 * app, passed explicitly.
 */
#ifndef TW_AGG_CMD_H
#define TW_AGG_CMD_H

#include <stdint.h>

#include "tw_agg.h"
#include "tw_buf.h"
#include "tw_guard.h"
#include "tw_input.h"
#include "tw_jq.h"
#include "tw_json.h"
#include "tw_rejects.h"
#include "tw_util.h"
#include "tw_writer.h"

enum mode { M_GLOBAL, M_TUMBLE, M_HOP, M_SESSION };

#define NO_TIME INT64_MIN

/*
 * --merge: one Kafka partition's share of a cell, as the --partial that
 * read that partition last wrote it. A newer share of the same partition
 * (one that had read further: a higher hi) replaces it, so a partition
 * counted again by another consumer after a rebalance is counted once.
 */
struct slice {
	char *topic;
	int64_t part;
	int64_t hi;		/* the highest offset its writer had read */
	struct tw_agg_state st[];
};

struct cell {
	struct cell *next;	/* hash chain */
	uint64_t hash;
	int64_t start, end;	/* window; global and session: data span */
	/*
	 * Group values, canonical JSON, 0x1e-separated; a --partial that
	 * keeps Kafka partitions apart adds 0x1f, the topic, 0x1e and the
	 * partition (neither byte can appear raw in JSON text).
	 */
	char *key;
	uint32_t keylen;
	int dirty;		/* changed since the last early result */
	struct slice **slices;	/* --merge: shares by partition */
	uint32_t nslices;
	struct tw_agg_state st[];
};

struct cmap {
	struct cell **b;
	size_t cap, n;
};

struct win {
	int64_t start, end;
	struct cmap m;
	int64_t written_ms;	/* kept after writing (--retain): when (epoch ms) */
};

struct engine {
	/* Settings. */
	enum mode mode;
	int64_t size, hop, gap, lateness;
	int close_on_watermark;	/* 0 in --merge without --lateness */
	char **gfields;
	int ng;
	struct tw_agg_spec *a;
	int na;
	int uniq;		/* -u: the hidden spec of the values seen, or -1 */
	const char *aggs_text;	/* the -a argument, carried in partials */
	char *groups_text;	/* the -g fields, comma-separated, in partials */
	char *window_text;	/* "tumbling 60000", ..., in partials */
	int partial;		/* write partial states instead of results */
	/* --kafka-key: each line written starts with its key and a tab; a
	 * partial's is key_source (its source's name). */
	int kafka_key;
	const char *key_source;
	uint64_t max_cells;
	int64_t retain_ms;	/* keep written windows this long (0: drop) */
	/* --partial: appends a cell's own fields (_topic, _hi, ...). */
	void (*extra)(void *arg, struct tw_buf *b, const struct cell *c);
	void *extra_arg;

	/* State. */
	struct win *wins;	/* tumbling/hopping/global, sorted by end, start */
	size_t nwins, capwins;
	struct win *kept;	/* written windows kept (--retain), by end */
	size_t nkept, capkept;
	struct cmap sess;	/* session cells by group key */
	int64_t sess_min_end;
	int64_t max_event, watermark;
	uint64_t ncells;

	/* Output. */
	struct tw_writer *w;
	uint64_t emitted, rewritten;
	const struct slice *cur_slice;	/* being written (for extra) */
	int64_t cur_written;		/* ... its window written at (epoch ms) */
};

void engine_init(struct engine *e);

/* The cell for window [start, end) and key; NULL past max_cells. */
struct cell *engine_cell(struct engine *e, int64_t start, int64_t end,
    const char *key, size_t keylen);

/* A session cell for key covering [t, t + gap), merging overlaps;
 * for --merge, [start, end) is given. NULL past max_cells. */
struct cell *engine_session(struct engine *e, int64_t start, int64_t end,
    const char *key, size_t keylen);

/* The earliest end among windows that t belongs to. */
int64_t engine_first_end(const struct engine *e, int64_t t);

/*
 * The windows [*start, *end) that time t belongs to, one per call: i = 0
 * is the earliest (ending at engine_first_end), then 1, 2, ... Returns 0
 * past the last. Tumbling and session windows have one (a session: its
 * gap from t); global windows one, from NO_TIME to INT64_MAX.
 */
int engine_window(const struct engine *e, int64_t t, int i, int64_t *start,
    int64_t *end);

/* Emits every window whose end is <= wm (all of them for INT64_MAX). */
void engine_close(struct engine *e, int64_t wm);

/*
 * --partial from Kafka: writes the cells of one partition (key suffix
 * suf[0..n), n 0 for cells without one) in windows ending <= wm, keeping
 * them a while (retain_ms) or dropping them. Each partition's windows close
 * by its own watermark: a partition a consumer gains from another (and
 * reads from the start) is not late for the consumer's other partitions.
 */
void engine_close_part(struct engine *e, int64_t wm, const char *suf, size_t n);

/* Early results (final false) for cells changed since the last call. */
void engine_updates(struct engine *e);

/*
 * Writes every open cell, and every written window still kept, as partial
 * records into b (for state files: kept ones marked _written, slices as
 * records of their own). Returns the number of lines.
 */
size_t engine_dump(struct engine *e, struct tw_buf *b);

/* Drops the written windows kept for retain_ms or longer. */
void engine_expire(struct engine *e, int64_t now_ms);

/* The cell of a written, kept window; NULL when there is none. */
struct cell *engine_kept_cell(struct engine *e, int64_t start, int64_t end,
    const char *key, size_t n);

/* The same, made when missing (loading a state); NULL past max_cells. */
struct cell *engine_kept_put(struct engine *e, int64_t start, int64_t end,
    const char *key, size_t n, int64_t written_ms);

/* Writes a kept cell again, final (a correction, or after a restart). */
void engine_rewrite(struct engine *e, struct cell *c);

/* Writes every kept cell again (after loading a state); returns how many. */
size_t engine_rewrite_kept(struct engine *e);

/* Writes one slice of cell c as a partial record. */
void engine_write_slice(struct engine *e, struct tw_buf *b, const struct cell *c,
    const struct slice *sl, int flags);

/* Writes one cell as a result (its slices merged in), or as a partial
 * record (W_PARTIAL; W_WRITTEN marks a window kept after writing). */
#define W_FINAL 1
#define W_PARTIAL 2
#define W_WRITTEN 4
void engine_write_cell(struct engine *e, struct tw_buf *b, struct cell *c,
    int flags);

/* Frees a slice and its states. */
void engine_slice_free(struct engine *e, struct slice *sl);

void engine_free(struct engine *e);

/* The fields a record is read for, found in one pass over its members. */
#define MAXF 64		/* a bit per field in bylen */
struct fieldset {
	const char *name[MAXF];
	size_t len[MAXF];
	uint64_t bylen[64];	/* bit i: field i has this length */
	int n;
};

/* One Kafka partition (or the pseudo-partition of records without a
 * position: topic "", partition -1): see pos.c. */
struct pos {
	char *topic;
	size_t tlen;
	int64_t part;
	int64_t max;			/* highest offset counted; -1: none */
	int64_t max_n;			/* records counted at max */
	int64_t skip;			/* records at max still to skip */
	int64_t max_ts;			/* Kafka time of the message at max */
	int64_t loaded;			/* max as the state had it; -1: none */
	int64_t loaded_ts;		/* ... and its Kafka time */
	int64_t first_off, first_ts;	/* the first message ever counted */
	int64_t ev_all;			/* newest event time counted, every run */
	int64_t loaded_ev;		/* ... as the state had it */
	int seen;			/* a record of it came in this run */
	int64_t hi;			/* highest offset read */
	int64_t ev_max;			/* newest event time seen */
	int64_t last_ms;		/* monotonic time of its last record */
	int idle;			/* quiet for --idle: not in the watermark */
	int64_t pwm;			/* --partial: its own watermark */
};

/* --merge: one --partial stream (its --source name) and its watermark. */
struct source {
	char *name;
	int64_t wm;			/* NO_TIME: none said yet */
	int64_t last_ms;		/* monotonic time it last spoke */
	int done;			/* its input ended */
};

struct app {
	struct engine e;
	struct tw_writer w, late, tee, copy;
	int have_late, have_tee, have_copy;
	struct fieldset fs;
	int f_time, f_time2, f_group[32], f_agg[64];
	int time_now, time_explicit, merge, emit_update, quiet, verbose;
	int lateness_given;
	int64_t idle_ms, interval_ms;
	int64_t start_ms, last_input_ms, last_update_ms;
	const char *state_path;
	int flush;
	char *spec;			/* fingerprint for state files */
	char *spec_old;			/* ... as tw-agg 0.1 wrote it */
	uint64_t records, bad, late_n, blank, ioerr, marks;
	uint64_t arrival;		/* ordinal, the time of untimed records */
	/* Counts over every run of a --state (saved with it). */
	uint64_t total_records, total_late, total_bad, total_replayed;
	int track;			/* skip counted Kafka messages (--state) */
	int kafka;			/* records with Kafka positions came */
	int f_ktopic, f_kpart, f_koff, f_kts;
	struct pos *pos;
	size_t npos, last_pos;
	int64_t wm_min;			/* min newest event time, active partitions */
	size_t wm_arg;			/* ... of this partition */
	int wm_valid;
	const char **reset_topics;	/* --reset-offsets */
	int nreset;
	uint64_t replayed, docs, checkpoints;
	int64_t ckpt_ms, last_ckpt_ms;
	int ckpt_due;
	struct tw_buf key;
	struct pos *cur_pos;		/* the record's partition, for its keys */
	struct tw_buf suffix;		/* a partition's key suffix */
	/* --partial: this stream's name, its emissions, its last watermark. */
	const char *source;
	uint64_t emissions;
	int64_t wm_said;
	/* --merge: the sources heard, and how many to wait for. */
	struct source *src;
	size_t nsrc;
	int64_t want_sources;
	uint64_t superseded, corrections;
	/* Bad lines: --rejects, --strict, the budget at the start (--max-bad). */
	struct tw_rejects rej;
	int have_rej, strict;
	struct tw_guard guard;
	/* --jq: the filter, its results, their parse. */
	struct tw_jq *jq;
	struct tw_buf jqout;
	struct tw_json jj;
	/* The group and aggregate fields, and those some record has had. */
	uint64_t fields_want, fields_seen;
	uint64_t fields_n;		/* records read from the input */
	int fields_said;
	uint64_t dups;			/* records skipped by -u */
	int64_t stats_ms, last_stats_ms;	/* --stats */
	uint64_t stats_records, stats_late, stats_bad;	/* ... at the last line */
};

/* pos.c */
/* The position of topic[0..tlen)/part, added when new; NULL past 2^20. */
struct pos *pos_get(struct app *a, const char *topic, size_t tlen, int64_t part);
/* The record's position from its Kafka fields (1), or the pseudo-partition
 * (0, *off = -1). *kts: its kafka_ts or NO_TIME. */
int pos_of(struct app *a, const struct tw_jval **f, struct pos **p,
    int64_t *off, int64_t *kts);
/* 1 when the message at off was counted before (a replay: skip it); dies
 * when the log is not the one the state was saved for, or when offsets
 * were skipped since the state was saved. */
int pos_counted(struct app *a, struct pos *p, int64_t off, int64_t kts,
    struct tw_input *in);
/* Dies unless a message at off (<= the saved offset, so skipped as counted)
 * with event time t can be one this partition counted: none was newer
 * than the newest event time the state saved. */
void pos_replay_check(struct app *a, struct pos *p, int64_t off, int64_t t,
    struct tw_input *in);
/* Records event time t in p; returns the minimum newest event time over
 * the active partitions (the watermark before --lateness). */
int64_t pos_event(struct app *a, struct pos *p, int64_t t, int64_t now_ms);
/* Marks partitions quiet for --idle as idle; returns the active ones. */
int pos_idle(struct app *a, int64_t now_ms);
/* Forgets the positions of topic (--reset-offsets). */
void pos_reset(struct app *a, const char *topic);
void pos_free(struct app *a);

/* main.c */
/* Counts a bad record and reports it (unless -q) with file:line. */
void report(struct app *a, struct tw_input *in, const char *fmt, ...)
    TW_PRINTF(3, 4);
/* Moves the watermark to wm (never back), writing the windows it passes. */
void advance(struct app *a, int64_t wm);
/* Counts a late record and keeps it in --late. */
void write_late(struct app *a, struct tw_input *in);

/* merge.c */
/* A partial record from tw-agg --partial (or a state file line), or a
 * source's watermark, merged; -1 when it is bad (reported). */
int merge_record(struct app *a, const struct tw_json *j, struct tw_input *in,
    int from_state);
/* A streaming merge: moves the watermark to the minimum over the sources. */
void merge_advance(struct app *a, int64_t now_ms);
/* engine->extra: _topic, _partition, _hi and _source of a partial record. */
void partial_extra(void *arg, struct tw_buf *b, const struct cell *c);
/* --partial: writes the source's watermark when it moved (or, done, the end). */
void say_watermark(struct app *a, int done);
void merge_free(struct app *a);

/* state.c */
/* Removes FILE.tmp.PID left by a tw-agg killed while saving. */
void state_litter(struct app *a);
/* Loads --state if it exists (the first run has none); dies when the
 * file is not a whole state of these options. */
void state_load(struct app *a);
/* Saves the open windows and positions atomically; dies on failure. */
void state_save(struct app *a);
/* Writes pending output, then saves the state (--checkpoint). */
void checkpoint(struct app *a);
/* Ends tw-agg as a closed pipe does (SIGPIPE, no state saved) when the
 * reader of an output (results, --copy, --tee, --late) has gone: a state
 * saved after that would count records whose results went nowhere. */
void outputs_alive(struct app *a);
/* Writes everything pending to every output (dies when one fails): what
 * a state about to be saved no longer holds has left. */
void outputs_flush(struct app *a);
/* --resume-point: prints where kcat -o should start for the state
 * (s@MS, a minute before the oldest partition's last counted message, or
 * beginning); returns the exit status. */
int state_resume_point(struct app *a);

#endif
