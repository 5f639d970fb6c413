/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small random number generator for the fuzzer and the stress run:
 * xorshift64*, cheap, and the same run again from the same seed.
 */
#ifndef __SELFTESTS_VADDR_PIN_XORSHIFT_H
#define __SELFTESTS_VADDR_PIN_XORSHIFT_H

#include <stdint.h>

static uint64_t rnd_state;

/* Any seed, 0 included, gives a state xorshift does not get stuck in. */
static inline void seed_rnd(uint64_t seed)
{
	rnd_state = seed ^ 0x9e3779b97f4a7c15ULL;
}

static inline uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, @n). */
static inline unsigned long below(unsigned long n)
{
	return rnd() % n;
}

#endif /* __SELFTESTS_VADDR_PIN_XORSHIFT_H */
