/* SPDX-License-Identifier: GPL-2.0 */
/* The clock and the sort that the project's timing tools share. */
#ifndef __VADDR_PIN_TIMING_H
#define __VADDR_PIN_TIMING_H

#include <time.h>

/* CLOCK_MONOTONIC, in milliseconds. */
static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* For qsort() of doubles, ascending. */
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif /* __VADDR_PIN_TIMING_H */
