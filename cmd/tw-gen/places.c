/*
 * tw-gen: the places, one per vocabulary city, each rendered once in the
 * run's format and copied into every record that includes it.
 */
#include "gen_internal.h"

#include <math.h>
#include <stdlib.h>

void
places_init(struct gen *g)
{
	int i, v1 = g->cfg->format == FMT_V1;
	struct tw_buf b;

	g->places = tw_xcalloc((size_t)vocab_ncities, sizeof *g->places);
	for (i = 0; i < vocab_ncities; i++) {
		const struct vcity *c = &vocab_cities[i];
		struct place *p = &g->places[i];
		uint64_t h = tw_fnv64(TW_FNV_INIT, c->name, strlen(c->name));
		int k;

		for (k = 0; k < 16; k++)
			p->id[k] = hexl[(h >> (4 * k)) & 15];
		p->w = (int32_t)lround(c->lon * 1e6) - 250000;
		p->e = (int32_t)lround(c->lon * 1e6) + 250000;
		p->s = (int32_t)lround(c->lat * 1e6) - 200000;
		p->n = (int32_t)lround(c->lat * 1e6) + 200000;
		memset(&b, 0, sizeof b);
		if (!v1) {
			LIT(&b, "{\"id\":\"");
			tw_buf_add(&b, p->id, 16);
			LIT(&b, "\",\"full_name\":");
			JSTRZ(&b, c->full_name);
			LIT(&b, ",\"name\":");
			JSTRZ(&b, c->name);
			LIT(&b, ",\"country\":");
			JSTRZ(&b, c->country);
			LIT(&b, ",\"country_code\":\"");
			tw_buf_adds(&b, c->cc);
			LIT(&b, "\",\"place_type\":\"city\",\"geo\":{\"type\":\"Feature\",\"bbox\":[");
			out_fix6(&b, p->w);
			tw_buf_addc(&b, ',');
			out_fix6(&b, p->s);
			tw_buf_addc(&b, ',');
			out_fix6(&b, p->e);
			tw_buf_addc(&b, ',');
			out_fix6(&b, p->n);
			LIT(&b, "],\"properties\":{}}}");
			p->v2 = b.p;
			p->v2len = b.len;
		} else {
			int32_t xs[4] = { p->w, p->e, p->e, p->w };
			int32_t ys[4] = { p->s, p->s, p->n, p->n };

			LIT(&b, "{\"id\":\"");
			tw_buf_add(&b, p->id, 16);
			LIT(&b, "\",\"url\":\"https:\\/\\/api.twitter.com\\/1.1\\/geo\\/id\\/");
			tw_buf_add(&b, p->id, 16);
			LIT(&b, ".json\",\"place_type\":\"city\",\"name\":");
			JSTRZ(&b, c->name);
			LIT(&b, ",\"full_name\":");
			JSTRZ(&b, c->full_name);
			LIT(&b, ",\"country_code\":\"");
			tw_buf_adds(&b, c->cc);
			LIT(&b, "\",\"country\":");
			JSTRZ(&b, c->country);
			LIT(&b, ",\"bounding_box\":{\"type\":\"Polygon\",\"coordinates\":[[");
			for (k = 0; k < 4; k++) {
				LITC(&b, k, ",[", "[");
				out_fix6(&b, xs[k]);
				tw_buf_addc(&b, ',');
				out_fix6(&b, ys[k]);
				tw_buf_addc(&b, ']');
			}
			LIT(&b, "]]},\"attributes\":{}}");
			p->v1 = b.p;
			p->v1len = b.len;
		}
	}
}

void
places_free(struct gen *g)
{
	int k;

	for (k = 0; k < vocab_ncities; k++) {
		free(g->places[k].v1);
		free(g->places[k].v2);
	}
	free(g->places);
}
