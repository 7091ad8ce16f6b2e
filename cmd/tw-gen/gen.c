/*
 * tw-gen: the generator's driver. gen_new prepares the vocabulary's
 * derived tables, places and keywords for a configuration; gen_next
 * builds a tweet (tweet.c) and has the format's renderer append it
 * (render_v2.c, render_v1.c). See gen_internal.h for the files.
 *
 * Speed matters (tw-gen feeds benchmarks): users and places are
 * rendered once into JSON fragments and copied; text is built as
 * UTF-8 with its code point count kept as it grows, so entity offsets
 * cost nothing; output goes straight into the caller's tw_buf.
 */
#include "gen_internal.h"

#include <math.h>
#include <stdlib.h>

int64_t
gen_event_offset(const struct gen *g, uint64_t k)
{
	return (int64_t)((double)k * 1000.0 / g->cfg->event_rate);
}

static void
rule_id(char *d, const char *s)
{
	uint64_t h = tw_fnv64(TW_FNV_INIT, s, strlen(s));
	int i;

	h = 1000000000000000000ULL + h % 900000000000000000ULL;
	for (i = 18; i >= 0; i--) {
		d[i] = (char)('0' + h % 10);
		h /= 10;
	}
	d[19] = '\0';
}

struct gen *
gen_new(const struct gen_cfg *cfg)
{
	struct gen *g = tw_xcalloc(1, sizeof *g);
	uint64_t x = cfg->seed;
	double sum;
	int i;

	g->cfg = cfg;
	for (i = 0; i < 4; i++)
		g->s[i] = splitmix(&x);
	out_init();
	users_init(g);
	g->ln_users = log((double)cfg->users + 1.0);
	g->ln_tags = log((double)vocab_tags.n + 1.0);
	g->ln_emoji = log((double)vocab_emoji.n + 1.0);
	g->ln_domains = log((double)vocab_domains.n + 1.0);
	rng_init();
	for (i = 0, sum = 0; i < vocab_nlangs; i++) {
		sum += vocab_langs[i].weight;
		g->lang_cdf[i] = sum;
	}
	for (i = 0, sum = 0; i < vocab_nlangs; i++) {
		if (vocab_langs[i].wl.n)
			sum += vocab_langs[i].weight;
		g->ulang_cdf[i] = sum;
	}
	for (i = 0, sum = 0; i < vocab_nsources; i++) {
		struct tw_buf a = TW_BUF_INIT, b = TW_BUF_INIT;

		sum += vocab_sources[i].weight;
		g->src_cdf[i] = sum;
		tw_buf_addf(&a, "<a href=\"%s\" rel=\"nofollow\">%s</a>",
		    vocab_sources[i].url, vocab_sources[i].name);
		out_jstr(&b, a.p, a.len, 1);
		tw_buf_free(&a);
		g->src_v1[i] = b.p;
		g->src_v1len[i] = b.len;
	}
	places_init(g);
	for (i = 0; i < cfg->nkeywords; i++) {
		struct tw_buf b = TW_BUF_INIT;
		const char *s;
		struct kw *k = &g->kw[i];

		k->tag = 1;
		for (s = cfg->keywords[i]; *s; s++) {
			unsigned char c = (unsigned char)*s;

			if (c == '&')
				LIT(&b, "&amp;");
			else if (c == '<')
				LIT(&b, "&lt;");
			else if (c == '>')
				LIT(&b, "&gt;");
			else
				tw_buf_addc(&b, (char)c);
			if (c < 0x80 && !(c == '_' || (c >= '0' && c <= '9') ||
			    ((c | 32) >= 'a' && (c | 32) <= 'z')))
				k->tag = 0;
		}
		tw_buf_grow(&b, 32);	/* tb_add reads 16 bytes */
		k->esc = b.p;
		k->len = b.len;
		k->cp = vocab_cplen(k->esc, k->len);
		rule_id(k->rule, cfg->keywords[i]);
	}
	rule_id(g->sample_rule, "sample");
	g->doff = tw_xmalloc((size_t)(cfg->page_size + 1) * sizeof *g->doff);
	g->did = tw_xmalloc((size_t)(cfg->page_size + 1) * sizeof *g->did);
	g->dord = tw_xmalloc((size_t)(cfg->page_size + 1) * sizeof *g->dord);
	g->gen_no = 1;
	return g;
}

void
gen_free(struct gen *g)
{
	int k;

	users_free(g);
	places_free(g);
	for (k = 0; k < vocab_nsources; k++)
		free(g->src_v1[k]);
	for (k = 0; k < g->cfg->nkeywords; k++)
		free(g->kw[k].esc);
	tw_buf_free(&g->data);
	for (k = 0; k < 4; k++)
		tw_buf_free(&g->inc[k]);
	free(g->doff);
	free(g->did);
	free(g->dord);
	free(g);
}

int
gen_next(struct gen *g, struct tw_buf *o, int last)
{
	tweet_build(g);
	switch (g->cfg->format) {
	case FMT_V2:
		v2_line(g, o);
		return 1;
	case FMT_V1:
		v1_status(g, o, &g->prim, 1);
		tw_buf_addc(o, '\n');
		return 1;
	case FMT_V2PAGE:
		g->did[g->dn] = g->prim.id;
		g->doff[g->dn++] = g->data.len;
		v2_collect(g);
		if (g->dn >= g->cfg->page_size || last) {
			v2_page(g, o, last);
			return 1;
		}
		return 0;
	}
	return 0;
}

int
gen_finish(struct gen *g, struct tw_buf *o)
{
	if (g->cfg->format != FMT_V2PAGE || g->dn == 0)
		return 0;
	v2_page(g, o, 1);
	return 1;
}
