/*
 * tw-gen internals as main.c sees them: the vocabulary (vocab.c), the
 * tweet generator (gen.c and the files gen_internal.h lists) and the
 * replayer (replay.c).
 *
 * Data flow: main.c decides when a tweet is due; gen_next() builds the
 * tweet model (struct post, owned by the generator and reused) and
 * renders it, appending a finished NDJSON line to the caller's buffer
 * (a search page once it is full, or by gen_finish). Nothing here
 * writes to a descriptor.
 */
#ifndef TW_GEN_H
#define TW_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"

/* ---- vocabulary (vocab.c) ---- */

struct vword {
	const char *s;
	uint16_t len;	/* bytes */
	uint16_t cp;	/* code points */
};

struct vlist {
	struct vword *w;
	int n;
};

struct vlang {
	const char *code;	/* "en" */
	double weight;		/* share of traffic, percent */
	int nospace;		/* words are written without spaces */
	const char *words;	/* space-separated source */
	const char *names;	/* space-separated display names, or NULL */
	struct vlist wl, nl;	/* filled by vocab_init */
};

struct vcity {
	const char *name, *full_name, *country, *cc;
	double lat, lon;
};

struct vsource {
	const char *name, *url;
	int weight;
};

extern struct vlang vocab_langs[];
extern const int vocab_nlangs;
extern const struct vcity vocab_cities[];
extern const int vocab_ncities;
extern const struct vsource vocab_sources[];
extern const int vocab_nsources;
extern struct vlist vocab_tags;		/* hashtags, most popular first */
extern struct vlist vocab_emoji;
extern struct vlist vocab_latin_names;
extern struct vlist vocab_syllables;	/* for usernames */
extern struct vlist vocab_domains;	/* for links */
extern struct vlist vocab_alt;		/* media alt texts */

/* Splits the word lists; call once before anything else here. */
void vocab_init(void);
/* Releases what vocab_init allocated. */
void vocab_free(void);
/* Code points in s[0..n) (valid UTF-8). */
uint16_t vocab_cplen(const char *s, size_t n);

/* ---- generator (gen.c) ---- */

enum gen_format { FMT_V2, FMT_V2PAGE, FMT_V1 };

struct gen_cfg {
	uint64_t seed;
	enum gen_format format;
	int64_t start_ms;	/* event time of the first tweet */
	double event_rate;	/* tweets per second of event time */
	int64_t disorder_ms;	/* created_at shifted back by [0, this] */
	char **keywords;	/* borrowed; nkeywords may be 0 */
	int nkeywords;
	uint32_t users;
	int page_size;
};

struct gen;

/* A generator for cfg (borrowed; must outlive it). */
struct gen *gen_new(const struct gen_cfg *cfg);
void gen_free(struct gen *g);

/*
 * Generates the next tweet. For v2 and v1 appends its line (with the
 * newline) to o; for v2-page adds it to the current page and appends
 * the page line once page_size tweets are in it, or at once when last
 * is set (the last page has no next_token). Returns 1 when a line was
 * appended, else 0.
 */
int gen_next(struct gen *g, struct tw_buf *o, int last);

/* Appends the pending partial page, if any, as the last page (no
 * next_token). Returns 1 when a line was appended. */
int gen_finish(struct gen *g, struct tw_buf *o);

/* Offset (ms from start_ms) of the event time of tweet k. */
int64_t gen_event_offset(const struct gen *g, uint64_t k);

/* The generator's random source, for main.c's dup/bad choices. */
double gen_uniform(struct gen *g);
uint64_t gen_rand(struct gen *g);

/* ---- replay (replay.c) ---- */

/* Replays file paced by its timestamps divided by speed (0: no
 * pacing). Returns the exit status. */
struct tw_marker;
int replay_run(const char *file, double speed, struct tw_marker *marks,
    int quiet);

#endif
