/* SPDX-License-Identifier: GPL-2.0 */
/* The leased file that the project's timing tools pin and register. */
#ifndef __VADDR_PIN_LEASED_FILE_H
#define __VADDR_PIN_LEASED_FILE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef F_LAYOUT
#define F_LAYOUT	16
#endif

/*
 * Make @path a file of @len bytes, map it shared and take a layout lease
 * through it; its fd goes to *@fdp unless that is NULL.  With @fill 0 to
 * 255 the file is written whole with that byte, in one write() as an
 * application would (so that the filesystem allocates its blocks, and
 * sizes its folios, as for one), and synced; DAX maps a hole to the zero
 * page.  With -1 the file is a hole.  Exits with a message on failure.
 */
static inline void *map_leased_file(const char *path, size_t len, int fill,
				    int *fdp)
{
	void *map, *buf;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		goto fail;
	if (fill < 0) {
		if (ftruncate(fd, len))
			goto fail;
	} else {
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			goto fail;
		memset(buf, fill, len);
		if (write(fd, buf, len) != (ssize_t)len || fsync(fd))
			goto fail;
		munmap(buf, len);
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT))
		goto fail;
	if (fdp)
		*fdp = fd;
	return map;
fail:
	perror(path);
	exit(1);
}

#endif /* __VADDR_PIN_LEASED_FILE_H */
