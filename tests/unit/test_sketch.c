/* Unit tests for lib/tw_sketch: distinct (exact set, then HyperLogLog),
 * top-k (Space-Saving with a min-heap) and quantiles, against exact
 * answers. Every input comes from fixed seeds, so the figures are the
 * same on every run: a check can fail only when the code changes. */
#include "tap.h"
#include "tw_sketch.h"
#include "tw_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Distinct counts over 20 seeds at sizes around the exact limit, the old
 * estimator's bias zone (2.5 m = 40,960) and far beyond. */
static void
test_distinct(void)
{
	static const uint64_t sizes[] = { 5000, 10000, 10001, 20000, 35000,
	    40000, 45000, 50000, 100000, 1000000 };
	size_t si, s, i;
	char name[200];

	for (si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
		uint64_t n = sizes[si];
		double sum = 0, worst = 0;
		int trials = n >= 1000000 ? 6 : 20, approx = 0, exact_ok = 1;

		for (s = 0; s < (size_t)trials; s++) {
			struct tw_distinct d = { 0 };
			uint64_t x = 1000 + s * 7919 + n, got;
			double e;

			for (i = 0; i < n; i++) {
				uint64_t h = splitmix(&x);

				tw_distinct_add(&d, h);
				if (i % 3 == 0)
					tw_distinct_add(&d, h);	/* repeats count once */
			}
			got = tw_distinct_count(&d, &approx);
			if (n <= 10000 && (got != n || approx))
				exact_ok = 0;
			e = ((double)got - (double)n) / (double)n;
			sum += e;
			if (fabs(e) > worst)
				worst = fabs(e);
			tw_distinct_free(&d);
		}
		if (n <= 10000) {
			snprintf(name, sizeof name, "distinct %llu: exact, not marked approximate",
			    (unsigned long long)n);
			CHECK(name, exact_ok);
			continue;
		}
		snprintf(name, sizeof name, "distinct %llu over %d seeds: mean error "
		    "under 0.5%% (no bias), worst under 2.5%%", (unsigned long long)n, trials);
		CHECKF(name, fabs(sum / trials) < 0.005 && worst < 0.025,
		    "mean %.3f%%, worst %.3f%%", 100 * sum / trials, 100 * worst);
	}
}

/* Distinct: merging two halves equals adding everything to one. */
static void
test_distinct_merge(void)
{
	struct tw_distinct a = { 0 }, b = { 0 }, all = { 0 };
	uint64_t x = 42, i;
	int ap1, ap2;

	for (i = 0; i < 300000; i++) {
		uint64_t h = splitmix(&x);

		tw_distinct_add(i % 2 ? &a : &b, h);
		tw_distinct_add(&all, h);
	}
	tw_distinct_merge(&a, &b);
	CHECK("distinct: merged halves = one sketch over all",
	    tw_distinct_count(&a, &ap1) == tw_distinct_count(&all, &ap2) && ap1 && ap2);
	tw_distinct_free(&a);
	tw_distinct_free(&b);
	tw_distinct_free(&all);
}

/* Top-k on a long-tailed stream (a quarter of the values unique) against the
 * exact counts: the top 10 and their counts are exact when their counts
 * are far above the capacity's noise, and the heap keeps eviction cheap. */
static void
test_topk(void)
{
	struct tw_topk t;
	enum { NV = 50, N = 400000 };
	uint64_t exact[NV] = { 0 }, x = 7, i;
	char buf[40];
	struct tw_buf out = TW_BUF_INIT;
	size_t k;
	int ok = 1;

	tw_topk_init(&t, 10);
	for (i = 0; i < N; i++) {
		uint64_t r = splitmix(&x);
		int n;

		if (r % 4 != 0) {
			/* A heavy value: hK with probability 2^-(K+1). */
			uint64_t w = (uint64_t)__builtin_ctzll((r >> 8) | (1ULL << 50));

			if (w >= NV)
				w = NV - 1;
			exact[w]++;
			n = snprintf(buf, sizeof buf, "\"h%llu\"", (unsigned long long)w);
		} else {
			n = snprintf(buf, sizeof buf, "\"u%llu\"", (unsigned long long)i);
		}
		tw_topk_add(&t, buf, (size_t)n, 1);
	}
	CHECK("top-k: the unique values evicted one another", t.evicted);
	tw_topk_result(&t, 10, &out);
	/* The 10 most frequent heavy values, in count order, exact counts
	 * or over by at most the Space-Saving error. */
	for (k = 0; k < 10; k++) {
		char want[80];

		snprintf(want, sizeof want, "{\"value\":\"h%zu\",\"count\":", k);
		if (strstr(out.p, want) == NULL)
			ok = 0;
	}
	CHECKF("top-k: the 10 heaviest values are the top 10", ok, "%s", out.p);
	ok = 1;
	for (k = 0; k < t.n; k++) {
		unsigned long long w;

		if (sscanf(t.it[k].val, "\"h%llu\"", &w) == 1 &&
		    (t.it[k].count < exact[w] || t.it[k].count - t.it[k].err > exact[w]))
			ok = 0;
	}
	CHECK("top-k: every count bounds the true one (count - err <= true <= count)", ok);
	tw_buf_free(&out);
	tw_topk_free(&t);
}

/* Quantiles within 1% relative error of a value at the right rank. */
static void
test_quantiles(void)
{
	struct tw_quant q = { 0 };
	enum { N = 100000 };
	static double v[N];
	static const double qs[] = { 0.01, 0.5, 0.95, 0.99 };
	uint64_t x = 99;
	size_t i, k;
	int ok = 1;
	char why[200] = "";

	for (i = 0; i < N; i++) {
		/* Log-normal-ish, positive and negative. */
		double u = (double)(splitmix(&x) >> 11) / 9007199254740992.0;

		v[i] = exp(8 * u - 2) * (i % 10 == 0 ? -1 : 1);
		tw_quant_add(&q, v[i]);
	}
	for (k = 0; k < sizeof qs / sizeof qs[0]; k++) {
		double got = tw_quant_value(&q, qs[k]);
		size_t below = 0;

		for (i = 0; i < N; i++)
			below += v[i] < got * (got > 0 ? 1.0101 : 0.99);
		/* got must be within 1% of some value whose rank is near q. */
		if (fabs((double)below / N - qs[k]) > 0.02) {
			ok = 0;
			snprintf(why, sizeof why, "q %.2f -> %g at rank %.4f", qs[k], got,
			    (double)below / N);
		}
	}
	CHECKF("quantiles: p1, p50, p95, p99 at their ranks within 1% error", ok, "%s", why);
	tw_quant_free(&q);
}

/*
 * tw_hash64's values are saved (HLL registers and exact sets in states
 * and partials): a change would make old states count differently.
 */
static void
test_hash_fixed(void)
{
	static const struct { const char *s; uint64_t h; } t[] = {
		{ "", 0x9ca066f1a4ab2eeaULL },
		{ "a", 0x7321d3429993174dULL },
		{ "12345678", 0x801bab8ac4500352ULL },
		{ "123456789", 0x46c782eba3ec06c6ULL },
		{ "\"hello world, a longer key\"", 0x0938070fe6f227d4ULL },
	};
	char name[80];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(name, sizeof name, "tw_hash64 of \"%s\" is fixed", t[i].s);
		CHECK(name, tw_hash64(t[i].s, strlen(t[i].s)) == t[i].h);
	}
}

int
main(void)
{
	test_hash_fixed();
	test_distinct();
	test_distinct_merge();
	test_topk();
	test_quantiles();
	return tap_done();
}
