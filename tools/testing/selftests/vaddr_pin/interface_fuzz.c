// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer for vaddr_pin's user-visible interfaces: F_SETLEASE and
 * F_GETLEASE arguments, the test pinner's ioctls, /proc/<pid>/file_pins
 * reads, mixed with the layout changes, mappings and closes that make the
 * kernel's state interesting.  Several processes (two as root, one as uid
 * 65534) share one file of $VP_TEST_DIR and call at random, each call
 * checked against what Documentation/core-api/vaddr_pin.rst and the
 * pinner's header allow: success, or one of the documented errnos.  At
 * the end nothing is pinned, charged or leased.  Kernel reports are the
 * business of the guest's log scan (scripts/summarize.py).
 *
 * Bounded: $VP_FUZZ_CALLS calls per process (default 20000) or
 * $VP_FUZZ_SECONDS (default 60), whichever comes first.  $VP_FUZZ_SEED
 * repeats a run; the seed is printed either way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"
#include "xorshift.h"

#define NR_WORKERS	3	/* the last one is uid 65534 */
#define FILE_PAGES	64
#define NR_MAPS		6
#define NR_IDS		32
#define NR_FDS		10

static long ps;

/* What one worker has to call with. */
struct worker {
	int nr;
	const char *path;
	pid_t peers[NR_WORKERS];
	int fds[NR_FDS];	/* the file thrice, and things that are not */
	int pinner[2];		/* revocable, unrevocable */
	char *maps[NR_MAPS];	/* the slots of map_arena() */
	unsigned int ids[2][NR_IDS];	/* pins that succeeded, per pinner */
	unsigned long calls, ok, refused;
	unsigned long errnos[256];
};

enum { FD_RW, FD_RO, FD_WO, FD_PATH, FD_DIR, FD_PIPE, FD_MEMFD, FD_NULL,
       FD_CLOSED, FD_HUGE };

/* The call @what got @err, which is not in the documented list: stop. */
static void undocumented(struct worker *w, const char *what, long arg1,
			 long arg2, int err)
{
	fprintf(stderr, "worker %d, call %lu: %s(%#lx, %#lx) failed with %s (%d), not documented\n",
		w->nr, w->calls, what, arg1, arg2, strerror(err), err);
	_exit(1);
}

/* Count @ret of @what, allowed when 0 or an errno of @allowed (0-ended). */
static void check(struct worker *w, const char *what, long arg1, long arg2,
		  long ret, const int *allowed)
{
	int err = errno;

	w->calls++;
	if (ret >= 0) {
		w->ok++;
		return;
	}
	for (; *allowed; allowed++) {
		if (*allowed == err) {
			w->refused++;
			w->errnos[err & 255]++;
			return;
		}
	}
	undocumented(w, what, arg1, arg2, err);
}

/* An fd of the pool, or one of the bad ones. */
static int any_fd(struct worker *w)
{
	return w->fds[below(NR_FDS)];
}

/* A lease argument: mostly the meaningful ones, sometimes any bits. */
static int lease_arg(void)
{
	static const int types[] = { F_RDLCK, F_WRLCK, F_UNLCK };
	int arg = types[below(3)];

	switch (below(6)) {
	case 0: return (int)rnd();
	case 1: return arg | (int)(rnd() & 0xfff0);
	case 2: return arg;
	case 3: return arg | F_LAYOUT;
	default: return arg | F_LAYOUT | F_UNBREAK;
	}
}

static void fuzz_setlease(struct worker *w)
{
	static const int allowed[] = { EINVAL, EACCES, EAGAIN, EBADF, 0 };
	int fd = any_fd(w), arg = lease_arg();

	check(w, "F_SETLEASE", fd, arg, fcntl(fd, F_SETLEASE, arg), allowed);
}

static void fuzz_getlease(struct worker *w)
{
	static const int allowed[] = { EBADF, EINVAL, 0 };
	int fd = any_fd(w);
	int ret = fcntl(fd, F_GETLEASE);

	check(w, "F_GETLEASE", fd, 0, ret, allowed);
	if (ret >= 0 && ret != F_UNLCK && ret != F_RDLCK && ret != F_WRLCK &&
	    ret != (F_RDLCK | F_LAYOUT) &&
	    ret != (F_RDLCK | F_LAYOUT | F_UNBREAK)) {
		fprintf(stderr, "worker %d: F_GETLEASE returned %#x\n", w->nr,
			ret);
		_exit(1);
	}
}

/* An address for PIN: in one of the mappings mostly, anywhere sometimes. */
static unsigned long pin_addr(struct worker *w)
{
	unsigned long base = (unsigned long)w->maps[below(NR_MAPS)];

	switch (below(8)) {
	case 0: return 0;
	case 1: return rnd();
	case 2: return 0xffff888000000000UL;	/* the kernel's */
	case 3: return base + below(ps);	/* misaligned */
	case 4: return -ps;
	default: return base + below(FILE_PAGES) * ps;
	}
}

static uint64_t pin_len(void)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return rnd();
	case 2: return 1 + below(FILE_PAGES * ps);
	case 3: return (VADDR_PIN_TEST_MAX_PAGES + below(2)) * ps;
	default: return (1 + below(FILE_PAGES / 2)) * ps;
	}
}

static void fuzz_pin(struct worker *w)
{
	static const int allowed[] = { EINVAL, EOVERFLOW, E2BIG, EPERM, EFAULT,
				       EOPNOTSUPP, EAGAIN, ENOMEM, 0 };
	int which = below(2);
	struct vaddr_pin_test_pin arg = {
		.addr = pin_addr(w), .len = pin_len(),
		.flags = below(4) ? below(2) : (unsigned int)rnd(),
	};
	void *argp = below(16) ? (void *)&arg : (void *)pin_addr(w);
	long ret = ioctl(w->pinner[which], VADDR_PIN_TEST_IOC_PIN, argp);

	check(w, "PIN", arg.addr, arg.len, ret, allowed);
	if (!ret && argp == &arg)
		w->ids[which][below(NR_IDS)] = arg.id;
}

/* An id: one that pinned once, mostly; any number sometimes. */
static unsigned int any_id(struct worker *w, int which)
{
	return below(4) ? w->ids[which][below(NR_IDS)] : (unsigned int)rnd();
}

static void fuzz_unpin(struct worker *w)
{
	static const int allowed[] = { ENOENT, EINVAL, EFAULT, 0 };
	int which = below(2);
	struct vaddr_pin_test_unpin arg = {
		.id = any_id(w, which),
		.flags = below(4) ? below(2) : (unsigned int)rnd(),
	};

	check(w, "UNPIN", arg.id, arg.flags,
	      ioctl(w->pinner[which], VADDR_PIN_TEST_IOC_UNPIN, &arg), allowed);
}

static void fuzz_state_or_fill(struct worker *w)
{
	static const int allowed[] = { ENOENT, EINVAL, EFAULT, EPERM, 0 };
	int which = below(2);
	struct vaddr_pin_test_state st = {
		.id = any_id(w, which), .flags = below(8) ? 0 : rnd(),
	};
	struct vaddr_pin_test_fill fill = {
		.id = any_id(w, which), .byte = below(300),
	};
	long ret;

	if (below(2)) {
		ret = ioctl(w->pinner[which], VADDR_PIN_TEST_IOC_STATE, &st);
		check(w, "STATE", st.id, 0, ret, allowed);
		if (!ret && st.flags != VADDR_PIN_TEST_PINNED &&
		    st.flags != (VADDR_PIN_TEST_PINNED | VADDR_PIN_TEST_REVOKING)) {
			fprintf(stderr, "worker %d: STATE flags %#x\n", w->nr,
				st.flags);
			_exit(1);
		}
	} else {
		ret = ioctl(w->pinner[which], VADDR_PIN_TEST_IOC_FILL, &fill);
		check(w, "FILL", fill.id, fill.byte, ret, allowed);
	}
}

/* An ioctl number the pinner does not know, or a known one, mangled. */
static void fuzz_bad_ioctl(struct worker *w)
{
	static const int allowed[] = { ENOTTY, EFAULT, EINVAL, ENOENT, EPERM,
				       0 };
	unsigned long cmd = below(2) ? (unsigned int)rnd() :
			    _IOC(below(4), 'V', 0x40 + below(6), below(64));
	long ret;

	/* Only the four commands of vaddr_pin_test.h may succeed. */
	if (cmd == VADDR_PIN_TEST_IOC_PIN)
		return;
	ret = ioctl(w->pinner[below(2)], cmd, pin_addr(w));
	check(w, "ioctl", cmd, 0, ret, allowed);
	if (!ret && cmd != VADDR_PIN_TEST_IOC_UNPIN &&
	    cmd != VADDR_PIN_TEST_IOC_STATE && cmd != VADDR_PIN_TEST_IOC_FILL) {
		fprintf(stderr, "worker %d: ioctl %#lx succeeded\n", w->nr, cmd);
		_exit(1);
	}
}

/* Does @line have the keys of the documented format, in order? */
static bool well_formed(const char *line)
{
	static const char *const keys[] = {
		"id=", " owner=", " file=", " dev=", " ino=", " pgoff=",
		" pages=", " write=", " lease=", " state=", " age_ms=",
	};
	unsigned long first, last, pages;
	const char *p = line;
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		p = strstr(p, keys[i]);
		if (!p || (i == 0 && p != line))
			return false;
	}
	p = strstr(line, " pgoff=");
	if (sscanf(p, " pgoff=%lu-%lu pages=%lu", &first, &last, &pages) != 3)
		return false;
	return pages && last - first + 1 == pages &&
	       (strstr(line, " write=0 ") || strstr(line, " write=1 ")) &&
	       (strstr(line, " state=pinned ") || strstr(line, " state=revoking "));
}

/* Read a worker's file_pins in random pieces, and check each line. */
static void fuzz_file_pins(struct worker *w)
{
	static const int allowed[] = { EACCES, ENOENT, ESRCH, EINVAL, 0 };
	static char buf[1 << 16];
	pid_t pid = below(4) ? w->peers[below(NR_WORKERS)] : getpid();
	size_t got = 0, piece;
	char path[64], *line, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/file_pins", pid);
	fd = open(path, O_RDONLY);
	check(w, "open file_pins", pid, 0, fd, allowed);
	if (fd < 0)
		return;
	if (!below(4)) {	/* somewhere in the middle, then no check */
		check(w, "lseek file_pins", pid, 0,
		      lseek(fd, below(4) ? (long)below(4096) : -1L, SEEK_SET),
		      allowed);
		n = read(fd, buf, 1 + below(sizeof(buf) - 1));
		check(w, "read file_pins", pid, 0, n, allowed);
		close(fd);
		return;
	}
	do {
		piece = 1 + below(below(2) ? 64 : 4096);
		if (piece > sizeof(buf) - 1 - got)
			piece = sizeof(buf) - 1 - got;
		n = piece ? read(fd, buf + got, piece) : 0;
		check(w, "read file_pins", pid, piece, n, allowed);
		got += n > 0 ? n : 0;
	} while (n > 0);
	close(fd);
	buf[got] = 0;
	for (line = buf; n == 0 && (end = strchr(line, '\n')); line = end + 1) {
		*end = 0;
		if (!well_formed(line)) {
			fprintf(stderr, "worker %d: bad line in %s: '%s'\n",
				w->nr, path, line);
			_exit(1);
		}
	}
}

/* Truncate or punch the shared file, or make it whole again. */
static void fuzz_layout_change(struct worker *w)
{
	/* What ftruncate() and fallocate() say of the fds that are not files. */
	static const int allowed[] = { ETXTBSY, EINTR, EOPNOTSUPP, EPERM,
				       EACCES, EBADF, EINVAL, ENODEV, ESPIPE,
				       EISDIR, 0 };
	off_t off = below(FILE_PAGES) * ps, len = (1 + below(8)) * ps;
	int fd = w->fds[below(2) ? FD_RW : below(NR_FDS)];

	switch (below(3)) {
	case 0:
		check(w, "ftruncate", fd, off, ftruncate(fd, off), allowed);
		break;
	case 1:
		check(w, "punch", off, len,
		      fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				off, len), allowed);
		break;
	default:
		check(w, "extend", fd, 0,
		      ftruncate(w->fds[FD_RW], FILE_PAGES * ps), allowed);
	}
}

/*
 * Map slot @i afresh: the file (shared rw, shared ro, private), the memfd,
 * or anonymous memory.  The slots lie in an arena of PROT_NONE pages, a
 * guard page on each side of each: a pin that runs off the end of a slot
 * meets the guard, never the worker's own libraries, heap or TLS, which
 * FILL would otherwise overwrite.
 */
static void remap(struct worker *w, int i)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_NONE };
	size_t len = FILE_PAGES * ps;
	int prot = prots[below(3)];
	char *slot = w->maps[i];
	void *p;

	switch (below(5)) {
	case 0:
		p = mmap(slot, len, prot, MAP_SHARED | MAP_FIXED, w->fds[FD_RW], 0);
		break;
	case 1:
		p = mmap(slot, len, PROT_READ, MAP_SHARED | MAP_FIXED,
			 w->fds[FD_RO], 0);
		break;
	case 2:
		p = mmap(slot, len, prot, MAP_PRIVATE | MAP_FIXED, w->fds[FD_RW], 0);
		break;
	case 3:
		p = mmap(slot, len, prot, MAP_SHARED | MAP_FIXED,
			 w->fds[FD_MEMFD], 0);
		break;
	default:
		p = mmap(slot, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0);
	}
	/* A failed map is a slot of guard pages. */
	if (p == MAP_FAILED)
		mmap(slot, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
}

/* The arena of the map slots, all guard pages to begin with. */
static void map_arena(struct worker *w)
{
	size_t stride = (FILE_PAGES + 1) * ps;
	char *arena = mmap(NULL, NR_MAPS * stride + ps, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int i;

	if (arena == MAP_FAILED)
		_exit(6);
	for (i = 0; i < NR_MAPS; i++) {
		w->maps[i] = arena + ps + i * stride;
		remap(w, i);
	}
}

/*
 * Close a pinner (tearing its context down) and open a fresh one.  Only
 * root may open the pinner: uid 65534 keeps the two it opened first.
 */
static void reopen_pinner(struct worker *w)
{
	static const char *const names[] = {
		PINNER, PINNER "_unrevocable",
	};
	int which = below(2);

	if (getuid())
		return;

	close(w->pinner[which]);
	w->pinner[which] = open(names[which], O_RDWR);
	if (w->pinner[which] < 0) {
		fprintf(stderr, "worker %d: cannot reopen %s: %s\n", w->nr,
			names[which], strerror(errno));
		_exit(1);
	}
	memset(w->ids[which], 0, sizeof(w->ids[which]));
}

/* Open the pool of fds; reopening FD_RW drops its leases. */
static void open_fds(struct worker *w)
{
	int pipefd[2];

	w->fds[FD_RW] = open(w->path, O_RDWR);
	w->fds[FD_RO] = open(w->path, O_RDONLY);
	w->fds[FD_WO] = open(w->path, O_WRONLY);
	w->fds[FD_PATH] = open(w->path, O_PATH);
	w->fds[FD_DIR] = open("/", O_RDONLY | O_DIRECTORY);
	w->fds[FD_PIPE] = pipe(pipefd) ? -1 : pipefd[0];
	w->fds[FD_MEMFD] = memfd_create("interface_fuzz", 0);
	w->fds[FD_NULL] = open("/dev/null", O_RDWR);
	w->fds[FD_CLOSED] = -1;
	w->fds[FD_HUGE] = INT_MAX;
	if (w->fds[FD_MEMFD] >= 0 &&
	    ftruncate(w->fds[FD_MEMFD], FILE_PAGES * ps))
		w->fds[FD_MEMFD] = -1;
}

static void run_worker(struct worker *w, int peers_fd, uint64_t seed,
		       unsigned long calls, time_t deadline)
{
	int i;

	if (read(peers_fd, w->peers, sizeof(w->peers)) != sizeof(w->peers))
		_exit(5);
	seed_rnd(seed);
	signal(SIGIO, SIG_IGN);		/* lease breaks signal the holder */
	w->pinner[0] = open(PINNER, O_RDWR);
	w->pinner[1] = open(PINNER "_unrevocable", O_RDWR);
	if (w->pinner[0] < 0 || w->pinner[1] < 0)
		_exit(2);
	if (w->nr == NR_WORKERS - 1) {
		struct rlimit lim = { 256 * ps, 256 * ps };

		if (setrlimit(RLIMIT_MEMLOCK, &lim) || become_nobody())
			_exit(3);
	}
	open_fds(w);
	map_arena(w);

	while (w->calls < calls && time(NULL) < deadline) {
		switch (below(20)) {
		case 0 ... 2:	fuzz_setlease(w); break;
		case 3:		fuzz_getlease(w); break;
		case 4 ... 7:	fuzz_pin(w); break;
		case 8 ... 9:	fuzz_unpin(w); break;
		case 10 ... 11:	fuzz_state_or_fill(w); break;
		case 12:	fuzz_bad_ioctl(w); break;
		case 13 ... 14:	fuzz_file_pins(w); break;
		case 15 ... 16:	fuzz_layout_change(w); break;
		case 17:	remap(w, below(NR_MAPS)); break;
		case 18:	reopen_pinner(w); break;
		default:
			close(w->fds[FD_RW]);
			w->fds[FD_RW] = open(w->path, O_RDWR);
		}
	}

	printf("# worker %d (uid %d): %lu calls, %lu succeeded, %lu refused:",
	       w->nr, getuid(), w->calls, w->ok, w->refused);
	for (i = 0; i < 256; i++)
		if (w->errnos[i])
			printf(" %s %lu", strerrorname_np(i) ?: "?", w->errnos[i]);
	printf("\n");
	fflush(stdout);

	/* Tearing the contexts down unpins and uncharges everything. */
	close(w->pinner[0]);
	close(w->pinner[1]);
	_exit(vm_pin_pages() == 0 ? 0 : 4);
}

FIXTURE(fuzz) {};
FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

/* The harness kills a test after its timeout: leave room past the bound. */
TEST_F_TIMEOUT(fuzz, random_calls, 900)
{
	unsigned long calls = env_or("VP_FUZZ_CALLS", 20000);
	time_t deadline = time(NULL) + env_or("VP_FUZZ_SECONDS", 60);
	uint64_t seed = env_or("VP_FUZZ_SEED", time(NULL) ^ (getpid() << 16));
	char path[PATH_MAX], old_break[16], scratch[16];
	struct worker w = { 0 };
	long held = pins_held();
	int fd, i, status, peers[2];
	struct stat st;

	ps = sysconf(_SC_PAGESIZE);
	printf("# seed %#llx (VP_FUZZ_SEED), %lu calls or %lus per worker\n",
	       (unsigned long long)seed, calls, env_or("VP_FUZZ_SECONDS", 60));
	fflush(stdout);
	snprintf(path, sizeof(path), "%s/interface_fuzz.%d",
		 getenv("VP_TEST_DIR") ?: "/tmp", getpid());
	fd = create_file_of(path, FILE_PAGES * ps, 0x77);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchmod(fd, 0666));
	ASSERT_EQ(0, fstat(fd, &st));
	close(fd);
	/* A slow revoke must not hold a worker for 45 s. */
	ASSERT_EQ(0, swap_setting("/proc/sys/fs/lease-break-time", "1",
				  old_break, sizeof(old_break)));

	/* Each worker reads its peers' pids, which it reads file_pins of. */
	ASSERT_EQ(0, pipe(peers));
	w.path = path;
	for (i = 0; i < NR_WORKERS; i++) {
		w.nr = i;
		w.peers[i] = fork();
		ASSERT_LE(0, w.peers[i]);
		if (!w.peers[i])
			run_worker(&w, peers[0], seed + i, calls, deadline);
	}
	for (i = 0; i < NR_WORKERS; i++)
		ASSERT_EQ(sizeof(w.peers), write(peers[1], w.peers, sizeof(w.peers)));
	close(peers[0]);
	close(peers[1]);
	for (i = 0; i < NR_WORKERS; i++) {
		ASSERT_EQ(w.peers[i], waitpid(w.peers[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status)) TH_LOG("worker %d killed by %d",
						      i, WTERMSIG(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("worker %d", i);
	}
	EXPECT_EQ(held, pins_held());
	EXPECT_EQ(0, layout_leases_on(st.st_ino));
	EXPECT_EQ(0, swap_setting("/proc/sys/fs/lease-break-time", old_break,
				  scratch, sizeof(scratch)));
	unlink(path);
}

TEST_HARNESS_MAIN
