/* Whole host files named by a layout. */
#ifndef LSBIMG_HOSTFILE_H
#define LSBIMG_HOSTFILE_H

#include <stddef.h>

/* PATH's bytes in *OUT (malloc'd, NUL-terminated) and *LEN. 0; -1 with errno; -2 when
 * REGULAR_ONLY and PATH is no regular file (opened without blocking, so a FIFO does not
 * hang). */
int hostfile_read(const char *path, int regular_only, char **out, size_t *len);
/* What a failed hostfile_read (its return RC, with errno) means, for messages. */
const char *hostfile_strerror(int rc);

#endif
