// SPDX-License-Identifier: GPL-2.0
/*
 * file_pin_lease: the per-inode registry of long-term pins tied to layout
 * leases, their revocation when the lease goes, and the break that a layout
 * change runs over a file range first.
 */

/**
 * DOC: file_pin_lease registry
 *
 * A pin of a file's memory taken through vaddr_pin while the mapped file
 * holds a layout lease is tied to that lease: it goes into the inode's
 * registry (file_lock_context.flc_pins, an interval tree of page offsets,
 * under flc_lock), where whoever changes the file's layout finds it by
 * range in O(log n + k).  When the lease is released (F_UNLCK, or the final
 * fput() of the leasing file) the pins tied to it are revoked through their
 * owners and waited for, for at most lease-break-time; a pin whose owner
 * cannot revoke it, or that outlives the wait, stays in the registry tied
 * to no lease (orphaned), where every later break over it fails.
 *
 * **Breaks.** A filesystem breaks the pins of a range where it breaks its
 * own layouts, under i_rwsem and its own locks, with the range decided
 * under them: file_pin_break_layout().  With no pin on the range the
 * break opens (file_lock_context.flc_pin_breaks) and new pins of the range
 * cannot be tied, so they fail, until file_pin_break_end() after the
 * change.  The break answers -ETXTBSY at once, revoking nothing, if a pin
 * on the range is orphaned, is tied to an %F_UNBREAK lease, or has an
 * owner that cannot revoke, or if the change is asked for through a file
 * that is only read (%FILE_PIN_BREAK_READER) and there is a pin at all.
 * Otherwise it marks the pins as being revoked, breaks each lease that had
 * one (its lm_break, under flc_lock, only sends the lease holder its
 * signal) and answers -EWOULDBLOCK: the filesystem drops its locks,
 * file_pin_break_wait() asks the owners to revoke and waits, for at most
 * lease-break-time over all the tries of one change, and the filesystem
 * tries again.  Pins outside the range, and the leases, stay.  A file with
 * no layout lease and no pin needs no open break: no lease can be taken
 * while i_rwsem is held (fcntl_add_layout_lease() takes it), so no pin can
 * be tied meanwhile.  The VFS breaks first, with no lock held
 * (file_pin_break_ahead()), so that the filesystem's break usually finds
 * nothing.  Only filesystems with %FS_BREAKS_PINS, which break under their
 * locks, take layout leases.
 *
 * **Page cache pinned for write.** A device writes to such pages behind
 * the page tables, so writeback must not leave them clean while they are
 * pinned: folio_pinned_for_write() tells it which folios are.  Only pins
 * in a registry count, with @write set; other pins of the page cache (a
 * stock read-only long-term pin, an O_DIRECT buffer) never keep a folio
 * dirty.  Such a folio can never be cleaned, so the dirty limits leave it
 * out: it counts in %NR_FILE_DIRTY_PINNED (its node's and its memcg's)
 * once, however many pins hold it, from the first pin for write of any of
 * its pages to the last (file_pin_start_write(), file_pin_untie()).
 * Only writeback for data integrity writes it (folio_writeback_passes_over()).
 *
 * Locking: flc_lock protects the tree, the open breaks and each tied pin's
 * lease, lease_file and revoking, and a lease's FL_PIN_BROKEN (set and
 * cleared within one hold).  A break costs one walk over the pins of its
 * range and one over the inode's leases, under flc_lock.  It is taken
 * inside mmap_lock (pinning), inside vaddr_pin's context lock (teardown)
 * and inside the filesystems' locks (breaks), never the other way round.
 * Owners' revoke callbacks run in a workqueue (file_pin_revoke), with no
 * filesystem lock held and outside freeze protection, whatever the
 * breaking task holds.
 */

#include <linux/dax.h>
#include <linux/debugfs.h>
#include <linux/file_pin_lease.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/falloc.h>	/* after fs.h, for its types */
#include <kunit/visibility.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/path.h>
#include <linux/overflow.h>
#include <linux/shmem_fs.h>
#include <linux/vaddr_pin_fail.h>
#include <linux/wait.h>
#include <linux/writeback.h>

/*
 * The owners' revoke callbacks run here, never in the task that breaks or
 * releases the lease: that task may hold i_rwsem or freeze protection,
 * and a callback that hangs must not hold it beyond lease-break-time.
 */
static struct workqueue_struct *file_pin_revoke_wq;

static bool ranges_overlap(pgoff_t first1, pgoff_t last1, pgoff_t first2,
			   pgoff_t last2)
{
	return first1 <= last2 && first2 <= last1;
}

/* Every pin in @root. */
#define for_each_file_pin(fp, root)					\
	for (struct interval_tree_node *__it =				\
		interval_tree_iter_first(root, 0, ULONG_MAX);		\
	     __it && ((fp) = container_of(__it, struct file_pin, it));	\
	     __it = interval_tree_iter_next(__it, 0, ULONG_MAX))

/* The pin after @fp (the first one, for NULL) on @brk's range, or NULL. */
static struct file_pin *next_pin_in(struct file_lock_context *ctx,
				    struct file_pin *fp,
				    struct file_pin_break *brk)
{
	struct interval_tree_node *it;

	if (fp)
		it = interval_tree_iter_next(&fp->it, brk->first, brk->last);
	else
		it = interval_tree_iter_first(&ctx->flc_pins, brk->first,
					      brk->last);
	return it ? container_of(it, struct file_pin, it) : NULL;
}

static void revoke_work(struct work_struct *work);

/**
 * file_pin_init() - set up a pinned range's tie, untied
 * @fp: the tie
 */
void file_pin_init(struct file_pin *fp)
{
	RB_CLEAR_NODE(&fp->it.rb);
	fp->path.mnt = NULL;
	fp->path.dentry = NULL;
	fp->lease = NULL;
	fp->lease_file = NULL;
	fp->revoking = false;
	fp->for_write = false;
	fp->write = false;
	fp->pages = NULL;
	INIT_WORK(&fp->revoke_work, revoke_work);
}

/* Is a layout change over @fp's pages under way?  Under flc_lock. */
static bool file_pin_breaking(struct file_lock_context *ctx,
			      struct file_pin *fp)
{
	struct file_pin_break *brk;

	lockdep_assert_held(&ctx->flc_lock);
	list_for_each_entry(brk, &ctx->flc_pin_breaks, node)
		if (ranges_overlap(brk->first, brk->last, fp->it.start,
				   fp->it.last))
			return true;
	return false;
}

/**
 * file_pin_tie() - tie a pinned range to the layout lease held through a file
 * @fp: the pinned range's tie, not yet tied; @fp->path and @fp->it hold
 *	the file and its pages
 * @file: the mapped file
 *
 * Context: Process context, under the mmap_lock that keeps @file mapped.
 * Return:
 * * %0      - tied.
 * * %-EPERM - @file holds no layout lease (any more).
 * * %-EAGAIN - a layout change over the range is under way.
 * * %-ETXTBSY - @file is a swap file.
 */
int file_pin_tie(struct file_pin *fp, struct file *file)
{
	struct inode *inode = file_inode(file);
	struct file_lock_context *ctx = locks_inode_context(inode);
	struct file_lease *fl;
	int ret = -EPERM;

	if (!ctx)
		return ret;
	/* A failure injected here stands for a layout change under way. */
	if (vaddr_pin_should_fail())
		return -EAGAIN;
	spin_lock(&ctx->flc_lock);
	fl = __file_layout_lease(ctx, file);
	if (!fl)
		goto out_unlock;
	ret = -EAGAIN;
	if (file_pin_breaking(ctx, fp))
		goto out_unlock;
	/* Swap owns the blocks of a swap file (file_pin_swap_busy()). */
	ret = -ETXTBSY;
	if (READ_ONCE(inode->i_flags) & S_SWAPFILE)
		goto out_unlock;
	fp->lease = fl;
	fp->lease_file = file;
	fp->revoking = false;
	interval_tree_insert(&fp->it, &ctx->flc_pins);
	ret = 0;
out_unlock:
	spin_unlock(&ctx->flc_lock);
	return ret;
}

/*
 * The pins for write of a registry that overlap [@lo, @hi], taken in the
 * order of their first page (the interval tree's order), for folios asked
 * about in increasing order.
 */
struct write_reach {
	struct interval_tree_node *next;	/* the first not taken yet */
	pgoff_t lo, hi;
	pgoff_t last;		/* the furthest page of those taken */
	bool any;		/* a pin for write was taken */
};

/* Does a pin for write hold part of [@first, @last]? */
static bool write_reach_covers(struct write_reach *r, pgoff_t first,
			       pgoff_t last)
{
	/*
	 * Take each pin that starts by @last, until one covers the folio:
	 * the rest are taken for the later folios.  One that ends before
	 * @first holds nothing of this folio, nor of the later ones.  Many
	 * pins of one page cost one step each, not one per other pin.
	 */
	for (; r->next && r->next->start <= last;
	     r->next = interval_tree_iter_next(r->next, r->lo, r->hi)) {
		if (r->any && r->last >= first)
			return true;
		if (!container_of(r->next, struct file_pin, it)->write)
			continue;
		if (!r->any || r->next->last > r->last)
			r->last = r->next->last;
		r->any = true;
	}
	return r->any && r->last >= first;
}

/*
 * Add @sign times its pages to %NR_FILE_DIRTY_PINNED for each folio of @fp
 * that no other pin for write in the registry holds: @fp's first, or its
 * last.  Returns how many pages that was.  Under flc_lock, with @fp's
 * @write clear or @fp out of the registry.  Its pages are the file's, at
 * their offsets (the tie checked them, and a change of the range waits
 * for the pin to go), and stay pinned, so its folios can be neither split
 * nor freed meanwhile.
 */
static long count_write_folios(struct file_lock_context *ctx,
			       struct file_pin *fp, int sign)
{
	unsigned long nr = fp->it.last - fp->it.start + 1, i;
	long counted = 0;
	struct page *first = fp->pages[0], *last = fp->pages[nr - 1];
	struct write_reach r;

	lockdep_assert_held(&ctx->flc_lock);
	r.lo = fp->it.start - folio_page_idx(page_folio(first), first);
	r.hi = fp->it.last + folio_nr_pages(page_folio(last)) - 1 -
	       folio_page_idx(page_folio(last), last);
	r.next = interval_tree_iter_first(&ctx->flc_pins, r.lo, r.hi);
	r.any = false;
	for (i = 0; i < nr;) {
		struct folio *folio = page_folio(fp->pages[i]);
		pgoff_t start = fp->it.start + i -
				folio_page_idx(folio, fp->pages[i]);
		long pages = folio_nr_pages(folio);

		if (!write_reach_covers(&r, start, start + pages - 1)) {
			lruvec_stat_mod_folio(folio, NR_FILE_DIRTY_PINNED,
					      sign * pages);
			counted += pages;
		}
		i = start + pages - fp->it.start;
	}
	return counted;
}

/**
 * file_pin_start_write() - keep a tied pin's page cache dirty from now on
 * @fp: a pin in the registry, of page cache that a device may write to
 * @pages: its pages, one per page of @fp, pinned until it is untied
 *
 * Writeback keeps the folios dirty from now on (folio_pinned_for_write()),
 * and those that no other pin holds for write start counting in
 * %NR_FILE_DIRTY_PINNED, until the last such pin is untied.
 *
 * Context: Process context, once the tie has checked that @pages are the
 * file's.
 * Return: true if a folio of @fp was held for write by no other pin.
 */
bool file_pin_start_write(struct file_pin *fp, struct page **pages)
{
	struct file_lock_context *ctx;
	long counted;

	if (WARN_ON_ONCE(RB_EMPTY_NODE(&fp->it.rb) || fp->write))
		return false;
	ctx = locks_inode_context(d_inode(fp->path.dentry));
	spin_lock(&ctx->flc_lock);
	fp->pages = pages;
	counted = count_write_folios(ctx, fp, 1);
	fp->write = true;
	spin_unlock(&ctx->flc_lock);
	return counted;
}

/**
 * file_pin_untie() - take a pinned range out of its inode's registry
 * @fp: a pin, tied or not
 *
 * From now on writeback no longer keeps @fp's page cache dirty, and its
 * folios that no other pin holds for write stop counting in
 * %NR_FILE_DIRTY_PINNED: an unpinner that dirties them does it first.
 * The pages must stay pinned until this returns.  The path stays for the
 * unpinner to drop, with file_pin_put(), once it holds no lock.
 *
 * Context: Any context that may take a spinlock.
 */
void file_pin_untie(struct file_pin *fp)
{
	struct file_lock_context *ctx;

	if (RB_EMPTY_NODE(&fp->it.rb))
		return;
	ctx = locks_inode_context(d_inode(fp->path.dentry));
	spin_lock(&ctx->flc_lock);
	interval_tree_remove(&fp->it, &ctx->flc_pins);
	RB_CLEAR_NODE(&fp->it.rb);
	if (fp->write)
		count_write_folios(ctx, fp, -1);
	fp->write = false;
	fp->lease = NULL;
	fp->lease_file = NULL;
	spin_unlock(&ctx->flc_lock);
	/* Breaks and releases of this inode wait on its lock context. */
	if (wq_has_sleeper(&ctx->flc_pin_wait))
		wake_up_all(&ctx->flc_pin_wait);
}

/*
 * Does a pin in @ctx's registry hold part of [@first, @last] for write: of
 * page cache that writeback must keep dirty with @page_cache, of any memory
 * of the file (a shared mapping) without?
 */
static bool range_pinned_for_write(struct file_lock_context *ctx,
				   pgoff_t first, pgoff_t last, bool page_cache)
{
	struct interval_tree_node *it;
	struct file_pin *fp;
	bool write = false;

	spin_lock(&ctx->flc_lock);
	for (it = interval_tree_iter_first(&ctx->flc_pins, first, last);
	     it && !write; it = interval_tree_iter_next(it, first, last)) {
		fp = container_of(it, struct file_pin, it);
		write = page_cache ? fp->write : fp->for_write;
	}
	spin_unlock(&ctx->flc_lock);
	return write;
}

/*
 * The lock context of the file of a DMA-pinned page-cache folio, or NULL.
 * Pinned at all is cheap to ask, and rarely true: most folios stop there.
 */
static struct file_lock_context *pinned_folio_lock_context(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	if (!folio_maybe_dma_pinned(folio) || !mapping)
		return NULL;
	return locks_inode_context(mapping->host);
}

/**
 * folio_pinned_for_write() - may a device write to a page-cache folio?
 * @folio: a folio of a file's page cache
 *
 * Context: Any context that may take a spinlock.
 * Return: true if part of @folio is pinned for write by a pin in its
 * inode's registry (see "Page cache pinned for write" above).
 */
bool folio_pinned_for_write(struct folio *folio)
{
	struct file_lock_context *ctx = pinned_folio_lock_context(folio);

	if (!ctx)
		return false;
	return range_pinned_for_write(ctx, folio->index,
				      folio_next_index(folio) - 1, true);
}

/**
 * folio_writeback_passes_over() - leave a folio a device writes to unwritten?
 * @wbc: the writeback control of a writeback about to write @folio
 * @folio: a locked, dirty folio of a file's page cache
 *
 * Page cache pinned for write is written when someone asks for the data:
 * by writeback for data integrity (fsync(), msync(), sync(2), a freeze,
 * an unmount), and after its unpin dirtied it.  Writeback that asks for
 * none (background, periodic, reclaim's wakeups) passes over it: it is out
 * of the dirty limits, cannot be reclaimed, and the device may write to it
 * again the next moment, so writing it would only cost its size in device
 * writes each time (each flusher wakeup, with periodic writeback).  It
 * stays dirty.  It does not count as skipped: an inode left with only such
 * folios dirty goes back on the dirty list (redirty_tail()), and one that
 * used up its chunk on other folios is taken up again.
 *
 * Context: The folio is locked.
 * Return: true if the writeback must leave @folio dirty and unwritten.
 */
bool folio_writeback_passes_over(struct writeback_control *wbc,
				 struct folio *folio)
{
	return wbc->sync_mode != WB_SYNC_ALL && folio_pinned_for_write(folio);
}

/**
 * file_pin_range_pinned_for_write() - may a device write to a file range?
 * @mapping: the file's mapping (fsdax)
 * @first: first page offset of the range
 * @last: last page offset of the range
 *
 * For fsdax writeback, which keeps such a range dirty: the device writes to
 * the file's blocks behind the page tables.
 *
 * Context: Any context that may take a spinlock.
 * Return: true if a pin in the inode's registry holds part of the range,
 * taken for write through a shared mapping.
 */
bool file_pin_range_pinned_for_write(struct address_space *mapping,
				     pgoff_t first, pgoff_t last)
{
	struct file_lock_context *ctx = locks_inode_context(mapping->host);

	if (!ctx || RB_EMPTY_ROOT(&ctx->flc_pins.rb_root))
		return false;
	return range_pinned_for_write(ctx, first, last, false);
}

/**
 * folio_keeps_private() - must a folio keep its filesystem state?
 * @folio: a locked folio of a file's page cache, which reclaim or
 *	invalidation would release (filemap_release_folio())
 *
 * A device may write to a folio pinned for write at any time, and the
 * filesystem then needs its buffers or other private state.  A pin is
 * tied after GUP took it, so a folio that is DMA-pinned while its file
 * holds a lease may be one that is about to be tied for write: it keeps
 * its state too.  The pin's unpin dirties it before it is untied (or it
 * stays dirty), so no writeback cleans it in between; only a context torn
 * down with its pins, a misuse, unties them first.
 *
 * Context: Any context that may take a spinlock.
 * Return: true if @folio must keep its private state.
 */
bool folio_keeps_private(struct folio *folio)
{
	struct file_lock_context *ctx = pinned_folio_lock_context(folio);

	if (!ctx)
		return false;
	/* The lease came before the pin. */
	smp_rmb();
	return !list_empty_careful(&ctx->flc_lease) ||
	       folio_pinned_for_write(folio);
}

/**
 * file_pin_denies_write() - may a device write to a file through a pin?
 * @inode: an inode whose write access the caller has just denied
 *	(deny_write_access())
 *
 * A pin tied to a layout lease, or left orphaned by one, outlives the file
 * it was taken through, and with it the write access that file held: exec,
 * fs-verity and kernel_read_file() would take the file for one nobody can
 * change while a device still writes to it.  A pin for write of the file
 * is taken through a shared writable mapping, whose file holds write
 * access: with write access denied none can be opened, so no new pin for
 * write can be tied.
 *
 * Context: Any context that may take a spinlock.
 * Return: true if a pin for write is in @inode's registry.
 */
bool file_pin_denies_write(struct inode *inode)
{
	struct file_lock_context *ctx = locks_inode_context(inode);
	struct file_pin *fp;
	bool write = false;

	/* Under flc_lock: the pin's tie and its file's last fput() race us. */
	if (!ctx)
		return false;
	spin_lock(&ctx->flc_lock);
	for_each_file_pin(fp, &ctx->flc_pins) {
		if (fp->for_write) {
			write = true;
			break;
		}
	}
	spin_unlock(&ctx->flc_lock);
	return write;
}
EXPORT_SYMBOL(file_pin_denies_write);	/* deny_write_access() is inline */

/**
 * file_pin_swap_busy() - does a pin keep a file from becoming swap?
 * @inode: a regular file whose i_rwsem swapon() holds
 *
 * Swap writes to a swap file's blocks behind its page cache, which a
 * device may use through a pin, and on fsdax a pin holds the blocks
 * themselves.  swapon() asks before it touches the blocks, and again once
 * S_SWAPFILE is set: from then on file_pin_tie() refuses the file, and of
 * the two, one sees the other.
 *
 * Context: Process context.
 * Return: true if a pin is in @inode's registry.
 */
bool file_pin_swap_busy(struct inode *inode)
{
	struct file_lock_context *ctx;
	bool busy;

	/* S_SWAPFILE before the lookup: file_pin_tie() reads it after its own. */
	smp_mb();
	ctx = locks_inode_context(inode);
	if (!ctx)
		return false;
	spin_lock(&ctx->flc_lock);
	busy = !RB_EMPTY_ROOT(&ctx->flc_pins.rb_root);
	spin_unlock(&ctx->flc_lock);
	return busy;
}

/**
 * file_pin_range_pinned() - are pages of a file pinned through a lease?
 * @mapping: the file's mapping
 * @first: first page offset
 * @last: last page offset
 *
 * For paths that would take the pages out of the file without a layout
 * change, and keep them instead (invalidation for direct I/O).  On fsdax
 * the range grows to the entries at its ends, which go whole.
 *
 * Context: Any context that may take a spinlock.
 * Return: true if a pin in the inode's registry covers part of [@first,
 * @last].
 */
bool file_pin_range_pinned(struct address_space *mapping, pgoff_t first,
			   pgoff_t last)
{
	struct file_lock_context *ctx = locks_inode_context(mapping->host);
	bool pinned;

	if (!ctx || RB_EMPTY_ROOT(&ctx->flc_pins.rb_root))
		return false;
	if (IS_DAX(mapping->host))
		dax_entry_bounds(mapping, &first, &last);
	spin_lock(&ctx->flc_lock);
	pinned = interval_tree_iter_first(&ctx->flc_pins, first, last);
	spin_unlock(&ctx->flc_lock);
	return pinned;
}

/**
 * file_pin_folio_kept() - must a page-cache folio stay in its file?
 * @mapping: the file's mapping
 * @folio: the folio, locked and unmapped, about to be taken out of the file
 *	without a layout change (invalidation, a partial large folio)
 *
 * If a pin in the registry covers part of it; or if it is DMA-pinned and
 * the file holds a lease.  A pin is tied after GUP took it, and its tie
 * checks only that the folio is still the file's: one taken before the
 * unmap but not tied yet is not in the registry, and would be tied to a
 * folio about to go.  Locked and unmapped, the folio gets no new pin, and
 * a pin is tied only under a lease taken before its GUP.
 *
 * Context: Any context that may take a spinlock.
 * Return: true if the folio must stay.
 */
bool file_pin_folio_kept(struct address_space *mapping, struct folio *folio)
{
	struct file_lock_context *ctx = locks_inode_context(mapping->host);

	if (!ctx)
		return false;
	if (folio_maybe_dma_pinned(folio)) {
		/* The lease came before the pin. */
		smp_rmb();
		if (!list_empty_careful(&ctx->flc_lease))
			return true;
	}
	return file_pin_range_pinned(mapping, folio->index,
				     folio_next_index(folio) - 1);
}

#ifdef CONFIG_DEBUG_VADDR_PIN
static atomic_t file_pin_nr_missed_breaks = ATOMIC_INIT(0);
static atomic_t file_pin_nr_skipped_breaks = ATOMIC_INIT(0);
static bool file_pin_skip_breaks;

/**
 * file_pin_debug_missed_breaks() - how many times the backstop fired
 * @skipped: count only those while breaks were skipped on purpose
 *
 * Return: the number of ranges that left a file under a pin since boot.
 */
unsigned int file_pin_debug_missed_breaks(bool skipped)
{
	return atomic_read(skipped ? &file_pin_nr_skipped_breaks :
				     &file_pin_nr_missed_breaks);
}

static bool break_skipped(void);
/**
 * file_pin_debug_removed() - pages are leaving a file: were they broken?
 * @mapping: the file's mapping
 * @first: first page offset
 * @last: last page offset
 *
 * The backstop: a page-cache folio or an fsdax entry under a pin in the
 * registry leaves the file, which no path may do without a break having
 * revoked the pin first (DESIGN "Invariant").  An fsdax entry may span
 * 2 MiB, and goes whole.  Counted, warned once.
 *
 * Context: Process context, no spinlock held.
 */
void file_pin_debug_removed(struct address_space *mapping, pgoff_t first,
			    pgoff_t last)
{
	struct inode *inode = mapping->host;

	if (!file_pin_range_pinned(mapping, first, last))
		return;
	atomic_inc(&file_pin_nr_missed_breaks);
	if (break_skipped()) {
		atomic_inc(&file_pin_nr_skipped_breaks);
		pr_info("vaddr_pin: pages %lu-%lu of inode %lu (%s) left the file under a pin, breaks skipped\n",
			first, last, inode->i_ino, inode->i_sb->s_id);
		return;
	}
	WARN_ONCE(1, "vaddr_pin: pages %lu-%lu of inode %lu (%s) left the file under a pin, with no break\n",
		  first, last, inode->i_ino, inode->i_sb->s_id);
}

/* /sys/kernel/debug/vaddr_pin_skip_breaks: missed breaks, on purpose. */
static bool break_skipped(void)
{
	return READ_ONCE(file_pin_skip_breaks);
}

static int __init file_pin_debug_init(void)
{
	debugfs_create_bool("vaddr_pin_skip_breaks", 0600, NULL,
			    &file_pin_skip_breaks);
	return 0;
}
late_initcall(file_pin_debug_init);
#else
static bool break_skipped(void)
{
	return false;
}
#endif /* CONFIG_DEBUG_VADDR_PIN */

/**
 * file_pin_lease_name() - the kind of lease a pinned range is tied to
 * @fp: a pinned range
 *
 * Context: Any context that may take a spinlock.
 * Return: "layout", "unbreak", or "none" if it is tied to no lease.
 */
const char *file_pin_lease_name(struct file_pin *fp)
{
	const char *name = "none";
	struct file_lock_context *ctx;
	struct file_lease *fl;

	if (RB_EMPTY_NODE(&fp->it.rb))
		return name;
	ctx = locks_inode_context(d_inode(fp->path.dentry));
	spin_lock(&ctx->flc_lock);
	fl = fp->lease;
	if (fl)
		name = (fl->c.flc_flags & FL_UNBREAK) ? "unbreak" : "layout";
	spin_unlock(&ctx->flc_lock);
	return name;
}

/**
 * file_pin_put() - drop the file of a pinned range, once untied
 * @fp: a pin, untied
 *
 * Context: Process context; may sleep.
 */
void file_pin_put(struct file_pin *fp)
{
	if (fp->path.dentry)
		path_put(&fp->path);
	fp->path.mnt = NULL;
	fp->path.dentry = NULL;
}

/*
 * Is @fp a pin of a lease held through @filp and deleted since?  A pin
 * tied since to a new lease through the same file has that lease.  Under
 * flc_lock.
 */
static bool pin_of_deleted_lease(struct file_pin *fp, struct file *filp)
{
	return fp->lease_file == filp && !fp->lease;
}

/* Are the pins of a deleted lease held through @filp gone (or orphaned)? */
static bool lease_pins_gone(struct file_lock_context *ctx, struct file *filp)
{
	struct file_pin *fp;
	bool gone = true;

	spin_lock(&ctx->flc_lock);
	for_each_file_pin(fp, &ctx->flc_pins) {
		if (pin_of_deleted_lease(fp, filp)) {
			gone = false;
			break;
		}
	}
	spin_unlock(&ctx->flc_lock);
	return gone;
}

/* Ask the owner of a pin to revoke it, with no lock held. */
static void revoke_work(struct work_struct *work)
{
	struct file_pin *fp = container_of(work, struct file_pin, revoke_work);

	vaddr_pin_file_pin_revoke(fp);
	vaddr_pin_file_pin_put(fp);
}

/*
 * Mark @fp as being revoked and have its owner asked, from the workqueue;
 * the reference keeps the record and its context until then.  Under
 * flc_lock.
 */
static void queue_revoke(struct file_pin *fp)
{
	fp->revoking = true;
	vaddr_pin_file_pin_get(fp);
	queue_work(file_pin_revoke_wq, &fp->revoke_work);
}

/* What is still there of a deleted lease's pins stays, tied to no lease. */
static void orphan_lease_pins(struct file_lock_context *ctx, struct file *filp)
{
	struct file_pin *fp;

	spin_lock(&ctx->flc_lock);
	for_each_file_pin(fp, &ctx->flc_pins)
		if (pin_of_deleted_lease(fp, filp))
			fp->lease_file = NULL;
	spin_unlock(&ctx->flc_lock);
}

/**
 * __file_pin_lease_deleted() - revoke the pins of a layout lease being deleted
 * @ctx: the inode's lock context
 * @fl: a layout lease, deleted by the caller under the same hold of
 *	@ctx->flc_lock
 *
 * Asks the owner of each pin tied to @fl to revoke it; a pin whose owner
 * cannot is orphaned at once.  Pins keep their @lease_file until
 * file_pin_lease_released() has waited for them; none is left pointing
 * at @fl, which the caller frees.
 *
 * Context: @ctx->flc_lock held.
 */
void __file_pin_lease_deleted(struct file_lock_context *ctx,
			      struct file_lease *fl)
{
	struct file_pin *fp;

	lockdep_assert_held(&ctx->flc_lock);
	for_each_file_pin(fp, &ctx->flc_pins) {
		if (fp->lease != fl)
			continue;
		fp->lease = NULL;
		if (fp->revoking)
			continue;
		if (vaddr_pin_file_pin_revocable(fp))
			queue_revoke(fp);
		else
			fp->lease_file = NULL;
	}
}

/**
 * file_pin_lease_released() - wait for the pins of a released lease
 * @filp: the file through which a layout lease was held
 *
 * Called once the layout lease held through @filp is deleted, which asked
 * the owners of its pins to revoke them (__file_pin_lease_deleted()).
 * Waits, for at most lease-break-time (killably), until they are gone.
 * What is left stays pinned, tied to no lease.  A kernel thread does not
 * wait: the final fput() of a leasing file may run in the delayed_fput
 * worker, behind which every other delayed fput() queues.
 *
 * Context: Process context; may sleep.  No lock held.
 */
void file_pin_lease_released(struct file *filp)
{
	struct file_lock_context *ctx = locks_inode_context(file_inode(filp));

	if (!ctx || lease_pins_gone(ctx, filp))
		return;
	if (!(current->flags & PF_KTHREAD))
		wait_event_killable_timeout(ctx->flc_pin_wait,
					    lease_pins_gone(ctx, filp),
					    lease_break_jiffies());
	orphan_lease_pins(ctx, filp);
}

/* === Breaks === */

/*
 * Can this break go ahead over the pins on its range?  Not if one of them
 * is orphaned, is tied to an F_UNBREAK lease or has an owner that cannot
 * revoke it; nor, for a reader, if there is any pin at all.  A pin being
 * revoked is only waited for, orphaned or not: a lease released from a
 * kernel thread orphans the pins it asked to revoke without waiting for
 * them.  Under flc_lock.
 */
static bool break_allowed(struct file_lock_context *ctx,
			  struct file_pin_break *brk)
{
	struct file_pin *fp;

	lockdep_assert_held(&ctx->flc_lock);
	for (fp = NULL; (fp = next_pin_in(ctx, fp, brk));) {
		if (brk->flags & FILE_PIN_BREAK_READER)
			return false;
		if (fp->revoking)
			continue;
		/* Not being revoked: tied to a lease that is there, or orphaned. */
		if (!fp->lease || (fp->lease->c.flc_flags & FL_UNBREAK) ||
		    !vaddr_pin_file_pin_revocable(fp))
			return false;
	}
	return true;
}

/*
 * Queue the revocation of every pin on @brk's range, then break each lease
 * that had one, once: its lm_break only signals the holder.  One walk over
 * the pins of the range and one over the leases, however many of each
 * there are.  Under flc_lock, after break_allowed(): every pin of the
 * range not being revoked yet is tied to a lease.
 */
static void queue_break(struct file_lock_context *ctx,
			struct file_pin_break *brk)
{
	struct file_lease *fl;
	struct file_pin *fp;
	bool broken = false;

	lockdep_assert_held(&ctx->flc_lock);
	for (fp = NULL; (fp = next_pin_in(ctx, fp, brk));) {
		if (fp->revoking || WARN_ON_ONCE(!fp->lease))
			continue;
		queue_revoke(fp);
		fp->lease->c.flc_flags |= FL_PIN_BROKEN;
		broken = true;
	}
	if (!broken)
		return;
	list_for_each_entry(fl, &ctx->flc_lease, c.flc_list) {
		if (!(fl->c.flc_flags & FL_PIN_BROKEN))
			continue;
		fl->c.flc_flags &= ~FL_PIN_BROKEN;
		if (fl->fl_lmops && fl->fl_lmops->lm_break)
			fl->fl_lmops->lm_break(fl);
	}
}

static bool break_range_clear(struct file_lock_context *ctx,
			      struct file_pin_break *brk)
{
	bool clear;

	spin_lock(&ctx->flc_lock);
	clear = !interval_tree_iter_first(&ctx->flc_pins, brk->first,
					  brk->last);
	spin_unlock(&ctx->flc_lock);
	return clear;
}

/* Take @brk off its inode's open breaks: pins of its range may be tied. */
static void unlink_break(struct file_pin_break *brk)
{
	struct file_lock_context *ctx = brk->ctx;

	if (!brk->linked)
		return;
	spin_lock(&ctx->flc_lock);
	list_del_init(&brk->node);
	spin_unlock(&ctx->flc_lock);
	brk->linked = false;
	brk->open = false;
	brk->ctx = NULL;
}

/**
 * file_pin_break_init() - set up a break before its first use
 * @brk: the break, on the stack of the task changing the layout
 */
void file_pin_break_init(struct file_pin_break *brk)
{
	INIT_LIST_HEAD(&brk->node);
	brk->ctx = NULL;
	brk->linked = false;
	brk->open = false;
	brk->deadline = 0;
}
EXPORT_SYMBOL_GPL(file_pin_break_init);

/*
 * The pages a change of bytes [@start, @end] takes out of @inode's file,
 * into [@first, @last], which may already be a range and then only grows.
 *
 * On fsdax, a change of part of a 2 MiB (PMD) entry deletes all of it.
 * Such an entry lies wholly below i_size: a fault maps one nowhere else,
 * and a truncate deletes any entry it cuts.  The caller holds i_rwsem, so
 * i_size cannot grow until it drops it and calls again: each end of the
 * range grows to its 2 MiB if those lie below i_size, whether an entry
 * maps them now or a fault maps one while the filesystem waits with its
 * other locks dropped.
 */
static void break_range(struct inode *inode, loff_t start, loff_t end,
			pgoff_t *first, pgoff_t *last)
{
	const pgoff_t nr = PMD_SIZE >> PAGE_SHIFT;
	pgoff_t below;

	*first = min_t(pgoff_t, *first, start >> PAGE_SHIFT);
	*last = max_t(pgoff_t, *last,
		      end == LLONG_MAX ? ULONG_MAX : end >> PAGE_SHIFT);
	if (!IS_DAX(inode))
		return;
	below = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
	if (round_down(*first, nr) + nr <= below)
		*first = round_down(*first, nr);
	if (*last != ULONG_MAX && round_down(*last, nr) + nr <= below)
		*last = round_down(*last, nr) + nr - 1;
}

static int __file_pin_break_layout(struct file_pin_break *brk,
				   struct inode *inode, loff_t start,
				   loff_t end, unsigned int flags);

/**
 * file_pin_break_layout() - break the pins on a range whose layout changes
 * @brk: the break, set up by file_pin_break_init()
 * @inode: the file's inode
 * @start: first byte of the range the filesystem really changes
 * @end: last byte of it, or %LLONG_MAX for all of the file from @start on
 * @flags: %FILE_PIN_BREAK_READER if the change is asked for through a file
 *	that is only read (the source of a clone or dedupe): any pin on the
 *	range then fails it, and nothing is revoked
 *
 * Called by a filesystem where it breaks its own layouts, under the locks
 * that keep the range's blocks and page cache from changing, with the
 * range decided under them.  Pages are whole: a range that covers part
 * of a page breaks the pins on all of it; on fsdax, a range that covers
 * part of 2 MiB below i_size breaks those of all of it (a PMD entry may
 * map it).
 *
 * Context: Process context, @inode's i_rwsem held exclusively (a layout
 * lease cannot be taken meanwhile).  Does not sleep.
 * Return:
 * * %0           - the range has no pin: change it, then call
 *                  file_pin_break_end(); no pin of the range is tied in
 *                  between.  A break open already stays open, unless
 *                  on fsdax its range grew with i_size while the locks
 *                  were dropped: then as for a first try.
 * * %-EWOULDBLOCK - pins on the range are being revoked; no new one is
 *                  tied.  Drop every lock that can be dropped, call
 *                  file_pin_break_wait(), and if it returns 0 take the
 *                  locks again and call this again.
 * * %-ETXTBSY    - a pin on the range cannot be revoked (see the DOC
 *                  section), or the caller is a reader and there is one.
 */
int file_pin_break_layout(struct file_pin_break *brk, struct inode *inode,
			  loff_t start, loff_t end, unsigned int flags)
{
	lockdep_assert_held_write(&inode->i_rwsem);
	return __file_pin_break_layout(brk, inode, start, end, flags);
}
EXPORT_SYMBOL_GPL(file_pin_break_layout);

/* file_pin_break_layout(), for file_pin_break_ahead() too. */
static int __file_pin_break_layout(struct file_pin_break *brk,
				   struct inode *inode, loff_t start,
				   loff_t end, unsigned int flags)
{
	struct file_lock_context *ctx = locks_inode_context(inode);
	pgoff_t first = ULONG_MAX, last = 0;
	int ret = 0;

	/* No lease, and none can be taken while i_rwsem is held. */
	if (!S_ISREG(inode->i_mode) || !ctx || break_skipped())
		return 0;
	/*
	 * Linked, the range only grows, under flc_lock: between two tries,
	 * with i_rwsem dropped, an fsdax file may have grown.
	 */
	if (brk->linked) {
		first = brk->first;
		last = brk->last;
	} else {
		brk->flags = flags;
	}
	break_range(inode, start, end, &first, &last);

	spin_lock(&ctx->flc_lock);
	/* Open already: the filesystem waited for something else, and retries. */
	if (brk->open && first == brk->first && last == brk->last)
		goto out_unlock;
	brk->open = false;
	brk->first = first;
	brk->last = last;
	if (!brk->linked && list_empty(&ctx->flc_lease) &&
	    RB_EMPTY_ROOT(&ctx->flc_pins.rb_root))
		goto out_unlock;
	if (!break_allowed(ctx, brk) || vaddr_pin_should_fail()) {
		ret = -ETXTBSY;
		goto out_unlock;
	}
	if (!brk->linked) {
		list_add(&brk->node, &ctx->flc_pin_breaks);
		brk->linked = true;
		brk->ctx = ctx;
	}
	if (interval_tree_iter_first(&ctx->flc_pins, brk->first, brk->last)) {
		queue_break(ctx, brk);
		ret = -EWOULDBLOCK;
	} else {
		brk->open = true;
	}
out_unlock:
	spin_unlock(&ctx->flc_lock);
	if (ret == -ETXTBSY)
		unlink_break(brk);
	return ret;
}

/* What is left of lease-break-time for @brk, from its first wait on. */
static long break_time_left(struct file_pin_break *brk)
{
	unsigned long timeout = lease_break_jiffies();

	if (timeout == MAX_SCHEDULE_TIMEOUT)
		return timeout;
	if (!brk->deadline)
		brk->deadline = (jiffies + timeout) | 1;
	return time_before(jiffies, brk->deadline) ?
	       brk->deadline - jiffies : 0;
}

/**
 * file_pin_break_wait() - wait for the pins a break is revoking
 * @brk: a break for which file_pin_break_layout() returned -EWOULDBLOCK
 *
 * Waits until the range has no pin left; the owners were asked to revoke
 * them, from a workqueue.  The wait of all the tries of one break together
 * lasts at most lease-break-time (for ever if that is 0 or less, as for a
 * lease break).  The break stays linked, so that no pin of the range is
 * tied meanwhile, until it fails or file_pin_break_end().
 *
 * Context: Process context; sleeps.  Whatever the caller holds, no revoke
 * waits for it.
 * Return: 0 when the range is clear (try the break again), -ETXTBSY when
 * lease-break-time is over, -EINTR on a fatal signal.
 */
int file_pin_break_wait(struct file_pin_break *brk)
{
	struct file_lock_context *ctx = brk->ctx;
	long left;

	if (!brk->linked || brk->open)
		return 0;
	/* A failure injected here stands for a pin given back too late. */
	left = break_time_left(brk);
	if (left && !vaddr_pin_should_fail())
		left = wait_event_killable_timeout(ctx->flc_pin_wait,
						   break_range_clear(ctx, brk),
						   left);
	else
		left = 0;
	if (left > 0)
		return 0;
	unlink_break(brk);
	return left ? -EINTR : -ETXTBSY;
}
EXPORT_SYMBOL_GPL(file_pin_break_wait);

/**
 * file_pin_break_locked() - break the pins on a range, holding on to i_rwsem
 * @brk: the break, set up by file_pin_break_init()
 * @inode: the file's inode
 * @start: as for file_pin_break_layout()
 * @end: as for file_pin_break_layout()
 * @flags: as for file_pin_break_layout()
 *
 * file_pin_break_layout() and file_pin_break_wait() until the range is
 * clear, for a caller that cannot drop its locks: ->setattr() and others
 * called with i_rwsem held, which it then holds while it waits; the
 * revokes run in the workqueue and take no lock of the file.
 *
 * Context: Process context, i_rwsem held exclusively and no other
 * filesystem lock; sleeps.
 * Return: 0 with the break open (call file_pin_break_end() after the
 * change), or as file_pin_break_layout() and file_pin_break_wait().
 */
int file_pin_break_locked(struct file_pin_break *brk, struct inode *inode,
			  loff_t start, loff_t end, unsigned int flags)
{
	int ret;

	while ((ret = file_pin_break_layout(brk, inode, start, end,
					    flags)) == -EWOULDBLOCK) {
		ret = file_pin_break_wait(brk);
		if (ret)
			break;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(file_pin_break_locked);

/**
 * file_pin_break_end() - let pins of a range be tied again
 * @brk: a break, open or not
 *
 * Context: Any context that may take a spinlock.
 */
void file_pin_break_end(struct file_pin_break *brk)
{
	unlink_break(brk);
}
EXPORT_SYMBOL_GPL(file_pin_break_end);

/**
 * file_pin_break_ahead() - revoke the pins on a range before any lock
 * @inode: the file's inode
 * @start: first byte of the range
 * @end: last byte of the range, or %LLONG_MAX for all of the file from
 *	@start on
 * @flags: as for file_pin_break_layout()
 *
 * For the VFS, before it calls into a filesystem for a layout change and
 * before freeze protection: the wait for the revokes then happens with no
 * lock held, and the filesystem's own break (layout leases exist only on
 * filesystems with %FS_BREAKS_PINS) usually finds nothing left to do.  It
 * keeps no pin from being tied afterwards: the filesystem's break does.
 *
 * Context: Process context; may sleep.  No filesystem lock held.
 * Return: as file_pin_break_wait(), or -ETXTBSY as file_pin_break_layout().
 */
int file_pin_break_ahead(struct inode *inode, loff_t start, loff_t end,
			 unsigned int flags)
{
	struct file_pin_break brk;
	int ret;

	file_pin_break_init(&brk);
	do {
		ret = __file_pin_break_layout(&brk, inode, start, end, flags);
	} while (ret == -EWOULDBLOCK && !(ret = file_pin_break_wait(&brk)));
	file_pin_break_end(&brk);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(file_pin_break_ahead);

/*
 * The VFS breaks ahead so that the revokes are not waited for inside
 * freeze protection.  tmpfs cannot be frozen, and breaks under i_rwsem
 * only once its own checks passed (seals, the fallocate() modes it
 * lacks): breaking ahead there would let a holder of a sealed memfd, who
 * may not change it, revoke its pins with a change that then fails.
 */
static bool vfs_breaks_ahead(struct inode *inode)
{
	return !shmem_mapping(inode->i_mapping);
}

/**
 * file_pin_break_truncate_ahead() - revoke ahead what a truncate frees
 * @inode: the file's inode
 * @size: the size it is truncated to
 *
 * file_pin_break_ahead() for the pages from @size on, if @size shrinks the
 * file: growing it frees nothing, and revoking the pin of its last page
 * would be wrong.  i_size is read without a lock: the filesystem decides
 * again under its own locks.  Not on tmpfs, which breaks after its checks.
 *
 * Context: Process context; may sleep.  No filesystem lock held.
 * Return: as file_pin_break_ahead().
 */
int file_pin_break_truncate_ahead(struct inode *inode, loff_t size)
{
	if (size >= i_size_read(inode) || !vfs_breaks_ahead(inode))
		return 0;
	return file_pin_break_ahead(inode, size, LLONG_MAX, 0);
}

/**
 * file_pin_fallocate_range() - the bytes an fallocate() changes the layout of
 * @mode: the fallocate() mode
 * @offset: its offset
 * @len: its length, not zero
 * @start: set to the first byte
 * @end: set to the last byte, or %LLONG_MAX
 *
 * Punching a hole, zeroing and unsharing change the range itself;
 * collapsing and inserting move everything after @offset.  Allocating
 * changes no pinned page.
 *
 * Return: true if the fallocate() changes the layout of [@start, @end].
 */
bool file_pin_fallocate_range(int mode, loff_t offset, loff_t len,
			      loff_t *start, loff_t *end)
{
	*start = offset;
	if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)) {
		*end = LLONG_MAX;
		return true;
	}
	if (check_add_overflow(offset, len - 1, end))
		*end = LLONG_MAX;
	return mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE |
		       FALLOC_FL_UNSHARE_RANGE);
}
EXPORT_SYMBOL_GPL(file_pin_fallocate_range);

/**
 * file_pin_break_fallocate_ahead() - revoke ahead what an fallocate() changes
 * @inode: the file's inode
 * @mode: the fallocate() mode
 * @offset: its offset
 * @len: its length, not zero
 *
 * file_pin_break_ahead() over file_pin_fallocate_range(), if the mode
 * changes the layout at all.  Not on tmpfs, which breaks after its checks.
 *
 * Context: Process context; may sleep.  No filesystem lock held.
 * Return: as file_pin_break_ahead().
 */
int file_pin_break_fallocate_ahead(struct inode *inode, int mode,
				   loff_t offset, loff_t len)
{
	loff_t start, end;

	if (!file_pin_fallocate_range(mode, offset, len, &start, &end) ||
	    !vfs_breaks_ahead(inode))
		return 0;
	return file_pin_break_ahead(inode, start, end, 0);
}

/**
 * file_pin_remap_flags() - the break flags for one side of a remap
 * @remap_flags: the remap's REMAP_FILE_* flags
 * @source: for the source file, else for the destination
 *
 * The source is only read: its blocks become shared, and its pins fail
 * the remap instead of being revoked (DESIGN "Readers").  The destination's
 * blocks are replaced and its pins revoked (a dedupe too, advisory as it
 * is), unless the remap is the clone that copy_file_range() tries, whose
 * caller copies the data instead.
 *
 * Return: %FILE_PIN_BREAK_READER or 0.
 */
unsigned int file_pin_remap_flags(unsigned int remap_flags, bool source)
{
	if (source || ((remap_flags & REMAP_FILE_ADVISORY) &&
		       !(remap_flags & REMAP_FILE_DEDUP)))
		return FILE_PIN_BREAK_READER;
	return 0;
}
EXPORT_SYMBOL_GPL(file_pin_remap_flags);

/**
 * file_pin_break_remap_ahead() - file_pin_break_ahead() for a reflink or dedupe
 * @in: the inode of the source file
 * @pos_in: first byte of the range in the source file
 * @out: the inode of the destination file
 * @pos_out: first byte of the range in the destination file
 * @len: length of the ranges; 0 (or less) for the rest of the files
 * @remap_flags: the remap's REMAP_FILE_* flags
 *
 * Each side as file_pin_remap_flags() says.
 *
 * Context: as file_pin_break_ahead().
 * Return: as file_pin_break_ahead().
 */
int file_pin_break_remap_ahead(struct inode *in, loff_t pos_in,
			       struct inode *out, loff_t pos_out, loff_t len,
			       unsigned int remap_flags)
{
	loff_t end_in = LLONG_MAX, end_out = LLONG_MAX;

	if (len > 0) {
		if (check_add_overflow(pos_in, len - 1, &end_in))
			end_in = LLONG_MAX;
		if (check_add_overflow(pos_out, len - 1, &end_out))
			end_out = LLONG_MAX;
	}
	return file_pin_break_ahead(in, pos_in, end_in,
				    file_pin_remap_flags(remap_flags, true)) ?:
	       file_pin_break_ahead(out, pos_out, end_out,
				    file_pin_remap_flags(remap_flags, false));
}

/**
 * file_pin_break_remap_end() - file_pin_break_end() for a reflink or dedupe
 * @brk: the breaks of a filesystem's remap
 *
 * Context: Any context that may take a spinlock.
 */
void file_pin_break_remap_end(struct file_pin_remap_break *brk)
{
	file_pin_break_end(&brk->out);
	file_pin_break_end(&brk->in);
}
EXPORT_SYMBOL_GPL(file_pin_break_remap_end);

static int __init file_pin_lease_init(void)
{
	file_pin_revoke_wq = alloc_workqueue("file_pin_revoke",
					     WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return file_pin_revoke_wq ? 0 : -ENOMEM;
}
core_initcall(file_pin_lease_init);
