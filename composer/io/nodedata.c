/* Streaming file data from any source. */
#include "io/nodedata.h"
#include "base/diag.h"
#include "base/progress.h"
#include "model/hostsrc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int source_failed(const struct node *n, const char *what)
{
	char *path = n->src == SRC_HOST ? node_host_path(n) : NULL;
	diag_error_at(n->origin, 0, "%s: %s", path ? path : n->src == SRC_FD ?
		      "(archive data)" : "(inline data)", what);
	free(path);
	return -1;
}

int node_stream(const struct node *n, int (*fn)(const void *buf, size_t len, void *arg),
		void *arg)
{
	uint64_t size = n->u.reg.size;
	int fd = -1, rc = 0;
	/* Opened as the scan saw it (model/hostsrc), which reports what is wrong. */
	if (n->src == SRC_HOST && (fd = node_host_open(n, NULL)) < 0)
		return -1;
	char *buf = xmalloc(NODEDATA_CHUNK);
	for (uint64_t off = 0; !rc && off < size;) {
		size_t len = size - off < NODEDATA_CHUNK ? (size_t)(size - off) : NODEDATA_CHUNK;
		ssize_t r = fd >= 0 ? pread(fd, buf, len, (off_t)off) : node_pread(n, buf, len, off);
		if (r <= 0) {
			rc = source_failed(n, r ? strerror(errno) :
					   "source ended early (changed during compose?)");
			break;
		}
		rc = fn(buf, (size_t)r, arg);
		off += (uint64_t)r;
		progress_add(0, (uint64_t)r);
	}
	free(buf);
	/* A file that grew meanwhile is not silently cut. */
	struct stat st;
	if (!rc && fd >= 0 && (fstat(fd, &st) || (uint64_t)st.st_size != size))
		rc = source_failed(n, "changed size during compose");
	if (fd >= 0)
		close(fd);
	progress_file_done(size);
	return rc;
}
