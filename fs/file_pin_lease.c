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
 * **Breaks.** A layout change over a byte range calls
 * file_pin_break_begin() before it takes any filesystem lock and
 * file_pin_break_end() once the change is done.  Between the two the range
 * is open for breaking (file_lock_context.flc_pin_breaks) and new pins of
 * it cannot be tied, so they fail.  The break answers -ETXTBSY at once,
 * revoking nothing, if a pin on the range is orphaned, is tied to an
 * %F_UNBREAK lease, or has an owner that cannot revoke; otherwise it asks
 * the owners to revoke the pins on the range, breaks each lease that had
 * one (its lm_break, under flc_lock, only sends the lease holder its
 * signal) and waits with no lock held, for at most lease-break-time, until
 * the range has no pin left.  Pins outside the range, and the leases, stay.
 *
 * **Page cache pinned for write.** A device writes to such pages behind
 * the page tables, so writeback must not leave them clean while they are
 * pinned: folio_pinned_for_write() tells it which folios are.  Only pins
 * in a registry count, with @write set; other pins of the page cache (a
 * stock read-only long-term pin, an O_DIRECT buffer) never keep a folio
 * dirty.
 *
 * Locking: flc_lock protects the tree, the open breaks and each tied pin's
 * lease_file and revoking.  It is taken inside mmap_lock (pinning) and
 * inside vaddr_pin's context lock (teardown), never the other way round.
 * Owners' revoke callbacks run with no lock held.
 */

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
#include <linux/vaddr_pin_fail.h>
#include <linux/wait.h>

/* Woken whenever a pin leaves a registry while someone waits for that. */
static DECLARE_WAIT_QUEUE_HEAD(file_pin_wq);

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

/**
 * file_pin_init() - set up a pinned range's tie, untied
 * @fp: the tie
 */
void file_pin_init(struct file_pin *fp)
{
	RB_CLEAR_NODE(&fp->it.rb);
	fp->path.mnt = NULL;
	fp->path.dentry = NULL;
	fp->lease_file = NULL;
	fp->revoking = false;
	fp->write = false;
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
 * * 0       - tied.
 * * -EPERM  - @file holds no layout lease (any more).
 * * -EAGAIN - a layout change over the range is under way.
 */
int file_pin_tie(struct file_pin *fp, struct file *file)
{
	struct inode *inode = file_inode(file);
	struct file_lock_context *ctx = locks_inode_context(inode);
	int ret = -EPERM;

	if (!ctx)
		return ret;
	/* A failure injected here stands for a layout change under way. */
	if (vaddr_pin_should_fail())
		return -EAGAIN;
	spin_lock(&ctx->flc_lock);
	if (!__file_has_layout_lease(ctx, file))
		goto out_unlock;
	ret = -EAGAIN;
	if (file_pin_breaking(ctx, fp))
		goto out_unlock;
	fp->lease_file = file;
	fp->revoking = false;
	interval_tree_insert(&fp->it, &ctx->flc_pins);
	ret = 0;
out_unlock:
	spin_unlock(&ctx->flc_lock);
	return ret;
}

/**
 * file_pin_untie() - take a pinned range out of its inode's registry
 * @fp: a pin, tied or not
 *
 * The path stays for the unpinner to drop, with file_pin_put(), once it
 * holds no lock.
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
	fp->lease_file = NULL;
	spin_unlock(&ctx->flc_lock);
	if (wq_has_sleeper(&file_pin_wq))
		wake_up_all(&file_pin_wq);
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
	struct address_space *mapping = folio_mapping(folio);
	pgoff_t first = folio->index;
	pgoff_t last = first + folio_nr_pages(folio) - 1;
	struct file_lock_context *ctx;
	struct interval_tree_node *it;
	bool write = false;

	/* Pinned at all?  Cheap, and rarely true: most folios stop here. */
	if (!folio_maybe_dma_pinned(folio) || !mapping)
		return false;
	ctx = locks_inode_context(mapping->host);
	if (!ctx)
		return false;
	spin_lock(&ctx->flc_lock);
	for (it = interval_tree_iter_first(&ctx->flc_pins, first, last);
	     it && !write; it = interval_tree_iter_next(it, first, last))
		write = container_of(it, struct file_pin, it)->write;
	spin_unlock(&ctx->flc_lock);
	return write;
}

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
	fl = fp->lease_file ? __file_layout_lease(ctx, fp->lease_file) : NULL;
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

static bool lease_pins_gone(struct file_lock_context *ctx, struct file *filp)
{
	struct file_pin *fp;
	bool gone = true;

	spin_lock(&ctx->flc_lock);
	for_each_file_pin(fp, &ctx->flc_pins) {
		if (fp->lease_file == filp) {
			gone = false;
			break;
		}
	}
	spin_unlock(&ctx->flc_lock);
	return gone;
}

/* Mark @fp as being revoked and keep it for revoke_pins().  Under flc_lock. */
static void queue_revoke(struct file_pin *fp, struct list_head *revoke)
{
	fp->revoking = true;
	vaddr_pin_file_pin_get(fp);
	list_add_tail(&fp->revoke_node, revoke);
}

/* Ask the owners of the pins on @revoke to revoke them.  No lock held. */
static void revoke_pins(struct list_head *revoke)
{
	struct file_pin *fp, *next;

	list_for_each_entry_safe(fp, next, revoke, revoke_node) {
		list_del(&fp->revoke_node);
		vaddr_pin_file_pin_revoke(fp);
		vaddr_pin_file_pin_put(fp);
	}
}

/* What is still tied to @filp's lease stays pinned, tied to no lease. */
static void orphan_lease_pins(struct file_lock_context *ctx, struct file *filp)
{
	struct file_pin *fp;

	spin_lock(&ctx->flc_lock);
	for_each_file_pin(fp, &ctx->flc_pins)
		if (fp->lease_file == filp)
			fp->lease_file = NULL;
	spin_unlock(&ctx->flc_lock);
}

/**
 * file_pin_lease_released() - revoke the pins tied to a released lease
 * @filp: the file through which a layout lease was held
 *
 * Called once the layout lease held through @filp is gone, so that no new
 * pin can be tied to it.  Asks the owner of each pin tied to it to revoke
 * it and waits, for at most lease-break-time, until they are gone.
 *
 * Context: Process context; may sleep.  No lock held.
 */
void file_pin_lease_released(struct file *filp)
{
	struct file_lock_context *ctx = locks_inode_context(file_inode(filp));
	struct file_pin *fp;
	LIST_HEAD(revoke);

	if (!ctx)
		return;
	spin_lock(&ctx->flc_lock);
	for_each_file_pin(fp, &ctx->flc_pins) {
		if (fp->lease_file != filp || fp->revoking)
			continue;
		if (!vaddr_pin_file_pin_revocable(fp)) {
			fp->lease_file = NULL;
			continue;
		}
		queue_revoke(fp, &revoke);
	}
	spin_unlock(&ctx->flc_lock);
	if (list_empty(&revoke) && lease_pins_gone(ctx, filp))
		return;

	revoke_pins(&revoke);
	wait_event_timeout(file_pin_wq, lease_pins_gone(ctx, filp),
			   lease_break_jiffies());
	orphan_lease_pins(ctx, filp);
}

/* === Breaks === */

/*
 * Can the pins on @brk's range be revoked?  Not if one of them is orphaned,
 * is tied to an F_UNBREAK lease or has an owner that cannot revoke it.  A
 * pin already being revoked is only waited for.  Under flc_lock.
 */
static bool break_allowed(struct file_lock_context *ctx,
			  struct file_pin_break *brk)
{
	struct file_lease *fl;
	struct file_pin *fp;

	lockdep_assert_held(&ctx->flc_lock);
	for (fp = NULL; (fp = next_pin_in(ctx, fp, brk));) {
		if (fp->revoking)
			continue;
		if (!fp->lease_file || !vaddr_pin_file_pin_revocable(fp))
			return false;
		fl = __file_layout_lease(ctx, fp->lease_file);
		if (fl && (fl->c.flc_flags & FL_UNBREAK))
			return false;
	}
	return true;
}

/*
 * Queue the revocation of every pin on @brk's range, lease by lease, and
 * break each lease that has one: its lm_break only signals the holder.  A
 * pin whose lease is being released is left to that release.  Under
 * flc_lock.
 */
static void queue_break(struct file_lock_context *ctx,
			struct file_pin_break *brk, struct list_head *revoke)
{
	struct file_lease *fl;
	struct file_pin *fp;
	bool broken;

	lockdep_assert_held(&ctx->flc_lock);
	list_for_each_entry(fl, &ctx->flc_lease, c.flc_list) {
		if (__file_layout_lease(ctx, fl->c.flc_file) != fl)
			continue;
		broken = false;
		for (fp = NULL; (fp = next_pin_in(ctx, fp, brk));) {
			if (fp->lease_file != fl->c.flc_file || fp->revoking)
				continue;
			queue_revoke(fp, revoke);
			broken = true;
		}
		if (broken && fl->fl_lmops && fl->fl_lmops->lm_break)
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

/**
 * file_pin_break_begin() - revoke the pins on a range about to change layout
 * @brk: the break, on the caller's stack until file_pin_break_end()
 * @inode: the file's inode
 * @start: first byte of the range
 * @end: last byte of the range, or %LLONG_MAX for all of the file from
 *	@start on
 *
 * Called before a layout change (truncate, hole punch, collapse, insert or
 * zero range, reflink, dedupe) takes any filesystem lock.  Revokes every
 * pin on the pages of [@start, @end] tied to a layout lease as the DOC
 * section describes, and keeps new pins of them from being tied until
 * file_pin_break_end().  Pages are whole: a range that covers part of a
 * page breaks the pins on all of it.
 *
 * Context: Process context; may sleep, for at most lease-break-time.  No
 * filesystem lock held.
 * Return:
 * * 0        - the range has no pin; call file_pin_break_end() after the
 *              change.
 * * -ETXTBSY - a pin on the range cannot be revoked, or was not given back
 *              within lease-break-time.
 * * -EINTR   - a fatal signal arrived while waiting.
 * * -ENOMEM  - out of memory.
 */
int file_pin_break_begin(struct file_pin_break *brk, struct inode *inode,
			 loff_t start, loff_t end)
{
	struct file_lock_context *ctx;
	LIST_HEAD(revoke);
	long left;

	brk->ctx = NULL;
	if (!S_ISREG(inode->i_mode))
		return 0;
	/* A context even without leases: one may be taken during the change. */
	ctx = locks_inode_context_alloc(inode);
	if (!ctx)
		return -ENOMEM;
	brk->first = start >> PAGE_SHIFT;
	brk->last = end == LLONG_MAX ? ULONG_MAX : end >> PAGE_SHIFT;

	spin_lock(&ctx->flc_lock);
	if (!break_allowed(ctx, brk) || vaddr_pin_should_fail()) {
		spin_unlock(&ctx->flc_lock);
		return -ETXTBSY;
	}
	list_add(&brk->node, &ctx->flc_pin_breaks);
	brk->ctx = ctx;
	queue_break(ctx, brk, &revoke);
	spin_unlock(&ctx->flc_lock);

	revoke_pins(&revoke);
	/* A failure injected here stands for a pin given back too late. */
	left = vaddr_pin_should_fail() ? 0 :
	       wait_event_killable_timeout(file_pin_wq,
					   break_range_clear(ctx, brk),
					   lease_break_jiffies());
	if (left > 0)
		return 0;
	file_pin_break_end(brk);
	return left ? -EINTR : -ETXTBSY;
}
EXPORT_SYMBOL_IF_KUNIT(file_pin_break_begin);

/**
 * file_pin_break_end() - let pins of a range be tied again
 * @brk: a break begun by file_pin_break_begin(), successfully or not
 *
 * Context: Any context that may take a spinlock.
 */
void file_pin_break_end(struct file_pin_break *brk)
{
	struct file_lock_context *ctx = brk->ctx;

	if (!ctx)
		return;
	spin_lock(&ctx->flc_lock);
	list_del(&brk->node);
	spin_unlock(&ctx->flc_lock);
	brk->ctx = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(file_pin_break_end);

/**
 * file_pin_break_truncate() - file_pin_break_begin() for a truncate
 * @brk: the break
 * @inode: the file's inode
 * @size: the new size
 *
 * A truncate that does not shrink the file changes no pinned page.
 *
 * Context: as file_pin_break_begin().
 * Return: as file_pin_break_begin().
 */
int file_pin_break_truncate(struct file_pin_break *brk, struct inode *inode,
			    loff_t size)
{
	brk->ctx = NULL;
	if (size >= i_size_read(inode))
		return 0;
	return file_pin_break_begin(brk, inode, size, LLONG_MAX);
}

/**
 * file_pin_break_fallocate() - file_pin_break_begin() for an fallocate()
 * @brk: the break
 * @inode: the file's inode
 * @mode: the fallocate() mode
 * @offset: its offset
 * @len: its length, not zero
 *
 * Punching a hole, zeroing and unsharing change the range itself;
 * collapsing and inserting move everything after @offset.  Allocating
 * changes no pinned page.
 *
 * Context: as file_pin_break_begin().
 * Return: as file_pin_break_begin().
 */
int file_pin_break_fallocate(struct file_pin_break *brk, struct inode *inode,
			     int mode, loff_t offset, loff_t len)
{
	brk->ctx = NULL;
	if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))
		return file_pin_break_begin(brk, inode, offset, LLONG_MAX);
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE |
		    FALLOC_FL_UNSHARE_RANGE))
		return file_pin_break_begin(brk, inode, offset,
					    offset + len - 1);
	return 0;
}

/**
 * file_pin_break_remap() - file_pin_break_begin() for a reflink or dedupe
 * @brk: the breaks of both files
 * @in: the inode of the source file
 * @pos_in: first byte of the range in the source file
 * @out: the inode of the destination file
 * @pos_out: first byte of the range in the destination file
 * @len: length of the ranges; 0 (or less) for the rest of the files
 *
 * Both ranges of a remap change layout: the destination's blocks are
 * replaced, the source's become shared.
 *
 * Context: as file_pin_break_begin().
 * Return: as file_pin_break_begin(); on error neither break is open.
 */
int file_pin_break_remap(struct file_pin_remap_break *brk, struct inode *in,
			 loff_t pos_in, struct inode *out, loff_t pos_out,
			 loff_t len)
{
	loff_t end_in = LLONG_MAX, end_out = LLONG_MAX;
	int ret;

	if (len > 0) {
		if (check_add_overflow(pos_in, len - 1, &end_in))
			end_in = LLONG_MAX;
		if (check_add_overflow(pos_out, len - 1, &end_out))
			end_out = LLONG_MAX;
	}
	ret = file_pin_break_begin(&brk->in, in, pos_in, end_in);
	if (ret)
		return ret;
	ret = file_pin_break_begin(&brk->out, out, pos_out, end_out);
	if (ret)
		file_pin_break_end(&brk->in);
	return ret;
}

/**
 * file_pin_break_remap_end() - file_pin_break_end() for a reflink or dedupe
 * @brk: the breaks opened by file_pin_break_remap()
 *
 * Context: Any context that may take a spinlock.
 */
void file_pin_break_remap_end(struct file_pin_remap_break *brk)
{
	file_pin_break_end(&brk->out);
	file_pin_break_end(&brk->in);
}
