// SPDX-License-Identifier: GPL-2.0
/*
 * vaddr_pin: long-term pins of user memory through a pinning context.
 *
 * Copyright (C) 2026 The vaddr_pin developers
 */

/**
 * DOC: vaddr_pin design
 *
 * A long-term pinner (an RDMA memory region, a device that DMAs into user
 * memory for hours) embeds a &struct vaddr_pin, its pinning context, and
 * takes every pin through it.  The context keeps one record, a
 * &struct vaddr_pin_range, for each run of pages that one
 * vaddr_pin_user_pages() call pinned within one VMA, so that everything a
 * context holds can be listed, charged and dropped without the caller's
 * help.  ``FOLL_*`` flags stay inside mm/: every pin is
 * ``FOLL_PIN | FOLL_LONGTERM``, plus ``FOLL_WRITE`` for %VADDR_PIN_WRITE.
 *
 * **Lifetime.** vaddr_pin_init() takes a reference on the mm_struct
 * (mmgrab(), not mmget(): a context must not keep an exiting process's
 * memory mapped) and vaddr_pin_teardown() drops it after unpinning whatever
 * the context still holds; an owner unpins its pins itself first, and
 * ``CONFIG_DEBUG_VADDR_PIN`` reports one that did not.  A pin call on
 * another process's mm takes a transient mmget() so that the address space
 * cannot be torn down under it (the caller's own cannot be); a pin on an
 * mm that has already exited fails with -EFAULT.  The caller's ``pages``
 * array is the handle of a pin: it must stay allocated and unchanged until
 * the pages are unpinned, by vaddr_unpin_user_pages() or by teardown.  A
 * record never holds a page array of its own, so its size does not depend
 * on how many pages it covers.
 *
 * **Accounting.** Pins are charged to ``mm->pinned_vm`` against
 * ``RLIMIT_MEMLOCK`` of the pinning task, as ib_umem charges memory
 * regions; ``CAP_IPC_LOCK`` lifts the limit but not the accounting.  The
 * charge is taken before pinning, so that an oversized request fails
 * before any work is done (all but the pages beside, below, which only
 * GUP finds).  The shared zero page is never pinned and never
 * charged: in private mappings GUP replaces it with a private copy before
 * a long-term pin (R/O long-term pins of COW mappings must stay coherent),
 * and where a shared mapping returns it (a read-only hole of a DAX file),
 * GUP takes no pin on it and vaddr_pin gives its charge back at once.
 * Page cache pinned for write leaves the dirty limits a folio at a time
 * (see "The pinning rule"), so a large folio that such a record holds in
 * part is written back and split, and one left whole (another pin or
 * reference holds it, a writer dirtied it again, the mapping's smallest
 * folio order) is charged whole: the pages beside the range too.  Each
 * record remembers what it charged and returns exactly that.
 *
 * **All or nothing.** A pin call either pins every page of the range and
 * records it, or pins nothing, charges nothing and returns an error.  The
 * VMAs are walked and the records allocated under the same ``mmap_lock``
 * read hold as the pin itself, so the records describe exactly the VMAs
 * that GUP pinned through.
 *
 * **Locking.** ``mmap_lock`` (read) is taken by the pin path only.
 * ``vp->lock`` is a spinlock that protects the records of returned calls,
 * an rbtree by the address of each record's slice of the caller's page
 * array (so that unpinning finds a call by its array in O(log n)), and their
 * flags; nothing sleeps and nothing is allocated under it, and no page is
 * unpinned under it.
 *
 * **The pinning rule.**  GUP refuses long-term pins of fsdax memory and
 * writable long-term pins of page-cache mappings, because nothing could take
 * them back when the filesystem needs the blocks.  vaddr_pin takes them
 * when, and only when, a layout lease is held through the very file that is
 * mapped (``vma->vm_file``): the VMA walk checks for it and refuses with
 * -EPERM when there is none, and pin_user_pages_leased(), GUP's entry for
 * vaddr_pin alone, skips those two refusals.
 *
 * Page cache pinned for write must also survive writeback while the
 * device writes into it with no ->page_mkwrite and no dirtying in between:
 * the filesystem keeps a pinned folio dirty, and must be able to write it
 * in place again and again.  Only the filesystem knows whether it can, so
 * each such record asks its &address_space_operations.pin_for_write once
 * tied, and a filesystem without it, or a range it cannot take (shared
 * reflinked extents), fails the call with -EOPNOTSUPP.  Asking after the
 * tie keeps the answer true: a reflink or dedupe that shares the blocks
 * later breaks the lease first.  Writeback keeps the folios of tied
 * records that are pinned for write dirty (folio_pinned_for_write()), and
 * the tie dirties those it cleaned since the pin.  Such page cache is
 * dirty for as long as it is pinned, so the dirty limits leave it out
 * (%NR_FILE_DIRTY_PINNED, counted once per folio by the registry).
 *
 * **Ties to leases.**  A pin of a file's memory taken while the mapped file
 * holds a layout lease is tied to that lease: each of its records goes into
 * the inode's registry (fs/file_pin_lease.c), where layout changes find it.
 * The VMA walk notes which files hold one; the ties are made after GUP,
 * still under ``mmap_lock``.  Pins taken before a lease was taken are not
 * tied to it.  No pin that needed a lease can stay untied:
 *
 * * munmap() and mmap() need ``mmap_lock`` for write, so the VMAs, and the
 *   files they map, are those the walk checked until every tie is made.
 * * A lease released between the walk and the tie makes the tie fail
 *   (the check and the insertion are one ``flc_lock`` section), and the
 *   call unpins everything and fails with -EPERM.  A lease released after
 *   the tie revokes the pin like any other tied to it.
 * * A layout change opens its break (under ``flc_lock``) before it looks
 *   for pins: a tie made before that is found and revoked, and a tie tried
 *   after it fails, so the call unpins and fails with -EAGAIN.  A change
 *   that ran to its end between GUP and the tie is seen by the tie, which
 *   checks that each page is still the file's at its offset.
 *
 * A revoke that hits a pin before its call has returned does not reach the
 * owner, who does not know the pin yet: it marks the call, and the call
 * unpins everything and fails with -EAGAIN, as it does when a tie fails.

 * **Revocation.** When a lease goes, the pins tied to it are revoked: a
 * revoker finds a record in the registry under the inode's ``flc_lock``,
 * takes a reference on it and counts itself in ``vp->revoking``, then, with
 * no lock held, asks the owner through &struct vaddr_pin_ops.revoke to give
 * back the whole pin call the record belongs to (at most once per call,
 * flagged on its first record).  The owner unpins with
 * vaddr_unpin_user_pages(), which unties the records.  Between the flag and
 * the callback the owner may unpin that call itself and pin anew with the
 * same page array; so the owner's callback confirms, under the lock that
 * orders its own pins and unpins, with vaddr_pin_revoking() that the array
 * it is given still names a call being revoked.  Teardown first unties
 * every record, so that no new revoker can find them, then waits for
 * ``vp->revoking`` to drop to zero before it unpins what is left: the
 * context outlives every revoker.  A pin whose owner has no revoke callback
 * stays pinned when its lease goes, in the registry, tied to no lease.
 *
 * **Listing.** Every context is on a global list, under its own spinlock,
 * from which /proc/<pid>/file_pins lists the ranges of one mm.
 *
 * Lock order: ``mmap_lock`` > the list of contexts > ``vp->lock`` > the
 * inode's ``flc_lock``.
 */

#define pr_fmt(fmt) "vaddr_pin: " fmt

#include <linux/dax.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/export.h>
#include <linux/kdev_t.h>
#include <linux/file_pin_lease.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/huge_mm.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/path.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vaddr_pin.h>
#include <linux/vaddr_pin_fail.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "internal.h"

/* === Records === */

/* vaddr_pin_range.flags */
#define VADDR_PIN_RANGE_WRITE	VADDR_PIN_WRITE
#define VADDR_PIN_RANGE_UNPINNED BIT(8)	/* taken out of its context */
#define VADDR_PIN_RANGE_REVOKE	BIT(9)	/* on a first record: revoke asked */
#define VADDR_PIN_RANGE_LEASED	BIT(10)	/* needs its lease: fsdax, writable */
#define VADDR_PIN_RANGE_DONE	BIT(11)	/* on a first record: call returned */
#define VADDR_PIN_RANGE_CACHE_WRITE BIT(12) /* page cache, pinned for write */

/**
 * struct vaddr_pin_range - one pinned run of pages within one VMA
 * @node: entry in &vaddr_pin.ranges, by @pages, under &vaddr_pin.lock,
 *	once its call has returned.
 * @list: entry on a private list instead, while its call is being made
 *	or while it is being released.
 * @pages: the pages, a slice of the caller's array.
 * @start: user virtual address of the first page.
 * @nr_pages: number of pages.
 * @nr_charged: pages charged to ``mm->pinned_vm`` (the zero page is not;
 *	the pages beside the range of a large folio held for write in part
 *	and left whole are).
 * @id: names the range in /proc/<pid>/file_pins, unique since boot.
 * @pinned_ns: ktime_get_boottime_ns() when pinned.
 * @flags: %VADDR_PIN_RANGE_WRITE, %VADDR_PIN_RANGE_UNPINNED,
 *	%VADDR_PIN_RANGE_REVOKE, %VADDR_PIN_RANGE_LEASED,
 *	%VADDR_PIN_RANGE_DONE, %VADDR_PIN_RANGE_CACHE_WRITE.
 * @nr_in_call: on the first record of a call, how many records the call
 *	made; they follow it on &vaddr_pin.ranges, as their slices of the
 *	caller's array follow its slice.
 * @vp: the context.
 * @call: the first record of the call that made this one (itself, on
 *	the first record).
 * @ref: one reference for being pinned, one for each revoker at work.
 * @fp: the file the pages belong to, its page offsets and the tie to a
 *	layout lease; no file for anonymous memory.
 *
 * Only @flags changes once the record is in its context, under
 * &vaddr_pin.lock, so readers under that lock see whole records.
 */
struct vaddr_pin_range {
	union {
		struct rb_node node;
		struct list_head list;
	};
	struct page **pages;
	unsigned long start;
	unsigned long nr_pages;
	unsigned long nr_charged;
	u64 id;
	u64 pinned_ns;
	unsigned int flags;
	unsigned int nr_in_call;
	struct vaddr_pin *vp;
	struct vaddr_pin_range *call;
	refcount_t ref;
	struct file_pin fp;
};

static struct kmem_cache *vaddr_pin_range_cache __ro_after_init;
static atomic64_t vaddr_pin_next_id = ATOMIC64_INIT(0);

#ifdef CONFIG_DEBUG_VADDR_PIN
/* Records allocated and not yet freed, for vaddr_pin_counts in debugfs. */
static atomic_long_t vaddr_pin_nr_records = ATOMIC_LONG_INIT(0);

static void count_records(long nr)
{
	atomic_long_add(nr, &vaddr_pin_nr_records);
}

/*
 * How long release_ranges() sleeps between untying a tied record and
 * unpinning its pages, at most 10 s: vaddr_pin_unpin_delay_ms in debugfs,
 * 0 but in a test that runs writeback and reclaim in that window.
 */
static unsigned int vaddr_pin_unpin_delay_ms;

static void unpin_delay(void)
{
	unsigned int ms = READ_ONCE(vaddr_pin_unpin_delay_ms);

	/* Bounded: the owner may hold its own locks here. */
	if (ms)
		msleep(min(ms, 10000U));
}
#else
static void count_records(long nr)
{
}

static void unpin_delay(void)
{
}
#endif

static struct vaddr_pin_range *range_alloc(void)
{
	struct vaddr_pin_range *range;

	if (vaddr_pin_should_fail())
		return NULL;
	range = kmem_cache_zalloc(vaddr_pin_range_cache, GFP_KERNEL);
	if (range)
		count_records(1);
	return range;
}

static void range_free(struct vaddr_pin_range *range)
{
	count_records(-1);
	kmem_cache_free(vaddr_pin_range_cache, range);
}

/* === Accounting === */

/* Charge @nr pages to @mm->pinned_vm, within the caller's RLIMIT_MEMLOCK. */
static int vaddr_pin_charge(struct mm_struct *mm, unsigned long nr)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	unsigned long pinned;

	if (vaddr_pin_should_fail())
		return -ENOMEM;
	pinned = atomic64_add_return(nr, &mm->pinned_vm);
	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(nr, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

static void vaddr_pin_uncharge(struct mm_struct *mm, unsigned long nr)
{
	atomic64_sub(nr, &mm->pinned_vm);
}

/* Keep @mm's address space for a pin call, unless it is the caller's own. */
static bool vaddr_pin_mm_get(struct mm_struct *mm)
{
	if (mm == current->mm)
		return true;
	return !vaddr_pin_should_fail() && mmget_not_zero(mm);
}

static void vaddr_pin_mm_put(struct mm_struct *mm)
{
	if (mm != current->mm)
		mmput(mm);
}

static unsigned long count_zero_pages(struct page **pages, unsigned long nr)
{
	unsigned long i, zero = 0;

	for (i = 0; i < nr; i++)
		zero += is_zero_page(pages[i]);
	return zero;
}

/* === Releasing === */

static int range_cmp(const void *pages, const struct rb_node *node)
{
	const struct vaddr_pin_range *range =
		rb_entry(node, struct vaddr_pin_range, node);

	if ((struct page **)pages < range->pages)
		return -1;
	return (struct page **)pages > range->pages;
}

static bool range_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct vaddr_pin_range, node)->pages <
	       rb_entry(b, struct vaddr_pin_range, node)->pages;
}

/* The record after @range in its context: the next of its call, if any. */
static struct vaddr_pin_range *next_range(struct vaddr_pin_range *range)
{
	return rb_entry_safe(rb_next(&range->node), struct vaddr_pin_range,
			     node);
}

/* The pages a call pinned, in all its records.  Under &vaddr_pin.lock. */
static unsigned long call_nr_pages(struct vaddr_pin_range *first)
{
	struct vaddr_pin_range *range = first;
	unsigned long nr_pages = range->nr_pages;
	unsigned int i;

	for (i = 1; i < first->nr_in_call; i++) {
		range = next_range(range);
		nr_pages += range->nr_pages;
	}
	return nr_pages;
}

/* Take the records of a call out of @vp, marked unpinned, onto @out. */
static void move_call(struct vaddr_pin *vp, struct vaddr_pin_range *first,
		      struct list_head *out)
{
	struct vaddr_pin_range *range = first, *next;
	unsigned int i;

	lockdep_assert_held(&vp->lock);
	for (i = first->nr_in_call; i; i--) {
		next = next_range(range);
		rb_erase(&range->node, &vp->ranges);
		range->flags |= VADDR_PIN_RANGE_UNPINNED;
		list_add_tail(&range->list, out);
		range = next;
	}
}

/* The first record of the returned call that pinned @pages, or NULL. */
static struct vaddr_pin_range *find_call(struct vaddr_pin *vp,
					 struct page **pages)
{
	struct vaddr_pin_range *first;

	lockdep_assert_held(&vp->lock);
	first = rb_entry_safe(rb_find(pages, &vp->ranges, range_cmp),
			      struct vaddr_pin_range, node);
	/* Not a slice of another call's array, which is no pin's handle. */
	return first && first->call == first ? first : NULL;
}

/*
 * Find the call that pinned @pages and, if it pinned @nr_pages pages, move
 * its records from @vp onto @out.  Returns the number of pages it pinned,
 * or 0 if @vp holds no such call.
 */
static unsigned long take_call(struct vaddr_pin *vp, struct page **pages,
			       unsigned long nr_pages, struct list_head *out)
{
	struct vaddr_pin_range *first;
	unsigned long found;

	lockdep_assert_held(&vp->lock);
	first = find_call(vp, pages);
	if (!first)
		return 0;

	found = call_nr_pages(first);
	if (found != nr_pages)
		return found;

	move_call(vp, first, out);
	return found;
}

/*
 * End a pin call whose records are on @ranges: unless tying them failed
 * (@ret) or a revoke hit them meanwhile, the call is done and its records
 * go into the context, where the owner may unpin them; else they stay on
 * @ranges, marked unpinned, so that revokers still holding them skip them.
 * Returns 0 or why the call fails.
 */
static int finish_call(struct vaddr_pin *vp, struct list_head *ranges,
		       int ret)
{
	struct vaddr_pin_range *first, *range, *next;

	first = list_first_entry(ranges, struct vaddr_pin_range, list);
	spin_lock(&vp->lock);
	/* A failure injected here stands for a revoke come meanwhile. */
	if (!ret && ((first->flags & VADDR_PIN_RANGE_REVOKE) ||
		     vaddr_pin_should_fail()))
		ret = -EAGAIN;
	if (!ret)
		first->flags |= VADDR_PIN_RANGE_DONE;
	list_for_each_entry_safe(range, next, ranges, list) {
		if (ret) {
			range->flags |= VADDR_PIN_RANGE_UNPINNED;
			continue;
		}
		list_del(&range->list);
		rb_add(&range->node, &vp->ranges, range_less);
	}
	spin_unlock(&vp->lock);
	return ret;
}

static void put_range(struct vaddr_pin_range *range)
{
	if (refcount_dec_and_test(&range->ref))
		range_free(range);
}

/* Dirty those of a record's pages that are clean, each under its lock. */
static void dirty_pages(struct vaddr_pin_range *range)
{
	unsigned long i;

	for (i = 0; i < range->nr_pages; i++)
		if (!PageDirty(range->pages[i]))
			set_page_dirty_lock(range->pages[i]);
}

/*
 * Untie, unpin and uncharge the records on @ranges, taken out of their
 * context, and drop them.
 */
static void release_ranges(struct mm_struct *mm, struct list_head *ranges,
			   bool make_dirty)
{
	struct vaddr_pin_range *range, *next;
	unsigned long charged = 0;

	list_for_each_entry_safe(range, next, ranges, list) {
		bool dirty = make_dirty && (range->flags & VADDR_PIN_RANGE_WRITE);
		bool tied;

		/*
		 * Page cache that writeback keeps dirty: dirtied while it
		 * still does, or a writeback after the untie could clean it
		 * and reclaim strip its buffers before the dirtying.
		 */
		if (dirty && range->fp.write) {
			dirty_pages(range);
			dirty = false;
		}
		tied = !RB_EMPTY_NODE(&range->fp.it.rb);
		file_pin_untie(&range->fp);
		if (tied)
			unpin_delay();
		unpin_user_pages_dirty_lock(range->pages, range->nr_pages,
					    dirty);
		charged += range->nr_charged;
		file_pin_put(&range->fp);
		list_del(&range->list);
		put_range(range);
	}
	vaddr_pin_uncharge(mm, charged);
}

/* === The list of contexts === */

/* Every context, for /proc/<pid>/file_pins. */
static LIST_HEAD(vaddr_pin_contexts);
static DEFINE_SPINLOCK(vaddr_pin_contexts_lock);	/* protects the list */

/* === Misuse reports: CONFIG_DEBUG_VADDR_PIN === */

#ifdef CONFIG_DEBUG_VADDR_PIN
static atomic_t vaddr_pin_nr_reports = ATOMIC_INIT(0);
static bool vaddr_pin_reports_expected;

/**
 * vaddr_pin_debug_reports() - how many misuses CONFIG_DEBUG_VADDR_PIN saw
 *
 * Return: the number of reports since boot.
 */
unsigned int vaddr_pin_debug_reports(void)
{
	return atomic_read(&vaddr_pin_nr_reports);
}
EXPORT_SYMBOL_IF_KUNIT(vaddr_pin_debug_reports);

/**
 * vaddr_pin_debug_expect_reports() - make reports quiet, for KUnit
 * @expect: true while a test provokes misuses on purpose
 *
 * An expected report is counted and logged without a warning.
 */
void vaddr_pin_debug_expect_reports(bool expect)
{
	WRITE_ONCE(vaddr_pin_reports_expected, expect);
}
EXPORT_SYMBOL_IF_KUNIT(vaddr_pin_debug_expect_reports);

/*
 * Report a misuse of @vp: with a warning the first time, a line after that,
 * a quiet line when KUnit provokes it.  Every one is counted.
 */
static __printf(2, 3) void vaddr_pin_report(struct vaddr_pin *vp,
					    const char *fmt, ...)
{
	static bool warned;
	struct va_format vaf;
	va_list args;

	atomic_inc(&vaddr_pin_nr_reports);
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (READ_ONCE(vaddr_pin_reports_expected))
		pr_info("%pV (owner %pD)\n", &vaf, vp->owner);
	else if (!xchg(&warned, true))
		WARN(1, pr_fmt("%pV (owner %pD)\n"), &vaf, vp->owner);
	else
		pr_warn("%pV (owner %pD)\n", &vaf, vp->owner);
	va_end(args);
}

/* The context other than @vp holding a pin whose page array is @pages. */
static struct vaddr_pin *other_context_of(struct vaddr_pin *vp,
					  struct page **pages)
{
	struct vaddr_pin *other, *found = NULL;

	spin_lock(&vaddr_pin_contexts_lock);
	list_for_each_entry(other, &vaddr_pin_contexts, node) {
		if (other == vp)
			continue;
		spin_lock(&other->lock);
		if (find_call(other, pages))
			found = other;
		spin_unlock(&other->lock);
		if (found)
			break;
	}
	spin_unlock(&vaddr_pin_contexts_lock);
	return found;
}

/*
 * vaddr_unpin_user_pages() found @found pages pinned with @pages where it
 * was asked for @nr_pages.
 */
static void report_bad_unpin(struct vaddr_pin *vp, struct page **pages,
			     unsigned long nr_pages, unsigned long found)
{
	struct vaddr_pin *other;

	if (found) {
		vaddr_pin_report(vp, "unpin of %lu pages of a pin of %lu",
				 nr_pages, found);
		return;
	}
	other = other_context_of(vp, pages);
	if (other)
		/* Reading @other->owner unlocked: it outlives its context. */
		vaddr_pin_report(vp, "unpin of %lu pages of a pin of %pD's context",
				 nr_pages, other->owner);
	else
		vaddr_pin_report(vp, "unpin of %lu pages not pinned (unpinned twice?)",
				 nr_pages);
}

/* Teardown found @range, the first of those the owner did not unpin. */
static void report_teardown(struct vaddr_pin *vp,
			    struct vaddr_pin_range *range)
{
	vaddr_pin_report(vp, "torn down with pins, the first %lu pages at %#lx",
			 range->nr_pages, range->start);
}

/*
 * How long the pins of a context may outlive its mm.  An mm normally goes
 * with pins still recorded: do_exit() drops the mm before it closes the
 * files that own the contexts (an RDMA device file, the test pinner).  Pins
 * still there this much later, with the owner's file still open, belong to
 * an owner that did not go with its process (a file passed on or leaked):
 * that is reported.  A release still unpinning (many pins, a slow machine)
 * is not: teardown reports what its owner left.
 */
static unsigned int vaddr_pin_exit_grace_ms = 10000;

static void exit_check(struct work_struct *work)
{
	struct vaddr_pin *vp = container_of(to_delayed_work(work),
					    struct vaddr_pin, exit_check);
	struct vaddr_pin_range *range;
	struct rb_node *node;

	/* A release under way (f_count 0) unpins, or reports the rest. */
	if (vp->owner && !file_count(vp->owner))
		return;
	spin_lock(&vp->lock);
	node = rb_first(&vp->ranges);
	if (node) {
		range = rb_entry(node, struct vaddr_pin_range, node);
		vaddr_pin_report(vp, "pins outlived their mm by %u ms, the first %lu pages at %#lx",
				 vaddr_pin_exit_grace_ms, range->nr_pages,
				 range->start);
	}
	spin_unlock(&vp->lock);
}

static void exit_check_init(struct vaddr_pin *vp)
{
	INIT_DELAYED_WORK(&vp->exit_check, exit_check);
}

/* Once @vp is off the list of contexts, nothing queues the check again. */
static void exit_check_cancel(struct vaddr_pin *vp)
{
	cancel_delayed_work_sync(&vp->exit_check);
}

/**
 * vaddr_pin_mm_exit() - an address space is going away
 * @mm: the mm, from exit_mmap()
 *
 * Checks, vaddr_pin_exit_grace_ms later, that the contexts pinning @mm's
 * memory have dropped their pins.
 */
void vaddr_pin_mm_exit(struct mm_struct *mm)
{
	unsigned long delay = msecs_to_jiffies(READ_ONCE(vaddr_pin_exit_grace_ms));
	struct vaddr_pin *vp;

	spin_lock(&vaddr_pin_contexts_lock);
	list_for_each_entry(vp, &vaddr_pin_contexts, node) {
		if (vp->mm != mm)
			continue;
		spin_lock(&vp->lock);
		if (!RB_EMPTY_ROOT(&vp->ranges))
			queue_delayed_work(system_unbound_wq, &vp->exit_check,
					   delay);
		spin_unlock(&vp->lock);
	}
	spin_unlock(&vaddr_pin_contexts_lock);
}
EXPORT_SYMBOL_IF_KUNIT(vaddr_pin_mm_exit);

/*
 * /sys/kernel/debug/vaddr_pin_counts: what is alive, one "name value" per
 * line, for tests that check that nothing leaked.
 */
static int vaddr_pin_counts_show(struct seq_file *m, void *v)
{
	unsigned int contexts = 0;
	struct vaddr_pin *vp;

	spin_lock(&vaddr_pin_contexts_lock);
	list_for_each_entry(vp, &vaddr_pin_contexts, node)
		contexts++;
	spin_unlock(&vaddr_pin_contexts_lock);
	seq_printf(m, "contexts %u\n", contexts);
	seq_printf(m, "records %ld\n", atomic_long_read(&vaddr_pin_nr_records));
	seq_printf(m, "reports %u\n", vaddr_pin_debug_reports());
	seq_printf(m, "missed_breaks %u\n", file_pin_debug_missed_breaks(false));
	seq_printf(m, "skipped_breaks %u\n", file_pin_debug_missed_breaks(true));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vaddr_pin_counts);

static void vaddr_pin_debug_init(void)
{
	debugfs_create_file("vaddr_pin_counts", 0400, NULL, NULL,
			    &vaddr_pin_counts_fops);
	debugfs_create_u32("vaddr_pin_exit_grace_ms", 0600, NULL,
			   &vaddr_pin_exit_grace_ms);
	debugfs_create_u32("vaddr_pin_unpin_delay_ms", 0600, NULL,
			   &vaddr_pin_unpin_delay_ms);
}
#else
static void report_bad_unpin(struct vaddr_pin *vp, struct page **pages,
			     unsigned long nr_pages, unsigned long found)
{
	WARN_ON_ONCE(1);
}

static void report_teardown(struct vaddr_pin *vp,
			    struct vaddr_pin_range *range)
{
}

static void exit_check_init(struct vaddr_pin *vp)
{
}

static void exit_check_cancel(struct vaddr_pin *vp)
{
}

static void vaddr_pin_debug_init(void)
{
}
#endif /* CONFIG_DEBUG_VADDR_PIN */

/* === Pinning === */

static void free_ranges(struct list_head *ranges)
{
	struct vaddr_pin_range *range, *next;

	list_for_each_entry_safe(range, next, ranges, list) {
		list_del(&range->list);
		file_pin_put(&range->fp);
		range_free(range);
	}
}

/*
 * GUP refuses long-term pins of fsdax memory, and writable long-term pins
 * of file mappings that need dirty tracking (the page cache), because
 * nothing could take them back when the filesystem needs the blocks.  They
 * are for pins tied to a layout lease held through the mapped file
 * (%VADDR_PIN_RANGE_LEASED); the page cache also stays dirty while pinned
 * (%VADDR_PIN_RANGE_CACHE_WRITE, see "The pinning rule").
 */
static unsigned int vma_lease_flags(struct vm_area_struct *vma,
				    unsigned int flags)
{
	if (vma_is_fsdax(vma))
		return VADDR_PIN_RANGE_LEASED;
	if ((flags & VADDR_PIN_WRITE) && vma_needs_dirty_tracking(vma))
		return VADDR_PIN_RANGE_LEASED | VADDR_PIN_RANGE_CACHE_WRITE;
	return 0;
}

/*
 * Allocate one record per VMA that [@start, @end) crosses, in address order,
 * onto @ranges.  A hole fails the call with -EFAULT, and a VMA that needs a
 * layout lease but has none with -EPERM, before anything is pinned; other
 * permissions are left to GUP, which knows them best.
 */
static int alloc_ranges(struct mm_struct *mm, unsigned long start,
			unsigned long end, unsigned int flags,
			struct list_head *ranges)
{
	struct vaddr_pin_range *range;
	struct vm_area_struct *vma;
	unsigned long addr = start;
	struct vma_iterator vmi;
	unsigned int lease_flags;
	bool leased;

	mmap_assert_locked(mm);
	vma_iter_init(&vmi, mm, start);
	for_each_vma_range(vmi, vma, end) {
		if (vma->vm_start > addr)
			break;
		leased = vma->vm_file && file_has_layout_lease(vma->vm_file);
		lease_flags = vma_lease_flags(vma, flags);
		if (lease_flags && !leased)
			return -EPERM;
		/*
		 * Writeback of such a mapping needs its pages to stay as they
		 * are while it writes them (a checksum, some RAID levels); a
		 * device writes to pinned page cache at any time.
		 */
		if ((lease_flags & VADDR_PIN_RANGE_CACHE_WRITE) &&
		    mapping_stable_writes(vma->vm_file->f_mapping))
			return -EOPNOTSUPP;
		range = range_alloc();
		if (!range)
			return -ENOMEM;
		file_pin_init(&range->fp);
		range->start = addr;
		addr = min(end, vma->vm_end);
		range->nr_pages = (addr - range->start) >> PAGE_SHIFT;
		range->flags = lease_flags;
		/* A private mapping's writes go to anonymous copies. */
		range->fp.for_write = (flags & VADDR_PIN_WRITE) &&
				      (vma->vm_flags & VM_SHARED);
		if (vma->vm_file) {
			/* The file and its pages, for the listing and a tie. */
			path_get(&vma->vm_file->f_path);
			range->fp.path = vma->vm_file->f_path;
			range->fp.it.start = linear_page_index(vma, range->start);
			range->fp.it.last = range->fp.it.start +
					    range->nr_pages - 1;
		}
		/* To be tied once pinned. */
		if (leased)
			range->fp.lease_file = vma->vm_file;
		list_add_tail(&range->list, ranges);
	}
	return addr == end ? 0 : -EFAULT;
}

/*
 * pin_user_pages_leased(); a failure injected here pins half of the range,
 * or nothing, as GUP does when it meets a page it cannot pin.
 */
static long pin_pages(struct mm_struct *mm, unsigned long start,
		      unsigned long nr_pages, unsigned int gup_flags,
		      struct page **pages)
{
	if (vaddr_pin_should_fail()) {
		nr_pages /= 2;
		if (!nr_pages)
			return -ENOMEM;
	}
	return pin_user_pages_leased(mm, start, nr_pages, gup_flags, pages);
}

/* Pin all @nr_pages pages at @start, or none: 0, or why not. */
static int pin_all(struct mm_struct *mm, unsigned long start,
		   unsigned long nr_pages, unsigned int gup_flags,
		   struct page **pages)
{
	long pinned = pin_pages(mm, start, nr_pages, gup_flags, pages);

	if (pinned == nr_pages)
		return 0;
	if (pinned > 0)
		unpin_user_pages(pages, pinned);
	return pinned < 0 ? pinned : -EFAULT;
}

/*
 * Page cache pinned for write stays dirty and out of the dirty limits a
 * whole folio at a time, but is charged a page at a time: a pin of one page
 * of a 2 MiB folio would keep 512 pages out of the limits for the charge of
 * one.  So a large folio at either end of such a record that the record
 * does not cover whole is split, before GUP if it is in the page cache
 * then, else after it (the call unpins, splits and pins again, once); what
 * cannot be split is charged whole.
 */

/*
 * The filesystem's answer to a record's pin for write, which the tie asks
 * for: also asked before a split, whose writeback could change it (a
 * write fault on shared blocks of xfs copies them on writeback).
 */
static int fs_pin_for_write(struct vaddr_pin_range *range, struct file *file)
{
	/* Read once: ext4 changes a_ops when data journalling is toggled. */
	const struct address_space_operations *a_ops =
		READ_ONCE(file->f_mapping->a_ops);
	loff_t pos = (loff_t)range->fp.it.start << PAGE_SHIFT;

	if (!a_ops->pin_for_write)
		return -EOPNOTSUPP;
	return a_ops->pin_for_write(file, pos,
				    (loff_t)range->nr_pages << PAGE_SHIFT);
}

/* The pages of @folio of the page cache outside [@start, @last]. */
static unsigned long folio_pages_outside(struct folio *folio, pgoff_t start,
					 pgoff_t last)
{
	pgoff_t end = folio->index + folio_nr_pages(folio) - 1;

	return folio_nr_pages(folio) -
	       (min(end, last) - max(folio->index, start) + 1);
}

/*
 * Can @folio of @mapping be split, @our_pins of its pins being the
 * caller's?  Not if another pin holds it (it could not be, and writing
 * it back would only rewrite a pinned folio) or if it is as small as the
 * mapping allows.
 */
static bool folio_splittable(struct folio *folio,
			     struct address_space *mapping, int our_pins)
{
	return IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) &&
	       folio_test_large(folio) &&
	       folio_order(folio) > mapping_min_folio_order(mapping) &&
	       atomic_read(&folio->_pincount) == our_pins;
}

/*
 * Write back a large folio of @mapping that the caller holds a reference
 * on, and no pin, and split it as far as the mapping allows: the iomap
 * filesystems keep the block state of a dirty folio, which cannot be
 * split.  A writeback error stays for the tie's write and fsync() to see.
 */
static void split_clean(struct address_space *mapping, struct folio *folio)
{
	loff_t pos = folio_pos(folio), end = pos + folio_size(folio) - 1;
	int order, tries = 2;

	if (filemap_fdatawrite_range(mapping, pos, end) ||
	    filemap_fdatawait_range_keep_errors(mapping, pos, end))
		return;
	folio_lock(folio);
	/* A transient reference (a page-cache lookup) fails it once. */
	while (folio->mapping == mapping && folio_test_large(folio) && tries--) {
		order = min_order_for_split(folio);
		if (order < 0 || order >= folio_order(folio) ||
		    split_folio_to_order(folio, order) != -EAGAIN)
			break;
	}
	folio_unlock(folio);
}

/* Before GUP: split the large folios a record for write holds in part. */
static void split_range_ends(struct vaddr_pin_range *range)
{
	struct address_space *mapping;
	pgoff_t ends[2] = { range->fp.it.start, range->fp.it.last };
	struct folio *folio;
	int i;

	if (!(range->flags & VADDR_PIN_RANGE_CACHE_WRITE))
		return;
	mapping = range->fp.lease_file->f_mapping;
	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		folio = filemap_get_folio(mapping, ends[i]);
		if (IS_ERR(folio))
			continue;
		/* The filesystem is asked last: xfs walks its extents. */
		if (folio_splittable(folio, mapping, 0) &&
		    folio_pages_outside(folio, range->fp.it.start,
					range->fp.it.last) &&
		    !fs_pin_for_write(range, range->fp.lease_file))
			split_clean(mapping, folio);
		folio_put(folio);
	}
}

/*
 * After GUP: the pages of @page's folio that a record for write does not
 * cover, @page being its page at offset @index, or 0 if @page is no
 * longer the file's there (the tie fails the call).  With @splittable,
 * only if the folio can be split.
 */
static unsigned long pages_beside(struct vaddr_pin_range *range,
				  struct page *page, pgoff_t index,
				  bool splittable)
{
	struct address_space *mapping;
	struct folio *folio = page_folio(page);
	int ours;

	if (!(range->flags & VADDR_PIN_RANGE_CACHE_WRITE) ||
	    !folio_test_large(folio))
		return 0;
	mapping = range->fp.lease_file->f_mapping;
	if (READ_ONCE(folio->mapping) != mapping ||
	    folio->index + folio_page_idx(folio, page) != index)
		return 0;
	/* Our pins of it: the record's pages in it, as GUP pins each. */
	ours = folio_nr_pages(folio) -
	       folio_pages_outside(folio, range->fp.it.start,
				   range->fp.it.last);
	if (splittable && !folio_splittable(folio, mapping, ours))
		return 0;
	return folio_nr_pages(folio) - ours;
}

/*
 * The pages beside a record's end folios, @pages[0] and its last page; the
 * folios with any go into @ends, the others are NULL there.
 */
static unsigned long range_pages_beside(struct vaddr_pin_range *range,
					struct page **pages, bool splittable,
					struct folio **ends)
{
	struct page *first = pages[0], *last = pages[range->nr_pages - 1];
	unsigned long first_beside, last_beside = 0;

	first_beside = pages_beside(range, first, range->fp.it.start,
				    splittable);
	if (page_folio(last) != page_folio(first))
		last_beside = pages_beside(range, last, range->fp.it.last,
					   splittable);
	ends[0] = first_beside ? page_folio(first) : NULL;
	ends[1] = last_beside ? page_folio(last) : NULL;
	return first_beside + last_beside;
}

struct folio_to_split {
	struct address_space *mapping;
	struct folio *folio;
};

/*
 * Note in @split, with a reference, up to @max large folios that records
 * of a call for write hold in part and that could be split, each once;
 * with no @split, count them.
 */
static unsigned int note_folios_to_split(struct list_head *ranges,
					 struct page **pages,
					 struct folio_to_split *split,
					 unsigned int max)
{
	struct vaddr_pin_range *range;
	struct folio *ends[2];
	unsigned int n = 0, i;

	list_for_each_entry(range, ranges, list) {
		range_pages_beside(range, pages, true, ends);
		pages += range->nr_pages;
		/* The tie refuses it: leave its blocks as they are. */
		if ((ends[0] || ends[1]) &&
		    fs_pin_for_write(range, range->fp.lease_file))
			continue;
		for (i = 0; i < ARRAY_SIZE(ends); i++) {
			if (!ends[i] || n == max)
				continue;
			if (!split) {
				n++;
				continue;
			}
			/* Two records of one folio are next to each other. */
			if (n && split[n - 1].folio == ends[i])
				continue;
			folio_get(ends[i]);
			split[n].mapping = range->fp.lease_file->f_mapping;
			split[n++].folio = ends[i];
		}
	}
	return n;
}

/*
 * After GUP: if records of the call hold in part large folios for write
 * that GUP faulted in and that could be split, unpin the call's @nr_pages
 * @pages, split those folios and return true: the caller pins again.
 * Else, or with no memory to note them, change nothing.
 */
static bool unpin_to_split(struct list_head *ranges, struct page **pages,
			   unsigned long nr_pages)
{
	unsigned int n = note_folios_to_split(ranges, pages, NULL, UINT_MAX);
	struct folio_to_split *split;
	unsigned int i;

	if (!n)
		return false;
	split = kmalloc_array(n, sizeof(*split), GFP_KERNEL | __GFP_NOWARN);
	if (!split)
		return false;
	n = note_folios_to_split(ranges, pages, split, n);
	if (n)
		unpin_user_pages(pages, nr_pages);
	for (i = 0; i < n; i++) {
		split_clean(split[i].mapping, split[i].folio);
		folio_put(split[i].folio);
	}
	kfree(split);
	return n;
}

/* Before GUP: split the large folios that records for write hold in part. */
static void split_ends_before_pin(struct list_head *ranges)
{
	struct vaddr_pin_range *range;

	list_for_each_entry(range, ranges, list)
		split_range_ends(range);
}

/*
 * Note in each record the pages beside its end folios, which it is charged
 * for too, and return their sum.
 */
static unsigned long note_pages_beside(struct list_head *ranges,
				       struct page **pages)
{
	struct vaddr_pin_range *range;
	struct folio *ends[2];
	unsigned long sum = 0;

	list_for_each_entry(range, ranges, list) {
		range->nr_charged = range_pages_beside(range, pages, false,
						       ends);
		sum += range->nr_charged;
		pages += range->nr_pages;
	}
	return sum;
}

/*
 * Fill in the records of a successful call, whose pages beside are noted,
 * and return what they are charged.
 */
static unsigned long fill_ranges(struct vaddr_pin *vp,
				 struct list_head *ranges, unsigned int flags,
				 struct page **pages)
{
	struct vaddr_pin_range *range, *first;
	u64 now = ktime_get_boottime_ns();
	unsigned long charged = 0;
	unsigned int nr = 0;

	first = list_first_entry(ranges, struct vaddr_pin_range, list);
	list_for_each_entry(range, ranges, list) {
		range->vp = vp;
		range->call = first;
		refcount_set(&range->ref, 1);
		range->pages = pages;
		range->nr_charged += range->nr_pages -
				     count_zero_pages(pages, range->nr_pages);
		range->pinned_ns = now;
		range->id = atomic64_inc_return(&vaddr_pin_next_id);
		range->flags |= flags & VADDR_PIN_RANGE_WRITE;
		charged += range->nr_charged;
		pages += range->nr_pages;
		nr++;
	}
	first->nr_in_call = nr;
	return charged;
}

/* Can the filesystem keep a tied record's page cache pinned for write? */
static int fs_allows_pin_for_write(struct vaddr_pin_range *range,
				   struct file *file)
{
	if (vaddr_pin_should_fail())
		return -EOPNOTSUPP;
	return fs_pin_for_write(range, file);
}

/*
 * Are a tied record's pages still the file's, at their offsets?  A layout
 * change that ran to its end between GUP and the tie found no pin to
 * break, and what it took out of the file shows here: the call fails with
 * -EAGAIN, as if it had met the break.  A pin never holds a hole: a read
 * fault on a hole of an fsdax file maps the zero page (or the huge one),
 * which a later write would replace with a block behind the pin
 * (-EFAULT).  Nor does a read pin hold an fsdax block shared with another
 * file (reflink), which a later write would copy away from behind it
 * (-EOPNOTSUPP, as for page cache of shared blocks pinned for write); a
 * write pin faulted the copy in already.  A shared fsdax page names no
 * single file to check, and the anonymous copy of a private mapping is
 * none of the file's.
 */
static int range_pages_in_file(struct vaddr_pin_range *range,
			       struct file *file)
{
	struct address_space *mapping = file->f_mapping;
	unsigned long i;

	for (i = 0; i < range->nr_pages; i++) {
		struct page *page = range->pages[i];
		struct folio *folio = page_folio(page);
		struct address_space *m = READ_ONCE(folio->mapping);

		if (is_zero_folio(folio) || is_huge_zero_folio(folio))
			return -EFAULT;
		if (m == PAGE_MAPPING_DAX_SHARED) {
			if (!(range->flags & VADDR_PIN_RANGE_WRITE))
				return -EOPNOTSUPP;
			continue;
		}
		/* A private mapping's copy is no page of the file. */
		if (folio_test_anon(folio))
			continue;
		if (m != mapping || folio->index + folio_page_idx(folio, page) !=
				    range->fp.it.start + i)
			return -EAGAIN;
	}
	return 0;
}

/*
 * Keep a tied record's page cache dirty from now on, once its filesystem
 * said it can, and dirty what writeback cleaned since GUP.  From now on
 * only writeback for data integrity writes it (folio_writeback_passes_over()),
 * so write it once now if no other pin held it for write: its delayed
 * blocks are allocated and its unwritten ones converted, as background
 * writeback would have, and the device writes to real blocks.
 */
static int start_write(struct vaddr_pin_range *range, struct file *file)
{
	loff_t pos = (loff_t)range->fp.it.start << PAGE_SHIFT;
	loff_t end = ((loff_t)range->fp.it.last + 1) << PAGE_SHIFT;
	struct address_space *mapping = file->f_mapping;
	int err = fs_allows_pin_for_write(range, file), wb_err;
	errseq_t since;
	bool first;

	if (err)
		return err;
	first = file_pin_start_write(&range->fp, range->pages);
	dirty_pages(range);
	if (!first)
		return 0;
	/*
	 * Fail on an error of this writeback, or on one nobody saw yet (once:
	 * it is seen then), not on the AS_EIO of an earlier one; the files
	 * open on the inode still see it at their fsync().
	 */
	since = filemap_sample_wb_err(mapping);
	err = filemap_fdatawrite_range(mapping, pos, end - 1);
	/* Killed while waiting for the thaw of a frozen filesystem. */
	if (err == -ERESTARTSYS)
		return -EINTR;
	if (err != -EIO)
		filemap_fdatawait_range_keep_errors(mapping, pos, end - 1);
	wb_err = errseq_check_and_advance(&mapping->wb_err, &since);
	return err ?: wb_err;
}

/*
 * Tie the records of a call whose file holds a layout lease to that lease.
 * Under the mmap_lock that keeps the files mapped.  Fails if a record that
 * needs its lease lost it since the VMA walk, if a layout change over a
 * record is under way, or if the filesystem refuses to keep a record's
 * page cache pinned for write; once one fails, the rest are left untied.
 */
static int tie_ranges(struct list_head *ranges)
{
	struct vaddr_pin_range *range;
	int ret = 0;

	list_for_each_entry(range, ranges, list) {
		struct file *file;
		int err;

		file = range->fp.lease_file;
		range->fp.lease_file = NULL;
		if (!file || ret)
			continue;
		err = file_pin_tie(&range->fp, file);
		if (!err)
			err = range_pages_in_file(range, file);
		/* The next fsync() flushes what the device writes. */
		if (!err && range->fp.for_write && IS_DAX(file_inode(file)))
			dax_mark_pinned_dirty(file->f_mapping, range->fp.it.start,
					      range->fp.it.last);
		if (!err && (range->flags & VADDR_PIN_RANGE_CACHE_WRITE))
			err = start_write(range, file);
		if (err == -EAGAIN ||
		    (err && (range->flags & VADDR_PIN_RANGE_LEASED)))
			ret = err;
	}
	return ret;
}

/**
 * vaddr_pin_user_pages() - pin user pages for long-term use by a device
 * @vp: the pinning context
 * @start: page-aligned user virtual address in @vp->mm
 * @len: length in bytes, a non-zero multiple of PAGE_SIZE
 * @flags: %VADDR_PIN_WRITE if the device will write to the pages
 * @pages: array that receives the pinned pages; it is the handle of the
 *	pin and must stay allocated and unchanged until they are unpinned
 * @max_pages: number of entries in @pages
 *
 * Pins every page of [@start, @start + @len) with ``FOLL_PIN |
 * FOLL_LONGTERM``, faulting them in (for write with %VADDR_PIN_WRITE), and
 * charges them to ``@vp->mm->pinned_vm`` as described in the DOC section.
 * It pins all of the range or nothing.
 *
 * Context: Process context; may sleep.  Takes and releases ``mmap_lock``
 * of @vp->mm, so the caller must not hold it.
 * Return:
 * * %0          - every page is pinned and recorded.
 * * %-EINVAL    - @len is 0, @start or @len is not page aligned, or
 *                 @flags has an unknown bit.
 * * %-EOVERFLOW - @start + @len wraps around.
 * * %-E2BIG     - the range has more pages than @max_pages.
 * * %-EPERM     - part of the range is fsdax memory, or a page-cache
 *                 mapping pinned with %VADDR_PIN_WRITE, and no layout lease
 *                 is held through the mapped file.
 * * %-EFAULT    - part of the range is not mapped, not accessible as asked
 *                 (PROT_NONE, read-only with %VADDR_PIN_WRITE), is a
 *                 VM_IO or VM_PFNMAP mapping, could not be pinned, is a
 *                 hole of a leased fsdax file pinned without
 *                 %VADDR_PIN_WRITE, or @vp->mm has exited.
 * * %-EOPNOTSUPP - part of the range is page cache pinned with
 *                 %VADDR_PIN_WRITE that its filesystem cannot keep
 *                 pinned for write (``->pin_for_write``): it has no such
 *                 method (e.g. ext4 data=journal), the blocks are shared
 *                 with another file (reflink), or its backing device
 *                 needs stable pages during writeback; or part of it is an
 *                 fsdax block shared with another file, pinned without
 *                 %VADDR_PIN_WRITE.
 * * %-EAGAIN    - a layout change over part of the range is under way or
 *                 took pages of it out of the file meanwhile, or the lease
 *                 the range was tied to went before the call returned.
 * * %-ETXTBSY   - part of the range is fsdax memory or page cache pinned
 *                 with %VADDR_PIN_WRITE of a swap file (swap writes its
 *                 blocks behind the page cache).
 * * %-ENOMEM    - RLIMIT_MEMLOCK would be exceeded, or out of memory.
 * * %-ENOSPC, %-EIO - the first write of page cache pinned with
 *                 %VADDR_PIN_WRITE failed (its blocks could not be
 *                 allocated or written), as fsync() would report it.
 * * %-EINTR     - a fatal signal arrived while waiting for ``mmap_lock``,
 *                 or for the thaw of a frozen filesystem before that write.
 */
int vaddr_pin_user_pages(struct vaddr_pin *vp, unsigned long start,
			 unsigned long len, unsigned int flags,
			 struct page **pages, unsigned long max_pages)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	unsigned long nr_pages, end, charged, beside;
	struct mm_struct *mm = vp->mm;
	LIST_HEAD(ranges);
	int ret;

	if (!len || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(len) ||
	    (flags & ~VADDR_PIN_WRITE))
		return -EINVAL;
	if (check_add_overflow(start, len, &end))
		return -EOVERFLOW;
	nr_pages = len >> PAGE_SHIFT;
	if (nr_pages > max_pages)
		return -E2BIG;
	if (flags & VADDR_PIN_WRITE)
		gup_flags |= FOLL_WRITE;

	if (!vaddr_pin_mm_get(mm))
		return -EFAULT;
	ret = vaddr_pin_charge(mm, nr_pages);
	if (ret)
		goto out_mmput;
	ret = vaddr_pin_should_fail() ? -EINTR : mmap_read_lock_killable(mm);
	if (ret)
		goto out_uncharge;

	ret = alloc_ranges(mm, start, end, flags, &ranges);
	if (ret)
		goto out_unlock;
	split_ends_before_pin(&ranges);
	ret = pin_all(mm, start, nr_pages, gup_flags, pages);
	if (!ret && unpin_to_split(&ranges, pages, nr_pages))
		ret = pin_all(mm, start, nr_pages, gup_flags, pages);
	if (ret)
		goto out_unlock;
	beside = note_pages_beside(&ranges, pages);
	if (beside && vaddr_pin_charge(mm, beside)) {
		unpin_user_pages(pages, nr_pages);
		ret = -ENOMEM;
		goto out_unlock;
	}
	charged = fill_ranges(vp, &ranges, flags, pages);
	if (charged != nr_pages + beside)
		vaddr_pin_uncharge(mm, nr_pages + beside - charged);
	ret = finish_call(vp, &ranges, tie_ranges(&ranges));
	mmap_read_unlock(mm);
	if (ret)
		release_ranges(mm, &ranges, false);
	vaddr_pin_mm_put(mm);
	return ret;

out_unlock:
	mmap_read_unlock(mm);
	free_ranges(&ranges);
out_uncharge:
	vaddr_pin_uncharge(mm, nr_pages);
out_mmput:
	vaddr_pin_mm_put(mm);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vaddr_pin_user_pages, VADDR_PIN);

/**
 * vaddr_unpin_user_pages() - unpin pages pinned by vaddr_pin_user_pages()
 * @vp: the pinning context that pinned them
 * @pages: the array that vaddr_pin_user_pages() filled
 * @nr_pages: the number of pages it pinned
 * @make_dirty: mark the pages dirty first, as unpin_user_pages_dirty_lock()
 *	does; ignored for pages pinned without %VADDR_PIN_WRITE
 *
 * Unpins the pages, drops their records and returns their charge.  Unpinning
 * something the context did not pin, or a different number of pages than
 * were pinned, is a caller bug: it warns once and changes nothing.
 *
 * Context: Process context; may sleep (dirtying takes the folio lock).
 */
void vaddr_unpin_user_pages(struct vaddr_pin *vp, struct page **pages,
			    unsigned long nr_pages, bool make_dirty)
{
	LIST_HEAD(ranges);
	unsigned long found;

	spin_lock(&vp->lock);
	found = take_call(vp, pages, nr_pages, &ranges);
	spin_unlock(&vp->lock);
	if (found != nr_pages) {
		report_bad_unpin(vp, pages, nr_pages, found);
		return;
	}
	release_ranges(vp->mm, &ranges, make_dirty);
}
EXPORT_SYMBOL_NS_GPL(vaddr_unpin_user_pages, VADDR_PIN);

/**
 * vaddr_pin_revoking() - is a pin being revoked?
 * @vp: the pinning context
 * @pages: the page array of a pin of @vp
 *
 * For the owner's &struct vaddr_pin_ops.revoke: a revoke may race the
 * owner's own unpin of the pin it names, and @pages may by then name a new
 * pin, which must be left alone.  Asked under the lock that orders the
 * owner's pins and unpins, the answer holds until that lock is dropped.
 *
 * Context: Any context that may take a spinlock.
 * Return: true if @vp holds a pin whose page array is @pages and its
 * revocation has been asked for.
 */
bool vaddr_pin_revoking(struct vaddr_pin *vp, struct page **pages)
{
	struct vaddr_pin_range *first;
	bool revoking;

	spin_lock(&vp->lock);
	first = find_call(vp, pages);
	revoking = first && (first->flags & VADDR_PIN_RANGE_REVOKE);
	spin_unlock(&vp->lock);
	return revoking;
}
EXPORT_SYMBOL_NS_GPL(vaddr_pin_revoking, VADDR_PIN);

/* === Revocation, for fs/file_pin_lease.c === */

static struct vaddr_pin_range *file_pin_range(struct file_pin *fp)
{
	return container_of(fp, struct vaddr_pin_range, fp);
}

/* Can the owner of the pin take it back?  Under the inode's flc_lock. */
bool vaddr_pin_file_pin_revocable(struct file_pin *fp)
{
	const struct vaddr_pin_ops *ops = file_pin_range(fp)->vp->ops;

	return ops && ops->revoke;
}

/*
 * Keep the record, and its context, for a revoker.  Under the inode's
 * flc_lock while the pin is tied: teardown unties before it waits for
 * @vp->revoking to drop to zero, so the context outlives the revoker.
 */
void vaddr_pin_file_pin_get(struct file_pin *fp)
{
	struct vaddr_pin_range *range = file_pin_range(fp);

	refcount_inc(&range->ref);
	atomic_inc(&range->vp->revoking);
}

void vaddr_pin_file_pin_put(struct file_pin *fp)
{
	struct vaddr_pin_range *range = file_pin_range(fp);
	struct vaddr_pin *vp = range->vp;

	put_range(range);
	if (atomic_dec_and_test(&vp->revoking))
		wake_up_var(&vp->revoking);
}

/*
 * Ask the owner to revoke the pin call that @fp belongs to, unless it is
 * unpinned already or its revocation was asked for.  No lock held.
 */
void vaddr_pin_file_pin_revoke(struct file_pin *fp)
{
	struct vaddr_pin_range *range = file_pin_range(fp), *first;
	struct vaddr_pin *vp = range->vp;
	unsigned long nr_pages;
	struct page **pages;

	spin_lock(&vp->lock);
	first = range->call;
	if ((range->flags & VADDR_PIN_RANGE_UNPINNED) ||
	    (first->flags & VADDR_PIN_RANGE_REVOKE)) {
		spin_unlock(&vp->lock);
		return;
	}
	first->flags |= VADDR_PIN_RANGE_REVOKE;
	/* A call still under way fails instead: its owner knows no pin. */
	if (!(first->flags & VADDR_PIN_RANGE_DONE)) {
		spin_unlock(&vp->lock);
		return;
	}
	pages = first->pages;
	nr_pages = call_nr_pages(first);
	spin_unlock(&vp->lock);
	vp->ops->revoke(vp, pages, nr_pages);
}

/* === Context === */

/**
 * vaddr_pin_init() - set up a pinning context
 * @vp: the context, usually embedded in the object that holds the pins
 * @mm: the address space whose memory will be pinned
 * @owner: the file on whose behalf pins are taken, shown to auditors, or
 *	NULL; it is not referenced and must outlive the context
 * @ops: the owner's callbacks
 *
 * Takes a reference on @mm that vaddr_pin_teardown() drops.
 *
 * Context: Any context.
 */
void vaddr_pin_init(struct vaddr_pin *vp, struct mm_struct *mm,
		    struct file *owner, const struct vaddr_pin_ops *ops)
{
	mmgrab(mm);
	vp->mm = mm;
	vp->owner = owner;
	vp->ops = ops;
	spin_lock_init(&vp->lock);
	vp->ranges = RB_ROOT;
	atomic_set(&vp->revoking, 0);
	exit_check_init(vp);
	spin_lock(&vaddr_pin_contexts_lock);
	list_add_tail(&vp->node, &vaddr_pin_contexts);
	spin_unlock(&vaddr_pin_contexts_lock);
}
EXPORT_SYMBOL_NS_GPL(vaddr_pin_init, VADDR_PIN);

/**
 * vaddr_pin_teardown() - drop everything a pinning context holds
 * @vp: the context
 *
 * Unpins every range the context still holds, marking the pages of ranges
 * pinned with %VADDR_PIN_WRITE dirty (the device may have written them),
 * returns their charge and drops the context's reference on its mm.  The
 * owner should have unpinned them itself (``CONFIG_DEBUG_VADDR_PIN``
 * reports those it did not), must have stopped the device and must not
 * use @vp afterwards.
 *
 * Context: Process context; may sleep.
 */
void vaddr_pin_teardown(struct vaddr_pin *vp)
{
	struct vaddr_pin_range *range;
	struct rb_node *node;
	LIST_HEAD(ranges);

	spin_lock(&vaddr_pin_contexts_lock);
	list_del(&vp->node);
	spin_unlock(&vaddr_pin_contexts_lock);
	exit_check_cancel(vp);

	/*
	 * Untied, the pins can no longer be found by a revoker; wait for the
	 * revocations already under way, which unpin through the owner.
	 */
	spin_lock(&vp->lock);
	for (node = rb_first(&vp->ranges); node; node = rb_next(node))
		file_pin_untie(&rb_entry(node, struct vaddr_pin_range,
					 node)->fp);
	spin_unlock(&vp->lock);
	wait_var_event(&vp->revoking, !atomic_read(&vp->revoking));

	spin_lock(&vp->lock);
	node = rb_first(&vp->ranges);
	if (node)
		report_teardown(vp, rb_entry(node, struct vaddr_pin_range, node));
	for (; node; node = rb_first(&vp->ranges)) {
		range = rb_entry(node, struct vaddr_pin_range, node);
		rb_erase(node, &vp->ranges);
		range->flags |= VADDR_PIN_RANGE_UNPINNED;
		list_add_tail(&range->list, &ranges);
	}
	spin_unlock(&vp->lock);
	release_ranges(vp->mm, &ranges, true);
	mmdrop(vp->mm);
	vp->mm = NULL;
}
EXPORT_SYMBOL_NS_GPL(vaddr_pin_teardown, VADDR_PIN);

/**
 * vaddr_pin_get_ranges() - report the ranges a pinning context holds
 * @vp: the context
 * @info: array that receives up to @max ranges, in no particular order
 *	but the ranges of one pin call in address order
 * @max: number of entries in @info
 *
 * Context: Any context that may take a spinlock.
 * Return: the number of ranges the context holds, which may exceed @max.
 */
unsigned int vaddr_pin_get_ranges(struct vaddr_pin *vp,
				  struct vaddr_pin_range_info *info,
				  unsigned int max)
{
	struct vaddr_pin_range *range;
	struct rb_node *node;
	unsigned int nr = 0;

	spin_lock(&vp->lock);
	for (node = rb_first(&vp->ranges); node; node = rb_next(node)) {
		range = rb_entry(node, struct vaddr_pin_range, node);
		if (nr < max) {
			info[nr].start = range->start;
			info[nr].nr_pages = range->nr_pages;
			info[nr].write = range->flags & VADDR_PIN_RANGE_WRITE;
			info[nr].pinned_ns = range->pinned_ns;
		}
		nr++;
	}
	spin_unlock(&vp->lock);
	return nr;
}
EXPORT_SYMBOL_NS_GPL(vaddr_pin_get_ranges, VADDR_PIN);

/* === Listing === */

/* One line of /proc/<pid>/file_pins.  Under @vp->lock. */
static void show_range(struct seq_file *m, struct vaddr_pin *vp,
		       struct vaddr_pin_range *range, u64 now)
{
	unsigned long first = range->start >> PAGE_SHIFT;
	const char *state = "pinned";
	struct inode *inode;

	lockdep_assert_held(&vp->lock);
	seq_printf(m, "id=%llu owner=", range->id);
	if (vp->owner)
		seq_file_path(m, vp->owner, " \t\n\\");
	else
		seq_putc(m, '-');
	if (range->fp.path.dentry) {
		inode = d_inode(range->fp.path.dentry);
		seq_puts(m, " file=");
		seq_path(m, &range->fp.path, " \t\n\\");
		seq_printf(m, " dev=%02x:%02x ino=%lu pgoff=%lu-%lu",
			   MAJOR(inode->i_sb->s_dev), MINOR(inode->i_sb->s_dev),
			   inode->i_ino, range->fp.it.start, range->fp.it.last);
	} else {
		seq_printf(m, " file=[anon] dev=00:00 ino=0 pgoff=%lu-%lu",
			   first, first + range->nr_pages - 1);
	}
	if (range->call->flags & VADDR_PIN_RANGE_REVOKE)
		state = "revoking";
	seq_printf(m, " pages=%lu write=%d lease=%s state=%s age_ms=%llu\n",
		   range->nr_pages, !!(range->flags & VADDR_PIN_RANGE_WRITE),
		   file_pin_lease_name(&range->fp), state,
		   div_u64(now - range->pinned_ns, NSEC_PER_MSEC));
}

/**
 * vaddr_pin_show_mm() - list the pinned ranges of an address space
 * @m: the seq_file of /proc/<pid>/file_pins
 * @mm: the address space
 *
 * Writes one line per range of @mm that a context holds, in the format of
 * Documentation/core-api/vaddr_pin.rst; a pin call still under way is not
 * listed yet.  Each context's ranges are listed under its lock, so no line
 * is torn and no range is listed twice.
 *
 * Context: Process context.  Takes spinlocks; does not sleep.
 */
void vaddr_pin_show_mm(struct seq_file *m, struct mm_struct *mm)
{
	u64 now = ktime_get_boottime_ns();
	struct rb_node *node;
	struct vaddr_pin *vp;

	spin_lock(&vaddr_pin_contexts_lock);
	list_for_each_entry(vp, &vaddr_pin_contexts, node) {
		if (vp->mm != mm)
			continue;
		spin_lock(&vp->lock);
		for (node = rb_first(&vp->ranges); node; node = rb_next(node))
			show_range(m, vp, rb_entry(node, struct vaddr_pin_range,
						   node), now);
		spin_unlock(&vp->lock);
	}
	spin_unlock(&vaddr_pin_contexts_lock);
}

static int __init vaddr_pin_setup(void)
{
	vaddr_pin_range_cache = KMEM_CACHE(vaddr_pin_range, SLAB_PANIC);
	vaddr_pin_debug_init();
	return 0;
}
subsys_initcall(vaddr_pin_setup);
