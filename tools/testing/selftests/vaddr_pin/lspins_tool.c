// SPDX-License-Identifier: GPL-2.0
/*
 * lspins (tools/vaddr_pin/) against /proc/<pid>/file_pins: its JSON parses
 * (python3's json module) and agrees with the proc file, --file finds a
 * file's pins by device and inode (through a hard link), and bad arguments
 * or unreadable entries it was asked for give a message and a non-zero
 * exit.  $VP_TOP/build/tools/lspins is the binary under test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"

/* Not the harness's 30 s: lspins and python3 are slow under TCG. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	120
#include "vaddr_pin_selftest.h"

#define NPAGES	8

/* Run @cmd through sh; its output in @out, its exit status returned. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	size_t len = 0;
	int status;

	if (!f)
		return -1;
	len = fread(out, 1, size - 1, f);
	out[len] = '\0';
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Count the lines of /proc/self/file_pins and the pages they list. */
static int proc_pins(long *pages)
{
	char line[8192];
	FILE *f = fopen("/proc/self/file_pins", "r");
	int n = 0;
	char *p;

	*pages = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " pages=");
		if (p)
			*pages += strtol(p + 7, NULL, 10);
		n++;
	}
	fclose(f);
	return n;
}

FIXTURE(lspins) {
	char lspins[PATH_MAX], path[PATH_MAX], link[PATH_MAX];
	int fd, pinner;
	char *map;
	long ps;
};

FIXTURE_SETUP(lspins)
{
	const char *top = getenv("VP_TOP"), *dir = getenv("VP_TEST_DIR");

	ASSERT_NE(NULL, top);
	snprintf(self->lspins, sizeof(self->lspins), "%s/build/tools/lspins",
		 top);
	ASSERT_EQ(0, access(self->lspins, X_OK));
	self->ps = getpagesize();
	snprintf(self->path, sizeof(self->path), "%s/lspins.%d",
		 dir ?: "/tmp", getpid());
	snprintf(self->link, sizeof(self->link), "%s/lspins.%d.link",
		 dir ?: "/tmp", getpid());
	self->fd = create_zero_file(self->path, NPAGES * self->ps);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, link(self->path, self->link));
	self->map = mmap(NULL, NPAGES * self->ps, PROT_READ | PROT_WRITE,
			 MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
}

FIXTURE_TEARDOWN(lspins)
{
	close(self->pinner);
	munmap(self->map, NPAGES * self->ps);
	close(self->fd);
	unlink(self->link);
	unlink(self->path);
}

TEST_F(lspins, json_agrees_with_proc)
{
	char *anon = mmap(NULL, 3 * self->ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char cmd[3 * PATH_MAX], out[4096];
	unsigned int a, b;
	long pages, n, json_pages;

	ASSERT_NE(MAP_FAILED, anon);
	ASSERT_EQ(0, pin(self->pinner, anon, 3 * self->ps,
			 VADDR_PIN_TEST_WRITE, &a));
	ASSERT_EQ(0, pin(self->pinner, self->map + self->ps, 2 * self->ps,
			 VADDR_PIN_TEST_WRITE, &b));
	n = proc_pins(&pages);
	ASSERT_EQ(2, n);
	ASSERT_EQ(5, pages);

	snprintf(cmd, sizeof(cmd),
		 "%s --json --pid %d | /usr/bin/python3 -c 'import json, sys; "
		 "d = json.load(sys.stdin)[\"pins\"]; "
		 "print(len(d), sum(p[\"pages\"] for p in d), "
		 "sorted(p[\"path\"] for p in d)[0])'",
		 self->lspins, getpid());
	ASSERT_EQ(0, run(cmd, out, sizeof(out))) TH_LOG("%s", out);
	ASSERT_EQ(2, sscanf(out, "%ld %ld", &n, &json_pages)) TH_LOG("%s", out);
	EXPECT_EQ(2, n);
	EXPECT_EQ(pages, json_pages);
	EXPECT_NE(NULL, strstr(out, "/")) TH_LOG("%s", out);

	/* The table: a header, two pins, a total per file. */
	snprintf(cmd, sizeof(cmd), "%s --pid %d", self->lspins, getpid());
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	TH_LOG("lspins --pid %d:\n%s", getpid(), out);
	EXPECT_EQ(0, strncmp(out, "COMMAND", 7)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "(1 pin)")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "layout")) TH_LOG("%s", out);

	EXPECT_EQ(0, unpin(self->pinner, a, 0));
	EXPECT_EQ(0, unpin(self->pinner, b, 0));
	munmap(anon, 3 * self->ps);
}

TEST_F(lspins, file_found_through_a_hard_link)
{
	char *anon = mmap(NULL, self->ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char cmd[3 * PATH_MAX], out[4096];
	unsigned int id, other;
	int n, pid, pages;

	ASSERT_NE(MAP_FAILED, anon);
	/* A pin of other memory, which --file must leave out. */
	ASSERT_EQ(0, pin(self->pinner, anon, self->ps, 0, &other));
	ASSERT_EQ(0, pin(self->pinner, self->map, 4 * self->ps, 0, &id));
	/* Named by the other link: same device and inode. */
	snprintf(cmd, sizeof(cmd),
		 "%s --json --file %s | /usr/bin/python3 -c 'import json, sys; "
		 "d = json.load(sys.stdin)[\"pins\"]; "
		 "print(len(d), d[0][\"pid\"], d[0][\"pages\"])'",
		 self->lspins, self->link);
	ASSERT_EQ(0, run(cmd, out, sizeof(out))) TH_LOG("%s", out);
	ASSERT_EQ(3, sscanf(out, "%d %d %d", &n, &pid, &pages))
		TH_LOG("%s", out);
	EXPECT_EQ(1, n);
	EXPECT_EQ(getpid(), pid);
	EXPECT_EQ(4, pages);
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
	EXPECT_EQ(0, unpin(self->pinner, other, 0));
	munmap(anon, self->ps);
	/* Unpinned: nothing left to find. */
	snprintf(cmd, sizeof(cmd), "%s --json --file %s", self->lspins,
		 self->link);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	EXPECT_STREQ("{\"pins\": []}\n", out);
}

TEST_F(lspins, bad_requests_fail_with_a_message)
{
	char cmd[3 * PATH_MAX], out[4096];

	snprintf(cmd, sizeof(cmd), "%s --pid abc 2>&1", self->lspins);
	EXPECT_EQ(2, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "bad process ID")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s --file /nonexistent/x 2>&1",
		 self->lspins);
	EXPECT_EQ(2, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "cannot stat")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s --bogus 2>&1", self->lspins);
	EXPECT_EQ(2, run(cmd, out, sizeof(out)));
	snprintf(cmd, sizeof(cmd), "%s --pid 999999999 2>&1", self->lspins);
	EXPECT_EQ(1, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "file_pins")) TH_LOG("%s", out);
	/* Another user's pins, asked for by pid: EACCES, said so. */
	snprintf(cmd, sizeof(cmd),
		 "setpriv --reuid=65534 --regid=65534 --clear-groups "
		 "%s --pid %d 2>&1", self->lspins, getpid());
	EXPECT_EQ(1, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "Permission denied")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s --help", self->lspins);
	EXPECT_EQ(0, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "--file")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
