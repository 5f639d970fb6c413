/* SPDX-License-Identifier: GPL-2.0 */
/* "Does it all hold this byte?", for the tools and the selftests. */
#ifndef __VADDR_PIN_BYTES_H
#define __VADDR_PIN_BYTES_H

#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* Does every byte of [@p, @p + @len) hold @byte? */
static inline bool bytes_are(const void *p, size_t len, int byte)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != (unsigned char)byte)
			return false;
	return true;
}

/* The same of [@off, @off + @len) of @fd, read with pread(). */
static inline bool file_bytes_are(int fd, off_t off, size_t len, int byte)
{
	void *buf = malloc(len);
	bool ok = buf && pread(fd, buf, len, off) == (ssize_t)len &&
		  bytes_are(buf, len, byte);

	free(buf);
	return ok;
}

#endif /* __VADDR_PIN_BYTES_H */
