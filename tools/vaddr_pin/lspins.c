// SPDX-License-Identifier: GPL-2.0
/*
 * lspins: list the long-term pins that vaddr_pin holds, system-wide, from
 * /proc/<pid>/file_pins, grouped per file, in the manner of lslocks.
 *
 *   lspins [--json] [--pid N] [--file PATH]
 *
 * Exits 0 having listed the pins (none, maybe), 1 when they cannot be read
 * (a kernel without vaddr_pin among them), 2 on a bad request; lspins.8
 * is its manual.  Depends on nothing but libc.  The format of the proc file is in
 * Documentation/core-api/vaddr_pin.rst.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* One pinned range, one line of a file_pins file. */
struct pin {
	char command[64];
	int pid;
	unsigned long long id;
	char owner[PATH_MAX];
	char file[PATH_MAX];
	unsigned int major, minor;
	unsigned long long ino;
	unsigned long pgoff_first, pgoff_last;
	unsigned long pages;
	int write;
	char lease[16];
	char state[16];
	unsigned long long age_ms;
};

static struct pin *pins;
static size_t nr_pins, max_pins;

static const char *prog = "lspins";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--json] [--pid N] [--file PATH]\n"
		"List the long-term pins of user memory held through vaddr_pin,\n"
		"from /proc/<pid>/file_pins, grouped per file.\n\n"
		"  -J, --json       one JSON object per pin\n"
		"  -p, --pid N      only the pins of process N\n"
		"  -f, --file PATH  only the pins of PATH's file (by device and inode)\n"
		"  -h, --help       this text\n", prog);
}

/* Undo the \ooo escapes the kernel puts in paths; in place. */
static void unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* The value of @key at the front of *@p, copied to @val; advances *@p. */
static bool take(char **p, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key), vlen;

	if (strncmp(*p, key, klen) || (*p)[klen] != '=')
		return false;
	*p += klen + 1;
	vlen = strcspn(*p, " \n");
	if (!vlen || vlen >= size)
		return false;
	memcpy(val, *p, vlen);
	val[vlen] = '\0';
	*p += vlen;
	if (**p == ' ')
		(*p)++;
	return true;
}

static bool parse_line(char *line, struct pin *pin)
{
	char v[8][64];
	char *p = line;

	if (!take(&p, "id", v[0], sizeof(v[0])) ||
	    !take(&p, "owner", pin->owner, sizeof(pin->owner)) ||
	    !take(&p, "file", pin->file, sizeof(pin->file)) ||
	    !take(&p, "dev", v[1], sizeof(v[1])) ||
	    !take(&p, "ino", v[2], sizeof(v[2])) ||
	    !take(&p, "pgoff", v[3], sizeof(v[3])) ||
	    !take(&p, "pages", v[4], sizeof(v[4])) ||
	    !take(&p, "write", v[5], sizeof(v[5])) ||
	    !take(&p, "lease", pin->lease, sizeof(pin->lease)) ||
	    !take(&p, "state", pin->state, sizeof(pin->state)) ||
	    !take(&p, "age_ms", v[6], sizeof(v[6])))
		return false;
	if (sscanf(v[1], "%x:%x", &pin->major, &pin->minor) != 2 ||
	    sscanf(v[3], "%lu-%lu", &pin->pgoff_first, &pin->pgoff_last) != 2)
		return false;
	pin->id = strtoull(v[0], NULL, 10);
	pin->ino = strtoull(v[2], NULL, 10);
	pin->pages = strtoul(v[4], NULL, 10);
	pin->write = atoi(v[5]);
	pin->age_ms = strtoull(v[6], NULL, 10);
	unescape(pin->owner);
	unescape(pin->file);
	return true;
}

static void read_comm(int pid, char *comm, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f || !fgets(comm, size, f))
		snprintf(comm, size, "?");
	else
		comm[strcspn(comm, "\n")] = '\0';
	if (f)
		fclose(f);
}

/*
 * Add the pins of process @pid that match @dev/@ino (if @match_file).
 * Returns 0, or -errno if its file cannot be read, or -EPROTO for a line
 * lspins does not understand.
 */
static int read_pid(int pid, bool match_file, dev_t dev, ino_t ino)
{
	char path[64], line[2 * PATH_MAX + 512], comm[64];
	struct pin pin;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/file_pins", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	read_comm(pid, comm, sizeof(comm));
	while (fgets(line, sizeof(line), f)) {
		memset(&pin, 0, sizeof(pin));
		if (!parse_line(line, &pin)) {
			ret = -EPROTO;
			break;
		}
		if (match_file && (makedev(pin.major, pin.minor) != dev ||
				   pin.ino != ino))
			continue;
		pin.pid = pid;
		snprintf(pin.command, sizeof(pin.command), "%s", comm);
		if (nr_pins == max_pins) {
			max_pins = max_pins ? 2 * max_pins : 64;
			pins = realloc(pins, max_pins * sizeof(*pins));
			if (!pins) {
				ret = -ENOMEM;
				break;
			}
		}
		pins[nr_pins++] = pin;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	fclose(f);
	return ret;
}

/* By file (device, inode), then process, then id. */
static int cmp_pin(const void *a, const void *b)
{
	const struct pin *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static bool same_file(const struct pin *a, const struct pin *b)
{
	return a->major == b->major && a->minor == b->minor &&
	       a->ino == b->ino;
}

static void print_table(void)
{
	unsigned long total = 0;
	unsigned int n = 0;
	size_t i;

	printf("%-16s %7s %-32s %-32s %8s %-7s %s\n", "COMMAND", "PID",
	       "OWNER", "PATH", "PAGES", "LEASE", "STATE");
	for (i = 0; i < nr_pins; i++) {
		struct pin *p = &pins[i];

		printf("%-16s %7d %-32s %-32s %8lu %-7s %s\n", p->command,
		       p->pid, p->owner, p->file, p->pages, p->lease, p->state);
		total += p->pages;
		n++;
		if (i + 1 == nr_pins || !same_file(p, &pins[i + 1])) {
			printf("%-16s %7s %-32s %-32s %8lu (%u pin%s)\n", "",
			       "", "", p->file, total, n, n == 1 ? "" : "s");
			total = 0;
			n = 0;
		}
	}
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(void)
{
	size_t i;

	printf("{\"pins\": [");
	for (i = 0; i < nr_pins; i++) {
		struct pin *p = &pins[i];

		printf("%s\n  {\"command\": ", i ? "," : "");
		json_string(p->command);
		printf(", \"pid\": %d, \"id\": %llu, \"owner\": ", p->pid, p->id);
		json_string(p->owner);
		printf(", \"path\": ");
		json_string(p->file);
		printf(", \"dev\": \"%02x:%02x\", \"ino\": %llu, \"pgoff\": [%lu, %lu]",
		       p->major, p->minor, p->ino, p->pgoff_first, p->pgoff_last);
		printf(", \"pages\": %lu, \"write\": %s, \"lease\": ", p->pages,
		       p->write ? "true" : "false");
		json_string(p->lease);
		printf(", \"state\": ");
		json_string(p->state);
		printf(", \"age_ms\": %llu}", p->age_ms);
	}
	printf("%s]}\n", nr_pins ? "\n" : "");
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "pid", required_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool json = false, match_file = false;
	struct stat st = { 0 };
	struct dirent *de;
	int opt, pid = 0, ret;
	DIR *proc;

	while ((opt = getopt_long(argc, argv, "Jp:f:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'J':
			json = true;
			break;
		case 'p':
			if (!all_digits(optarg) || atoi(optarg) <= 0) {
				fprintf(stderr, "%s: bad process ID: '%s'\n",
					prog, optarg);
				return 2;
			}
			pid = atoi(optarg);
			break;
		case 'f':
			if (stat(optarg, &st)) {
				fprintf(stderr, "%s: cannot stat '%s': %s\n",
					prog, optarg, strerror(errno));
				return 2;
			}
			match_file = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[optind]);
		usage(stderr);
		return 2;
	}

	/*
	 * Every process has the file on a kernel with vaddr_pin: without it,
	 * an empty table would read as "nothing is pinned".
	 */
	if (access("/proc/self/file_pins", F_OK)) {
		fprintf(stderr, "%s: /proc/self/file_pins: %s: this kernel does not list pins (built without CONFIG_VADDR_PIN, or /proc not mounted)\n",
			prog, strerror(errno));
		return 1;
	}

	if (pid) {
		/* Asked for: any failure to read it is an error. */
		ret = read_pid(pid, match_file, st.st_dev, st.st_ino);
		if (ret) {
			fprintf(stderr, "%s: /proc/%d/file_pins: %s\n", prog,
				pid, strerror(-ret));
			return 1;
		}
	} else {
		proc = opendir("/proc");
		if (!proc) {
			fprintf(stderr, "%s: /proc: %s\n", prog,
				strerror(errno));
			return 1;
		}
		while ((de = readdir(proc))) {
			if (!all_digits(de->d_name))
				continue;
			ret = read_pid(atoi(de->d_name), match_file,
				       st.st_dev, st.st_ino);
			/* Gone, or not ours to read: as lslocks, pass over. */
			if (ret && ret != -ENOENT && ret != -EACCES &&
			    ret != -ESRCH) {
				fprintf(stderr, "%s: /proc/%s/file_pins: %s\n",
					prog, de->d_name, strerror(-ret));
				closedir(proc);
				return 1;
			}
		}
		closedir(proc);
	}

	qsort(pins, nr_pins, sizeof(*pins), cmp_pin);
	if (json)
		print_json();
	else
		print_table();
	free(pins);
	return 0;
}
