/* Writing an image's files (any fsview) as a tar or cpio archive through libarchive,
 * reproducibly: fixed order, numbered inodes, no host times, owners' names or gzip
 * timestamps. */
#ifndef LSBIMG_ARCHIVE_OUT_H
#define LSBIMG_ARCHIVE_OUT_H

#include "model/fsview.h"

#include <stddef.h>

enum archive_out_format {
	ARCHIVE_OUT_TAR,      /* POSIX pax (ustar headers, pax records only when needed) */
	ARCHIVE_OUT_TAR_GZ,
	ARCHIVE_OUT_CPIO,     /* SVR4 newc, as the kernel's initramfs reader wants */
	ARCHIVE_OUT_CPIO_GZ,
};

/* The format a file name asks for: .tar, .tar.gz/.tgz, .cpio, .cpio.gz. 0, or -1 when
 * the name has none of these endings. */
int archive_out_format_for(const char *name, enum archive_out_format *fmt);

/* Write V to the file OUT, created through a temporary file renamed on success: all of it,
 * or only SUBTREE when that is not NULL or "" (an image directory without a trailing '/',
 * checked by the caller). Members are named "." and "./path" relative to the top, in V's
 * walk order. All-zero 4 KiB blocks of regular files become holes in tar (GNU sparse 1.0
 * pax records), so sparse files stay sparse. Returns 0, or -1 after reporting. */
int archive_write_view(struct fsview *v, const char *subtree, const char *out,
		       enum archive_out_format fmt);
/* The same into FD, an open file (the caller makes it atomic); messages name OUT. */
int archive_write_fd(struct fsview *v, const char *subtree, int fd, const char *out,
		     enum archive_out_format fmt);

/* Holes are found in blocks of this size ... */
#define HOLE_BLOCK 4096u
/* ... whose LEN bytes at P are all zero. */
int zero_block(const char *p, size_t len);

#endif
