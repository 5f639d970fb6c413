/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the vaddr_pin selftests share: the layout lease flags, the test
 * pinner's ioctls (CONFIG_VADDR_PIN_TEST) and what a process has pinned.
 */
#ifndef __SELFTESTS_VADDR_PIN_H
#define __SELFTESTS_VADDR_PIN_H

#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../../../mm/vaddr_pin_test.h"

/* glibc's <fcntl.h> does not know them yet. */
#ifndef F_LAYOUT
#define F_LAYOUT	16
#define F_UNBREAK	32
#endif

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

/* mm->pinned_vm of this process, in pages (VmPin), or -1. */
static inline long vm_pin_pages(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024 / getpagesize();
}

#endif /* __SELFTESTS_VADDR_PIN_H */
