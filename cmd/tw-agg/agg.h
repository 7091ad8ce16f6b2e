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
#include "tw_json.h"
#include "tw_input.h"
#include "tw_writer.h"

enum mode { M_GLOBAL, M_TUMBLE, M_HOP, M_SESSION };

#define NO_TIME INT64_MIN

struct cell {
	struct cell *next;	/* hash chain */
	uint64_t hash;
	int64_t start, end;	/* window; global and session: data span */
	char *key;		/* group values, canonical JSON, 0x1e-separated */
	uint32_t keylen;
	int dirty;		/* changed since the last early result */
	struct tw_agg_state st[];
};

struct cmap {
	struct cell **b;
	size_t cap, n;
};

struct win {
	int64_t start, end;
	struct cmap m;
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
	const char *aggs_text;	/* the -a argument, carried in partials */
	char *groups_text;	/* the -g fields, comma-separated, in partials */
	char *window_text;	/* "tumbling 60000", ..., in partials */
	int partial;		/* write partial states instead of results */
	uint64_t max_cells;

	/* State. */
	struct win *wins;	/* tumbling/hopping/global, sorted by end, start */
	size_t nwins, capwins;
	struct cmap sess;	/* session cells by group key */
	int64_t sess_min_end;
	int64_t max_event, watermark;
	uint64_t ncells;

	/* Output. */
	struct tw_writer *w;
	uint64_t emitted;
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

/* Early results (final false) for cells changed since the last call. */
void engine_updates(struct engine *e);

/* Writes every open cell as a partial record into b (for state files). */
void engine_dump(struct engine *e, struct tw_buf *b);

/* Writes one cell as a result or partial record. */
void engine_write_cell(struct engine *e, struct tw_buf *b, struct cell *c,
    int final, int partial);

void engine_free(struct engine *e);

int64_t floordiv64(int64_t a, int64_t b);

/* The fields a record is read for, found in one pass over its members. */
#define MAXF 64		/* a bit per field in bylen */
struct fieldset {
	const char *name[MAXF];
	size_t len[MAXF];
	uint64_t bylen[64];	/* bit i: field i has this length */
	int n;
};

/*
 * Where a record came from: a Kafka topic partition and offset (as
 * tw-flatten copies them from a kcat -J envelope). With --state, the
 * highest offset counted per partition, and how many records of that
 * message were counted (a v2 page gives several records at one offset,
 * always in the same order), are saved with the windows. A record below
 * the highest offset, or one of the first n at it, has been counted and
 * is skipped: replaying a topic from an earlier point after a crash, or
 * a consumer rewound by a rebalance, counts nothing twice.
 */
struct pos {
	char *topic;
	size_t tlen;
	int64_t part;
	int64_t max;			/* highest offset counted; -1: none */
	int64_t max_n;			/* records counted at max */
	int64_t skip;			/* records at max still to skip */
};

struct app {
	struct engine e;
	struct tw_writer w, late;
	int have_late;
	struct fieldset fs;
	int f_time, f_time2, f_group[32], f_agg[64];
	int time_now, time_explicit, merge, emit_update, quiet, verbose;
	int lateness_given;
	int64_t idle_ms, interval_ms;
	int64_t last_input_ms, last_update_ms;
	const char *state_path;
	int flush;
	char *spec;			/* fingerprint for state files */
	char *spec_old;			/* ... as tw-agg 0.1 wrote it */
	uint64_t records, bad, late_n, blank, ioerr, marks;
	uint64_t arrival;		/* ordinal, the time of untimed records */
	int track;			/* keep Kafka positions (--state) */
	int f_ktopic, f_kpart, f_koff;
	struct pos *pos;
	size_t npos, last_pos;
	uint64_t replayed, docs, checkpoints;
	int64_t ckpt_ms, last_ckpt_ms;
	int ckpt_due;
	struct tw_buf key;
};

/* main.c */
/* A partial record from tw-agg --partial (or a state file line), merged
 * into its cell; -1 when it is bad (reported, or fatal for a state). */
int merge_record(struct app *a, const struct tw_json *j, struct tw_input *in,
    int from_state);

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

#endif
