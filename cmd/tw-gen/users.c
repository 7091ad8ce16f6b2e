/*
 * tw-gen: the author population. A user is built on first use from a
 * hash of its rank and rendered once, in the run's format, into a
 * fragment that every record including it copies. Users and their
 * fragments live in an arena, freed together.
 */
#include "gen_internal.h"
#include "tw_time.h"

#include <math.h>
#include <stdlib.h>
#include <sys/mman.h>


#define CHUNK ((size_t)2 << 20)

/*
 * One arena chunk: 2 MiB on a 2 MiB boundary, marked for a transparent
 * huge page where the kernel offers them (madvise mode), so that the users
 * of a long run cost one page fault a chunk, not 512.
 */
static void *
chunk_new(void)
{
	void *p;

	if (posix_memalign(&p, CHUNK, CHUNK) != 0)
		return tw_xmalloc(CHUNK);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, CHUNK, MADV_HUGEPAGE);
#endif
	return p;
}

/* n bytes (n <= CHUNK) from the arena, 16-byte aligned. */
static void *
arena_alloc(struct gen *g, size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > g->chunk_left) {
		g->chunks = tw_xrealloc(g->chunks, (g->nchunks + 1) *
		    sizeof *g->chunks);
		g->chunk_at = g->chunks[g->nchunks++] = chunk_new();
		g->chunk_left = CHUNK;
	}
	p = g->chunk_at;
	g->chunk_at += n;
	g->chunk_left -= n;
	return p;
}

static void
strcat_n(char *d, uint8_t *dl, size_t max, const char *s, size_t n)
{
	if (*dl + n > max)
		n = max - *dl;
	memcpy(d + *dl, s, n);
	*dl = (uint8_t)(*dl + n);
}

static void render_user(struct gen *g, struct user *u, uint32_t idx);

struct user *
user_new(struct gen *g, uint32_t idx)
{
	struct user *u;
	uint64_t h = hash2(idx, 1);
	const struct vlist *nl;
	const struct vword *w;
	uint32_t v;
	int i;

	u = arena_alloc(g, sizeof *u);
	memset(u, 0, sizeof *u);
	/* From the hash, not the stream: a user does not depend on when
	 * it is first seen. */
	{
		double x = (double)(h >> 11) * 0x1.0p-53 *
		    g->ulang_cdf[vocab_nlangs - 1];

		for (i = 0; i < vocab_nlangs - 1; i++)
			if (x < g->ulang_cdf[i])
				break;
		u->lang = (uint8_t)i;
	}
	/* Username: one or two syllables and the rank in base 36, so
	 * names are distinct. */
	w = &vocab_syllables.w[hash2(idx, 2) % (uint64_t)vocab_syllables.n];
	strcat_n(u->uname, &u->ulen, 15, w->s, w->len);
	if (hash2(idx, 3) & 1) {
		w = &vocab_syllables.w[hash2(idx, 4) %
		    (uint64_t)vocab_syllables.n];
		strcat_n(u->uname, &u->ulen, 9, w->s, w->len);
	}
	if (hash2(idx, 5) % 3 == 0)
		strcat_n(u->uname, &u->ulen, 10, "_", 1);
	{
		char t[8];
		int n = 0;

		v = idx;
		do {
			t[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
			v /= 36;
		} while (v);
		while (n > 0 && u->ulen < 15)
			u->uname[u->ulen++] = t[--n];
	}
	nl = vocab_langs[u->lang].nl.n ? &vocab_langs[u->lang].nl :
	    &vocab_latin_names;
	w = &nl->w[hash2(idx, 6) % (uint64_t)nl->n];
	strcat_n(u->name, &u->namelen, 40, w->s, w->len);
	if (hash2(idx, 7) % 10 == 0) {
		w = &vocab_emoji.w[hash2(idx, 8) % (uint64_t)vocab_emoji.n];
		strcat_n(u->name, &u->namelen, 60, " ", 1);
		strcat_n(u->name, &u->namelen, 60, w->s, w->len);
	}
	render_user(g, u, idx);
	g->users[idx] = u;
	return u;
}

static void
render_user(struct gen *g, struct user *u, uint32_t idx)
{
	struct tw_buf *bp = &g->ubuf, *dp = &g->dbuf;
	int v1 = g->cfg->format == FMT_V1;
	uint64_t h = hash2(idx, 9);
	int64_t created;
	uint64_t followers, following, tweets, listed;
	int verified, prot, i, nw;
	const struct vlist *wl = &vocab_langs[u->lang].wl;
	char img[20];
	char tco[10];
	int has_url = hash2(idx, 10) % 10 < 3;
	int loc = (int)(hash2(idx, 11) % (uint64_t)(vocab_ncities * 5 / 3));
	double noise = 0.3 + (double)(hash2(idx, 12) % 1000) / 300.0;

	tw_buf_reset(bp);
	tw_buf_reset(dp);
	/* Old accounts have small ids; newer ones snowflake ids. */
	if (h % 4) {
		created = 1173000000000LL + (int64_t)(hash2(idx, 13) %
		    270000000000ULL);
		u->id = 12000000ULL + (uint64_t)idx * 40009ULL +
		    hash2(idx, 14) % 40000;
	} else {
		created = 1451606400000LL + (int64_t)(hash2(idx, 13) %
		    252000000000ULL);
		u->id = snowflake(created) | (idx & 0x3FFFFF);
	}
	followers = (uint64_t)(2e7 / pow((double)idx + 1.0, 0.9) * noise);
	following = 20 + hash2(idx, 15) % 3000;
	tweets = 50 + hash2(idx, 16) % 150000;
	listed = followers / 200 + hash2(idx, 17) % 5;
	verified = idx < 100 || hash2(idx, 18) % 300 == 0;
	prot = hash2(idx, 19) % 1000 == 0;
	for (i = 0; i < 19; i++)
		img[i] = (char)('0' + hash2(idx, 20 + (uint64_t)i) % 10);
	img[0] = '1';
	img[19] = '\0';
	for (i = 0; i < 10; i++)
		tco[i] = b62[hash2(idx, 40 + (uint64_t)i) % 62];

	/* The description: a few words of the user's language. */
	nw = wl->n ? 3 + (int)(hash2(idx, 21) % 10) : 0;
	for (i = 0; i < nw; i++) {
		const struct vword *w = &wl->w[hash2(idx, 60 + (uint64_t)i) %
		    (uint64_t)wl->n];

		if (i && !vocab_langs[u->lang].nospace)
			tw_buf_addc(dp, ' ');
		tw_buf_add(dp, w->s, w->len);
	}
	if (hash2(idx, 22) % 4 == 0) {
		const struct vword *w = &vocab_emoji.w[hash2(idx, 23) %
		    (uint64_t)vocab_emoji.n];

		tw_buf_addc(dp, ' ');
		tw_buf_add(dp, w->s, w->len);
	}

	if (!v1) {
		LIT(bp, "{\"id\":");
		add_qu64(bp, u->id);
		LIT(bp, ",\"name\":");
		JSTR(bp, u->name, u->namelen);
		LIT(bp, ",\"username\":\"");
		tw_buf_add(bp, u->uname, u->ulen);
		LIT(bp, "\",\"created_at\":\"");
		tw_buf_add_iso(bp, created / 1000 * 1000);
		LIT(bp, "\",\"description\":");
		JSTR(bp, dp->p, dp->len);
		if (loc < vocab_ncities) {
			LIT(bp, ",\"location\":");
			JSTRZ(bp, vocab_cities[loc].full_name);
		}
		LIT(bp, ",\"verified\":");
		tw_buf_adds(bp, verified ? "true" : "false");
		LIT(bp, ",\"protected\":");
		tw_buf_adds(bp, prot ? "true" : "false");
		LIT(bp, ",\"profile_image_url\":\"https://pbs.twimg.com/profile_images/");
		tw_buf_add(bp, img, 19);
		tw_buf_addc(bp, '/');
		tw_buf_add(bp, tco, 8);
		LIT(bp, "_normal.jpg\",\"url\":\"");
		if (has_url) {
			LIT(bp, "https://t.co/");
			tw_buf_add(bp, tco, 10);
		}
		LIT(bp, "\",\"public_metrics\":{\"followers_count\":");
		add_u64(bp, followers);
		LIT(bp, ",\"following_count\":");
		add_u64(bp, following);
		LIT(bp, ",\"tweet_count\":");
		add_u64(bp, tweets);
		LIT(bp, ",\"listed_count\":");
		add_u64(bp, listed);
		LIT(bp, "}}");
	} else {
		LIT(bp, "{\"id\":");
		add_u64(bp, u->id);
		LIT(bp, ",\"id_str\":");
		add_qu64(bp, u->id);
		LIT(bp, ",\"name\":");
		JSTR(bp, u->name, u->namelen);
		LIT(bp, ",\"screen_name\":\"");
		tw_buf_add(bp, u->uname, u->ulen);
		LIT(bp, "\",\"location\":");
		if (loc < vocab_ncities)
			JSTRZ(bp, vocab_cities[loc].full_name);
		else
			LIT(bp, "null");
		LIT(bp, ",\"url\":");
		if (has_url) {
			LIT(bp, "\"https:\\/\\/t.co\\/");
			tw_buf_add(bp, tco, 10);
			tw_buf_addc(bp, '"');
		} else {
			LIT(bp, "null");
		}
		LIT(bp, ",\"description\":");
		JSTR(bp, dp->p, dp->len);
		LIT(bp, ",\"protected\":");
		tw_buf_adds(bp, prot ? "true" : "false");
		LIT(bp, ",\"verified\":");
		tw_buf_adds(bp, verified ? "true" : "false");
		LIT(bp, ",\"followers_count\":");
		add_u64(bp, followers);
		LIT(bp, ",\"friends_count\":");
		add_u64(bp, following);
		LIT(bp, ",\"listed_count\":");
		add_u64(bp, listed);
		LIT(bp, ",\"favourites_count\":");
		add_u64(bp, tweets / 3);
		LIT(bp, ",\"statuses_count\":");
		add_u64(bp, tweets);
		LIT(bp, ",\"created_at\":");
		out_v1time(bp, created);
		LIT(bp, ",\"profile_image_url_https\":\"https:\\/\\/pbs.twimg.com\\/profile_images\\/");
		tw_buf_add(bp, img, 19);
		LIT(bp, "\\/");
		tw_buf_add(bp, tco, 8);
		LIT(bp, "_normal.jpg\",\"default_profile\":true,\"default_profile_image\":false}");
	}
	u->frag = arena_alloc(g, bp->len);
	memcpy(u->frag, bp->p, bp->len);
	u->fraglen = (uint32_t)bp->len;
}

void
users_init(struct gen *g)
{
	g->users = tw_xcalloc(g->cfg->users, sizeof *g->users);
}

void
users_free(struct gen *g)
{
	size_t i;

	for (i = 0; i < g->nchunks; i++)
		free(g->chunks[i]);
	free(g->chunks);
	free(g->users);
	tw_buf_free(&g->ubuf);
	tw_buf_free(&g->dbuf);
}
