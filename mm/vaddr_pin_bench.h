/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctl interface of /sys/kernel/debug/vaddr_pin_bench, shared by
 * mm/vaddr_pin_bench.c and tools/vaddr_pin/pin_bench.c.
 */
#ifndef __MM_VADDR_PIN_BENCH_H
#define __MM_VADDR_PIN_BENCH_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The most one run may pin: bounds the page array it allocates. */
#define VADDR_PIN_BENCH_MAX_PAGES	0x40000UL	/* 1 GiB of 4 KiB pages */

#define VADDR_PIN_BENCH_WRITE	0x1	/* pin for write */
#define VADDR_PIN_BENCH_RAW	0x2	/* pin_user_pages_fast(), no vaddr_pin */

/*
 * Pin [addr, addr + len) in calls of pages_per_call pages (the last one may
 * be shorter), then unpin it call by call in the same order.
 */
struct vaddr_pin_bench_run {
	__u64 addr;		/* in: page-aligned user address */
	__u64 len;		/* in: bytes, a multiple of the page size */
	__u32 pages_per_call;	/* in: 1 or more */
	__u32 flags;		/* in: VADDR_PIN_BENCH_WRITE, _RAW */
	__u64 pin_ns;		/* out: time spent in the pin calls */
	__u64 unpin_ns;		/* out: time spent in the unpin calls */
};

#define VADDR_PIN_BENCH_IOC_RUN	_IOWR('V', 0x50, struct vaddr_pin_bench_run)

#endif /* __MM_VADDR_PIN_BENCH_H */
