// SPDX-License-Identifier: GPL-2.0
/*
 * A test pinner for vaddr_pin, in the spirit of mm/gup_test.c: user space
 * opens /sys/kernel/debug/vaddr_pin_test and pins and unpins its own memory
 * through ioctls.  Each open file is one pinning context on the opener's mm,
 * owned by that file; closing it tears the context down, unpinning whatever
 * is still pinned.  Three owners: the one behind vaddr_pin_test revokes a
 * pin by unpinning it at once; the one behind vaddr_pin_test_slow unpins it
 * vaddr_pin_test_slow_ms milliseconds later, from a work item; the one
 * behind vaddr_pin_test_unrevocable cannot revoke.
 */

#define pr_fmt(fmt) "vaddr_pin_test: " fmt

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vaddr_pin.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "vaddr_pin_test.h"

MODULE_IMPORT_NS(VADDR_PIN);

/* How long the slow owner takes to give a pin back. */
static u32 slow_revoke_ms = 3000;

/*
 * One pin: its page array is the handle vaddr_pin knows it by, and a revoke
 * finds the pin from it.
 */
struct vp_test_pin {
	unsigned long nr_pages;
	u32 id;
	bool write;			/* pinned with VADDR_PIN_WRITE */
	struct list_head revoke_node;	/* on ctx->revoke_list, under ctx->lock */
	struct page *pages[];
};

struct vp_test_ctx {
	struct vaddr_pin vp;
	struct mutex lock;	/* protects everything below */
	struct xarray pins;	/* id -> struct vp_test_pin */
	struct list_head revoke_list;	/* the slow owner's pins to give back */
	struct delayed_work revoke_work;
	bool closing;		/* release unpins what is left */
};

static void free_pin(struct vp_test_pin *pin)
{
	kvfree(pin);
}

/* Unpin @pin and forget it; the caller frees it once it holds no lock. */
static void unpin_pin(struct vp_test_ctx *ctx, struct vp_test_pin *pin,
		      bool dirty)
{
	lockdep_assert_held(&ctx->lock);
	xa_erase(&ctx->pins, pin->id);
	list_del_init(&pin->revoke_node);
	vaddr_unpin_user_pages(&ctx->vp, pin->pages, pin->nr_pages, dirty);
}

/* The pin a revoke is about, unless it is gone (or its array reused). */
static struct vp_test_pin *find_revoked_pin(struct vp_test_ctx *ctx,
					    struct page **pages)
{
	lockdep_assert_held(&ctx->lock);
	if (!vaddr_pin_revoking(&ctx->vp, pages))
		return NULL;
	/* Still pinned, so still allocated. */
	return container_of(pages, struct vp_test_pin, pages[0]);
}

/* The revocable owner gives a pin back at once, marking it dirty. */
static void vp_test_revoke(struct vaddr_pin *vp, struct page **pages,
			   unsigned long nr_pages)
{
	struct vp_test_ctx *ctx = container_of(vp, struct vp_test_ctx, vp);
	struct vp_test_pin *pin;

	mutex_lock(&ctx->lock);
	pin = find_revoked_pin(ctx, pages);
	if (pin)
		unpin_pin(ctx, pin, true);
	mutex_unlock(&ctx->lock);
	if (pin)
		free_pin(pin);
}

/* The slow owner gives a pin back slow_revoke_ms later. */
static void vp_test_revoke_slowly(struct vaddr_pin *vp, struct page **pages,
				  unsigned long nr_pages)
{
	struct vp_test_ctx *ctx = container_of(vp, struct vp_test_ctx, vp);
	struct vp_test_pin *pin;

	mutex_lock(&ctx->lock);
	pin = find_revoked_pin(ctx, pages);
	if (pin && !ctx->closing && list_empty(&pin->revoke_node)) {
		list_add_tail(&pin->revoke_node, &ctx->revoke_list);
		schedule_delayed_work(&ctx->revoke_work,
				      msecs_to_jiffies(READ_ONCE(slow_revoke_ms)));
	}
	mutex_unlock(&ctx->lock);
}

static void vp_test_revoke_work(struct work_struct *work)
{
	struct vp_test_ctx *ctx = container_of(to_delayed_work(work),
					       struct vp_test_ctx, revoke_work);
	struct vp_test_pin *pin, *next;
	LIST_HEAD(done);

	mutex_lock(&ctx->lock);
	list_for_each_entry_safe(pin, next, &ctx->revoke_list, revoke_node) {
		unpin_pin(ctx, pin, true);
		list_add_tail(&pin->revoke_node, &done);
	}
	mutex_unlock(&ctx->lock);
	list_for_each_entry_safe(pin, next, &done, revoke_node)
		free_pin(pin);
}

static const struct vaddr_pin_ops vp_test_revocable_ops = {
	.revoke = vp_test_revoke,
};

static const struct vaddr_pin_ops vp_test_slow_ops = {
	.revoke = vp_test_revoke_slowly,
};

/* An owner that cannot take its pins back. */
static const struct vaddr_pin_ops vp_test_unrevocable_ops = {};

static int vp_test_open(struct inode *inode, struct file *file)
{
	const struct vaddr_pin_ops *ops = inode->i_private;
	struct vp_test_ctx *ctx;

	if (!current->mm)
		return -EINVAL;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	vaddr_pin_init(&ctx->vp, current->mm, file, ops);
	mutex_init(&ctx->lock);
	xa_init_flags(&ctx->pins, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&ctx->revoke_list);
	INIT_DELAYED_WORK(&ctx->revoke_work, vp_test_revoke_work);
	file->private_data = ctx;
	return 0;
}

static int vp_test_release(struct inode *inode, struct file *file)
{
	struct vp_test_ctx *ctx = file->private_data;
	struct vp_test_pin *pin;
	unsigned long id;

	/* No more slow revokes; unpin what is left, as owners must. */
	mutex_lock(&ctx->lock);
	ctx->closing = true;
	mutex_unlock(&ctx->lock);
	cancel_delayed_work_sync(&ctx->revoke_work);
	mutex_lock(&ctx->lock);
	xa_for_each(&ctx->pins, id, pin) {
		unpin_pin(ctx, pin, true);
		free_pin(pin);
	}
	mutex_unlock(&ctx->lock);
	vaddr_pin_teardown(&ctx->vp);
	xa_destroy(&ctx->pins);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	return 0;
}

static int vp_test_pin(struct vp_test_ctx *ctx,
		       struct vaddr_pin_test_pin __user *uarg)
{
	struct vaddr_pin_test_pin arg;
	unsigned long nr_pages;
	struct vp_test_pin *pin;
	unsigned int flags = 0;
	u32 id;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~VADDR_PIN_TEST_WRITE)
		return -EINVAL;
	if (arg.flags & VADDR_PIN_TEST_WRITE)
		flags |= VADDR_PIN_WRITE;
	if (arg.len > VADDR_PIN_TEST_MAX_PAGES << PAGE_SHIFT)
		return -E2BIG;

	nr_pages = DIV_ROUND_UP(arg.len, PAGE_SIZE);
	pin = kvzalloc(struct_size(pin, pages, nr_pages), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	INIT_LIST_HEAD(&pin->revoke_node);
	pin->nr_pages = nr_pages;
	pin->write = flags & VADDR_PIN_WRITE;

	/*
	 * Under ctx->lock, so that a revoke, which may come as soon as the
	 * pin call returns, waits until the pin is in ctx->pins.
	 */
	mutex_lock(&ctx->lock);
	ret = xa_alloc(&ctx->pins, &id, pin, xa_limit_31b, GFP_KERNEL);
	if (ret)
		goto out_unlock;
	pin->id = id;
	ret = vaddr_pin_user_pages(&ctx->vp, arg.addr, arg.len, flags,
				   pin->pages, pin->nr_pages);
	if (ret)
		goto out_erase;
	mutex_unlock(&ctx->lock);

	if (put_user(id, &uarg->id)) {
		/* The caller cannot name it: drop it again, unless revoked. */
		mutex_lock(&ctx->lock);
		if (xa_load(&ctx->pins, id) != pin)
			pin = NULL;
		else
			unpin_pin(ctx, pin, false);
		mutex_unlock(&ctx->lock);
		if (pin)
			free_pin(pin);
		return -EFAULT;
	}
	return 0;

out_erase:
	xa_erase(&ctx->pins, id);
out_unlock:
	mutex_unlock(&ctx->lock);
	free_pin(pin);
	return ret;
}

static int vp_test_unpin(struct vp_test_ctx *ctx,
			 struct vaddr_pin_test_unpin __user *uarg)
{
	struct vaddr_pin_test_unpin arg;
	struct vp_test_pin *pin;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~VADDR_PIN_TEST_DIRTY)
		return -EINVAL;

	mutex_lock(&ctx->lock);
	pin = xa_load(&ctx->pins, arg.id);
	if (pin)
		unpin_pin(ctx, pin, arg.flags & VADDR_PIN_TEST_DIRTY);
	mutex_unlock(&ctx->lock);
	if (!pin)
		return -ENOENT;
	free_pin(pin);
	return 0;
}

static int vp_test_state(struct vp_test_ctx *ctx,
			 struct vaddr_pin_test_state __user *uarg)
{
	struct vaddr_pin_test_state arg;
	struct vp_test_pin *pin;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return -EINVAL;

	mutex_lock(&ctx->lock);
	pin = xa_load(&ctx->pins, arg.id);
	if (pin) {
		arg.nr_pages = pin->nr_pages;
		arg.flags = VADDR_PIN_TEST_PINNED;
		if (!list_empty(&pin->revoke_node))
			arg.flags |= VADDR_PIN_TEST_REVOKING;
	}
	mutex_unlock(&ctx->lock);
	if (!pin)
		return -ENOENT;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/*
 * Write into a pin's pages through the kernel mapping, as a device's DMA
 * would: no page table sees it, nothing marks the pages dirty.  Only into
 * a pin taken for write: a read pin may hold the zero page (a DAX hole).
 */
static int vp_test_fill(struct vp_test_ctx *ctx,
			struct vaddr_pin_test_fill __user *uarg)
{
	struct vaddr_pin_test_fill arg;
	struct vp_test_pin *pin;
	unsigned long i;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.byte > 255)
		return -EINVAL;

	mutex_lock(&ctx->lock);
	pin = xa_load(&ctx->pins, arg.id);
	if (pin && !pin->write) {
		mutex_unlock(&ctx->lock);
		return -EPERM;
	}
	for (i = 0; pin && i < pin->nr_pages; i++) {
		void *p = kmap_local_page(pin->pages[i]);

		memset(p, arg.byte, PAGE_SIZE);
		kunmap_local(p);
		cond_resched();
	}
	mutex_unlock(&ctx->lock);
	return pin ? 0 : -ENOENT;
}

/*
 * Have the filesystem release @folio's private state, as reclaim and
 * invalidation do (filemap_release_folio()): does it keep it?  Only a
 * clean folio still in @mapping is asked, as reclaim would: releasing the
 * clean buffers of a dirty folio would cancel its dirty bit.
 */
static bool folio_keeps_private_state(struct folio *folio,
				      struct address_space *mapping)
{
	bool kept;

	folio_lock(folio);
	if (folio_test_private(folio) && folio->mapping == mapping &&
	    !folio_test_dirty(folio) && !folio_test_writeback(folio))
		filemap_release_folio(folio, GFP_KERNEL);
	kept = folio_test_private(folio);
	folio_unlock(folio);
	return kept;
}

/* Which page-cache folios of a pin keep their buffers? */
static int vp_test_release_folios(struct vp_test_ctx *ctx,
				  struct vaddr_pin_test_release __user *uarg)
{
	struct vaddr_pin_test_release arg;
	struct vp_test_pin *pin;
	unsigned long i;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	arg.kept = 0;
	mutex_lock(&ctx->lock);
	pin = xa_load(&ctx->pins, arg.id);
	for (i = 0; pin && i < pin->nr_pages; i++) {
		struct folio *folio = page_folio(pin->pages[i]);
		struct address_space *mapping;

		mapping = folio_test_anon(folio) ? NULL : folio_mapping(folio);
		if (!mapping)
			continue;
		arg.kept += folio_keeps_private_state(folio, mapping);
	}
	mutex_unlock(&ctx->lock);
	if (!pin)
		return -ENOENT;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* Which page-cache folios of a range of a file keep their buffers? */
static int vp_test_release_file(struct vaddr_pin_test_release_file __user *uarg)
{
	struct vaddr_pin_test_release_file arg;
	struct address_space *mapping;
	pgoff_t index, end;
	struct folio *folio;
	struct fd f;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!PAGE_ALIGNED(arg.offset) || !PAGE_ALIGNED(arg.len) ||
	    arg.len > VADDR_PIN_TEST_MAX_PAGES << PAGE_SHIFT ||
	    arg.offset > MAX_LFS_FILESIZE - arg.len)
		return -EINVAL;
	f = fdget(arg.fd);
	if (!fd_file(f))
		return -EBADF;
	mapping = fd_file(f)->f_mapping;
	arg.kept = 0;
	index = arg.offset >> PAGE_SHIFT;
	end = index + (arg.len >> PAGE_SHIFT);
	while (index < end) {
		folio = filemap_get_folio(mapping, index);
		if (IS_ERR(folio)) {
			index++;
			continue;
		}
		if (folio_keeps_private_state(folio, mapping))
			arg.kept += min(folio_next_index(folio), end) - index;
		index = folio_next_index(folio);
		folio_put(folio);
		cond_resched();
	}
	fdput(f);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long vp_test_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct vp_test_ctx *ctx = file->private_data;

	switch (cmd) {
	case VADDR_PIN_TEST_IOC_PIN:
		return vp_test_pin(ctx, (void __user *)arg);
	case VADDR_PIN_TEST_IOC_UNPIN:
		return vp_test_unpin(ctx, (void __user *)arg);
	case VADDR_PIN_TEST_IOC_STATE:
		return vp_test_state(ctx, (void __user *)arg);
	case VADDR_PIN_TEST_IOC_FILL:
		return vp_test_fill(ctx, (void __user *)arg);
	case VADDR_PIN_TEST_IOC_RELEASE:
		return vp_test_release_folios(ctx, (void __user *)arg);
	case VADDR_PIN_TEST_IOC_RELEASE_FILE:
		return vp_test_release_file((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vp_test_fops = {
	.owner = THIS_MODULE,
	.open = vp_test_open,
	.release = vp_test_release,
	.unlocked_ioctl = vp_test_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Each file is one owner, in /sys/kernel/debug. */
static const struct {
	const char *name;
	const struct vaddr_pin_ops *ops;
} vp_test_owners[] = {
	{ "vaddr_pin_test", &vp_test_revocable_ops },
	{ "vaddr_pin_test_slow", &vp_test_slow_ops },
	{ "vaddr_pin_test_unrevocable", &vp_test_unrevocable_ops },
};

static struct dentry *vp_test_dentries[ARRAY_SIZE(vp_test_owners)];

static int __init vp_test_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vp_test_owners); i++)
		vp_test_dentries[i] =
			debugfs_create_file_unsafe(vp_test_owners[i].name, 0600,
						   NULL,
						   (void *)vp_test_owners[i].ops,
						   &vp_test_fops);
	debugfs_create_u32("vaddr_pin_test_slow_ms", 0600, NULL,
			   &slow_revoke_ms);
	return 0;
}
module_init(vp_test_init);

static void __exit vp_test_exit(void)
{
	unsigned int i;

	debugfs_lookup_and_remove("vaddr_pin_test_slow_ms", NULL);
	for (i = 0; i < ARRAY_SIZE(vp_test_dentries); i++)
		debugfs_remove(vp_test_dentries[i]);
}
module_exit(vp_test_exit);

MODULE_DESCRIPTION("Test pinner for vaddr_pin: pin user memory from debugfs");
MODULE_LICENSE("GPL");
