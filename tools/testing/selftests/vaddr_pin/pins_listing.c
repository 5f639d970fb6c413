// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<pid>/file_pins: one line per pinned range, its fields in the fixed
 * order of the design contract, for anonymous memory and for the file of
 * the file system under test ($VP_TEST_DIR); readable under the rule of
 * /proc/<pid>/maps, EACCES otherwise; never a torn line while pins come
 * and go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

#define NPAGES		8
#define NR_KEYS		11

static const char *const keys[NR_KEYS] = {
	"id", "owner", "file", "dev", "ino", "pgoff", "pages", "write",
	"lease", "state", "age_ms",
};

/* One line, split into the values of its keys. */
struct pin_line {
	char val[NR_KEYS][PATH_MAX];
};

/* Split @line (no newline) into @pl; false unless every key is there. */
static bool parse_line(const char *line, struct pin_line *pl)
{
	const char *p = line;
	int i;

	for (i = 0; i < NR_KEYS; i++) {
		size_t klen = strlen(keys[i]), vlen;

		if (strncmp(p, keys[i], klen) || p[klen] != '=')
			return false;
		p += klen + 1;
		vlen = strcspn(p, " ");
		if (!vlen || vlen >= PATH_MAX)
			return false;
		memcpy(pl->val[i], p, vlen);
		pl->val[i][vlen] = '\0';
		p += vlen;
		if (*p == ' ')
			p++;
		else if (i < NR_KEYS - 1)
			return false;
	}
	return true;
}

/*
 * Read /proc/@pid/file_pins whole.  Returns the number of lines, all of
 * which parse, with the one whose file= is @file and pgoff starts at @pgoff
 * in *@found (if not NULL); -1 on a torn or unparsable line, -errno if
 * the file cannot be read.
 */
static int read_pins(pid_t pid, const char *file, unsigned long pgoff,
		     struct pin_line *found)
{
	char path[64], buf[65536], *line, *save;
	struct pin_line pl;
	int fd, n = 0, hit = 0;
	ssize_t len, got;

	snprintf(path, sizeof(path), "/proc/%d/file_pins", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	for (len = 0; (got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0;)
		len += got;
	close(fd);
	if (got < 0)
		return -errno;
	buf[len] = '\0';
	if (len && buf[len - 1] != '\n')
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!parse_line(line, &pl))
			return -1;
		n++;
		if (found && !strcmp(pl.val[2], file) &&
		    strtoul(pl.val[5], NULL, 10) == pgoff) {
			*found = pl;
			hit++;
		}
	}
	return found && hit != 1 ? -2 : n;
}

FIXTURE(listing) {
	char path[PATH_MAX], real[PATH_MAX];
	int fd, pinner;
	char *map;
	long ps;
};

FIXTURE_SETUP(listing)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";

	self->ps = getpagesize();
	snprintf(self->path, sizeof(self->path), "%s/pins_listing.%d", dir,
		 getpid());
	self->fd = create_zero_file(self->path, NPAGES * self->ps);
	ASSERT_LE(0, self->fd);
	ASSERT_NE(NULL, realpath(self->path, self->real));
	self->map = mmap(NULL, NPAGES * self->ps, PROT_READ | PROT_WRITE,
			 MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
	/* fsdax needs it for any pin; the page cache for write pins. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
}

FIXTURE_TEARDOWN(listing)
{
	close(self->pinner);
	munmap(self->map, NPAGES * self->ps);
	close(self->fd);
	unlink(self->path);
}

TEST_F(listing, anonymous_pin_line)
{
	char *anon = mmap(NULL, 4 * self->ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long first = (unsigned long)anon / self->ps;
	struct pin_line pl;
	char want[64];
	unsigned int id;

	ASSERT_NE(MAP_FAILED, anon);
	ASSERT_EQ(0, pin(self->pinner, anon, 4 * self->ps,
			 VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(1, read_pins(getpid(), "[anon]", first, &pl));
	EXPECT_LT(0, strtoull(pl.val[0], NULL, 10));
	EXPECT_STREQ(PINNER, pl.val[1]);
	EXPECT_STREQ("00:00", pl.val[3]);
	EXPECT_STREQ("0", pl.val[4]);
	snprintf(want, sizeof(want), "%lu-%lu", first, first + 3);
	EXPECT_STREQ(want, pl.val[5]);
	EXPECT_STREQ("4", pl.val[6]);
	EXPECT_STREQ("1", pl.val[7]);
	EXPECT_STREQ("none", pl.val[8]);
	EXPECT_STREQ("pinned", pl.val[9]);
	EXPECT_LE(0, strtol(pl.val[10], NULL, 10));
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
	EXPECT_EQ(0, read_pins(getpid(), NULL, 0, NULL));
	munmap(anon, 4 * self->ps);
}

static void expect_file_line(struct __test_metadata *_metadata,
			     struct _test_data_listing *self,
			     const char *lease)
{
	struct pin_line pl;
	struct stat st;
	char want[64];
	unsigned int id;

	ASSERT_EQ(0, fstat(self->fd, &st));
	ASSERT_EQ(0, pin(self->pinner, self->map + 2 * self->ps, 4 * self->ps,
			 VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(1, read_pins(getpid(), self->real, 2, &pl));
	TH_LOG("id=%s owner=%s file=%s dev=%s ino=%s pgoff=%s pages=%s write=%s lease=%s state=%s age_ms=%s",
	       pl.val[0], pl.val[1], pl.val[2], pl.val[3], pl.val[4],
	       pl.val[5], pl.val[6], pl.val[7], pl.val[8], pl.val[9],
	       pl.val[10]);
	EXPECT_STREQ(PINNER, pl.val[1]);
	snprintf(want, sizeof(want), "%02x:%02x", major(st.st_dev),
		 minor(st.st_dev));
	EXPECT_STREQ(want, pl.val[3]);
	EXPECT_EQ(st.st_ino, strtoull(pl.val[4], NULL, 10));
	EXPECT_STREQ("2-5", pl.val[5]);
	EXPECT_STREQ("4", pl.val[6]);
	EXPECT_STREQ("1", pl.val[7]);
	EXPECT_STREQ(lease, pl.val[8]);
	EXPECT_STREQ("pinned", pl.val[9]);
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
	EXPECT_EQ(0, read_pins(getpid(), NULL, 0, NULL));
}

TEST_F(listing, file_pin_line_under_layout_lease)
{
	expect_file_line(_metadata, self, "layout");
}

TEST_F(listing, file_pin_line_under_unbreakable_lease)
{
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE,
			   F_RDLCK | F_LAYOUT | F_UNBREAK));
	expect_file_line(_metadata, self, "unbreak");
}

/* One call over two VMAs is two lines; every pinned page is counted. */
TEST_F(listing, one_line_per_vma_of_a_call)
{
	char *two = mmap(NULL, 2 * self->ps, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int id;

	ASSERT_NE(MAP_FAILED, two);
	/* Different protections keep the two pages in two VMAs. */
	ASSERT_EQ(0, mprotect(two + self->ps, self->ps, PROT_READ));
	ASSERT_EQ(0, pin(self->pinner, two, 2 * self->ps, 0, &id));
	EXPECT_EQ(2, read_pins(getpid(), NULL, 0, NULL));
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
	munmap(two, 2 * self->ps);
}

TEST_F(listing, other_user_gets_eacces)
{
	pid_t me = getpid(), pid;
	unsigned int id;
	int status;

	ASSERT_EQ(0, pin(self->pinner, self->map, self->ps, 0, &id));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(read_pins(me, NULL, 0, NULL) == -EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
}

struct churn {
	int pinner;
	char *map;
	long ps;
	volatile bool stop;
	int errors;
};

static void *pin_churn(void *arg)
{
	struct churn *c = arg;
	unsigned int id;
	int i;

	for (i = 0; i < 2000; i++) {
		if (pin(c->pinner, c->map + (i % NPAGES) * c->ps, c->ps, 0, &id) ||
		    unpin(c->pinner, id, 0))
			c->errors++;
	}
	c->stop = true;
	return NULL;
}

TEST_F(listing, reader_racing_pins_sees_whole_lines)
{
	struct churn c = {
		.pinner = self->pinner, .map = self->map, .ps = self->ps,
	};
	int reads = 0, bad = 0, n;
	unsigned int id;
	pthread_t t;

	/* One pin that stays, so that every read has a line to check. */
	ASSERT_EQ(0, pin(self->pinner, self->map, self->ps, 0, &id));
	ASSERT_EQ(0, pthread_create(&t, NULL, pin_churn, &c));
	while (!c.stop) {
		n = read_pins(getpid(), NULL, 0, NULL);
		if (n < 1 || n > 2)
			bad++;
		reads++;
	}
	pthread_join(t, NULL);
	TH_LOG("%d reads during 2000 pin/unpin cycles", reads);
	EXPECT_EQ(0, c.errors);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
}

TEST_HARNESS_MAIN
