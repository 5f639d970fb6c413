/* SPDX-License-Identifier: GPL-2.0 */
/* The test pinner's ioctls (CONFIG_VADDR_PIN_TEST), for the selftests. */
#ifndef __SELFTESTS_VADDR_PIN_PINNER_H
#define __SELFTESTS_VADDR_PIN_PINNER_H

#include <sys/ioctl.h>

#include "../../../../mm/vaddr_pin_test.h"

#define PINNER	"/sys/kernel/debug/vaddr_pin_test"

/* Pin [@addr, @addr + @len) through the pinner file @fd; *@id names it. */
static inline int pin(int fd, void *addr, size_t len, unsigned int flags,
		      unsigned int *id)
{
	struct vaddr_pin_test_pin arg = {
		.addr = (unsigned long)addr, .len = len, .flags = flags,
	};
	int ret = ioctl(fd, VADDR_PIN_TEST_IOC_PIN, &arg);

	if (!ret && id)
		*id = arg.id;
	return ret;
}

static inline int unpin(int fd, unsigned int id, unsigned int flags)
{
	struct vaddr_pin_test_unpin arg = { .id = id, .flags = flags };

	return ioctl(fd, VADDR_PIN_TEST_IOC_UNPIN, &arg);
}

#endif /* __SELFTESTS_VADDR_PIN_PINNER_H */
