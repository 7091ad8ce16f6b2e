/*
 * tw-gen: the v1.1 renderer, a status as the streaming API sent it:
 * numeric and string ids, texts over 140 characters truncated with an
 * extended_tweet, retweeted and quoted statuses nested, ASCII only.
 */
#include "gen_internal.h"

static void
v1_indices(struct tw_buf *o, unsigned s, unsigned e)
{
	LIT(o, ",\"indices\":[");
	add_u64(o, s);
	tw_buf_addc(o, ',');
	add_u64(o, e);
	LIT(o, "]}");
}

static void
v1_media_obj(struct gen *g, struct tw_buf *o, const struct post *p,
    const struct ent_url *u, int i)
{
	const struct media *m = &p->media[i];

	LIT(o, "{\"id\":");
	add_u64(o, m->id);
	LIT(o, ",\"id_str\":");
	add_qu64(o, m->id);
	LIT(o, ",\"media_url_https\":\"https:\\/\\/pbs.twimg.com\\/");
	tw_buf_adds(o, m->type == M_PHOTO ? "media\\/" : m->type == M_VIDEO ?
	    "ext_tw_video_thumb\\/" : "tweet_video_thumb\\/");
	tw_buf_add(o, m->file, 15);
	LIT(o, ".jpg\",\"url\":\"https:\\/\\/t.co\\/");
	tw_buf_add(o, u->tco, 10);
	LIT(o, "\",\"display_url\":");
	JSTR(o, u->disp, u->displen);
	LIT(o, ",\"expanded_url\":");
	JSTR(o, u->exp, u->explen);
	LIT(o, ",\"type\":\"");
	tw_buf_adds(o, out_media_type[m->type]);
	LIT(o, "\",\"sizes\":{\"large\":{\"w\":");
	add_u64(o, m->w);
	LIT(o, ",\"h\":");
	add_u64(o, m->h);
	LIT(o, ",\"resize\":\"fit\"}}");
	if (m->type != M_PHOTO) {
		LIT(o, ",\"video_info\":{\"aspect_ratio\":");
		tw_buf_adds(o, m->w > m->h ? "[16,9]" : "[9,16]");
		if (m->type == M_VIDEO) {
			LIT(o, ",\"duration_millis\":");
			add_u64(o, m->dur);
		}
		LIT(o, ",\"variants\":[{\"bitrate\":2176000,\"content_type\":\"video\\/mp4\",\"url\":\"https:\\/\\/video.twimg.com\\/");
		tw_buf_adds(o, m->type == M_VIDEO ? "ext_tw_video\\/" :
		    "tweet_video\\/");
		tw_buf_add(o, m->file, 15);
		LIT(o, ".mp4\"}]}");
	}
	if (m->alt >= 0) {
		LIT(o, ",\"ext_alt_text\":");
		JSTR(o, vocab_alt.w[m->alt].s, vocab_alt.w[m->alt].len);
	}
	v1_indices(o, u->s, u->e);
}

/*
 * The v1 entities object of p, keeping entities that end at or before
 * lim; web, if not NULL, is the "read more" link of a truncated text.
 * With media set, entities.media is written too.
 */
static void
v1_entities(struct gen *g, struct tw_buf *o, const struct post *p,
    unsigned lim, const struct ent_url *web, int media)
{
	int i, n;
	const struct ent_url *mu = NULL;

	LIT(o, "{\"hashtags\":[");
	for (i = n = 0; i < p->nh; i++) {
		if (p->tags[i].e > lim)
			continue;
		LITC(o, n++, ",{\"text\":", "{\"text\":");
		JSTR(o, p->tags[i].tag, p->tags[i].len);
		v1_indices(o, p->tags[i].s, p->tags[i].e);
	}
	LIT(o, "],\"urls\":[");
	for (i = n = 0; i <= p->nu; i++) {
		const struct ent_url *u = i < p->nu ? &p->urls[i] : web;

		if (u == NULL || (u != web && u->e > lim))
			continue;
		if (u->kind == U_MEDIA) {
			mu = u;
			continue;
		}
		LITC(o, n++,
	    ",{\"url\":\"https:\\/\\/t.co\\/", "{\"url\":\"https:\\/\\/t.co\\/");
		tw_buf_add(o, u->tco, 10);
		LIT(o, "\",\"expanded_url\":");
		JSTR(o, u->exp, u->explen);
		LIT(o, ",\"display_url\":");
		JSTR(o, u->disp, u->displen);
		v1_indices(o, u->s, u->e);
	}
	LIT(o, "],\"user_mentions\":[");
	for (i = n = 0; i < p->nm; i++) {
		const struct user *u = user_get(g, p->men[i].user);

		if (p->men[i].e > lim)
			continue;
		LITC(o, n++,
	    ",{\"screen_name\":\"", "{\"screen_name\":\"");
		tw_buf_add(o, u->uname, u->ulen);
		LIT(o, "\",\"name\":");
		JSTR(o, u->name, u->namelen);
		LIT(o, ",\"id\":");
		add_u64(o, u->id);
		LIT(o, ",\"id_str\":");
		add_qu64(o, u->id);
		v1_indices(o, p->men[i].s, p->men[i].e);
	}
	LIT(o, "],\"symbols\":[]");
	if (media && mu && p->nmedia) {
		LIT(o, ",\"media\":[");
		v1_media_obj(g, o, p, mu, 0);
		tw_buf_addc(o, ']');
	}
	tw_buf_addc(o, '}');
}

static void
v1_ext_media(struct gen *g, struct tw_buf *o, const struct post *p)
{
	const struct ent_url *mu = NULL;
	int i;

	for (i = 0; i < p->nu; i++)
		if (p->urls[i].kind == U_MEDIA)
			mu = &p->urls[i];
	if (!mu || !p->nmedia)
		return;
	LIT(o, ",\"extended_entities\":{\"media\":[");
	for (i = 0; i < p->nmedia; i++) {
		if (i)
			tw_buf_addc(o, ',');
		v1_media_obj(g, o, p, mu, i);
	}
	LIT(o, "]}");
}

void
v1_status(struct gen *g, struct tw_buf *o, const struct post *p, int top)
{
	const struct user *u = user_get(g, p->user);
	int trunc = p->kind != K_RT && p->tcp > 140;
	struct ent_url web;
	unsigned got = p->tcp;

	LIT(o, "{\"created_at\":");
	out_v1time(o, p->ms);
	LIT(o, ",\"id\":");
	add_u64(o, p->id);
	LIT(o, ",\"id_str\":");
	add_qu64(o, p->id);
	LIT(o, ",\"text\":");
	if (trunc) {
		/* 140 code points: a cut, "…", a space and a link to the
		 * full text, as the streaming API sent long tweets. */
		char t[TEXTMAX];
		size_t b = tweet_cut_at(p->text, p->tlen, 115, &got);

		memcpy(t, p->text, b);
		memcpy(t + b, "\xE2\x80\xA6 https://t.co/", 17);
		memset(&web, 0, sizeof web);
		web.kind = U_WEB;
		rng_code(g, web.tco, 10);
		memcpy(t + b + 17, web.tco, 10);
		web.s = (uint16_t)(got + 2);
		web.e = (uint16_t)(got + 25);
		tweet_url_set(&web, 1, "https://twitter.com/i/web/status/", 33);
		tweet_url_set(&web, 0, "twitter.com/i/web/status/", 25);
		{
			char num[24], *e = num + sizeof num, *s = e;
			uint64_t id = p->id;

			do {
				*--s = (char)('0' + id % 10);
				id /= 10;
			} while (id);
			tweet_url_set(&web, 1, s, (size_t)(e - s));
			tweet_url_set(&web, 0, s, 1);
			tweet_url_set(&web, 0, "\xE2\x80\xA6", 3);
		}
		JSTR(o, t, b + 27);
	} else {
		JSTR(o, p->text, p->tlen);
	}
	LIT(o, ",\"source\":");
	tw_buf_add(o, g->src_v1[p->src], g->src_v1len[p->src]);
	LIT(o, ",\"truncated\":");
	tw_buf_adds(o, trunc ? "true" : "false");
	if (p->kind == K_REPLY) {
		const struct user *ru = user_get(g, p->ref->user);

		LIT(o, ",\"in_reply_to_status_id\":");
		add_u64(o, p->ref->id);
		LIT(o, ",\"in_reply_to_status_id_str\":");
		add_qu64(o, p->ref->id);
		LIT(o, ",\"in_reply_to_user_id\":");
		add_u64(o, ru->id);
		LIT(o, ",\"in_reply_to_user_id_str\":");
		add_qu64(o, ru->id);
		LIT(o, ",\"in_reply_to_screen_name\":\"");
		tw_buf_add(o, ru->uname, ru->ulen);
		tw_buf_addc(o, '"');
	} else {
		LIT(o, ",\"in_reply_to_status_id\":null,\"in_reply_to_status_id_str\":null,\"in_reply_to_user_id\":null,\"in_reply_to_user_id_str\":null,\"in_reply_to_screen_name\":null");
	}
	LIT(o, ",\"user\":");
	tw_buf_add(o, u->frag, u->fraglen);
	if (p->place >= 0) {
		LIT(o, ",\"geo\":{\"type\":\"Point\",\"coordinates\":[");
		out_fix6(o, p->lat);
		tw_buf_addc(o, ',');
		out_fix6(o, p->lon);
		LIT(o, "]},\"coordinates\":{\"type\":\"Point\",\"coordinates\":[");
		out_fix6(o, p->lon);
		tw_buf_addc(o, ',');
		out_fix6(o, p->lat);
		LIT(o, "]},\"place\":");
		tw_buf_add(o, g->places[p->place].v1, g->places[p->place].v1len);
	} else {
		LIT(o, ",\"geo\":null,\"coordinates\":null,\"place\":null");
	}
	LIT(o, ",\"contributors\":null");
	if (p->kind == K_RT) {
		LIT(o, ",\"retweeted_status\":");
		v1_status(g, o, p->ref, 0);
	}
	if (p->kind == K_QUOTE) {
		LIT(o, ",\"quoted_status_id\":");
		add_u64(o, p->ref->id);
		LIT(o, ",\"quoted_status_id_str\":");
		add_qu64(o, p->ref->id);
		LIT(o, ",\"quoted_status\":");
		v1_status(g, o, p->ref, 0);
	}
	LIT(o, ",\"is_quote_status\":");
	tw_buf_adds(o, p->kind == K_QUOTE ? "true" : "false");
	if (trunc) {
		LIT(o, ",\"extended_tweet\":{\"full_text\":");
		JSTR(o, p->text, p->tlen);
		LIT(o, ",\"display_text_range\":[");
		add_u64(o, p->disp_start);
		tw_buf_addc(o, ',');
		add_u64(o, p->disp_end);
		LIT(o, "],\"entities\":");
		v1_entities(g, o, p, p->tcp, NULL, 1);
		v1_ext_media(g, o, p);
		tw_buf_addc(o, '}');
	}
	LIT(o, ",\"quote_count\":");
	add_u64(o, p->m[MT_QUOTE]);
	LIT(o, ",\"reply_count\":");
	add_u64(o, p->m[MT_REPLY]);
	LIT(o, ",\"retweet_count\":");
	add_u64(o, p->m[MT_RT]);
	LIT(o, ",\"favorite_count\":");
	add_u64(o, p->m[MT_LIKE]);
	LIT(o, ",\"entities\":");
	if (trunc) {
		v1_entities(g, o, p, got, &web, 0);
	} else {
		v1_entities(g, o, p, p->tcp, NULL, 1);
		v1_ext_media(g, o, p);
	}
	LIT(o, ",\"favorited\":false,\"retweeted\":false");
	if (p->nu) {
		LIT(o, ",\"possibly_sensitive\":");
		tw_buf_adds(o, p->sensitive ? "true" : "false");
	}
	LIT(o, ",\"filter_level\":\"low\",\"lang\":\"");
	tw_buf_adds(o, vocab_langs[p->lang].code);
	tw_buf_addc(o, '"');
	if (top) {
		LIT(o, ",\"timestamp_ms\":\"");
		add_u64(o, (uint64_t)p->ms);
		tw_buf_addc(o, '"');
	}
	tw_buf_addc(o, '}');
}
