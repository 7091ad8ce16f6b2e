/*
 * tw-gen: the v2 renderers, a filtered-stream line per tweet or a
 * search page of several. The tweet object is written through a cursor
 * into room reserved once (v2_bound); users and places are copied from
 * their fragments.
 */
#include "gen_internal.h"
#include "tw_time.h"

/* Adds key to the page set; 1 when it was new. */
static int
set_add(struct gen *g, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ULL;
	size_t i = (size_t)(h >> 51) & (SETSIZE - 1);

	while (g->setgen[i] == g->gen_no) {
		if (g->setkey[i] == key)
			return 0;
		i = (i + 1) & (SETSIZE - 1);
	}
	g->setgen[i] = g->gen_no;
	g->setkey[i] = key;
	return 1;
}

static void
inc_begin(struct gen *g, int which)
{
	tw_buf_addc(&g->inc[which], g->ninc[which]++ ? ',' : '[');
}

/* Writes p's entities at d; v2_bound counts their room. */
static char *
v2_entities(struct gen *g, char *d, const struct post *p)
{
	int i;

	if (p->nh + p->nm + p->nu == 0)
		return d;
	PUT(d, ",\"entities\":{");
	if (p->nh) {
		PUT(d, "\"hashtags\":[");
		for (i = 0; i < p->nh; i++) {
			PUTC(d, i, ",{\"start\":", "{\"start\":");
			d = put_u64(d, p->tags[i].s);
			PUT(d, ",\"end\":");
			d = put_u64(d, p->tags[i].e);
			PUT(d, ",\"tag\":");
			d = out_jstr_at(d, p->tags[i].tag, p->tags[i].len, 0);
			*d++ = '}';
		}
		*d++ = ']';
	}
	if (p->nm) {
		PUTC(d, p->nh, ",\"mentions\":[", "\"mentions\":[");
		for (i = 0; i < p->nm; i++) {
			const struct user *u = user_get(g, p->men[i].user);

			PUTC(d, i, ",{\"start\":", "{\"start\":");
			d = put_u64(d, p->men[i].s);
			PUT(d, ",\"end\":");
			d = put_u64(d, p->men[i].e);
			PUT(d, ",\"username\":\"");
			d = put_mem(d, u->uname, u->ulen);
			PUT(d, "\",\"id\":");
			d = put_qu64(d, u->id);
			*d++ = '}';
		}
		*d++ = ']';
	}
	if (p->nu) {
		PUTC(d, p->nh + p->nm, ",\"urls\":[", "\"urls\":[");
		for (i = 0; i < p->nu; i++) {
			const struct ent_url *u = &p->urls[i];

			PUTC(d, i, ",{\"start\":", "{\"start\":");
			d = put_u64(d, u->s);
			PUT(d, ",\"end\":");
			d = put_u64(d, u->e);
			PUT(d, ",\"url\":\"https://t.co/");
			d = put_mem(d, u->tco, 10);
			PUT(d, "\",\"expanded_url\":");
			d = out_jstr_at(d, u->exp, u->explen, 0);
			PUT(d, ",\"display_url\":");
			d = out_jstr_at(d, u->disp, u->displen, 0);
			if (u->kind == U_MEDIA && p->nmedia) {
				PUT(d, ",\"media_key\":\"");
				d = put_mem(d, p->media[0].type == M_PHOTO ? "3_" :
				    p->media[0].type == M_VIDEO ? "7_" : "16_",
				    p->media[0].type == M_GIF ? 3 : 2);
				d = put_u64(d, p->media[0].id);
				*d++ = '"';
			}
			*d++ = '}';
		}
		*d++ = ']';
	}
	*d++ = '}';
	return d;
}

/*
 * An upper bound of the bytes v2_tweet writes for p: fixed parts, then
 * each string at six bytes a byte (\\uXXXX) and each entity's fields.
 */
static size_t
v2_bound(const struct post *p)
{
	size_t n = 1024 + 6 * (size_t)p->tlen +
	    strlen(vocab_sources[p->src].name) + 160 * (size_t)p->nm +
	    64 * (size_t)p->nmedia;
	int i;

	for (i = 0; i < p->nh; i++)
		n += 96 + 6 * (size_t)p->tags[i].len;
	for (i = 0; i < p->nu; i++)
		n += 192 + 6 * ((size_t)p->urls[i].explen + p->urls[i].displen);
	return n;
}

static const char *const media_pfx[] = { "3_", "7_", "16_" };
static const char *const reply_settings[] = { "everyone", "following",
    "mentionedUsers" };

/* Adds p's place and media, and with users set its author, to the
 * includes. */
static void
v2_includes_of(struct gen *g, const struct post *p, int users)
{
	struct tw_buf *b;
	int i;

	if (users && set_add(g, (uint64_t)p->user << 2 | 1)) {
		const struct user *u = user_get(g, p->user);

		inc_begin(g, INC_USERS);
		tw_buf_add(&g->inc[INC_USERS], u->frag, u->fraglen);
	}
	if (p->place >= 0 && set_add(g, (uint64_t)p->place << 2 | 2)) {
		inc_begin(g, INC_PLACES);
		tw_buf_add(&g->inc[INC_PLACES], g->places[p->place].v2,
		    g->places[p->place].v2len);
	}
	b = &g->inc[INC_MEDIA];
	for (i = 0; i < p->nmedia; i++) {
		const struct media *m = &p->media[i];

		inc_begin(g, INC_MEDIA);
		LIT(b, "{\"media_key\":\"");
		tw_buf_adds(b, media_pfx[m->type]);
		add_u64(b, m->id);
		LIT(b, "\",\"type\":\"");
		tw_buf_adds(b, out_media_type[m->type]);
		if (m->type == M_PHOTO) {
			LIT(b, "\",\"url\":\"https://pbs.twimg.com/media/");
			tw_buf_add(b, m->file, 15);
			LIT(b, ".jpg\"");
		} else {
			LITC(b, m->type == M_VIDEO,
	    "\",\"preview_image_url\":\"https://pbs.twimg.com/ext_tw_video_thumb/", "\",\"preview_image_url\":\"https://pbs.twimg.com/tweet_video_thumb/");
			if (m->type == M_VIDEO) {
				add_u64(b, m->id);
				LIT(b, "/pu/img/");
			}
			tw_buf_add(b, m->file, 15);
			LIT(b, ".jpg\"");
		}
		LIT(b, ",\"width\":");
		add_u64(b, m->w);
		LIT(b, ",\"height\":");
		add_u64(b, m->h);
		if (m->type == M_VIDEO) {
			LIT(b, ",\"duration_ms\":");
			add_u64(b, m->dur);
			LIT(b, ",\"public_metrics\":{\"view_count\":");
			add_u64(b, m->views);
			tw_buf_addc(b, '}');
		}
		if (m->alt >= 0) {
			LIT(b, ",\"alt_text\":");
			JSTR(b, vocab_alt.w[m->alt].s, vocab_alt.w[m->alt].len);
		}
		tw_buf_addc(b, '}');
	}
}

/* Appends the v2 tweet object of p to o. */
static void
v2_tweet(struct gen *g, struct tw_buf *o, const struct post *p)
{
	const struct user *u = user_get(g, p->user);
	const char *lang = vocab_langs[p->lang].code,
	    *src = vocab_sources[p->src].name,
	    *rs = reply_settings[p->rs];
	char *d;
	int i;

	reserve(o, v2_bound(p));
	d = o->p + o->len;
	PUT(d, "{\"id\":");
	d = put_qu64(d, p->id);
	PUT(d, ",\"text\":");
	d = out_jstr_at(d, p->text, p->tlen, 0);
	PUT(d, ",\"author_id\":");
	d = put_qu64(d, u->id);
	PUT(d, ",\"created_at\":\"");
	put_end(o, d);
	tw_buf_add_iso(o, p->ms);
	d = o->p + o->len;
	PUT(d, "\",\"lang\":\"");
	d = put_mem(d, lang, strlen(lang));
	PUT(d, "\",\"source\":\"");
	d = put_mem(d, src, strlen(src));
	PUT(d, "\",\"conversation_id\":");
	d = put_qu64(d, p->conv);
	PUT(d, ",\"edit_history_tweet_ids\":[");
	d = put_qu64(d, p->id);
	PUT(d, "],\"possibly_sensitive\":");
	PUTC(d, p->sensitive, "true", "false");
	PUT(d, ",\"reply_settings\":\"");
	d = put_mem(d, rs, strlen(rs));
	PUT(d, "\",\"public_metrics\":{\"retweet_count\":");
	d = put_u64(d, p->m[MT_RT]);
	PUT(d, ",\"reply_count\":");
	d = put_u64(d, p->m[MT_REPLY]);
	PUT(d, ",\"like_count\":");
	d = put_u64(d, p->m[MT_LIKE]);
	PUT(d, ",\"quote_count\":");
	d = put_u64(d, p->m[MT_QUOTE]);
	PUT(d, ",\"impression_count\":");
	d = put_u64(d, p->m[MT_IMPR]);
	PUT(d, ",\"bookmark_count\":");
	d = put_u64(d, p->m[MT_BOOK]);
	*d++ = '}';
	d = v2_entities(g, d, p);
	if (p->ref) {
		PUT(d, ",\"referenced_tweets\":[{\"type\":\"");
		if (p->kind == K_RT)
			PUT(d, "retweeted");
		else if (p->kind == K_REPLY)
			PUT(d, "replied_to");
		else
			PUT(d, "quoted");
		PUT(d, "\",\"id\":");
		d = put_qu64(d, p->ref->id);
		PUT(d, "}]");
		if (p->kind == K_REPLY) {
			PUT(d, ",\"in_reply_to_user_id\":");
			d = put_qu64(d, user_get(g, p->ref->user)->id);
		}
	}
	if (p->nmedia) {
		PUT(d, ",\"attachments\":{\"media_keys\":[");
		for (i = 0; i < p->nmedia; i++) {
			PUTC(d, i, ",\"", "\"");
			d = put_mem(d, media_pfx[p->media[i].type],
			    p->media[i].type == M_GIF ? 3 : 2);
			d = put_u64(d, p->media[i].id);
			*d++ = '"';
		}
		PUT(d, "]}");
	}
	if (p->place >= 0) {
		PUT(d, ",\"geo\":{\"place_id\":\"");
		d = put_mem(d, g->places[p->place].id, 16);
		PUT(d, "\",\"coordinates\":{\"type\":\"Point\",\"coordinates\":[");
		put_end(o, d);
		out_fix6(o, p->lon);
		tw_buf_addc(o, ',');
		out_fix6(o, p->lat);
		LIT(o, "]}}");
		d = o->p + o->len;
	}
	*d++ = '}';
	put_end(o, d);
}

void
v2_collect(struct gen *g)
{
	const struct post *p = &g->prim;

	v2_tweet(g, &g->data, p);
	v2_includes_of(g, p, 1);
	if (p->ref) {
		if (set_add(g, p->ref->id << 2 | 3)) {
			inc_begin(g, INC_TWEETS);
			v2_tweet(g, &g->inc[INC_TWEETS], p->ref);
		}
		v2_includes_of(g, p->ref, 1);
	}
}

static void
record_reset(struct gen *g)
{
	int i;

	tw_buf_reset(&g->data);
	for (i = 0; i < 4; i++) {
		tw_buf_reset(&g->inc[i]);
		g->ninc[i] = 0;
	}
	g->dn = 0;
	if (++g->gen_no == 0) {
		memset(g->setgen, 0, sizeof g->setgen);
		g->gen_no = 1;
	}
}

static void
v2_put_includes(struct gen *g, struct tw_buf *o)
{
	static const char *const names[] = { "\"users\":", "\"tweets\":",
	    "\"places\":", "\"media\":" };
	int i, n = 0;

	LIT(o, ",\"includes\":{");
	for (i = 0; i < 4; i++) {
		if (!g->ninc[i])
			continue;
		if (n++)
			tw_buf_addc(o, ',');
		tw_buf_adds(o, names[i]);
		tw_buf_add(o, g->inc[i].p, g->inc[i].len);
		tw_buf_addc(o, ']');
	}
	tw_buf_addc(o, '}');
}

/* A stream line: written straight into o (no copy through g->data);
 * only places and media go through the include buffers. */
void
v2_line(struct gen *g, struct tw_buf *o)
{
	const struct post *p = &g->prim;
	int i, n = 0;

	record_reset(g);
	LIT(o, "{\"data\":");
	v2_tweet(g, o, p);
	LIT(o, ",\"includes\":{\"users\":[");
	tw_buf_add(o, user_get(g, p->user)->frag, user_get(g, p->user)->fraglen);
	if (p->ref && p->ref->user != p->user) {
		const struct user *u = user_get(g, p->ref->user);

		tw_buf_addc(o, ',');
		tw_buf_add(o, u->frag, u->fraglen);
	}
	tw_buf_addc(o, ']');
	if (p->ref) {
		LIT(o, ",\"tweets\":[");
		v2_tweet(g, o, p->ref);
		tw_buf_addc(o, ']');
	}
	v2_includes_of(g, p, 0);
	if (p->ref)
		v2_includes_of(g, p->ref, 0);
	if (g->ninc[INC_PLACES]) {
		LIT(o, ",\"places\":");
		tw_buf_add(o, g->inc[INC_PLACES].p, g->inc[INC_PLACES].len);
		tw_buf_addc(o, ']');
	}
	if (g->ninc[INC_MEDIA]) {
		LIT(o, ",\"media\":");
		tw_buf_add(o, g->inc[INC_MEDIA].p, g->inc[INC_MEDIA].len);
		tw_buf_addc(o, ']');
	}
	tw_buf_addc(o, '}');
	LIT(o, ",\"matching_rules\":[");
	if (g->cfg->nkeywords == 0) {
		LIT(o, "{\"id\":\"");
		tw_buf_adds(o, g->sample_rule);
		LIT(o, "\",\"tag\":\"sample\"}");
	}
	for (i = 0; i < g->cfg->nkeywords; i++) {
		if (!(g->prim.rules >> i & 1))
			continue;
		LITC(o, n++, ",{\"id\":\"", "{\"id\":\"");
		tw_buf_adds(o, g->kw[i].rule);
		LIT(o, "\",\"tag\":");
		JSTRZ(o, g->cfg->keywords[i]);
		tw_buf_addc(o, '}');
	}
	LIT(o, "]}\n");
}

void
v2_page(struct gen *g, struct tw_buf *o, int last)
{
	int i;
	char tok[32];

	/* Newest first, by id, as the API sorts a page (with --disorder
	 * the tweets were not made in id order). */
	for (i = 0; i < g->dn; i++) {
		/* Insertion: a page is small and nearly in order. */
		int j = i;

		while (j > 0 && g->did[g->dord[j - 1]] < g->did[i]) {
			g->dord[j] = g->dord[j - 1];
			j--;
		}
		g->dord[j] = i;
	}
	g->newest = g->did[g->dord[0]];
	g->oldest = g->did[g->dord[g->dn - 1]];
	LIT(o, "{\"data\":[");
	for (i = 0; i < g->dn; i++) {
		int k = g->dord[i];
		size_t s = g->doff[k];
		size_t e = k + 1 < g->dn ? g->doff[k + 1] : g->data.len;

		tw_buf_add(o, g->data.p + s, e - s);
		if (i + 1 < g->dn)
			tw_buf_addc(o, ',');
	}
	tw_buf_addc(o, ']');
	v2_put_includes(g, o);
	LIT(o, ",\"meta\":{\"newest_id\":");
	add_qu64(o, g->newest);
	LIT(o, ",\"oldest_id\":");
	add_qu64(o, g->oldest);
	LIT(o, ",\"result_count\":");
	add_u64(o, (uint64_t)g->dn);
	if (!last) {
		static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

		for (i = 0; i < 30; i++)
			tok[i] = b36[below(g, 36)];
		LIT(o, ",\"next_token\":\"");
		tw_buf_add(o, tok, 30);
		tw_buf_addc(o, '"');
	}
	LIT(o, "}}\n");
	record_reset(g);
}
