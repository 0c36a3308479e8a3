/*
 * test_util.h - small helpers shared by the emulator's host tests: a
 * deterministic PRNG (xorshift64*) so every run generates the same cases,
 * and a per-family pass/fail tally printed in one line.
 */
#ifndef EMUL_TEST_UTIL_H
#define EMUL_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1Dull;
}

static inline unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

static inline int rng_chance(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

/* An "interesting" operand value: edges are over-represented. */
static inline uint64_t rng_value(struct rng *r)
{
	static const uint64_t edges[] = {
		0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
		0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF,
		0x8000000000000000, 0xFFFFFFFFFFFFFFFF, 0x0F, 0x10, 0xF0,
	};
	switch (rng_below(r, 4)) {
	case 0:
		return edges[rng_below(r, sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return rng_next(r) & 0xFF;
	default:
		return rng_next(r);
	}
}

/* "0f a2" -> bytes; returns the count. */
static inline size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;

	while (*s) {
		unsigned v;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

#endif
