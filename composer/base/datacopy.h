/* Copying file data between descriptors without filling holes. */
#ifndef LSBIMG_DATACOPY_H
#define LSBIMG_DATACOPY_H

#include <stddef.h>
#include <stdint.h>

/* Call FN for each data segment [start, end) of FD within [off, off + len), found with
 * SEEK_DATA/SEEK_HOLE (the whole range when the file system cannot tell). Offsets are
 * relative to OFF. */
int data_segments(int fd, uint64_t off, uint64_t len,
		  int (*fn)(uint64_t start, uint64_t end, void *arg), void *arg);

/* Which side a copy failed on, so a message names the right file (a full disk is the
 * output's problem, not the source's). errno says why. */
enum { COPY_EREAD = -1, COPY_EWRITE = -2 };

/* Copy LEN bytes from IN at IN_OFF to OUT at OUT_OFF: copy_file_range where the kernel
 * offers it, read/write otherwise. 0, or COPY_EREAD/COPY_EWRITE with errno; a short
 * source is COPY_EREAD with EIO. */
int copy_bytes(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len);

/* Write all LEN bytes of BUF to FD at OFF (retrying short writes and EINTR). 0, or -1
 * with errno. */
int write_at(int fd, const void *buf, size_t len, uint64_t off);

/* Copy all of IN to OUT keeping holes, and size OUT to match. 0, COPY_EREAD or
 * COPY_EWRITE. */
int copy_sparse(int in, int out);

#endif
