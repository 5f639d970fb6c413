// SPDX-License-Identifier: GPL-2.0
/*
 * file_pin_lease: the per-inode registry of long-term pins tied to layout
 * leases, and their revocation when the lease goes.
 */

/**
 * DOC: file_pin_lease registry
 *
 * A pin of a file's memory taken through vaddr_pin while the mapped file
 * holds a layout lease is tied to that lease: it goes into the inode's
 * registry (file_lock_context.flc_pins, an interval tree of page offsets,
 * under flc_lock), where whoever changes the file's layout finds it by
 * range.  When the lease is released (F_UNLCK, or the final fput() of the
 * leasing file) the pins tied to it are revoked through their owners and
 * waited for, for at most lease-break-time; a pin whose owner cannot revoke
 * it, or that outlives the wait, stays in the registry tied to no lease.
 *
 * Locking: flc_lock protects the tree and each tied pin's lease_file and
 * revoking.  It is taken inside mmap_lock (pinning) and inside vaddr_pin's
 * context lock (teardown), never the other way round.  Owners' revoke
 * callbacks run with no lock held.
 */

#include <linux/file_pin_lease.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/wait.h>

/* Woken whenever a pin leaves a registry. */
static DECLARE_WAIT_QUEUE_HEAD(file_pin_wq);

#define for_each_file_pin(fp, root)					\
	for (struct interval_tree_node *__it =				\
		interval_tree_iter_first(root, 0, ULONG_MAX);		\
	     __it && ((fp) = container_of(__it, struct file_pin, it));	\
	     __it = interval_tree_iter_next(__it, 0, ULONG_MAX))

/**
 * file_pin_init() - set up a pinned range's tie, untied
 * @fp: the tie
 */
void file_pin_init(struct file_pin *fp)
{
	RB_CLEAR_NODE(&fp->it.rb);
	fp->inode = NULL;
	fp->lease_file = NULL;
	fp->revoking = false;
}

/**
 * file_pin_tie() - tie a pinned range to the layout lease held through a file
 * @fp: the pinned range's tie, not yet tied; @fp->it holds the file's pages
 * @file: the mapped file
 *
 * Context: Process context, under the mmap_lock that keeps @file mapped.
 * Return: 0 if tied; -EPERM if @file holds no layout lease (any more).
 */
int file_pin_tie(struct file_pin *fp, struct file *file)
{
	struct inode *inode = file_inode(file);
	struct file_lock_context *ctx = locks_inode_context(inode);
	int ret = -EPERM;

	if (!ctx)
		return ret;
	spin_lock(&ctx->flc_lock);
	if (__file_has_layout_lease(ctx, file)) {
		ihold(inode);
		fp->inode = inode;
		fp->lease_file = file;
		fp->revoking = false;
		interval_tree_insert(&fp->it, &ctx->flc_pins);
		ret = 0;
	}
	spin_unlock(&ctx->flc_lock);
	return ret;
}

/**
 * file_pin_untie() - take a pinned range out of its inode's registry
 * @fp: a pin, tied or not
 *
 * The inode reference stays for the unpinner to drop once it holds no lock.
 *
 * Context: Any context that may take a spinlock.
 */
void file_pin_untie(struct file_pin *fp)
{
	struct file_lock_context *ctx;

	if (RB_EMPTY_NODE(&fp->it.rb))
		return;
	ctx = locks_inode_context(fp->inode);
	spin_lock(&ctx->flc_lock);
	interval_tree_remove(&fp->it, &ctx->flc_pins);
	RB_CLEAR_NODE(&fp->it.rb);
	fp->lease_file = NULL;
	spin_unlock(&ctx->flc_lock);
	wake_up_all(&file_pin_wq);
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
	struct file_pin *fp, *next;
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
		fp->revoking = true;
		vaddr_pin_file_pin_get(fp);
		list_add_tail(&fp->revoke_node, &revoke);
	}
	spin_unlock(&ctx->flc_lock);
	if (list_empty(&revoke) && lease_pins_gone(ctx, filp))
		return;

	list_for_each_entry_safe(fp, next, &revoke, revoke_node) {
		list_del(&fp->revoke_node);
		vaddr_pin_file_pin_revoke(fp);
		vaddr_pin_file_pin_put(fp);
	}
	wait_event_timeout(file_pin_wq, lease_pins_gone(ctx, filp),
			   lease_break_jiffies());
	orphan_lease_pins(ctx, filp);
}
