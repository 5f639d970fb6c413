// SPDX-License-Identifier: GPL-2.0
/*
 * A test pinner for vaddr_pin, in the spirit of mm/gup_test.c: user space
 * opens /sys/kernel/debug/vaddr_pin_test and pins and unpins its own memory
 * through ioctls.  Each open file is one pinning context on the opener's mm,
 * owned by that file; closing it tears the context down, unpinning whatever
 * is still pinned.  The owner behind vaddr_pin_test revokes a pin by
 * unpinning it at once; the one behind vaddr_pin_test_unrevocable cannot
 * revoke.
 */

#define pr_fmt(fmt) "vaddr_pin_test: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vaddr_pin.h>
#include <linux/xarray.h>

#include "vaddr_pin_test.h"

MODULE_IMPORT_NS(VADDR_PIN);

/* One pin: its page array is the handle vaddr_pin knows it by. */
struct vp_test_pin {
	struct page **pages;
	unsigned long nr_pages;
};

struct vp_test_ctx {
	struct vaddr_pin vp;
	struct mutex lock;	/* serialises pin and unpin on @pins */
	struct xarray pins;	/* id -> struct vp_test_pin */
};

static void free_pin(struct vp_test_pin *pin)
{
	kvfree(pin->pages);
	kfree(pin);
}

/* The revocable owner gives a pin back at once, marking it dirty. */
static void vp_test_revoke(struct vaddr_pin *vp, struct page **pages,
			   unsigned long nr_pages)
{
	struct vp_test_ctx *ctx = container_of(vp, struct vp_test_ctx, vp);
	struct vp_test_pin *pin;
	unsigned long id;

	mutex_lock(&ctx->lock);
	xa_for_each(&ctx->pins, id, pin) {
		if (pin->pages == pages) {
			xa_erase(&ctx->pins, id);
			vaddr_unpin_user_pages(vp, pages, nr_pages, true);
			break;
		}
	}
	mutex_unlock(&ctx->lock);
	if (pin)
		free_pin(pin);
}

static const struct vaddr_pin_ops vp_test_revocable_ops = {
	.revoke = vp_test_revoke,
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
	file->private_data = ctx;
	return 0;
}

static int vp_test_release(struct inode *inode, struct file *file)
{
	struct vp_test_ctx *ctx = file->private_data;
	struct vp_test_pin *pin;
	unsigned long id;

	/* Teardown unpins what is left; then the arrays can go. */
	vaddr_pin_teardown(&ctx->vp);
	xa_for_each(&ctx->pins, id, pin)
		free_pin(pin);
	xa_destroy(&ctx->pins);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	return 0;
}

static int vp_test_pin(struct vp_test_ctx *ctx,
		       struct vaddr_pin_test_pin __user *uarg)
{
	struct vaddr_pin_test_pin arg;
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

	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	pin->nr_pages = DIV_ROUND_UP(arg.len, PAGE_SIZE);
	pin->pages = kvcalloc(max(pin->nr_pages, 1UL), sizeof(*pin->pages),
			      GFP_KERNEL);
	if (!pin->pages) {
		ret = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&ctx->lock);
	ret = xa_alloc(&ctx->pins, &id, pin, xa_limit_31b, GFP_KERNEL);
	if (ret)
		goto out_unlock;
	ret = vaddr_pin_user_pages(&ctx->vp, arg.addr, arg.len, flags,
				   pin->pages, pin->nr_pages);
	if (ret)
		goto out_erase;
	mutex_unlock(&ctx->lock);

	if (put_user(id, &uarg->id)) {
		/* The caller cannot name it: drop it again. */
		mutex_lock(&ctx->lock);
		xa_erase(&ctx->pins, id);
		vaddr_unpin_user_pages(&ctx->vp, pin->pages, pin->nr_pages,
				       false);
		mutex_unlock(&ctx->lock);
		free_pin(pin);
		return -EFAULT;
	}
	return 0;

out_erase:
	xa_erase(&ctx->pins, id);
out_unlock:
	mutex_unlock(&ctx->lock);
out_free:
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
	pin = xa_erase(&ctx->pins, arg.id);
	if (pin)
		vaddr_unpin_user_pages(&ctx->vp, pin->pages, pin->nr_pages,
				       arg.flags & VADDR_PIN_TEST_DIRTY);
	mutex_unlock(&ctx->lock);
	if (!pin)
		return -ENOENT;
	free_pin(pin);
	return 0;
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

static struct dentry *vp_test_dentry, *vp_test_unrevocable_dentry;

static int __init vp_test_init(void)
{
	vp_test_dentry =
		debugfs_create_file_unsafe("vaddr_pin_test", 0600, NULL,
					   (void *)&vp_test_revocable_ops,
					   &vp_test_fops);
	vp_test_unrevocable_dentry =
		debugfs_create_file_unsafe("vaddr_pin_test_unrevocable", 0600,
					   NULL,
					   (void *)&vp_test_unrevocable_ops,
					   &vp_test_fops);
	return 0;
}
module_init(vp_test_init);

static void __exit vp_test_exit(void)
{
	debugfs_remove(vp_test_unrevocable_dentry);
	debugfs_remove(vp_test_dentry);
}
module_exit(vp_test_exit);

MODULE_DESCRIPTION("Test pinner for vaddr_pin: pin user memory from debugfs");
MODULE_LICENSE("GPL");
