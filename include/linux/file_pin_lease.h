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
#include <linux/types.h>

struct file;
struct inode;

/**
 * struct file_pin - the part of a pinned range that ties it to a lease
 * @it: the pinned pages of the file, [it.start, it.last] in page offsets;
 *	in the inode's registry while tied.
 * @inode: the file's inode, referenced from the tie until the range is
 *	unpinned (the unpinner drops it).
 * @lease_file: the file holding the layout lease the pin is tied to, not
 *	referenced (the lease's release unties or orphans the pin first);
 *	NULL once the lease is gone and the pin could not be revoked.
 * @revoking: the revocation of this pin has been asked for.
 * @revoke_node: entry on a revoker's private list.
 *
 * @lease_file and @revoking are protected by the inode's flc_lock.
 */
struct file_pin {
	struct interval_tree_node it;
	struct inode *inode;
	struct file *lease_file;
	bool revoking;
	struct list_head revoke_node;
};

#ifdef CONFIG_VADDR_PIN

void file_pin_init(struct file_pin *fp);
int file_pin_tie(struct file_pin *fp, struct file *file);
void file_pin_untie(struct file_pin *fp);
void file_pin_lease_released(struct file *filp);

/* Provided by mm/vaddr_pin.c. */
bool vaddr_pin_file_pin_revocable(struct file_pin *fp);
void vaddr_pin_file_pin_get(struct file_pin *fp);
void vaddr_pin_file_pin_revoke(struct file_pin *fp);
void vaddr_pin_file_pin_put(struct file_pin *fp);

#else

static inline void file_pin_lease_released(struct file *filp)
{
}

#endif /* CONFIG_VADDR_PIN */

#endif /* _LINUX_FILE_PIN_LEASE_H */
