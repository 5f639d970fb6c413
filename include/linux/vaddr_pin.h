/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vaddr_pin: long-term pins of user memory, taken and dropped through one
 * pinning context that records every pinned range.
 *
 * See Documentation/core-api/vaddr_pin.rst.
 */
#ifndef _LINUX_VADDR_PIN_H
#define _LINUX_VADDR_PIN_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/rbtree_types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct file;
struct mm_struct;
struct page;
struct seq_file;
struct vaddr_pin;
struct vaddr_pin_range;

/* Flags for vaddr_pin_user_pages(). */
#define VADDR_PIN_WRITE		BIT(0)	/* the device writes to the pages */

/**
 * struct vaddr_pin_ops - callbacks of a pinning context's owner
 * @revoke: take back the pin whose page array is @pages: stop the device
 *	from touching the pages, then vaddr_unpin_user_pages() them, before
 *	returning or soon after.  Called in process context with no mm,
 *	filesystem or lease lock held, at most once per pin, never before the
 *	vaddr_pin_user_pages() call that pinned it has returned.  The owner
 *	may have unpinned that pin meanwhile, and pinned anew with the same
 *	array: it acts only if vaddr_pin_revoking() says so.  An owner that
 *	cannot take its pins back leaves it NULL.
 */
struct vaddr_pin_ops {
	void (*revoke)(struct vaddr_pin *vp, struct page **pages,
		       unsigned long nr_pages);
};

/**
 * struct vaddr_pin - a long-term pinning context
 * @mm: the address space whose memory is pinned; referenced (mmgrab())
 *	from vaddr_pin_init() to vaddr_pin_teardown().
 * @owner: the file on whose behalf the pins are taken, shown to auditors,
 *	or NULL.  Not referenced: the owner outlives its contexts.
 * @ops: the owner's callbacks.
 * @lock: protects @ranges.
 * @ranges: the pinned ranges (struct vaddr_pin_range) of the pin calls
 *	that have returned, by the address of their slice of the owner's
 *	page array, so that the array an owner unpins names the first range
 *	of its call, and the call's other ranges follow it.
 * @revoking: revocations of this context's pins under way; teardown waits
 *	for them.
 * @node: entry in the list of every context, for the listing.
 * @exit_check: with CONFIG_DEBUG_VADDR_PIN, checks that the pins do not
 *	outlive @mm for long (see vaddr_pin_mm_exit()).
 *
 * Embed one in the object that holds the pins (an RDMA memory region, a
 * DMA mapping).  Only @mm, @owner and @ops are for the owner to read; the
 * rest is private to mm/vaddr_pin.c.
 */
struct vaddr_pin {
	struct mm_struct *mm;
	struct file *owner;
	const struct vaddr_pin_ops *ops;

	spinlock_t lock;		/* protects @ranges */
	struct rb_root ranges;
	atomic_t revoking;
	struct list_head node;
#ifdef CONFIG_DEBUG_VADDR_PIN
	struct delayed_work exit_check;
#endif
};

/**
 * struct vaddr_pin_range_info - what a context reports of one pinned range
 * @start: user virtual address of the first page
 * @nr_pages: number of pages in the range
 * @write: pinned with %VADDR_PIN_WRITE
 * @pinned_ns: when it was pinned, in ktime_get_boottime_ns() time
 */
struct vaddr_pin_range_info {
	unsigned long start;
	unsigned long nr_pages;
	bool write;
	u64 pinned_ns;
};

#ifdef CONFIG_VADDR_PIN

void vaddr_pin_init(struct vaddr_pin *vp, struct mm_struct *mm,
		    struct file *owner, const struct vaddr_pin_ops *ops);
void vaddr_pin_teardown(struct vaddr_pin *vp);
int __must_check vaddr_pin_user_pages(struct vaddr_pin *vp,
				      unsigned long start, unsigned long len,
				      unsigned int flags, struct page **pages,
				      unsigned long max_pages);
void vaddr_unpin_user_pages(struct vaddr_pin *vp, struct page **pages,
			    unsigned long nr_pages, bool make_dirty);
bool vaddr_pin_revoking(struct vaddr_pin *vp, struct page **pages);
unsigned int vaddr_pin_get_ranges(struct vaddr_pin *vp,
				  struct vaddr_pin_range_info *info,
				  unsigned int max);
void vaddr_pin_show_mm(struct seq_file *m, struct mm_struct *mm);

/* For KUnit: the misuses reported so far, and making them quiet. */
#ifdef CONFIG_DEBUG_VADDR_PIN
unsigned int vaddr_pin_debug_reports(void);
void vaddr_pin_debug_expect_reports(bool expect);
void vaddr_pin_mm_exit(struct mm_struct *mm);
#else
static inline void vaddr_pin_mm_exit(struct mm_struct *mm)
{
}

static inline unsigned int vaddr_pin_debug_reports(void)
{
	return 0;
}

static inline void vaddr_pin_debug_expect_reports(bool expect)
{
}
#endif

#else /* CONFIG_VADDR_PIN */

static inline void vaddr_pin_init(struct vaddr_pin *vp, struct mm_struct *mm,
				  struct file *owner,
				  const struct vaddr_pin_ops *ops)
{
}

static inline void vaddr_pin_teardown(struct vaddr_pin *vp)
{
}

static inline int __must_check
vaddr_pin_user_pages(struct vaddr_pin *vp, unsigned long start,
		     unsigned long len, unsigned int flags,
		     struct page **pages, unsigned long max_pages)
{
	return -EOPNOTSUPP;
}

static inline void vaddr_unpin_user_pages(struct vaddr_pin *vp,
					  struct page **pages,
					  unsigned long nr_pages,
					  bool make_dirty)
{
}

static inline bool vaddr_pin_revoking(struct vaddr_pin *vp,
				      struct page **pages)
{
	return false;
}

static inline unsigned int
vaddr_pin_get_ranges(struct vaddr_pin *vp, struct vaddr_pin_range_info *info,
		     unsigned int max)
{
	return 0;
}

static inline void vaddr_pin_mm_exit(struct mm_struct *mm)
{
}

#endif /* CONFIG_VADDR_PIN */

#endif /* _LINUX_VADDR_PIN_H */
