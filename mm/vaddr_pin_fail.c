// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for vaddr_pin.
 *
 * Copyright (C) 2026 The vaddr_pin developers
 *
 * Every allocation vaddr_pin makes and every step of the pin, lease and
 * break paths that can fail asks vaddr_pin_should_fail() first, so that
 * the unwinding behind each of them can be run on demand: at random with
 * /sys/kernel/debug/fail_vaddr_pin/
 * (Documentation/fault-injection/fault-injection.rst), or one at a time
 * with /proc/<pid>/fail-nth, as the KUnit cases *_fails_cleanly_* do.
 * No boot option: nothing is pinned before user space runs.
 */

#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/vaddr_pin_fail.h>

static DECLARE_FAULT_ATTR(fail_vaddr_pin);

/**
 * vaddr_pin_should_fail() - make this failure point fail?
 *
 * Context: Any context.
 * Return: true if the caller must fail as if out of memory, or as its
 * failure point documents.
 */
bool vaddr_pin_should_fail(void)
{
	return should_fail(&fail_vaddr_pin, 1);
}
EXPORT_SYMBOL_GPL(vaddr_pin_should_fail);

static int __init fail_vaddr_pin_init(void)
{
	/* A line per failure, not a stack: walks fail points by the dozen. */
	fail_vaddr_pin.verbose = 1;
	if (!IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS))
		return 0;
	return PTR_ERR_OR_ZERO(fault_create_debugfs_attr("fail_vaddr_pin",
							 NULL,
							 &fail_vaddr_pin));
}
late_initcall(fail_vaddr_pin_init);
