/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for vaddr_pin: the failure points of the pin, lease and
 * break paths (mm/vaddr_pin_fail.c).
 */
#ifndef _LINUX_VADDR_PIN_FAIL_H
#define _LINUX_VADDR_PIN_FAIL_H

#include <linux/types.h>

#ifdef CONFIG_FAIL_VADDR_PIN
bool vaddr_pin_should_fail(void);
#else
static inline bool vaddr_pin_should_fail(void)
{
	return false;
}
#endif

#endif /* _LINUX_VADDR_PIN_FAIL_H */
