/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctl interface of /sys/kernel/debug/vaddr_pin_test, shared by
 * mm/vaddr_pin_test.c and tools/testing/selftests/vaddr_pin/.
 */
#ifndef __MM_VADDR_PIN_TEST_H
#define __MM_VADDR_PIN_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The most one pin may cover: bounds the page array the pinner allocates. */
#define VADDR_PIN_TEST_MAX_PAGES	0x40000UL	/* 1 GiB of 4 KiB pages */

#define VADDR_PIN_TEST_WRITE		0x1	/* pin flag */
#define VADDR_PIN_TEST_DIRTY		0x1	/* unpin flag */

struct vaddr_pin_test_pin {
	__u64 addr;		/* in: page-aligned user address */
	__u64 len;		/* in: bytes, a multiple of the page size */
	__u32 flags;		/* in: VADDR_PIN_TEST_WRITE */
	__u32 id;		/* out: names the pin for UNPIN */
};

struct vaddr_pin_test_unpin {
	__u32 id;		/* in: from PIN */
	__u32 flags;		/* in: VADDR_PIN_TEST_DIRTY */
};

struct vaddr_pin_test_state {
	__u32 id;		/* in: from PIN */
	__u32 flags;		/* in: 0; out: VADDR_PIN_TEST_PINNED, _REVOKING */
	__u64 nr_pages;		/* out */
};

/*
 * Write @byte into every page of a pin taken with VADDR_PIN_TEST_WRITE, from
 * the kernel, as a device would (EPERM for a read pin).
 */
struct vaddr_pin_test_fill {
	__u32 id;		/* in: from PIN */
	__u32 byte;		/* in: the value, 0 to 255 */
};

/*
 * Ask the filesystem to release the private state (ext4's buffers) of each
 * page-cache folio of a pin, as reclaim would (filemap_release_folio()).
 */
struct vaddr_pin_test_release {
	__u32 id;		/* in: from PIN */
	__u32 kept;		/* out: pages whose folio kept private state */
};

/*
 * The same for the page-cache folios of [@offset, @offset + @len) of an
 * open file, whatever holds them: no pin of this file is needed, so it
 * can be asked while another thread is in UNPIN.
 */
struct vaddr_pin_test_release_file {
	__s32 fd;		/* in: a file the caller has open */
	__u32 kept;		/* out: pages whose folio kept private state */
	__u64 offset;		/* in: bytes, page aligned */
	__u64 len;		/* in: bytes, a multiple of the page size */
};

#define VADDR_PIN_TEST_PINNED		0x1	/* state: still pinned */
#define VADDR_PIN_TEST_REVOKING		0x2	/* state: revoke asked, not done */

#define VADDR_PIN_TEST_IOC_PIN		_IOWR('V', 0x40, struct vaddr_pin_test_pin)
#define VADDR_PIN_TEST_IOC_UNPIN	_IOW('V', 0x41, struct vaddr_pin_test_unpin)
#define VADDR_PIN_TEST_IOC_STATE	_IOWR('V', 0x42, struct vaddr_pin_test_state)
#define VADDR_PIN_TEST_IOC_FILL		_IOW('V', 0x43, struct vaddr_pin_test_fill)
#define VADDR_PIN_TEST_IOC_RELEASE	_IOWR('V', 0x44, struct vaddr_pin_test_release)
#define VADDR_PIN_TEST_IOC_RELEASE_FILE	\
	_IOWR('V', 0x45, struct vaddr_pin_test_release_file)

#endif /* __MM_VADDR_PIN_TEST_H */
