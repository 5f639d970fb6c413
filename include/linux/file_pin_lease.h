/* SPDX-License-Identifier: GPL-2.0 */
/*
 * file_pin_lease: long-term pins of a file's memory tied to layout leases.
 * The interface between mm/vaddr_pin.c, which owns the pins, and
 * fs/file_pin_lease.c, which keeps them per inode, by file range.
 */
#ifndef _LINUX_FILE_PIN_LEASE_H
#define _LINUX_FILE_PIN_LEASE_H

#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/path.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct address_space;
struct file;
struct file_lease;
struct file_lock_context;
struct folio;
struct inode;
struct page;
struct writeback_control;

/**
 * struct file_pin - the part of a pinned range that ties it to a lease
 * @it: the pinned pages of the file, [it.start, it.last] in page offsets;
 *	in the inode's registry while tied.
 * @path: the mapped file, referenced from the pin until the range is
 *	unpinned (the unpinner drops it), so that its file system cannot be
 *	unmounted under the pin; none for anonymous memory.
 * @lease: the layout lease the pin is tied to, NULL from the moment it
 *	is deleted (__file_pin_lease_deleted(), under the same flc_lock):
 *	a break finds each pin's lease without a search.
 * @lease_file: the file through which that lease is held, not referenced
 *	(the lease's release unties or orphans the pin first); kept after
 *	the lease is deleted, for file_pin_lease_released() to wait for the
 *	pin, and NULL once the pin could not be revoked (orphaned).
 * @revoking: the revocation of this pin has been asked for.
 * @for_write: pinned for write through a shared mapping: a device may
 *	write to the file's pages, whatever they are (page cache, tmpfs,
 *	fsdax).  Set before the tie.
 * @write: the pages are page cache a device may write to: writeback keeps
 *	them dirty while the pin is in the registry, and their folios count
 *	in %NR_FILE_DIRTY_PINNED.  Set once tied, by file_pin_start_write().
 * @pages: the pinned pages, one per page of @it, while @write is set.
 * @revoke_work: asks the owner to revoke, from file_pin_revoke_wq.
 *
 * @lease, @lease_file and @revoking are protected by the inode's flc_lock.
 */
struct file_pin {
	struct interval_tree_node it;
	struct path path;
	struct file_lease *lease;
	struct file *lease_file;
	bool revoking;
	bool for_write;
	bool write;
	struct page **pages;
	struct work_struct revoke_work;
};

/**
 * struct file_pin_break - a layout change over a file range
 * @node: entry in the inode's flc_pin_breaks while linked, under its
 *	flc_lock: no pin of the range is tied meanwhile.
 * @ctx: the inode's lock context while linked.
 * @first: first page offset of the range.
 * @last: last page offset of the range.
 * @flags: %FILE_PIN_BREAK_READER or 0.
 * @linked: on flc_pin_breaks, from the first try that found a lease or a
 *	pin until file_pin_break_end() or a failure.
 * @open: the range has no pin; the change may go ahead.
 * @deadline: jiffies when lease-break-time is over, from the first wait.
 *
 * On the stack of the task changing the layout, set up by
 * file_pin_break_init(), across all the tries of one change.
 */
struct file_pin_break {
	struct list_head node;
	struct file_lock_context *ctx;
	pgoff_t first;
	pgoff_t last;
	unsigned int flags;
	bool linked;
	bool open;
	unsigned long deadline;
};

/* The change is asked for through a file that is only read. */
#define FILE_PIN_BREAK_READER	0x1

/* The breaks of a remap: its source and its destination. */
struct file_pin_remap_break {
	struct file_pin_break in;
	struct file_pin_break out;
};

#ifdef CONFIG_VADDR_PIN

void file_pin_break_init(struct file_pin_break *brk);
int file_pin_break_layout(struct file_pin_break *brk, struct inode *inode,
			  loff_t start, loff_t end, unsigned int flags);
int file_pin_break_wait(struct file_pin_break *brk);
int file_pin_break_locked(struct file_pin_break *brk, struct inode *inode,
			  loff_t start, loff_t end, unsigned int flags);
void file_pin_break_end(struct file_pin_break *brk);
int file_pin_break_ahead(struct inode *inode, loff_t start, loff_t end,
			 unsigned int flags);
int file_pin_break_truncate_ahead(struct inode *inode, loff_t size);
bool file_pin_fallocate_range(int mode, loff_t offset, loff_t len,
			      loff_t *start, loff_t *end);
int file_pin_break_fallocate_ahead(struct inode *inode, int mode,
				   loff_t offset, loff_t len);
unsigned int file_pin_remap_flags(unsigned int remap_flags, bool source);
int file_pin_break_remap_ahead(struct inode *in, loff_t pos_in,
			       struct inode *out, loff_t pos_out, loff_t len,
			       unsigned int remap_flags);
void file_pin_break_remap_end(struct file_pin_remap_break *brk);

void file_pin_init(struct file_pin *fp);
int file_pin_tie(struct file_pin *fp, struct file *file);
void file_pin_untie(struct file_pin *fp);
void file_pin_put(struct file_pin *fp);
const char *file_pin_lease_name(struct file_pin *fp);
void __file_pin_lease_deleted(struct file_lock_context *ctx,
			      struct file_lease *fl);
void file_pin_lease_released(struct file *filp);
bool file_pin_start_write(struct file_pin *fp, struct page **pages);
bool folio_pinned_for_write(struct folio *folio);
bool folio_writeback_passes_over(struct writeback_control *wbc,
				 struct folio *folio);
bool folio_keeps_private(struct folio *folio);
bool file_pin_range_pinned_for_write(struct address_space *mapping,
				     pgoff_t first, pgoff_t last);
bool file_pin_range_pinned(struct address_space *mapping, pgoff_t first,
			   pgoff_t last);
bool file_pin_swap_busy(struct inode *inode);
bool file_pin_folio_kept(struct address_space *mapping, struct folio *folio);

/* Provided by mm/vaddr_pin.c. */
bool vaddr_pin_file_pin_revocable(struct file_pin *fp);
void vaddr_pin_file_pin_get(struct file_pin *fp);
void vaddr_pin_file_pin_revoke(struct file_pin *fp);
void vaddr_pin_file_pin_put(struct file_pin *fp);

#else

static inline void file_pin_break_init(struct file_pin_break *brk)
{
}

static inline int file_pin_break_layout(struct file_pin_break *brk,
					struct inode *inode, loff_t start,
					loff_t end, unsigned int flags)
{
	return 0;
}

static inline int file_pin_break_wait(struct file_pin_break *brk)
{
	return 0;
}

static inline int file_pin_break_locked(struct file_pin_break *brk,
					struct inode *inode, loff_t start,
					loff_t end, unsigned int flags)
{
	return 0;
}

static inline void file_pin_break_end(struct file_pin_break *brk)
{
}

static inline int file_pin_break_ahead(struct inode *inode, loff_t start,
				       loff_t end, unsigned int flags)
{
	return 0;
}

static inline int file_pin_break_truncate_ahead(struct inode *inode,
						loff_t size)
{
	return 0;
}

static inline bool file_pin_fallocate_range(int mode, loff_t offset,
					    loff_t len, loff_t *start,
					    loff_t *end)
{
	return false;
}

static inline int file_pin_break_fallocate_ahead(struct inode *inode,
						 int mode, loff_t offset,
						 loff_t len)
{
	return 0;
}

static inline unsigned int file_pin_remap_flags(unsigned int remap_flags,
						bool source)
{
	return 0;
}

static inline int file_pin_break_remap_ahead(struct inode *in,
					     loff_t pos_in, struct inode *out,
					     loff_t pos_out, loff_t len,
					     unsigned int remap_flags)
{
	return 0;
}

static inline void file_pin_break_remap_end(struct file_pin_remap_break *brk)
{
}

static inline void __file_pin_lease_deleted(struct file_lock_context *ctx,
					    struct file_lease *fl)
{
}

static inline void file_pin_lease_released(struct file *filp)
{
}

static inline bool folio_pinned_for_write(struct folio *folio)
{
	return false;
}

static inline bool folio_writeback_passes_over(struct writeback_control *wbc,
					       struct folio *folio)
{
	return false;
}

static inline bool folio_keeps_private(struct folio *folio)
{
	return false;
}

static inline bool file_pin_range_pinned_for_write(struct address_space *mapping,
						   pgoff_t first, pgoff_t last)
{
	return false;
}

static inline bool file_pin_range_pinned(struct address_space *mapping,
					 pgoff_t first, pgoff_t last)
{
	return false;
}

static inline bool file_pin_swap_busy(struct inode *inode)
{
	return false;
}

static inline bool file_pin_folio_kept(struct address_space *mapping,
				       struct folio *folio)
{
	return false;
}

#endif /* CONFIG_VADDR_PIN */

#ifdef CONFIG_DEBUG_VADDR_PIN
unsigned int file_pin_debug_missed_breaks(bool skipped);
void file_pin_debug_removed(struct address_space *mapping, pgoff_t first,
			    pgoff_t last);
#else
static inline void file_pin_debug_removed(struct address_space *mapping,
					  pgoff_t first, pgoff_t last)
{
}
#endif

#endif /* _LINUX_FILE_PIN_LEASE_H */
