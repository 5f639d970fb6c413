// SPDX-License-Identifier: GPL-2.0
/*
 * A benchmark for vaddr_pin, in the spirit of mm/gup_test.c's timed loops:
 * one ioctl on /sys/kernel/debug/vaddr_pin_bench pins a range of the
 * caller's memory in calls of a given number of pages, then unpins it call
 * by call, and reports the time spent in each half.  The same ioctl times
 * the baseline, pin_user_pages_fast(FOLL_LONGTERM) and unpin_user_pages()
 * over the same calls, so that user space compares the two in one run.
 *
 * vaddr_pin runs pin through a context of their own, set up and torn down
 * outside the timed loops, whose owner cannot revoke: a layout change over
 * the range while a run holds it fails with -ETXTBSY.
 */

#define pr_fmt(fmt) "vaddr_pin_bench: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vaddr_pin.h>

#include "vaddr_pin_bench.h"

MODULE_IMPORT_NS(VADDR_PIN);

/* The pages of the call that starts at page @done of @run. */
static unsigned long call_pages(const struct vaddr_pin_bench_run *run,
				unsigned long nr_pages, unsigned long done)
{
	return min_t(unsigned long, run->pages_per_call, nr_pages - done);
}

/* The baseline: the pin that vaddr_pin wraps, with no record of it. */
static int bench_raw(struct vaddr_pin_bench_run *run, struct page **pages,
		     unsigned long nr_pages)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	unsigned long done, i, n;
	long pinned = 0;
	u64 t0, t1, t2;

	if (run->flags & VADDR_PIN_BENCH_WRITE)
		gup_flags |= FOLL_WRITE;
	t0 = ktime_get_ns();
	for (done = 0; done < nr_pages; done += n) {
		n = call_pages(run, nr_pages, done);
		pinned = pin_user_pages_fast(run->addr + (done << PAGE_SHIFT),
					     n, gup_flags, pages + done);
		if (pinned != n)
			break;
	}
	t1 = ktime_get_ns();
	for (i = 0; i < done; i += n) {
		n = call_pages(run, nr_pages, i);
		unpin_user_pages(pages + i, n);
	}
	t2 = ktime_get_ns();
	if (done < nr_pages) {
		if (pinned > 0)
			unpin_user_pages(pages + done, pinned);
		return pinned < 0 ? pinned : -EFAULT;
	}
	run->pin_ns = t1 - t0;
	run->unpin_ns = t2 - t1;
	return 0;
}

/* An owner that cannot revoke: nothing to stop, nothing to take back. */
static const struct vaddr_pin_ops bench_ops = {};

static int bench_vaddr_pin(struct file *file, struct vaddr_pin_bench_run *run,
			   struct page **pages, unsigned long nr_pages)
{
	unsigned int flags = 0;
	unsigned long done, i, n;
	struct vaddr_pin vp;
	u64 t0, t1, t2;
	int ret = 0;

	if (run->flags & VADDR_PIN_BENCH_WRITE)
		flags |= VADDR_PIN_WRITE;
	vaddr_pin_init(&vp, current->mm, file, &bench_ops);
	t0 = ktime_get_ns();
	for (done = 0; done < nr_pages; done += n) {
		n = call_pages(run, nr_pages, done);
		ret = vaddr_pin_user_pages(&vp, run->addr + (done << PAGE_SHIFT),
					   n << PAGE_SHIFT, flags, pages + done,
					   n);
		if (ret)
			break;
	}
	t1 = ktime_get_ns();
	for (i = 0; i < done; i += n) {
		n = call_pages(run, nr_pages, i);
		vaddr_unpin_user_pages(&vp, pages + i, n, false);
	}
	t2 = ktime_get_ns();
	vaddr_pin_teardown(&vp);
	run->pin_ns = t1 - t0;
	run->unpin_ns = t2 - t1;
	return ret;
}

static long bench_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vaddr_pin_bench_run __user *uarg = (void __user *)arg;
	struct vaddr_pin_bench_run run;
	unsigned long nr_pages;
	struct page **pages;
	int ret;

	if (cmd != VADDR_PIN_BENCH_IOC_RUN)
		return -ENOTTY;
	if (copy_from_user(&run, uarg, sizeof(run)))
		return -EFAULT;
	if ((run.flags & ~(VADDR_PIN_BENCH_WRITE | VADDR_PIN_BENCH_RAW)) ||
	    !run.pages_per_call || !run.len || !PAGE_ALIGNED(run.len) ||
	    !PAGE_ALIGNED(run.addr))
		return -EINVAL;
	if (run.len > VADDR_PIN_BENCH_MAX_PAGES << PAGE_SHIFT)
		return -E2BIG;

	nr_pages = run.len >> PAGE_SHIFT;
	pages = kvmalloc_array(nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	if (run.flags & VADDR_PIN_BENCH_RAW)
		ret = bench_raw(&run, pages, nr_pages);
	else
		ret = bench_vaddr_pin(file, &run, pages, nr_pages);
	kvfree(pages);
	if (ret)
		return ret;
	return copy_to_user(uarg, &run, sizeof(run)) ? -EFAULT : 0;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = bench_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct dentry *bench_dentry;

static int __init bench_init(void)
{
	bench_dentry = debugfs_create_file_unsafe("vaddr_pin_bench", 0600,
						  NULL, NULL, &bench_fops);
	return 0;
}
module_init(bench_init);

static void __exit bench_exit(void)
{
	debugfs_remove(bench_dentry);
}
module_exit(bench_exit);

MODULE_DESCRIPTION("Benchmark of vaddr_pin against pin_user_pages_fast()");
MODULE_LICENSE("GPL");
