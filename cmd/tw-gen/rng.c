/*
 * tw-gen: random numbers. The generator draws from one xoshiro256**
 * stream seeded by splitmix64 (the inline draws are in gen_internal.h);
 * users draw from a hash of their rank instead, so that a user does not
 * depend on when it is first seen.
 */
#include "gen_internal.h"

#include <math.h>

uint64_t
gen_rand(struct gen *g)
{
	return rnd(g);
}

double
gen_uniform(struct gen *g)
{
	return unif(g);
}

/*
 * Table-driven exp and log: the hot loop draws several Zipf ranks and
 * Pareto counts per tweet, and libm's exp/log were a tenth of the time.
 * Accurate to about 1e-7 relative, plenty for random draws.
 */
double rng_exp_tab[262], rng_log_tab[257];

void
rng_init(void)
{
	int i;

	for (i = 0; i < 262; i++)
		rng_exp_tab[i] = exp(i / 16.0);
	for (i = 0; i < 257; i++)
		rng_log_tab[i] = log(0.5 + i / 512.0);
}

uint64_t
rng_heavy(struct gen *g, double scale, double alpha)
{
	double u = 1.0 - unif(g), v = scale * (fexp(-flog(u) / alpha) - 1.0);

	return v > 5e8 ? 500000000 : (uint64_t)v;
}

int
rng_pick(struct gen *g, const double *cdf, int n)
{
	double u = unif(g) * cdf[n - 1];
	int i;

	for (i = 0; i < n - 1; i++)
		if (u < cdf[i])
			break;
	return i;
}

void
rng_code(struct gen *g, char *d, int n)
{
	int i;
	uint64_t x = rnd(g);

	for (i = 0; i < n; i++) {
		if (i == 10)
			x = rnd(g);
		d[i] = b62[(x >> 6 * (i % 10)) % 62];
	}
}
