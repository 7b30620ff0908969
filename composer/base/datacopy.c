/* Data copying that keeps holes and lets the kernel move the bytes. */
#include "base/datacopy.h"
#include "base/diag.h"
#include "base/progress.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 20)
/* copy_file_range moves at most this much per call, so progress shows inside big files. */
#define KERNEL_CHUNK (16u << 20)

int data_segments(int fd, uint64_t off, uint64_t len,
		  int (*fn)(uint64_t start, uint64_t end, void *arg), void *arg)
{
	uint64_t end = off + len, pos = off;
	while (pos < end) {
		off_t d = lseek(fd, (off_t)pos, SEEK_DATA);
		if (d < 0) {
			if (errno == ENXIO)
				return 0;           /* only a hole remains */
			if (errno == EINVAL || errno == EOPNOTSUPP)
				return fn(pos - off, len, arg);
			return -1;
		}
		if ((uint64_t)d >= end)
			return 0;
		off_t h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			return -1;
		uint64_t e = (uint64_t)h < end ? (uint64_t)h : end;
		int rc = fn((uint64_t)d - off, e - off, arg);
		if (rc)
			return rc;
		pos = e;
	}
	return 0;
}

static int copy_rw(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len)
{
	char *buf = xmalloc(CHUNK);
	while (len) {
		size_t want = len < CHUNK ? (size_t)len : CHUNK;
		ssize_t r = pread(in, buf, want, (off_t)in_off);
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			free(buf);
			return COPY_EREAD;
		}
		for (ssize_t done = 0; done < r;) {
			ssize_t w = pwrite(out, buf + done, (size_t)(r - done),
					   (off_t)(out_off + (uint64_t)done));
			if (w < 0) {
				free(buf);
				return COPY_EWRITE;
			}
			done += w;
		}
		in_off += (uint64_t)r;
		out_off += (uint64_t)r;
		len -= (uint64_t)r;
		progress_add(0, (uint64_t)r);
	}
	free(buf);
	return 0;
}

int copy_bytes(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len)
{
	while (len) {
		loff_t io = (loff_t)in_off, oo = (loff_t)out_off;
		ssize_t r = copy_file_range(in, &io, out, &oo, len < KERNEL_CHUNK ? len : KERNEL_CHUNK, 0);
		/* An error does not say which side failed: read/write finds out (and copies
		 * where copy_file_range cannot, across file systems or on old kernels). */
		if (r < 0)
			return copy_rw(in, in_off, out, out_off, len);
		if (r == 0) {
			errno = EIO;   /* the source ended early: it changed under us */
			return COPY_EREAD;
		}
		in_off += (uint64_t)r;
		out_off += (uint64_t)r;
		len -= (uint64_t)r;
		progress_add(0, (uint64_t)r);
	}
	return 0;
}

struct sparse_arg {
	int in, out;
};

static int copy_segment(uint64_t start, uint64_t end, void *arg)
{
	struct sparse_arg *a = arg;
	return copy_bytes(a->in, start, a->out, start, end - start);
}

int copy_sparse(int in, int out)
{
	struct stat st;
	if (fstat(in, &st))
		return COPY_EREAD;
	if (ftruncate(out, st.st_size))
		return COPY_EWRITE;
	struct sparse_arg a = { in, out };
	return data_segments(in, 0, (uint64_t)st.st_size, copy_segment, &a);
}
