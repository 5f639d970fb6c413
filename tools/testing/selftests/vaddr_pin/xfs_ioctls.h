/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two xfs ioctls that exchange a file's blocks with another file's,
 * from fs/xfs/libxfs/xfs_fs.h, which no uapi header carries (xfslibs-dev
 * would, but the tests build without it).
 */
#ifndef VADDR_PIN_XFS_IOCTLS_H
#define VADDR_PIN_XFS_IOCTLS_H

#include <linux/types.h>
#include <sys/ioctl.h>

struct xfs_exchange_range {
	__s32 file1_fd;
	__u32 pad;
	__u64 file1_offset;
	__u64 file2_offset;
	__u64 length;
	__u64 flags;
};
#define XFS_IOC_EXCHANGE_RANGE	_IOW('X', 129, struct xfs_exchange_range)

struct xfs_bstime {
	__kernel_long_t tv_sec;
	__s32 tv_nsec;
};

struct xfs_bstat {
	__u64 bs_ino;
	__u16 bs_mode, bs_nlink;
	__u32 bs_uid, bs_gid, bs_rdev;
	__s32 bs_blksize;
	__s64 bs_size;
	struct xfs_bstime bs_atime, bs_mtime, bs_ctime;
	__s64 bs_blocks;
	__u32 bs_xflags;
	__s32 bs_extsize, bs_extents;
	__u32 bs_gen;
	__u16 bs_projid_lo, bs_forkoff, bs_projid_hi, bs_sick, bs_checked;
	unsigned char bs_pad[2];
	__u32 bs_cowextsize, bs_dmevmask;
	__u16 bs_dmstate, bs_aextents;
};

/*
 * What xfs_fsr does once it has copied the file: every block of the
 * target and the temporary file change places.  sx_stat needs only the
 * target's mtime and ctime, which the kernel compares (EBUSY if the file
 * changed since), and sx_length the size of both.
 */
struct xfs_swapext {
	__s64 sx_version;
	__s64 sx_fdtarget, sx_fdtmp;
	__s64 sx_offset, sx_length;
	char sx_pad[16];
	struct xfs_bstat sx_stat;
};
#define XFS_IOC_SWAPEXT		_IOWR('X', 109, struct xfs_swapext)

/* The size is part of the ioctl number: a wrong one is ENOTTY. */
_Static_assert(sizeof(struct xfs_swapext) == 192, "struct xfs_swapext");

#endif
