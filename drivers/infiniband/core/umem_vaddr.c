// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * User memory regions pinned through vaddr_pin.
 *
 * ib_umem_get_udata() pins like ib_umem_get(), but through a vaddr_pin
 * context whose owner is the uverbs file of the registration: the pins are
 * listed under it in /proc/<pid>/file_pins, they may be taken on a file
 * under a layout lease (fsdax, page cache for write), and the filesystem
 * can take them back.  A revoke asks the driver to invalidate the MR
 * first; only then are the pages DMA-unmapped and unpinned.  The umem
 * itself stays until the driver releases it with the MR.  A revoke that
 * comes before the driver has made the MR live (ib_umem_activate()) needs
 * nothing of the driver, which may still be setting the MR up from the
 * umem: it is marked, and the activation unpins and fails (or the
 * release unpins).
 *
 * Copyright (C) 2026 The vaddr_pin developers
 */

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vaddr_pin.h>
#include <linux/vaddr_pin_fail.h>
#include <rdma/ib_umem.h>
#include <rdma/uverbs_ioctl.h>

#include "uverbs.h"

MODULE_IMPORT_NS(VADDR_PIN);

/**
 * struct ib_umem_vaddr - a user memory region pinned through vaddr_pin
 * @umem: what the driver sees.
 * @vp: the pinning context; its owner is the uverbs file.
 * @pages: the pinned pages, the handle of the pin.
 * @nr_pages: how many; ib_umem_num_pages() changes with the iova that
 *	ib_umem_find_best_pgsz() sets.
 * @lock: orders a revoke against the end of ib_umem_get_udata(), the
 *	activation and the release.
 * @revoke: the driver's callback: when it returns, the device no longer
 *	touches the pages.  NULL for a driver that cannot revoke.
 * @priv: its argument.
 * @live: the driver made the MR live (ib_umem_activate()); under @lock.
 * @revoked: a revoke came before that; under @lock.
 * @unpinned: the pages are unpinned (revoked); under @lock.
 */
struct ib_umem_vaddr {
	struct ib_umem umem;
	struct vaddr_pin vp;
	struct page **pages;
	unsigned long nr_pages;
	struct mutex lock;	/* orders revoke, setup, activation, release */
	void (*revoke)(void *priv);
	void *priv;
	bool live;
	bool revoked;
	bool unpinned;
};

static struct ib_umem_vaddr *to_ib_umem_vaddr(struct ib_umem *umem)
{
	return container_of(umem, struct ib_umem_vaddr, umem);
}

/* DMA-unmap and unpin, dirtying what the device may have written. */
static void ib_umem_vaddr_unpin(struct ib_umem_vaddr *uv)
{
	struct ib_umem *umem = &uv->umem;

	lockdep_assert_held(&uv->lock);
	ib_dma_unmap_sgtable_attrs(umem->ibdev, &umem->sgt_append.sgt,
				   DMA_BIDIRECTIONAL, 0);
	vaddr_unpin_user_pages(&uv->vp, uv->pages, uv->nr_pages,
			       umem->writable);
	uv->unpinned = true;
}

static void ib_umem_vaddr_revoke(struct vaddr_pin *vp, struct page **pages,
				 unsigned long nr_pages)
{
	struct ib_umem_vaddr *uv = container_of(vp, struct ib_umem_vaddr, vp);

	mutex_lock(&uv->lock);
	/* Not if the release got here first. */
	if (!uv->unpinned && vaddr_pin_revoking(vp, pages)) {
		if (uv->live) {
			uv->revoke(uv->priv);
			ib_umem_vaddr_unpin(uv);
		} else {
			/* Being set up: activation or release unpins. */
			uv->revoked = true;
		}
	}
	mutex_unlock(&uv->lock);
}

static const struct vaddr_pin_ops ib_umem_vaddr_ops = {
	.revoke = ib_umem_vaddr_revoke,
};

/* A driver that cannot revoke: its pins stay until the MR goes. */
static const struct vaddr_pin_ops ib_umem_vaddr_unrevocable_ops = {};

/* The uverbs file a command came through; it outlives its MRs. */
static struct file *udata_to_file(struct ib_udata *udata)
{
	return rdma_udata_to_uverbs_attr_bundle(udata)->ufile->filp;
}

/**
 * ib_umem_get_udata() - pin a user memory region through vaddr_pin
 * @device: the IB device the region is for
 * @udata: the user data of the registration command
 * @addr: user virtual address of the region
 * @size: its length in bytes
 * @access: IB_ACCESS_* flags of the region
 * @revoke: called, with no lock held, when the filesystem needs the pages
 *	back; when it returns the device must no longer access them, and
 *	every later access of the MR must fail.  NULL if the driver cannot:
 *	a layout change over the region then fails with ETXTBSY.
 * @priv: argument of @revoke
 *
 * As ib_umem_get(), and charged to ``pinned_vm`` under ``RLIMIT_MEMLOCK``
 * the same way, but memory of a file that holds a layout lease may be
 * pinned where stock refuses it (fsdax, page cache for write); without the
 * lease such memory is refused with -EPERM.  A driver with @revoke makes
 * the MR live with ib_umem_activate(); until then a revoke does not call
 * @revoke.  After a revoke the umem and its sg table remain, but the pages
 * are neither pinned nor DMA-mapped: ib_umem_release() is still needed,
 * and works.
 *
 * Return: the umem, or an ERR_PTR(): -EINVAL for a bad range, -EPERM
 * without RLIMIT_MEMLOCK or a needed layout lease, -EOPNOTSUPP for
 * IB_ACCESS_ON_DEMAND or page cache its filesystem cannot keep pinned for
 * write, and the errors of vaddr_pin_user_pages().
 */
struct ib_umem *ib_umem_get_udata(struct ib_device *device,
				  struct ib_udata *udata, unsigned long addr,
				  size_t size, int access,
				  void (*revoke)(void *priv), void *priv)
{
	unsigned int flags = 0, dma_attr = 0;
	struct ib_umem_vaddr *uv;
	struct ib_umem *umem;
	unsigned long npages;
	int ret;

	if (!udata || addr + size < addr ||
	    PAGE_ALIGN(addr + size) < addr + size)
		return ERR_PTR(-EINVAL);
	if (!can_do_mlock())
		return ERR_PTR(-EPERM);
	if (access & IB_ACCESS_ON_DEMAND)
		return ERR_PTR(-EOPNOTSUPP);

	uv = kzalloc(sizeof(*uv), GFP_KERNEL);
	if (!uv)
		return ERR_PTR(-ENOMEM);
	umem = &uv->umem;
	umem->ibdev = device;
	umem->length = size;
	umem->address = addr;
	umem->iova = addr;	/* ib_umem_find_best_pgsz() sets the real one */
	umem->writable = ib_access_writable(access);
	umem->is_vaddr = 1;
	umem->owning_mm = current->mm;
	npages = ib_umem_num_pages(umem);
	if (!npages || npages > UINT_MAX) {
		ret = -EINVAL;
		goto out_free;
	}
	uv->nr_pages = npages;
	uv->pages = kvmalloc_array(npages, sizeof(*uv->pages), GFP_KERNEL);
	if (!uv->pages) {
		ret = -ENOMEM;
		goto out_free;
	}
	mutex_init(&uv->lock);
	uv->revoke = revoke;
	uv->priv = priv;
	vaddr_pin_init(&uv->vp, current->mm, udata_to_file(udata),
		       revoke ? &ib_umem_vaddr_ops :
				&ib_umem_vaddr_unrevocable_ops);
	if (umem->writable)
		flags |= VADDR_PIN_WRITE;
	if (access & IB_ACCESS_RELAXED_ORDERING)
		dma_attr |= DMA_ATTR_WEAK_ORDERING;

	/* A revoke waits until the umem is whole. */
	mutex_lock(&uv->lock);
	ret = vaddr_pin_user_pages(&uv->vp, addr & PAGE_MASK,
				   npages << PAGE_SHIFT, flags, uv->pages,
				   npages);
	if (ret)
		goto out_unlock;
	ret = sg_alloc_append_table_from_pages(&umem->sgt_append, uv->pages,
					       npages, 0, npages << PAGE_SHIFT,
					       ib_dma_max_seg_size(device), 0,
					       GFP_KERNEL);
	if (ret)
		goto out_unpin;
	ret = ib_dma_map_sgtable_attrs(device, &umem->sgt_append.sgt,
				       DMA_BIDIRECTIONAL, dma_attr);
	if (ret)
		goto out_free_sgt;
	mmgrab(umem->owning_mm);
	mutex_unlock(&uv->lock);
	return umem;

out_free_sgt:
	sg_free_append_table(&umem->sgt_append);
out_unpin:
	vaddr_unpin_user_pages(&uv->vp, uv->pages, npages, false);
out_unlock:
	mutex_unlock(&uv->lock);
	vaddr_pin_teardown(&uv->vp);
	kvfree(uv->pages);
out_free:
	kfree(uv);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL(ib_umem_get_udata);

/**
 * ib_umem_activate() - make an MR over a umem of ib_umem_get_udata() live
 * @umem: the umem
 * @activate: makes the MR usable (its keys valid); called under the umem's
 *	lock, so that a revoke comes wholly before it or wholly after it
 * @priv: its argument
 *
 * After a revoke that came before it, it unpins the pages, without
 * calling the driver, and fails: so must the registration.  From the
 * activation on, a revoke calls the driver's callback before it unpins.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -EAGAIN if the pages were revoked before, as
 * vaddr_pin_user_pages() answers a revoke before it returned.
 */
int ib_umem_activate(struct ib_umem *umem, void (*activate)(void *priv),
		     void *priv)
{
	struct ib_umem_vaddr *uv = to_ib_umem_vaddr(umem);
	int ret = 0;

	if (!umem->is_vaddr) {
		activate(priv);
		return 0;
	}
	mutex_lock(&uv->lock);
	/* A failure injected here stands for a revoke come before. */
	if (uv->revoked || vaddr_pin_should_fail()) {
		if (!uv->unpinned)
			ib_umem_vaddr_unpin(uv);
		ret = -EAGAIN;
	} else {
		activate(priv);
		uv->live = true;
	}
	mutex_unlock(&uv->lock);
	return ret;
}
EXPORT_SYMBOL(ib_umem_activate);

/* The ib_umem_release() of a umem from ib_umem_get_udata(). */
void ib_umem_vaddr_release(struct ib_umem *umem)
{
	struct ib_umem_vaddr *uv = to_ib_umem_vaddr(umem);

	mutex_lock(&uv->lock);
	if (!uv->unpinned)
		ib_umem_vaddr_unpin(uv);
	mutex_unlock(&uv->lock);
	/* Waits for a revoke that found the pin before it went. */
	vaddr_pin_teardown(&uv->vp);
	sg_free_append_table(&umem->sgt_append);
	mmdrop(umem->owning_mm);
	kvfree(uv->pages);
	kfree(uv);
}
