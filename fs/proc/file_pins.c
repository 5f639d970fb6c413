// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<pid>/file_pins: the ranges of a process's memory that long-term
 * pinners hold through vaddr_pin, one line each.  Readable under the rule
 * of /proc/<pid>/maps (PTRACE_MODE_READ); mm/vaddr_pin.c writes the lines.
 */

#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/vaddr_pin.h>

#include "internal.h"

static int file_pins_show(struct seq_file *m, void *v)
{
	struct mm_struct *mm = m->private;

	/* A kernel thread has no mm, and so no pins. */
	if (mm)
		vaddr_pin_show_mm(m, mm);
	return 0;
}

static int file_pins_open(struct inode *inode, struct file *file)
{
	struct mm_struct *mm = proc_mem_open(inode, PTRACE_MODE_READ);
	int ret;

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = single_open(file, file_pins_show, mm);
	if (ret && mm)
		mmdrop(mm);
	return ret;
}

static int file_pins_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	if (m->private)
		mmdrop(m->private);
	return single_release(inode, file);
}

const struct file_operations proc_pid_file_pins_operations = {
	.open		= file_pins_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= file_pins_release,
};
