/*
 * tw-gen: the tweet model. A tweet (struct post) is built from the
 * vocabulary: its text as UTF-8 with its code point count kept as it
 * grows, so that entity offsets cost nothing; hashtags, mentions and
 * URLs with their offsets; media, a place, metrics; and for a retweet,
 * reply or quote the tweet it refers to.
 */
#include "gen_internal.h"

/* Appends a piece to p's text if it fits; 0 when it does not. A space
 * goes before it unless the text is empty or both it and the piece
 * before are words of a language written without spaces. */
static inline int
tb_add(struct post *p, const char *s, size_t len, uint16_t cp, int word,
    int nospace)
{
	/* The lengths are kept in locals: the text copies may alias p, so
	 * fields read after them are loaded again, and such a load right
	 * after the stores of the space stalls on store forwarding. */
	unsigned tlen = p->tlen, tcp = p->tcp;
	int sp = tlen > 0 && !(nospace && word && p->prev_word);

	if (tcp + sp + cp > p->limit || tlen + sp + len >= TEXTMAX - 24)
		return 0;
	if (sp) {
		p->text[tlen++] = ' ';
		tcp++;
	}
	/* Every source is padded to 16 readable bytes (see vocab_init),
	 * so short pieces are copied with one fixed-size move. */
	if (len <= 16)
		memcpy(p->text + tlen, s, 16);
	else
		memcpy(p->text + tlen, s, len);
	p->tlen = (uint16_t)(tlen + len);
	p->tcp = (uint16_t)(tcp + cp);
	p->prev_word = (uint8_t)word;
	return 1;
}

/* Appends "#tag" with its entity. */
static int
tb_tag(struct post *p, const char *tag, uint16_t len, uint16_t cp)
{
	char tmp[256];
	uint16_t s;

	if (p->nh == MAXTAG || len + 17 > (int)sizeof tmp)
		return 0;
	tmp[0] = '#';
	memcpy(tmp + 1, tag, len);
	s = p->tcp;
	if (!tb_add(p, tmp, len + 1u, (uint16_t)(cp + 1), 0, 0))
		return 0;
	p->tags[p->nh].e = p->tcp;
	p->tags[p->nh].s = (uint16_t)(p->tcp - cp - 1);
	(void)s;
	p->tags[p->nh].tag = tag;
	p->tags[p->nh].len = len;
	p->nh++;
	return 1;
}

static int
tb_mention(struct gen *g, struct post *p, uint32_t uidx)
{
	struct user *u = user_get(g, uidx);
	char tmp[32];

	if (p->nm == MAXMEN)
		return 0;
	tmp[0] = '@';
	memcpy(tmp + 1, u->uname, u->ulen);
	if (!tb_add(p, tmp, u->ulen + 1u, (uint16_t)(u->ulen + 1), 0, 0))
		return 0;
	p->men[p->nm].e = p->tcp;
	p->men[p->nm].s = (uint16_t)(p->tcp - u->ulen - 1);
	p->men[p->nm].user = uidx;
	p->nm++;
	return 1;
}

void
tweet_url_set(struct ent_url *u, int exp, const char *s, size_t n)
{
	uint8_t *l = exp ? &u->explen : &u->displen;
	char *d = exp ? u->exp : u->disp;
	size_t max = exp ? sizeof u->exp : sizeof u->disp;

	if (*l + n > max)
		n = max - *l;
	memcpy(d + *l, s, n);
	*l = (uint8_t)(*l + n);
}

/* Shortens a display URL to 26 characters plus an ellipsis (ASCII). */
static void
url_cut_disp(struct ent_url *u)
{
	if (u->displen > 26) {
		u->displen = 26;
		tweet_url_set(u, 0, "\xE2\x80\xA6", 3);
	}
}

/* Appends " https://t.co/XXXXXXXXXX" (23 code points) with an entity;
 * the caller fills in expanded_url and display_url. */
static struct ent_url *
tb_url(struct gen *g, struct post *p, int kind)
{
	char tmp[32];
	struct ent_url *u;

	if (p->nu == MAXURL)
		return NULL;
	u = &p->urls[p->nu];
	memcpy(tmp, "https://t.co/", 13);
	rng_code(g, u->tco, 10);
	memcpy(tmp + 13, u->tco, 10);
	p->limit = 280;
	if (!tb_add(p, tmp, 23, 23, 0, 0))
		return NULL;
	u->e = p->tcp;
	u->s = (uint16_t)(p->tcp - 23);
	u->kind = (uint8_t)kind;
	u->explen = u->displen = 0;
	p->nu++;
	return u;
}

/* Appends "user/status/id" to the expanded (exp set) or the display URL
 * of u; with host set, "https://twitter.com/" before it. */
static void
status_url(struct ent_url *u, int exp, const struct user *au, uint64_t id,
    int host)
{
	char num[24], *e = num + sizeof num, *s = e;

	do {
		*--s = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	if (host)
		tweet_url_set(u, exp, "https://twitter.com/", 20);
	tweet_url_set(u, exp, au->uname, au->ulen);
	tweet_url_set(u, exp, "/status/", 8);
	tweet_url_set(u, exp, s, (size_t)(e - s));
}

static void
add_kw(struct gen *g, struct post *p, int kw, int nospace)
{
	const struct kw *k = &g->kw[kw];

	if (k->tag && below(g, 10) < 3 && tb_tag(p, k->esc, (uint16_t)k->len,
	    k->cp))
		return;
	if (!tb_add(p, k->esc, k->len, k->cp, 1, nospace)) {
		/* No room left: make room by dropping the limit. */
		p->limit = 280;
		tb_add(p, k->esc, k->len, k->cp, 1, nospace);
	}
}

static void
add_media(struct gen *g, struct post *p, const struct user *au)
{
	uint32_t r = below(g, 100);
	int n = 1, i, type = r < 75 ? M_PHOTO : r < 95 ? M_VIDEO : M_GIF;
	struct ent_url *u;

	if (type == M_PHOTO && below(g, 4) == 0)
		n = 2 + (int)below(g, 3);
	for (i = 0; i < n; i++) {
		struct media *m = &p->media[i];

		m->id = snowflake(p->ms - 1000 - below(g, 60000)) |
		    (rnd(g) & 0x3FFFFF);
		m->type = (uint8_t)type;
		rng_code(g, m->file, 15);
		if (type == M_PHOTO) {
			static const uint16_t wh[][2] = { { 1200, 675 },
			    { 1080, 1080 }, { 1536, 2048 }, { 2048, 1536 },
			    { 750, 1334 } };
			r = below(g, 5);
			m->w = wh[r][0];
			m->h = wh[r][1];
		} else {
			m->w = below(g, 2) ? 1280 : 720;
			m->h = m->w == 1280 ? 720 : 1280;
		}
		m->dur = type == M_VIDEO ? 3000 + below(g, 140000) : 0;
		m->views = type == M_VIDEO ? rng_heavy(g, 200, 1.1) : 0;
		m->alt = below(g, 5) == 0 ? (int8_t)below(g,
		    (uint32_t)vocab_alt.n) : -1;
	}
	p->nmedia = (uint8_t)n;
	u = tb_url(g, p, U_MEDIA);
	if (u) {
		status_url(u, 1, au, p->id, 1);
		tweet_url_set(u, 1, type == M_PHOTO ? "/photo/1" : "/video/1", 8);
		tweet_url_set(u, 0, "pic.twitter.com/", 16);
		tweet_url_set(u, 0, u->tco, 10);
	}
}

static void
post_reset(struct post *p)
{
	p->tlen = p->tcp = 0;
	p->nh = p->nm = p->nu = p->nmedia = 0;
	p->prev_word = 0;
	p->place = -1;
	p->ref = NULL;
	p->rules = 0;
	p->disp_start = 0;
}

/*
 * Builds the body of an original, reply or quote: text, entities,
 * media, place. kw is a keyword index or -1; kw_first puts it first.
 * link/quote/media say which trailing URLs to add.
 */
static void
build_body(struct gen *g, struct post *p, int kw, int kw_first)
{
	const struct vlang *L = &vocab_langs[p->lang];
	const struct user *au = user_get(g, p->user);
	int nospace = L->nospace, words = 0, kw_at = -1, reserve_cp = 0;
	int want_media = below(g, 100) < 10, want_link = below(g, 100) < 12;
	uint32_t r = below(g, 100), target;
	const struct vword *w;

	if (want_media)
		reserve_cp += 24;
	if (want_link)
		reserve_cp += 24;
	if (p->kind == K_QUOTE)
		reserve_cp += 24;
	target = r < 35 ? 20 + below(g, 50) : r < 75 ? 70 + below(g, 70) :
	    140 + below(g, 130);
	if (target + reserve_cp > 280)
		target = 280 - (uint32_t)reserve_cp;
	p->limit = (uint16_t)(280 - reserve_cp);

	if (p->kind == K_REPLY) {
		tb_mention(g, p, p->ref->user);
		p->disp_start = p->tcp + 1;
	}
	if (kw >= 0) {
		if (kw_first)
			add_kw(g, p, kw, nospace);
		else
			kw_at = (int)below(g, 5);
	}
	if (L->wl.n == 0) {
		/* "und": emoji and hashtags only. */
		int n = 1 + (int)below(g, 4), i;

		for (i = 0; i < n; i++) {
			if (below(g, 3) == 0) {
				w = &vocab_tags.w[zipf(g, g->ln_tags,
				    (uint32_t)vocab_tags.n)];
				tb_tag(p, w->s, w->len, w->cp);
			} else {
				w = &vocab_emoji.w[below(g, (uint32_t)vocab_emoji.n)];
				tb_add(p, w->s, w->len, w->cp, 0, 0);
			}
		}
		if (kw_at >= 0)
			add_kw(g, p, kw, 0);
		kw_at = -1;
	}
	while (L->wl.n && p->tcp < target) {
		int ok;

		if (words == kw_at) {
			add_kw(g, p, kw, nospace);
			kw_at = -1;
		}
		r = below(g, 100);
		if (r < 6) {
			w = &vocab_tags.w[zipf(g, g->ln_tags,
			    (uint32_t)vocab_tags.n)];
			ok = tb_tag(p, w->s, w->len, w->cp);
		} else if (r < 10) {
			w = &vocab_emoji.w[zipf(g, g->ln_emoji,
			    (uint32_t)vocab_emoji.n)];
			ok = tb_add(p, w->s, w->len, w->cp, 0, 0);
		} else if (r < 11) {
			ok = tb_mention(g, p, zipf(g, g->ln_users,
			    g->cfg->users));
		} else {
			w = &L->wl.w[below(g, (uint32_t)L->wl.n)];
			ok = tb_add(p, w->s, w->len, w->cp, 1, nospace);
			words++;
		}
		if (!ok)
			break;
	}
	if (kw_at >= 0)
		add_kw(g, p, kw, nospace);
	if (below(g, 4) == 0) {
		int n = 1 + (int)below(g, 2), i;

		for (i = 0; i < n; i++) {
			w = &vocab_tags.w[zipf(g, g->ln_tags,
			    (uint32_t)vocab_tags.n)];
			tb_tag(p, w->s, w->len, w->cp);
		}
	}
	if (p->tlen == 0) {
		w = &vocab_emoji.w[0];
		tb_add(p, w->s, w->len, w->cp, 0, 0);
	}
	p->disp_end = p->tcp;
	if (want_link) {
		struct ent_url *u = tb_url(g, p, U_LINK);

		if (u) {
			w = &vocab_domains.w[zipf(g, g->ln_domains,
			    (uint32_t)vocab_domains.n)];
			char code[11];

			rng_code(g, code, 11);
			tweet_url_set(u, 1, "https://", 8);
			tweet_url_set(u, 1, w->s, w->len);
			tweet_url_set(u, 1, code, 11);
			tweet_url_set(u, 0, w->s, w->len);
			tweet_url_set(u, 0, code, 11);
			url_cut_disp(u);
			p->disp_end = p->tcp;
		}
	}
	if (p->kind == K_QUOTE) {
		struct ent_url *u = tb_url(g, p, U_QUOTE);

		if (u) {
			const struct user *qu = user_get(g, p->ref->user);

			status_url(u, 1, qu, p->ref->id, 1);
			tweet_url_set(u, 0, "twitter.com/", 12);
			status_url(u, 0, qu, p->ref->id, 0);
			url_cut_disp(u);
			p->disp_end = p->tcp;
		}
	}
	if (want_media)
		add_media(g, p, au);
	if (below(g, 100) < 5) {
		const struct place *pl;

		p->place = (int16_t)below(g, (uint32_t)vocab_ncities);
		pl = &g->places[p->place];
		p->lon = pl->w + (int32_t)below(g, (uint32_t)(pl->e - pl->w));
		p->lat = pl->s + (int32_t)below(g, (uint32_t)(pl->n - pl->s));
	}
	p->sensitive = below(g, 100) < 2;
}

static void
metrics(struct gen *g, struct post *p, double scale)
{
	p->m[MT_LIKE] = rng_heavy(g, scale, 1.1);
	p->m[MT_RT] = rng_heavy(g, scale / 4, 1.1);
	p->m[MT_REPLY] = rng_heavy(g, scale / 8, 1.2);
	p->m[MT_QUOTE] = rng_heavy(g, scale / 20, 1.3);
	p->m[MT_BOOK] = p->m[MT_LIKE] / 20 + below(g, 2);
	p->m[MT_IMPR] = p->m[MT_LIKE] * (20 + below(g, 80)) + rng_heavy(g,
	    scale * 30, 1.2);
}

/* Fills p as an earlier original tweet by a Zipf-drawn author. */
static void
build_ref(struct gen *g, struct post *p, int64_t before, int kw)
{
	int64_t gap = 1000 + (int64_t)rng_heavy(g, 60000, 0.8);

	if (gap > 30LL * 86400000)
		gap = 30LL * 86400000 - (int64_t)below(g, 1000000);
	post_reset(p);
	p->kind = K_ORIG;
	p->ms = before - gap;
	p->id = snowflake(p->ms) | (rnd(g) & 0x3FFFFF);
	p->conv = p->id;
	p->user = zipf(g, g->ln_users, g->cfg->users);
	p->lang = (uint8_t)(below(g, 10) < 8 ? user_get(g, p->user)->lang :
	    rng_pick(g, g->lang_cdf, vocab_nlangs));
	p->src = (uint8_t)rng_pick(g, g->src_cdf, vocab_nsources);
	p->rs = 0;
	build_body(g, p, kw, 1);
	metrics(g, p, 40);
}

size_t
tweet_cut_at(const char *s, size_t len, unsigned cp, unsigned *got)
{
	size_t i = 0, amp = (size_t)-1;
	unsigned n = 0;

	while (i < len && n < cp) {
		if (s[i] == '&')
			amp = i;
		else if (s[i] == ';' || s[i] == ' ')
			amp = (size_t)-1;
		i++;
		while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		n++;
	}
	if (amp != (size_t)-1 && i < len && i - amp < 5) {
		/* Back up to before the '&' of an escape we would split. */
		n -= (unsigned)(i - amp);
		i = amp;
	}
	*got = n;
	return i;
}

/* The retweet text "RT @user: " + original, cut at 140 code points. */
static void
build_rt(struct gen *g, struct post *p)
{
	const struct post *o = p->ref;
	const struct user *ou = user_get(g, o->user);
	char pre[32];
	size_t pl = 0, b;
	unsigned got, pcp;
	int i;

	memcpy(pre, "RT @", 4);
	memcpy(pre + 4, ou->uname, ou->ulen);
	pl = 4 + ou->ulen;
	pre[pl++] = ':';
	pre[pl++] = ' ';
	pcp = (unsigned)pl;
	memcpy(p->text, pre, pl);
	p->men[0].s = 3;
	p->men[0].e = (uint16_t)(4 + ou->ulen);
	p->men[0].user = o->user;
	p->nm = 1;
	if (pcp + o->tcp <= 140) {
		b = o->tlen;
		got = o->tcp;
	} else {
		b = tweet_cut_at(o->text, o->tlen, 139 - pcp, &got);
	}
	memcpy(p->text + pl, o->text, b);
	p->tlen = (uint16_t)(pl + b);
	p->tcp = (uint16_t)(pcp + got);
	if (b < o->tlen) {
		memcpy(p->text + p->tlen, "\xE2\x80\xA6", 3);
		p->tlen += 3;
		p->tcp++;
	}
	/* The original's entities that survive the cut, shifted. */
	for (i = 0; i < o->nh; i++) {
		if (o->tags[i].e + pcp > pcp + got || p->nh == MAXTAG)
			continue;
		p->tags[p->nh] = o->tags[i];
		p->tags[p->nh].s = (uint16_t)(p->tags[p->nh].s + pcp);
		p->tags[p->nh].e = (uint16_t)(p->tags[p->nh].e + pcp);
		p->nh++;
	}
	for (i = 0; i < o->nm; i++) {
		if (o->men[i].e + pcp > pcp + got || p->nm == MAXMEN)
			continue;
		p->men[p->nm] = o->men[i];
		p->men[p->nm].s = (uint16_t)(p->men[p->nm].s + pcp);
		p->men[p->nm].e = (uint16_t)(p->men[p->nm].e + pcp);
		p->nm++;
	}
	for (i = 0; i < o->nu; i++) {
		if (o->urls[i].e + pcp > pcp + got || o->urls[i].kind == U_MEDIA)
			continue;
		p->urls[p->nu] = o->urls[i];
		p->urls[p->nu].s = (uint16_t)(p->urls[p->nu].s + pcp);
		p->urls[p->nu].e = (uint16_t)(p->urls[p->nu].e + pcp);
		p->nu++;
	}
	p->disp_end = p->tcp;
	p->lang = o->lang;
	memcpy(p->m, o->m, sizeof p->m);
	p->m[MT_IMPR] = 0;
	p->m[MT_BOOK] = 0;
}

/* Case-insensitive (ASCII) search for k in s. */
static int
contains(const char *s, size_t n, const char *k, size_t kl)
{
	size_t i, j;

	if (kl == 0 || kl > n)
		return 0;
	for (i = 0; i + kl <= n; i++) {
		for (j = 0; j < kl; j++) {
			unsigned char a = (unsigned char)s[i + j];
			unsigned char b = (unsigned char)k[j];

			if (a >= 'A' && a <= 'Z')
				a += 32;
			if (b >= 'A' && b <= 'Z')
				b += 32;
			if (a != b)
				break;
		}
		if (j == kl)
			return 1;
	}
	return 0;
}

void
tweet_build(struct gen *g)
{
	struct post *p = &g->prim, *o = &g->ref;
	const struct gen_cfg *c = g->cfg;
	int64_t ev = c->start_ms + gen_event_offset(g, g->k);
	uint64_t id;
	uint32_t r;
	int kw = c->nkeywords ? (int)below(g, (uint32_t)c->nkeywords) : -1;
	int i;

	post_reset(p);
	if (c->disorder_ms <= 0) {
		id = snowflake(ev) | (rnd(g) & 0x3FFFFF);
		if (id <= g->last_id)
			id = g->last_id + 1 + below(g, 16);
		g->last_id = id;
		p->ms = ev;
	} else {
		/*
		 * Out of order delivery: the tweet was created up to the
		 * disorder before it arrives (never before --start), and its
		 * id is the snowflake of its creation, as the API's are; the
		 * low 12 bits count tweets, as a snowflake's sequence does.
		 */
		p->ms = ev - (int64_t)(unif(g) * (double)(c->disorder_ms + 1));
		if (p->ms > ev)
			p->ms = ev;
		if (p->ms < c->start_ms)
			p->ms = c->start_ms;
		id = snowflake(p->ms) | (rnd(g) & 0x3FF000) | (g->k & 0xFFF);
	}
	p->id = p->conv = id;
	p->user = zipf(g, g->ln_users, c->users);
	p->lang = (uint8_t)(below(g, 10) < 8 ? user_get(g, p->user)->lang :
	    rng_pick(g, g->lang_cdf, vocab_nlangs));
	p->src = (uint8_t)rng_pick(g, g->src_cdf, vocab_nsources);
	p->rs = below(g, 100) < 90 ? 0 : (uint8_t)(1 + below(g, 2));
	r = below(g, 100);
	p->kind = r < 30 ? K_RT : r < 45 ? K_REPLY : r < 53 ? K_QUOTE : K_ORIG;
	if (p->kind == K_RT) {
		build_ref(g, o, ev, kw);
		p->ref = o;
		build_rt(g, p);
		p->sensitive = 0;
	} else {
		if (p->kind != K_ORIG) {
			build_ref(g, o, ev, -1);
			p->ref = o;
			if (p->kind == K_REPLY)
				p->conv = o->conv;
		}
		build_body(g, p, kw, 0);
		metrics(g, p, 0.5);
	}
	for (i = 0; i < c->nkeywords; i++)
		if (contains(p->text, p->tlen, g->kw[i].esc, g->kw[i].len))
			p->rules |= 1ULL << i;
	g->k++;
}
