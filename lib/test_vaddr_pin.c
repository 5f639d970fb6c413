// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for vaddr_pin: long-term pins of user memory made with
 * kunit_vm_mmap(), taken and dropped through struct vaddr_pin.
 *
 * Every case runs in a kthread of its own with an mm of its own, and the
 * suite's exit checks that the case left nothing behind: no record in the
 * context, as many pins released as acquired system-wide, and no pages
 * charged to pinned_vm.
 *
 * The second suite, vaddr_pin_lease, pins a shmem file mapped in the case's
 * mm under a layout lease, and breaks ranges of it: which pins a break
 * finds, in which order it revokes them, what it refuses, and breaks racing
 * pins, unpins, teardowns and lease releases from several threads.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/file_pin_lease.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmzone.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vaddr_pin.h>

MODULE_IMPORT_NS(VADDR_PIN);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

struct vp_test {
	struct vaddr_pin vp;
	bool vp_live;			/* vp set up and not torn down */
	struct mm_struct *mm;		/* the case's mm, grabbed */
	long pin_balance;		/* pin_balance() when the case began */
	void *fail;			/* what a failure-point walk works on */
};

static const struct vaddr_pin_ops vp_test_ops = {};

/* Exact system-wide FOLL_PIN pins acquired minus released. */
static long pin_balance(void)
{
	long acquired = 0, released = 0;
	int nid, cpu;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		acquired += atomic_long_read(&pgdat->vm_stat[NR_FOLL_PIN_ACQUIRED]);
		released += atomic_long_read(&pgdat->vm_stat[NR_FOLL_PIN_RELEASED]);
		for_each_possible_cpu(cpu) {
			struct per_cpu_nodestat *p =
				per_cpu_ptr(pgdat->per_cpu_nodestats, cpu);

			acquired += p->vm_node_stat_diff[NR_FOLL_PIN_ACQUIRED];
			released += p->vm_node_stat_diff[NR_FOLL_PIN_RELEASED];
		}
	}
	return acquired - released;
}

static long pins_held_by_case(struct kunit *test)
{
	struct vp_test *t = test->priv;

	return pin_balance() - t->pin_balance;
}

static long pinned_vm(struct kunit *test)
{
	struct vp_test *t = test->priv;

	return atomic64_read(&t->mm->pinned_vm);
}

static void expect_nothing_held(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pins_held_by_case(test), 0);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 0);
}

static int vp_test_init(struct kunit *test)
{
	struct vp_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	t->pin_balance = pin_balance();
	test->priv = t;
	return 0;
}

static void vp_test_exit(struct kunit *test)
{
	struct vp_test *t = test->priv;

	if (t->vp_live) {
		/* A case that got to its end must have unpinned everything. */
		if (test->status == KUNIT_SUCCESS)
			KUNIT_EXPECT_EQ(test, vaddr_pin_get_ranges(&t->vp, NULL, 0), 0);
		vaddr_pin_teardown(&t->vp);
	}
	KUNIT_EXPECT_EQ(test, pins_held_by_case(test), 0);
	if (t->mm) {
		KUNIT_EXPECT_EQ(test, atomic64_read(&t->mm->pinned_vm), 0);
		mmdrop(t->mm);
	}
}

/*
 * Map @nr_pages of private anonymous memory in the case's mm and, the first
 * time, set up the case's pinning context on that mm.
 */
static unsigned long vp_test_map(struct kunit *test, unsigned long nr_pages,
				 unsigned long prot)
{
	struct vp_test *t = test->priv;
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, nr_pages << PAGE_SHIFT, prot,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	if (!t->mm) {
		t->mm = current->mm;
		mmgrab(t->mm);
		vaddr_pin_init(&t->vp, current->mm, NULL, &vp_test_ops);
		t->vp_live = true;
	}
	return addr;
}

/* Replace @nr_pages at @addr with a fresh private anonymous mapping. */
static void vp_test_remap(struct kunit *test, unsigned long addr,
			  unsigned long nr_pages, unsigned long prot)
{
	unsigned long got;

	got = vm_mmap(NULL, addr, nr_pages << PAGE_SHIFT, prot,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ(test, got, addr);
}

static struct page **vp_test_pages(struct kunit *test, unsigned long nr_pages)
{
	struct page **pages;

	pages = kunit_kcalloc(test, nr_pages, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	return pages;
}

/* Write @byte to every byte of [@addr, @addr + @len) as the user would. */
static void vp_test_fill_user(struct kunit *test, unsigned long addr,
			      unsigned long len, u8 byte)
{
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, byte, len);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, buf, len), 0);
}

/*
 * Misuses provoked on purpose are counted (DEBUG_VADDR_PIN), not warned
 * about: vaddr_pin_debug_expect_reports().  This checks that @reports were
 * reported since @before, if they are reported at all.
 */
static void expect_reported(struct kunit *test, unsigned int before,
			    unsigned int reports)
{
	if (IS_ENABLED(CONFIG_DEBUG_VADDR_PIN))
		KUNIT_EXPECT_EQ(test, vaddr_pin_debug_reports() - before,
				reports);
}

#ifdef CONFIG_FAIL_VADDR_PIN
/*
 * Run @op with its n-th failure point failing (fail-nth), for n = 1, 2, ...
 * until a run meets fewer than n points.  After each run, @undo undoes what
 * @op did, given what it returned (a failure may leave a part done), and
 * @check checks that nothing was left behind.  A failed @op must fail with
 * one of the errnos in @errnos (0-terminated).  Returns the number of
 * points met.
 */
static unsigned int walk_failure_points(struct kunit *test,
					int (*op)(struct kunit *test),
					void (*undo)(struct kunit *test, int ret),
					void (*check)(struct kunit *test),
					const int *errnos)
{
	unsigned int n;

	for (n = 1; n <= 64; n++) {
		const int *e = errnos;
		bool failed;
		int ret;

		WRITE_ONCE(current->fail_nth, n);
		ret = op(test);
		failed = !READ_ONCE(current->fail_nth);
		WRITE_ONCE(current->fail_nth, 0);
		undo(test, ret);
		check(test);
		if (!failed) {
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "with no failure");
			return n - 1;
		}
		while (ret && *e && *e != ret)
			e++;
		KUNIT_EXPECT_EQ_MSG(test, ret, *e,
				    "failure point %u: undocumented errno", n);
	}
	KUNIT_FAIL(test, "more than 64 failure points");
	return n;
}
#endif /* CONFIG_FAIL_VADDR_PIN */

/* === Pin and unpin === */

static void pin_and_unpin_anon(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 8, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 8);
	int i;

	vp_test_fill_user(test, addr, 8 * PAGE_SIZE, 0x5a);
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 8 * PAGE_SIZE,
						   0, pages, 8), 0);
	KUNIT_EXPECT_EQ(test, pins_held_by_case(test), 8);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 8);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(pages[i])));

	vaddr_unpin_user_pages(&t->vp, pages, 8, false);
	expect_nothing_held(test);
}

static void pin_write_reaches_user(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 2, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 2);
	u8 *buf = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	void *kaddr;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* Never touched: the pin must fault the pages in for write. */
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 2 * PAGE_SIZE,
						   VADDR_PIN_WRITE, pages, 2), 0);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_FALSE(test, is_zero_page(pages[i]));
		kaddr = kmap_local_page(pages[i]);
		memset(kaddr, 0xc3 + i, PAGE_SIZE);
		kunmap_local(kaddr);
	}
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)addr,
					     2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, buf[0], 0xc3);
	KUNIT_EXPECT_EQ(test, buf[PAGE_SIZE - 1], 0xc3);
	KUNIT_EXPECT_EQ(test, buf[PAGE_SIZE], 0xc4);
	KUNIT_EXPECT_EQ(test, buf[2 * PAGE_SIZE - 1], 0xc4);
	vaddr_unpin_user_pages(&t->vp, pages, 2, true);
}

struct dirty_case {
	const char *name;
	unsigned int pin_flags;
	bool make_dirty;
	bool dirty_after;
};

static const struct dirty_case dirty_cases[] = {
	{ "write pin, unpin dirty", VADDR_PIN_WRITE, true, true },
	{ "write pin, unpin clean", VADDR_PIN_WRITE, false, false },
	{ "read pin, unpin dirty", 0, true, false },
};

KUNIT_ARRAY_PARAM_DESC(dirty, dirty_cases, name);

static void unpin_dirties_only_when_asked(struct kunit *test)
{
	const struct dirty_case *c = test->param_value;
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 4, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 4);
	struct page *kept[4];
	int i;

	vp_test_fill_user(test, addr, 4 * PAGE_SIZE, 1);
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 4 * PAGE_SIZE,
						   c->pin_flags, pages, 4), 0);
	for (i = 0; i < 4; i++) {
		kept[i] = pages[i];
		folio_clear_dirty(page_folio(pages[i]));
	}
	vaddr_unpin_user_pages(&t->vp, pages, 4, c->make_dirty);
	/* The pages stay mapped in the case's mm, so they are still ours. */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, folio_test_dirty(page_folio(kept[i])),
				c->dirty_after);
}

static void pin_same_pages_twice(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 1, PROT_READ | PROT_WRITE);
	struct page **a = vp_test_pages(test, 1), **b = vp_test_pages(test, 1);

	vp_test_fill_user(test, addr, PAGE_SIZE, 7);
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, PAGE_SIZE,
						   VADDR_PIN_WRITE, a, 1), 0);
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, PAGE_SIZE,
						   VADDR_PIN_WRITE, b, 1), 0);
	KUNIT_EXPECT_PTR_EQ(test, a[0], b[0]);
	KUNIT_EXPECT_EQ(test, pins_held_by_case(test), 2);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 2);

	vaddr_unpin_user_pages(&t->vp, a, 1, false);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(b[0])));
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 1);
	vaddr_unpin_user_pages(&t->vp, b, 1, false);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(page_folio(b[0])));
}

/* === Records === */

static void pin_records_one_range_per_vma(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 6, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 6);
	struct vaddr_pin_range_info info[3] = {};
	u64 before = ktime_get_boottime_ns();

	/* Three VMAs: rw, r, rw. */
	vp_test_remap(test, addr + 2 * PAGE_SIZE, 2, PROT_READ);
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 6 * PAGE_SIZE,
						   0, pages, 6), 0);
	KUNIT_ASSERT_EQ(test, vaddr_pin_get_ranges(&t->vp, info, 3), 3);
	KUNIT_EXPECT_EQ(test, info[0].start, addr);
	KUNIT_EXPECT_EQ(test, info[1].start, addr + 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, info[2].start, addr + 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, info[0].nr_pages + info[1].nr_pages +
			info[2].nr_pages, 6);
	KUNIT_EXPECT_FALSE(test, info[0].write);
	KUNIT_EXPECT_GE(test, info[0].pinned_ns, before);
	KUNIT_EXPECT_LE(test, info[2].pinned_ns, ktime_get_boottime_ns());

	vaddr_unpin_user_pages(&t->vp, pages, 6, false);
	KUNIT_EXPECT_EQ(test, vaddr_pin_get_ranges(&t->vp, info, 3), 0);
}

static void unpin_leaves_other_calls_pinned(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 3, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 3);
	struct vaddr_pin_range_info info[3] = {};
	int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test,
				vaddr_pin_user_pages(&t->vp, addr + i * PAGE_SIZE,
						     PAGE_SIZE, VADDR_PIN_WRITE,
						     &pages[i], 1), 0);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 3);

	vaddr_unpin_user_pages(&t->vp, &pages[1], 1, true);
	KUNIT_ASSERT_EQ(test, vaddr_pin_get_ranges(&t->vp, info, 3), 2);
	/* The two others, whatever the order. */
	KUNIT_EXPECT_EQ(test, info[0].start + info[1].start,
			2 * addr + 2 * PAGE_SIZE);
	KUNIT_EXPECT_NE(test, info[0].start, addr + PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, info[0].write);
	KUNIT_EXPECT_EQ(test, pins_held_by_case(test), 2);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 2);

	vaddr_unpin_user_pages(&t->vp, &pages[0], 1, true);
	vaddr_unpin_user_pages(&t->vp, &pages[2], 1, true);
}

static void teardown_drops_outstanding_pins(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned int reports;
	unsigned long addr = vp_test_map(test, 16, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 16);

	vp_test_remap(test, addr + 8 * PAGE_SIZE, 8, PROT_READ);
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 8 * PAGE_SIZE,
						   VADDR_PIN_WRITE, pages, 8), 0);
	/*
	 * Four pages of the write pin again, and four that a read fault would
	 * have mapped to the zero page: GUP unshares them for a long-term pin.
	 */
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr + 4 * PAGE_SIZE,
						   8 * PAGE_SIZE, 0, pages + 8, 8),
			0);
	KUNIT_EXPECT_EQ(test, vaddr_pin_get_ranges(&t->vp, NULL, 0), 3);
	KUNIT_EXPECT_EQ(test, pins_held_by_case(test), 16);

	/* A misuse, which teardown survives: it reports it, once. */
	vaddr_pin_debug_expect_reports(true);
	reports = vaddr_pin_debug_reports();
	vaddr_pin_teardown(&t->vp);
	vaddr_pin_debug_expect_reports(false);
	expect_reported(test, reports, 1);
	t->vp_live = false;
	expect_nothing_held(test);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(page_folio(pages[0])));
}

/* === Bad input === */

struct bad_args_case {
	const char *name;
	unsigned long offset;	/* added to the mapping's address */
	unsigned long len;
	unsigned int flags;
	unsigned long max_pages;
	int err;
};

static const struct bad_args_case bad_args_cases[] = {
	{ "zero length", 0, 0, 0, 4, -EINVAL },
	{ "unaligned start", 1, PAGE_SIZE, 0, 4, -EINVAL },
	{ "unaligned length", 0, PAGE_SIZE + 1, 0, 4, -EINVAL },
	{ "unknown flag", 0, PAGE_SIZE, BIT(31), 4, -EINVAL },
	{ "range wraps around", 0, -PAGE_SIZE, 0, ULONG_MAX, -EOVERFLOW },
	{ "more pages than the array", 0, 4 * PAGE_SIZE, 0, 3, -E2BIG },
};

KUNIT_ARRAY_PARAM_DESC(bad_args, bad_args_cases, name);

static void pin_bad_args_fails(struct kunit *test)
{
	const struct bad_args_case *c = test->param_value;
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 4, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 4);

	KUNIT_EXPECT_EQ(test, vaddr_pin_user_pages(&t->vp, addr + c->offset,
						   c->len, c->flags, pages,
						   c->max_pages), c->err);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 0);
}

static void pin_unmapped_fails(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 4, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 4);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 4 * PAGE_SIZE,
						   0, pages, 4), -EFAULT);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 0);
}

static void pin_across_hole_fails(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 3, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 3);

	vp_test_fill_user(test, addr, 3 * PAGE_SIZE, 9);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + PAGE_SIZE, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 3 * PAGE_SIZE,
						   VADDR_PIN_WRITE, pages, 3),
			-EFAULT);
	expect_nothing_held(test);
}

struct prot_case {
	const char *name;
	unsigned long prot;
	unsigned int flags;
};

static const struct prot_case prot_cases[] = {
	{ "PROT_NONE, read pin", PROT_NONE, 0 },
	{ "PROT_NONE, write pin", PROT_NONE, VADDR_PIN_WRITE },
	{ "read-only, write pin", PROT_READ, VADDR_PIN_WRITE },
};

KUNIT_ARRAY_PARAM_DESC(prot, prot_cases, name);

static void pin_without_access_fails(struct kunit *test)
{
	const struct prot_case *c = test->param_value;
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 2, c->prot);
	struct page **pages = vp_test_pages(test, 2);

	KUNIT_EXPECT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 2 * PAGE_SIZE,
						   c->flags, pages, 2), -EFAULT);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 0);
}

struct special_case {
	const char *name;
	vm_flags_t flags;
};

static const struct special_case special_cases[] = {
	{ "VM_IO", VM_IO },
	{ "VM_PFNMAP", VM_PFNMAP },
};

KUNIT_ARRAY_PARAM_DESC(special, special_cases, name);

static void pin_special_mapping_fails(struct kunit *test)
{
	const struct special_case *c = test->param_value;
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 2, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 2);
	struct vm_area_struct *vma;
	int ret;

	/* Mark the (still empty) mapping as a driver's special mapping. */
	mmap_write_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	vm_flags_set(vma, c->flags);
	mmap_write_unlock(current->mm);

	ret = vaddr_pin_user_pages(&t->vp, addr, 2 * PAGE_SIZE, 0, pages, 2);

	mmap_write_lock(current->mm);
	vm_flags_clear(vma, c->flags);
	mmap_write_unlock(current->mm);

	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	expect_nothing_held(test);
}

static void pin_failing_midway_unpins_all(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 3, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 3);

	/* GUP pins the first page, then stops at the PROT_NONE one. */
	vp_test_remap(test, addr + PAGE_SIZE, 1, PROT_NONE);
	vp_test_fill_user(test, addr, PAGE_SIZE, 3);
	KUNIT_EXPECT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 3 * PAGE_SIZE,
						   VADDR_PIN_WRITE, pages, 3),
			-EFAULT);
	expect_nothing_held(test);
	KUNIT_EXPECT_EQ(test, vaddr_pin_get_ranges(&t->vp, NULL, 0), 0);
}

/* === RLIMIT_MEMLOCK === */

/*
 * Set the case thread's RLIMIT_MEMLOCK and, optionally, drop CAP_IPC_LOCK.
 * The thread is private to the case and dies with it, so nothing is
 * restored.
 */
static void vp_test_limit(struct kunit *test, unsigned long nr_pages,
			  bool drop_ipc_lock)
{
	struct cred *cred;

	task_lock(current->group_leader);
	current->signal->rlim[RLIMIT_MEMLOCK].rlim_cur = nr_pages << PAGE_SHIFT;
	task_unlock(current->group_leader);
	if (!drop_ipc_lock)
		return;
	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cap_lower(cred->cap_effective, CAP_IPC_LOCK);
	commit_creds(cred);
	KUNIT_ASSERT_FALSE(test, capable(CAP_IPC_LOCK));
}

static void pin_beyond_memlock_fails(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 8, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 8);

	vp_test_fill_user(test, addr, 8 * PAGE_SIZE, 1);
	vp_test_limit(test, 4, true);

	KUNIT_EXPECT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 8 * PAGE_SIZE,
						   0, pages, 8), -ENOMEM);
	expect_nothing_held(test);

	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 4 * PAGE_SIZE,
						   0, pages, 8), 0);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 4);
	/* The limit counts what is already pinned. */
	KUNIT_EXPECT_EQ(test, vaddr_pin_user_pages(&t->vp, addr + 4 * PAGE_SIZE,
						   PAGE_SIZE, 0, pages + 4, 4),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 4);
	vaddr_unpin_user_pages(&t->vp, pages, 4, false);
}

static void cap_ipc_lock_lifts_memlock(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 8, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 8);

	vp_test_fill_user(test, addr, 8 * PAGE_SIZE, 1);
	vp_test_limit(test, 4, false);
	KUNIT_ASSERT_TRUE(test, capable(CAP_IPC_LOCK));

	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 8 * PAGE_SIZE,
						   0, pages, 8), 0);
	/* Lifted, but still accounted. */
	KUNIT_EXPECT_EQ(test, pinned_vm(test), 8);
	vaddr_unpin_user_pages(&t->vp, pages, 8, false);
}

/* === The zero page === */

#define ZERO_PIN_PAGES	4096
#define ZERO_PIN_ROUNDS	256	/* 4096 * 256: a million pins over it */

/* Map the zero page at every page of [@addr, @addr + @len), afresh. */
static void vp_test_map_zero_page(struct kunit *test, unsigned long addr,
				  unsigned long len)
{
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long off;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	vp_test_remap(test, addr, len >> PAGE_SHIFT, PROT_READ);
	for (off = 0; off < len; off += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)addr + off,
						     1), 0);
	kunit_kfree(test, buf);
}

/*
 * Read faults map the shared zero page.  A long-term pin must never pin it:
 * in private mappings GUP unshares it (a private copy takes its place,
 * which is pinned and charged like any page), and where it is returned
 * anyway vaddr_pin neither pins nor charges it.  Its refcount never moves.
 */
static void zero_page_never_pinned(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, ZERO_PIN_PAGES, PROT_READ);
	struct page **pages = vp_test_pages(test, ZERO_PIN_PAGES);
	struct page *zero = ZERO_PAGE(0);
	int refs = page_ref_count(zero);
	unsigned long i, bad;
	int round;

	for (round = 0; round < ZERO_PIN_ROUNDS; round++) {
		vp_test_map_zero_page(test, addr, ZERO_PIN_PAGES << PAGE_SHIFT);
		KUNIT_ASSERT_EQ(test,
				vaddr_pin_user_pages(&t->vp, addr,
						     ZERO_PIN_PAGES << PAGE_SHIFT,
						     0, pages, ZERO_PIN_PAGES),
				0);
		for (i = 0, bad = 0; i < ZERO_PIN_PAGES; i++)
			bad += is_zero_page(pages[i]) ||
			       is_huge_zero_folio(page_folio(pages[i]));
		KUNIT_ASSERT_EQ(test, bad, 0);
		KUNIT_ASSERT_EQ(test, pins_held_by_case(test), ZERO_PIN_PAGES);
		KUNIT_ASSERT_EQ(test, pinned_vm(test), ZERO_PIN_PAGES);
		vaddr_unpin_user_pages(&t->vp, pages, ZERO_PIN_PAGES, false);
	}
	KUNIT_EXPECT_EQ(test, page_ref_count(zero), refs);
}

#ifdef CONFIG_DEBUG_VADDR_PIN
/* Each bad unpin is reported, and changes nothing. */
static void bad_unpins_are_reported(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 4, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 4);
	struct vaddr_pin other;
	unsigned int reports;

	vaddr_pin_init(&other, current->mm, NULL, &vp_test_ops);
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 4 * PAGE_SIZE,
						   0, pages, 4), 0);
	vaddr_pin_debug_expect_reports(true);
	reports = vaddr_pin_debug_reports();
	vaddr_unpin_user_pages(&other, pages, 4, false);  /* wrong context */
	vaddr_unpin_user_pages(&t->vp, pages, 2, false);  /* part of a pin */
	vaddr_unpin_user_pages(&t->vp, pages + 1, 3, false); /* no pin's array */
	expect_reported(test, reports, 3);
	KUNIT_EXPECT_EQ(test, pins_held_by_case(test), 4);
	KUNIT_EXPECT_EQ(test, vaddr_pin_get_ranges(&t->vp, NULL, 0), 1);

	vaddr_unpin_user_pages(&t->vp, pages, 4, false);
	reports = vaddr_pin_debug_reports();
	vaddr_unpin_user_pages(&t->vp, pages, 4, false);  /* twice */
	expect_reported(test, reports, 1);
	vaddr_pin_debug_expect_reports(false);
	expect_nothing_held(test);
	/* Nothing to report of a context whose owner unpinned everything. */
	reports = vaddr_pin_debug_reports();
	vaddr_pin_teardown(&other);
	expect_reported(test, reports, 0);
}

/*
 * When the mm goes, each context still pinning it is checked again later
 * (flushed here rather than waited for): the one whose pins are still
 * there is reported, the one without pins is not, and one torn down in
 * between is neither reported nor touched again.
 */
static void pins_outliving_their_mm_are_reported(struct kunit *test)
{
	struct vp_test *t = test->priv;
	unsigned long addr = vp_test_map(test, 4, PROT_READ | PROT_WRITE);
	struct page **pages = vp_test_pages(test, 4);
	struct vaddr_pin empty, gone;
	unsigned int reports;

	vaddr_pin_init(&empty, current->mm, NULL, &vp_test_ops);
	vaddr_pin_init(&gone, current->mm, NULL, &vp_test_ops);
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&t->vp, addr, 2 * PAGE_SIZE,
						   0, pages, 2), 0);
	KUNIT_ASSERT_EQ(test, vaddr_pin_user_pages(&gone, addr + 2 * PAGE_SIZE,
						   2 * PAGE_SIZE, 0, pages + 2, 2),
			0);
	vaddr_pin_debug_expect_reports(true);
	reports = vaddr_pin_debug_reports();
	vaddr_pin_mm_exit(current->mm);
	vaddr_unpin_user_pages(&gone, pages + 2, 2, false);
	vaddr_pin_teardown(&gone);
	flush_delayed_work(&t->vp.exit_check);
	flush_delayed_work(&empty.exit_check);
	vaddr_pin_debug_expect_reports(false);
	expect_reported(test, reports, 1);
	vaddr_pin_teardown(&empty);
	vaddr_unpin_user_pages(&t->vp, pages, 2, false);
	expect_nothing_held(test);
}
#endif /* CONFIG_DEBUG_VADDR_PIN */

#ifdef CONFIG_FAIL_VADDR_PIN
/* What pin_fails_cleanly_at_each_point pins: three VMAs of two pages. */
struct fail_pin {
	unsigned long addr;
	struct page **pages;
};

static int fail_pin_op(struct kunit *test)
{
	struct vp_test *t = test->priv;
	struct fail_pin *fp = t->fail;

	return vaddr_pin_user_pages(&t->vp, fp->addr, 6 * PAGE_SIZE,
				    VADDR_PIN_WRITE, fp->pages, 6);
}

static void fail_pin_undo(struct kunit *test, int ret)
{
	struct vp_test *t = test->priv;
	struct fail_pin *fp = t->fail;

	if (!ret)
		vaddr_unpin_user_pages(&t->vp, fp->pages, 6, false);
}

static void fail_pin_check(struct kunit *test)
{
	struct vp_test *t = test->priv;

	expect_nothing_held(test);
	KUNIT_EXPECT_EQ(test, vaddr_pin_get_ranges(&t->vp, NULL, 0), 0);
}

static void pin_fails_cleanly_at_each_point(struct kunit *test)
{
	static const int errnos[] = { -ENOMEM, -EINTR, -EFAULT, -EAGAIN, 0 };
	struct vp_test *t = test->priv;
	struct fail_pin fp = {
		.addr = vp_test_map(test, 6, PROT_READ | PROT_WRITE),
		.pages = vp_test_pages(test, 6),
	};

	/* Three VMAs: rw, rwx, rw; three records. */
	vp_test_remap(test, fp.addr + 2 * PAGE_SIZE, 2,
		      PROT_READ | PROT_WRITE | PROT_EXEC);
	t->fail = &fp;
	/*
	 * The charge, mmap_lock, one record per VMA, the pin, and the end of
	 * the call (a revoke come meanwhile): 7.
	 */
	KUNIT_EXPECT_EQ(test, walk_failure_points(test, fail_pin_op,
						  fail_pin_undo,
						  fail_pin_check, errnos), 7);
}
#endif /* CONFIG_FAIL_VADDR_PIN */

static struct kunit_case vaddr_pin_cases[] = {
	KUNIT_CASE(pin_and_unpin_anon),
	KUNIT_CASE(pin_write_reaches_user),
	KUNIT_CASE_PARAM(unpin_dirties_only_when_asked, dirty_gen_params),
	KUNIT_CASE(pin_same_pages_twice),
	KUNIT_CASE(pin_records_one_range_per_vma),
	KUNIT_CASE(unpin_leaves_other_calls_pinned),
	KUNIT_CASE(teardown_drops_outstanding_pins),
	KUNIT_CASE_PARAM(pin_bad_args_fails, bad_args_gen_params),
	KUNIT_CASE(pin_unmapped_fails),
	KUNIT_CASE(pin_across_hole_fails),
	KUNIT_CASE_PARAM(pin_without_access_fails, prot_gen_params),
	KUNIT_CASE_PARAM(pin_special_mapping_fails, special_gen_params),
	KUNIT_CASE(pin_failing_midway_unpins_all),
	KUNIT_CASE(pin_beyond_memlock_fails),
	KUNIT_CASE(cap_ipc_lock_lifts_memlock),
	KUNIT_CASE_SLOW(zero_page_never_pinned),
#ifdef CONFIG_DEBUG_VADDR_PIN
	KUNIT_CASE(bad_unpins_are_reported),
	KUNIT_CASE(pins_outliving_their_mm_are_reported),
#endif
#ifdef CONFIG_FAIL_VADDR_PIN
	KUNIT_CASE(pin_fails_cleanly_at_each_point),
#endif
	{}
};

static struct kunit_suite vaddr_pin_suite = {
	.name = "vaddr_pin",
	.init = vp_test_init,
	.exit = vp_test_exit,
	.test_cases = vaddr_pin_cases,
};

/* === Pins of a leased file, and breaks === */

#define LEASE_PAGES	64

/* One pin of the leased file, found from its page array. */
struct lease_pin {
	struct list_head node;		/* on pin_owner.pins */
	pgoff_t first;			/* its first page in the file */
	unsigned long nr_pages;
	struct page *pages[];
};

/* A pinning context and its pins; revocable unless made otherwise. */
struct pin_owner {
	struct vaddr_pin vp;
	struct mutex lock;		/* orders pins, unpins and revokes */
	struct list_head pins;
	pgoff_t revoked[8];		/* first pages, in revoke order */
	unsigned int nr_revoked;
};

struct lease_test {
	struct pin_owner owner;
	struct file *file;		/* shmem, mapped at @addr */
	unsigned long addr;
	long pin_balance;
};

static void owner_revoke(struct vaddr_pin *vp, struct page **pages,
			 unsigned long nr_pages)
{
	struct pin_owner *o = container_of(vp, struct pin_owner, vp);
	struct lease_pin *pin = NULL;

	mutex_lock(&o->lock);
	if (vaddr_pin_revoking(vp, pages)) {
		pin = container_of(pages, struct lease_pin, pages[0]);
		if (o->nr_revoked < ARRAY_SIZE(o->revoked))
			o->revoked[o->nr_revoked] = pin->first;
		o->nr_revoked++;
		list_del(&pin->node);
		vaddr_unpin_user_pages(vp, pages, nr_pages, true);
	}
	mutex_unlock(&o->lock);
	kfree(pin);
}

static const struct vaddr_pin_ops owner_revocable_ops = {
	.revoke = owner_revoke,
};

static const struct vaddr_pin_ops owner_unrevocable_ops = {};

static void owner_init(struct pin_owner *o, const struct vaddr_pin_ops *ops)
{
	vaddr_pin_init(&o->vp, current->mm, NULL, ops);
	mutex_init(&o->lock);
	INIT_LIST_HEAD(&o->pins);
	o->nr_revoked = 0;
}

static bool owner_unpin_one(struct pin_owner *o);

static void owner_unpin_all(struct pin_owner *o)
{
	while (owner_unpin_one(o))
		;
}

/*
 * Tear @o's context down with the pins it still holds, as a close that
 * does not unpin first would: a misuse that DEBUG_VADDR_PIN reports.
 */
static void owner_drop(struct pin_owner *o)
{
	struct lease_pin *pin, *next;

	vaddr_pin_teardown(&o->vp);
	list_for_each_entry_safe(pin, next, &o->pins, node)
		kfree(pin);
	INIT_LIST_HEAD(&o->pins);
}

/* Unpin what @o still holds and tear its context down. */
static void owner_teardown(struct pin_owner *o)
{
	owner_unpin_all(o);
	owner_drop(o);
}

static int owner_pin_at(struct pin_owner *o, unsigned long map,
			pgoff_t first, unsigned long nr);

/* Pin pages [@first, @first + @nr) of the leased file through @o. */
static int owner_pin(struct lease_test *lt, struct pin_owner *o,
		     pgoff_t first, unsigned long nr)
{
	return owner_pin_at(o, lt->addr, first, nr);
}

/* The same, through the mapping of a file at @map. */
static int owner_pin_at(struct pin_owner *o, unsigned long map,
			pgoff_t first, unsigned long nr)
{
	struct lease_pin *pin;
	int ret;

	pin = kzalloc(struct_size(pin, pages, nr), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	pin->first = first;
	pin->nr_pages = nr;
	mutex_lock(&o->lock);
	ret = vaddr_pin_user_pages(&o->vp, map + (first << PAGE_SHIFT),
				   nr << PAGE_SHIFT, VADDR_PIN_WRITE,
				   pin->pages, nr);
	if (!ret)
		list_add_tail(&pin->node, &o->pins);
	mutex_unlock(&o->lock);
	if (ret)
		kfree(pin);
	return ret;
}

/* Unpin @o's oldest pin, unless a revoke took it; false if none. */
static bool owner_unpin_one(struct pin_owner *o)
{
	struct lease_pin *pin;

	mutex_lock(&o->lock);
	pin = list_first_entry_or_null(&o->pins, struct lease_pin, node);
	if (pin) {
		list_del(&pin->node);
		vaddr_unpin_user_pages(&o->vp, pin->pages, pin->nr_pages,
				       false);
	}
	mutex_unlock(&o->lock);
	kfree(pin);
	return pin;
}

/* Which of @o's pins are still there: bit i for a pin at page 8 * i. */
static unsigned long owner_pinned_mask(struct pin_owner *o)
{
	unsigned long mask = 0;
	struct lease_pin *pin;

	mutex_lock(&o->lock);
	list_for_each_entry(pin, &o->pins, node)
		mask |= BIT(pin->first / 8);
	mutex_unlock(&o->lock);
	return mask;
}

static int lease_test_init(struct kunit *test)
{
	struct lease_test *lt = kunit_kzalloc(test, sizeof(*lt), GFP_KERNEL);
	loff_t size = LEASE_PAGES << PAGE_SHIFT;

	if (!lt)
		return -ENOMEM;
	lt->pin_balance = pin_balance();
	lt->file = shmem_file_setup("vaddr_pin_kunit", size, 0);
	if (IS_ERR(lt->file))
		return PTR_ERR(lt->file);
	test->priv = lt;
	lt->addr = kunit_vm_mmap(test, lt->file, 0, size,
				 PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (!lt->addr || IS_ERR_VALUE(lt->addr))
		return -ENOMEM;
	owner_init(&lt->owner, &owner_revocable_ops);
	/* fd 0 stands for the leasing fd: nothing is signalled here. */
	return fcntl_setlease(0, lt->file, F_RDLCK | F_LAYOUT);
}

static void lease_test_exit(struct kunit *test)
{
	struct lease_test *lt = test->priv;

	if (!lt || IS_ERR_OR_NULL(lt->file))
		return;
	if (lt->addr && !IS_ERR_VALUE(lt->addr)) {
		owner_teardown(&lt->owner);
		fcntl_setlease(0, lt->file, F_UNLCK);
	}
	KUNIT_EXPECT_EQ(test, pin_balance() - lt->pin_balance, 0);
	fput(lt->file);
}

/* Break pages [@first, @last] of the leased file, as a layout change. */
static int break_pages(struct lease_test *lt, pgoff_t first, pgoff_t last)
{
	loff_t end = last == ULONG_MAX ? LLONG_MAX :
		     ((loff_t)(last + 1) << PAGE_SHIFT) - 1;

	return file_pin_break_ahead(file_inode(lt->file),
				    (loff_t)first << PAGE_SHIFT, end, 0);
}

struct overlap_case {
	const char *name;
	pgoff_t first, last;		/* the break */
	unsigned long revoked;		/* bit i: the pin at 8 * i */
};

/* Pins at pages [0, 4), [8, 12), [16, 17) and [24, 32). */
static const struct overlap_case overlap_cases[] = {
	{ "first_page", 0, 0, BIT(0) },
	{ "last_page_of_a_pin", 3, 3, BIT(0) },
	{ "between_pins", 4, 7, 0 },
	{ "across_two_pins", 11, 16, BIT(1) | BIT(2) },
	{ "inside_a_pin", 25, 26, BIT(3) },
	{ "beyond_every_pin", 32, ULONG_MAX, 0 },
	{ "to_the_end", 12, ULONG_MAX, BIT(2) | BIT(3) },
	{ "everything", 0, ULONG_MAX, BIT(0) | BIT(1) | BIT(2) | BIT(3) },
};

static void overlap_case_desc(const struct overlap_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(overlap, overlap_cases, overlap_case_desc);

static void break_revokes_only_overlapping_pins(struct kunit *test)
{
	const struct overlap_case *c = test->param_value;
	struct lease_test *lt = test->priv;
	const unsigned long all = BIT(0) | BIT(1) | BIT(2) | BIT(3);

	KUNIT_ASSERT_EQ(test, owner_pin(lt, &lt->owner, 0, 4), 0);
	KUNIT_ASSERT_EQ(test, owner_pin(lt, &lt->owner, 8, 4), 0);
	KUNIT_ASSERT_EQ(test, owner_pin(lt, &lt->owner, 16, 1), 0);
	KUNIT_ASSERT_EQ(test, owner_pin(lt, &lt->owner, 24, 8), 0);

	KUNIT_EXPECT_EQ(test, break_pages(lt, c->first, c->last), 0);
	KUNIT_EXPECT_EQ(test, owner_pinned_mask(&lt->owner), all & ~c->revoked);
	KUNIT_EXPECT_EQ(test, lt->owner.nr_revoked, hweight_long(c->revoked));
}

static int cmp_pgoff(const void *a, const void *b)
{
	pgoff_t x = *(const pgoff_t *)a, y = *(const pgoff_t *)b;

	return (x > y) - (x < y);
}

/* Each pin is revoked once, whatever the order the workqueue runs them. */
static void break_revokes_each_pin_once(struct kunit *test)
{
	static const pgoff_t pinned[] = { 40, 8, 24, 0, 16 };
	static const pgoff_t revoked[] = { 0, 8, 16, 24, 40 };
	struct lease_test *lt = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pinned); i++)
		KUNIT_ASSERT_EQ(test, owner_pin(lt, &lt->owner, pinned[i], 1), 0);
	KUNIT_EXPECT_EQ(test, break_pages(lt, 0, ULONG_MAX), 0);
	KUNIT_ASSERT_EQ(test, lt->owner.nr_revoked, ARRAY_SIZE(revoked));
	sort(lt->owner.revoked, lt->owner.nr_revoked, sizeof(pgoff_t),
	     cmp_pgoff, NULL);
	for (i = 0; i < ARRAY_SIZE(revoked); i++)
		KUNIT_EXPECT_EQ(test, lt->owner.revoked[i], revoked[i]);
}

static void break_over_unrevocable_pin_fails(struct kunit *test)
{
	struct lease_test *lt = test->priv;
	struct pin_owner *stuck;

	stuck = kunit_kzalloc(test, sizeof(*stuck), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, stuck);
	owner_init(stuck, &owner_unrevocable_ops);
	KUNIT_ASSERT_EQ(test, owner_pin(lt, stuck, 8, 2), 0);
	KUNIT_ASSERT_EQ(test, owner_pin(lt, &lt->owner, 9, 1), 0);

	/* Nothing is revoked, not even the revocable pin beside it. */
	KUNIT_EXPECT_EQ(test, break_pages(lt, 9, 9), -ETXTBSY);
	KUNIT_EXPECT_EQ(test, lt->owner.nr_revoked, 0);
	KUNIT_EXPECT_EQ(test, owner_pinned_mask(stuck), BIT(1));
	KUNIT_EXPECT_EQ(test, break_pages(lt, 10, 20), 0);
	owner_teardown(stuck);
	KUNIT_EXPECT_EQ(test, break_pages(lt, 9, 9), 0);
	KUNIT_EXPECT_EQ(test, lt->owner.nr_revoked, 1);
}

/* A break open under i_rwsem, as a filesystem holds it, keeps ties out. */
static void pin_during_break_fails(struct kunit *test)
{
	struct lease_test *lt = test->priv;
	struct inode *inode = file_inode(lt->file);
	struct file_pin_break brk;

	file_pin_break_init(&brk);
	inode_lock(inode);
	KUNIT_ASSERT_EQ(test, file_pin_break_layout(&brk, inode, 0,
						    (4 << PAGE_SHIFT) - 1, 0),
			0);
	KUNIT_EXPECT_EQ(test, owner_pin(lt, &lt->owner, 2, 4), -EAGAIN);
	KUNIT_EXPECT_EQ(test, owner_pin(lt, &lt->owner, 4, 4), 0);
	file_pin_break_end(&brk);
	inode_unlock(inode);
	KUNIT_EXPECT_EQ(test, owner_pin(lt, &lt->owner, 2, 2), 0);
	KUNIT_EXPECT_TRUE(test, owner_unpin_one(&lt->owner));
	KUNIT_EXPECT_TRUE(test, owner_unpin_one(&lt->owner));
	KUNIT_EXPECT_FALSE(test, owner_unpin_one(&lt->owner));
}

/*
 * Under i_rwsem, as a filesystem breaks: pins to revoke answer
 * -EWOULDBLOCK, and the revokes run from the workqueue, where the wait,
 * with i_rwsem dropped, sees them done; no pin of the range is tied
 * meanwhile.  The next try opens the break.
 */
static void break_under_locks_waits_without_them(struct kunit *test)
{
	struct lease_test *lt = test->priv;
	struct inode *inode = file_inode(lt->file);
	struct file_pin_break brk;

	KUNIT_ASSERT_EQ(test, owner_pin(lt, &lt->owner, 8, 4), 0);
	file_pin_break_init(&brk);
	inode_lock(inode);
	KUNIT_EXPECT_EQ(test, file_pin_break_layout(&brk, inode,
						    9 << PAGE_SHIFT,
						    LLONG_MAX, 0),
			-EWOULDBLOCK);
	inode_unlock(inode);
	/* Linked while it waits: a new pin of the range fails. */
	KUNIT_EXPECT_EQ(test, owner_pin(lt, &lt->owner, 14, 1), -EAGAIN);
	KUNIT_EXPECT_EQ(test, file_pin_break_wait(&brk), 0);
	KUNIT_EXPECT_EQ(test, lt->owner.nr_revoked, 1);
	KUNIT_EXPECT_EQ(test, owner_pinned_mask(&lt->owner), 0);
	inode_lock(inode);
	KUNIT_EXPECT_EQ(test, file_pin_break_layout(&brk, inode,
						    9 << PAGE_SHIFT,
						    LLONG_MAX, 0), 0);
	/* Open: a pin of the range cannot be tied until the end. */
	KUNIT_EXPECT_EQ(test, owner_pin(lt, &lt->owner, 10, 1), -EAGAIN);
	file_pin_break_end(&brk);
	inode_unlock(inode);
	KUNIT_EXPECT_EQ(test, owner_pin(lt, &lt->owner, 10, 1), 0);
}

/* A reader's break fails on any pin of its range and revokes nothing. */
static void reader_break_never_revokes(struct kunit *test)
{
	struct lease_test *lt = test->priv;

	KUNIT_ASSERT_EQ(test, owner_pin(lt, &lt->owner, 8, 4), 0);
	KUNIT_EXPECT_EQ(test, file_pin_break_ahead(file_inode(lt->file), 0,
						   LLONG_MAX,
						   FILE_PIN_BREAK_READER),
			-ETXTBSY);
	KUNIT_EXPECT_EQ(test, lt->owner.nr_revoked, 0);
	KUNIT_EXPECT_EQ(test, owner_pinned_mask(&lt->owner), BIT(1));
	/* Beside the pin, the reader's change goes ahead. */
	KUNIT_EXPECT_EQ(test, file_pin_break_ahead(file_inode(lt->file),
						   12 << PAGE_SHIFT, LLONG_MAX,
						   FILE_PIN_BREAK_READER), 0);
	KUNIT_EXPECT_EQ(test, file_pin_remap_flags(0, true),
			FILE_PIN_BREAK_READER);
	KUNIT_EXPECT_EQ(test, file_pin_remap_flags(REMAP_FILE_ADVISORY, false),
			FILE_PIN_BREAK_READER);
	KUNIT_EXPECT_EQ(test, file_pin_remap_flags(REMAP_FILE_DEDUP, false), 0);
	KUNIT_EXPECT_EQ(test, file_pin_remap_flags(REMAP_FILE_DEDUP |
						   REMAP_FILE_ADVISORY, false),
			0);
}

#define NR_LEASES	4

static atomic_t lease_breaks_seen;

/* Stands in for a lease's lm_break, which would signal its holder. */
static bool count_lease_break(struct file_lease *fl)
{
	atomic_inc(&lease_breaks_seen);
	return false;
}

static const struct lease_manager_operations counting_lease_ops = {
	.lm_break = count_lease_break,
	.lm_change = lease_modify,
};

/*
 * Pins of several leases of one file, interleaved: a break over them
 * revokes each pin once and breaks each lease that had one once, and a
 * lease with no pin on the range not at all.
 */
static void break_signals_each_lease_once(struct kunit *test)
{
	struct lease_test *lt = test->priv;
	struct file_lock_context *ctx = locks_inode_context(file_inode(lt->file));
	const struct lease_manager_operations *saved[NR_LEASES];
	unsigned long addr[NR_LEASES];
	struct file *files[NR_LEASES];
	struct file_lease *fl;
	int i, j;

	for (i = 0; i < NR_LEASES; i++) {
		files[i] = dentry_open(&lt->file->f_path, O_RDWR,
				       current_cred());
		KUNIT_ASSERT_FALSE(test, IS_ERR(files[i]));
		addr[i] = kunit_vm_mmap(test, files[i], 0,
					LEASE_PAGES << PAGE_SHIFT,
					PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		KUNIT_ASSERT_FALSE(test, !addr[i] || IS_ERR_VALUE(addr[i]));
		KUNIT_ASSERT_EQ(test, fcntl_setlease(0, files[i],
						     F_RDLCK | F_LAYOUT), 0);
	}
	/* Page j * NR_LEASES + i through lease i: leases alternate. */
	for (j = 0; j < 2; j++)
		for (i = 0; i < NR_LEASES; i++)
			KUNIT_ASSERT_EQ(test, owner_pin_at(&lt->owner, addr[i],
							   j * NR_LEASES + i, 1),
					0);
	spin_lock(&ctx->flc_lock);
	for (i = 0; i < NR_LEASES; i++) {
		fl = __file_layout_lease(ctx, files[i]);
		saved[i] = fl->fl_lmops;
		fl->fl_lmops = &counting_lease_ops;
	}
	spin_unlock(&ctx->flc_lock);

	atomic_set(&lease_breaks_seen, 0);
	KUNIT_EXPECT_EQ(test, break_pages(lt, 0, 2 * NR_LEASES - 1), 0);
	KUNIT_EXPECT_EQ(test, lt->owner.nr_revoked, 2 * NR_LEASES);
	KUNIT_EXPECT_EQ(test, atomic_read(&lease_breaks_seen), NR_LEASES);
	/* Two of the leases: only they are broken; then nothing is. */
	KUNIT_ASSERT_EQ(test, owner_pin_at(&lt->owner, addr[1], 1, 1), 0);
	KUNIT_ASSERT_EQ(test, owner_pin_at(&lt->owner, addr[2], 2, 1), 0);
	KUNIT_EXPECT_EQ(test, break_pages(lt, 0, ULONG_MAX), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&lease_breaks_seen), NR_LEASES + 2);
	KUNIT_EXPECT_EQ(test, break_pages(lt, 0, ULONG_MAX), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&lease_breaks_seen), NR_LEASES + 2);

	spin_lock(&ctx->flc_lock);
	for (i = 0; i < NR_LEASES; i++)
		__file_layout_lease(ctx, files[i])->fl_lmops = saved[i];
	spin_unlock(&ctx->flc_lock);
	for (i = 0; i < NR_LEASES; i++) {
		KUNIT_EXPECT_EQ(test, fcntl_setlease(0, files[i], F_UNLCK), 0);
		fput(files[i]);
	}
}

/* A file that never had a lease: the break allocates nothing. */
static void break_of_unleased_file_costs_nothing(struct kunit *test)
{
	struct file *file = shmem_file_setup("vaddr_pin_kunit_nolease",
					     PAGE_SIZE, 0);
	struct file_pin_break brk;
	struct inode *inode;

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	inode = file_inode(file);
	file_pin_break_init(&brk);
	inode_lock(inode);
	KUNIT_EXPECT_EQ(test, file_pin_break_layout(&brk, inode, 0, LLONG_MAX,
						    0), 0);
	file_pin_break_end(&brk);
	inode_unlock(inode);
	KUNIT_EXPECT_EQ(test, file_pin_break_ahead(inode, 0, LLONG_MAX, 0), 0);
	KUNIT_EXPECT_NULL(test, locks_inode_context(inode));
	fput(file);
}

/* NR_FILE_DIRTY_PINNED with what the CPUs have not folded in yet. */
static long dirty_pinned_now(void)
{
	long x = atomic_long_read(&vm_node_stat[NR_FILE_DIRTY_PINNED]);
	pg_data_t *pgdat;
	int cpu;

	for_each_online_pgdat(pgdat)
		for_each_possible_cpu(cpu)
			x += per_cpu_ptr(pgdat->per_cpu_nodestats, cpu)->
				vm_node_stat_diff[NR_FILE_DIRTY_PINNED];
	return x;
}

/* The same, read until two reads agree: a fold may be half done. */
static long dirty_pinned(void)
{
	long x, y = dirty_pinned_now();

	do {
		x = y;
		y = dirty_pinned_now();
	} while (x != y);
	return x;
}

/*
 * Pins for write of page cache, as the tie of a writable shared mapping of
 * ext4 or xfs makes them (tmpfs page cache stands in for theirs): each
 * folio counts once in NR_FILE_DIRTY_PINNED, however many pins hold it,
 * until the last of them goes, whatever the order.
 */
static void write_pins_count_each_folio_once(struct kunit *test)
{
	static const struct {
		pgoff_t first, last;
		long tied, untied;	/* what each changes in the count */
	} pins[] = {
		{ 0, 3, 4, -1 },	/* untied first: only page 0 goes */
		{ 2, 5, 2, -2 },	/* 4, 5 new; 3, 4 go (5 has the last) */
		{ 1, 2, 0, -2 },	/* within the others; 1, 2 go */
		{ 8, 8, 1, 0 },		/* the last pin holds 8 too */
		{ 5, 9, 3, 0 },		/* 6, 7, 9 new; untied last */
	};
	struct lease_test *lt = test->priv;
	struct page *pages[10];
	struct file_pin fps[ARRAY_SIZE(pins)];
	long before;
	bool first;
	int i;

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = shmem_read_mapping_page(lt->file->f_mapping, i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pages[i]));
		KUNIT_ASSERT_EQ(test, folio_nr_pages(page_folio(pages[i])), 1);
	}
	before = dirty_pinned();
	for (i = 0; i < ARRAY_SIZE(pins); i++) {
		long count = dirty_pinned();

		file_pin_init(&fps[i]);
		fps[i].path = lt->file->f_path;
		fps[i].it.start = pins[i].first;
		fps[i].it.last = pins[i].last;
		KUNIT_ASSERT_EQ(test, file_pin_tie(&fps[i], lt->file), 0);
		/* Tied for read, it counts nothing. */
		KUNIT_EXPECT_EQ(test, dirty_pinned(), count);
		/* True if it was the first to hold a folio for write. */
		first = file_pin_start_write(&fps[i], pages + pins[i].first);
		KUNIT_EXPECT_EQ_MSG(test, first, pins[i].tied > 0,
				    "pin %d tied", i);
		KUNIT_EXPECT_EQ_MSG(test, dirty_pinned() - count, pins[i].tied,
				    "pin %d tied", i);
	}
	KUNIT_EXPECT_EQ(test, dirty_pinned() - before, 10);
	for (i = 0; i < ARRAY_SIZE(pins) - 1; i++) {
		long count = dirty_pinned();

		file_pin_untie(&fps[i]);
		KUNIT_EXPECT_EQ_MSG(test, dirty_pinned() - count,
				    pins[i].untied, "pin %d untied", i);
	}
	/* The last pin alone: its five pages. */
	KUNIT_EXPECT_EQ(test, dirty_pinned() - before, 5);
	file_pin_untie(&fps[i]);
	KUNIT_EXPECT_EQ(test, dirty_pinned(), before);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		put_page(pages[i]);
}

/* === Races === */

#define RACE_ROUNDS	300

struct racer {
	struct lease_test *lt;
	struct pin_owner owner;		/* for race_pin_unpin */
	struct completion done;
	unsigned int id;		/* which racer of its kind */
	int (*round)(struct racer *r, unsigned int i);
	unsigned int errors;		/* results no round may give */
	int last_error;
	unsigned int refused;		/* pins refused during a break */
	unsigned int revoked;		/* pins of per-round owners revoked */
};

static int racer_thread(void *data)
{
	struct racer *r = data;
	unsigned int i;
	int ret;

	for (i = 0; i < RACE_ROUNDS; i++) {
		ret = r->round(r, i);
		if (ret) {
			r->errors++;
			r->last_error = ret;
		}
	}
	complete(&r->done);
	return 0;
}

/* A break over the pinners' pages: it must always succeed. */
static int race_break(struct racer *r, unsigned int i)
{
	pgoff_t first = (i * 7 + r->id * 13) % LEASE_PAGES;

	return break_pages(r->lt, first, first + i % 9);
}

/* Pin 8 pages, then unpin them unless a break took them: 0 or -EAGAIN. */
static int race_pin_unpin(struct racer *r, unsigned int i)
{
	int ret = owner_pin(r->lt, &r->owner, 8 * (r->id % 8), 8);

	if (ret == -EAGAIN) {
		r->refused++;
		return 0;
	}
	/* Hold it a while, now and then, for a break to take it first. */
	if (i % 2)
		usleep_range(100, 200);
	owner_unpin_one(&r->owner);
	return ret;
}

/* A context of its own per round, pinned and torn down, like a close. */
static int race_pin_teardown(struct racer *r, unsigned int i)
{
	struct pin_owner *o = kzalloc(sizeof(*o), GFP_KERNEL);
	int ret;

	if (!o)
		return -ENOMEM;
	vaddr_pin_init(&o->vp, r->lt->owner.vp.mm, NULL, &owner_revocable_ops);
	mutex_init(&o->lock);
	INIT_LIST_HEAD(&o->pins);
	ret = owner_pin(r->lt, o, 8 * (r->id % 8), 8);
	if (i % 2)
		usleep_range(100, 200);
	owner_drop(o);
	r->revoked += o->nr_revoked;
	kfree(o);
	if (ret == -EAGAIN) {
		r->refused++;
		return 0;
	}
	return ret;
}

/* Release the lease and take it again. */
static int race_lease(struct racer *r, unsigned int i)
{
	int ret = fcntl_setlease(0, r->lt->file, F_UNLCK);

	return ret ?: fcntl_setlease(0, r->lt->file, F_RDLCK | F_LAYOUT);
}

/* Run @nr racers, racer i doing @rounds[i], and wait for them all. */
static void race(struct kunit *test,
		 int (*const *rounds)(struct racer *, unsigned int),
		 unsigned int nr)
{
	struct lease_test *lt = test->priv;
	struct racer *r;
	unsigned int i;

	r = kunit_kcalloc(test, nr, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	/* race_pin_teardown() closes with its pins, on purpose. */
	vaddr_pin_debug_expect_reports(true);
	for (i = 0; i < nr; i++) {
		struct task_struct *task;

		r[i].lt = lt;
		r[i].id = i;
		r[i].round = rounds[i];
		owner_init(&r[i].owner, &owner_revocable_ops);
		init_completion(&r[i].done);
		task = kthread_run(racer_thread, &r[i], "vp_racer%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	for (i = 0; i < nr; i++) {
		wait_for_completion(&r[i].done);
		KUNIT_EXPECT_EQ_MSG(test, r[i].errors, 0,
				    "racer %u: last error %d", i,
				    r[i].last_error);
		KUNIT_EXPECT_TRUE(test, list_empty(&r[i].owner.pins));
		kunit_info(test, "racer %u: %u pins revoked, %u refused", i,
			   r[i].owner.nr_revoked + r[i].revoked, r[i].refused);
		owner_teardown(&r[i].owner);
	}
	vaddr_pin_debug_expect_reports(false);
	KUNIT_EXPECT_EQ(test, atomic64_read(&lt->owner.vp.mm->pinned_vm), 0);
}

static void break_races_pin_and_unpin(struct kunit *test)
{
	static int (*const rounds[])(struct racer *, unsigned int) = {
		race_pin_unpin, race_break,
	};

	race(test, rounds, ARRAY_SIZE(rounds));
}

static void break_races_teardown(struct kunit *test)
{
	static int (*const rounds[])(struct racer *, unsigned int) = {
		race_pin_teardown, race_break,
	};

	race(test, rounds, ARRAY_SIZE(rounds));
}

static void break_races_many_threads(struct kunit *test)
{
	static int (*const rounds[])(struct racer *, unsigned int) = {
		race_pin_unpin, race_pin_unpin, race_pin_teardown,
		race_pin_teardown, race_break, race_break, race_lease,
	};

	race(test, rounds, ARRAY_SIZE(rounds));
}

#ifdef CONFIG_FAIL_VADDR_PIN
/* Nothing pinned, charged or tied, and the lease still held. */
static void lease_fail_check(struct kunit *test)
{
	struct lease_test *lt = test->priv;

	KUNIT_EXPECT_EQ(test, pin_balance() - lt->pin_balance, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&current->mm->pinned_vm), 0);
	KUNIT_EXPECT_EQ(test, vaddr_pin_get_ranges(&lt->owner.vp, NULL, 0), 0);
	KUNIT_EXPECT_TRUE(test, file_has_layout_lease(lt->file));
	/* No tie left behind: a break of the whole file finds nothing. */
	lt->owner.nr_revoked = 0;
	KUNIT_EXPECT_EQ(test, break_pages(lt, 0, ULONG_MAX), 0);
	KUNIT_EXPECT_EQ(test, lt->owner.nr_revoked, 0);
}

static int lease_pin_op(struct kunit *test)
{
	struct lease_test *lt = test->priv;

	return owner_pin(lt, &lt->owner, 8, 8);
}

static void lease_unpin_all(struct kunit *test, int ret)
{
	struct lease_test *lt = test->priv;

	owner_unpin_all(&lt->owner);
}

static void leased_pin_fails_cleanly_at_each_point(struct kunit *test)
{
	static const int errnos[] = { -ENOMEM, -EINTR, -EFAULT, -EAGAIN, 0 };

	/* The charge, mmap_lock, the record, the pin, the tie, the end: 6. */
	KUNIT_EXPECT_EQ(test, walk_failure_points(test, lease_pin_op,
						  lease_unpin_all,
						  lease_fail_check, errnos), 6);
}

/* Two pins, one of them on the range broken, then the break. */
static int break_op(struct kunit *test)
{
	struct lease_test *lt = test->priv;
	int ret;

	ret = owner_pin(lt, &lt->owner, 0, 4);
	if (!ret)
		ret = owner_pin(lt, &lt->owner, 16, 4);
	if (!ret)
		ret = break_pages(lt, 2, 2);
	return ret;
}

static void break_fails_cleanly_at_each_point(struct kunit *test)
{
	static const int errnos[] = { -ENOMEM, -EINTR, -EFAULT, -EAGAIN,
				      -ETXTBSY, 0 };

	/*
	 * Two pins of 6 points each, then the break: the check for
	 * unrevocable pins, the wait for the revoked pin, and the check of
	 * the try after the wait: 15.  Whatever failed, the unpin leaves
	 * nothing behind, so the break ended: the check's own break finds
	 * the range free.
	 */
	KUNIT_EXPECT_EQ(test, walk_failure_points(test, break_op,
						  lease_unpin_all,
						  lease_fail_check, errnos), 15);
}

static int lease_op(struct kunit *test)
{
	struct lease_test *lt = test->priv;

	return fcntl_setlease(0, lt->file, F_RDLCK | F_LAYOUT);
}

static void lease_release(struct kunit *test, int ret)
{
	struct lease_test *lt = test->priv;

	if (!ret)
		KUNIT_EXPECT_EQ(test, fcntl_setlease(0, lt->file, F_UNLCK), 0);
}

static void lease_gone_check(struct kunit *test)
{
	struct lease_test *lt = test->priv;

	KUNIT_EXPECT_FALSE(test, file_has_layout_lease(lt->file));
}

static void lease_fails_cleanly_at_each_point(struct kunit *test)
{
	static const int errnos[] = { -ENOMEM, 0 };
	struct lease_test *lt = test->priv;

	lease_release(test, 0);
	/* The lease and its fasync entry: 2. */
	KUNIT_EXPECT_EQ(test, walk_failure_points(test, lease_op,
						  lease_release,
						  lease_gone_check, errnos), 2);
	KUNIT_EXPECT_EQ(test, lease_op(test), 0);
	KUNIT_EXPECT_TRUE(test, file_has_layout_lease(lt->file));
}
#endif /* CONFIG_FAIL_VADDR_PIN */

static struct kunit_case vaddr_pin_lease_cases[] = {
	KUNIT_CASE_PARAM(break_revokes_only_overlapping_pins,
			 overlap_gen_params),
	KUNIT_CASE(break_revokes_each_pin_once),
	KUNIT_CASE(break_signals_each_lease_once),
	KUNIT_CASE(break_over_unrevocable_pin_fails),
	KUNIT_CASE(pin_during_break_fails),
	KUNIT_CASE(break_under_locks_waits_without_them),
	KUNIT_CASE(reader_break_never_revokes),
	KUNIT_CASE(break_of_unleased_file_costs_nothing),
	KUNIT_CASE(write_pins_count_each_folio_once),
#ifdef CONFIG_FAIL_VADDR_PIN
	KUNIT_CASE(leased_pin_fails_cleanly_at_each_point),
	KUNIT_CASE(break_fails_cleanly_at_each_point),
	KUNIT_CASE(lease_fails_cleanly_at_each_point),
#endif
	KUNIT_CASE_SLOW(break_races_pin_and_unpin),
	KUNIT_CASE_SLOW(break_races_teardown),
	KUNIT_CASE_SLOW(break_races_many_threads),
	{}
};

static struct kunit_suite vaddr_pin_lease_suite = {
	.name = "vaddr_pin_lease",
	.init = lease_test_init,
	.exit = lease_test_exit,
	.test_cases = vaddr_pin_lease_cases,
};

kunit_test_suites(&vaddr_pin_suite, &vaddr_pin_lease_suite);

MODULE_DESCRIPTION("KUnit tests for vaddr_pin long-term pinning contexts");
MODULE_LICENSE("GPL");
