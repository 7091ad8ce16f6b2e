/*
 * tw-agg internals: cells (one window x group), their stores, and the
 * engine that assigns records to windows and closes windows as the
 * watermark passes them. main.c holds options and the record loop.
 */
#ifndef TW_AGG_CMD_H
#define TW_AGG_CMD_H

#include <stdint.h>

#include "tw_agg.h"
#include "tw_buf.h"
#include "tw_json.h"
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

#endif
