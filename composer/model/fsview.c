/* What every fsview offers on top of its operations. */
#include "model/fsview.h"
#include "base/diag.h"

#include <errno.h>
#include <stdlib.h>

int fsview_read_all(struct fsview *v, const char *path, uint64_t max, char **buf, size_t *len)
{
	struct fsview_stat st;
	if (v->stat(v->ctx, path, 1, &st))
		return -1;
	if (st.type != NODE_REG || st.size > max) {
		errno = st.type != NODE_REG ? EINVAL : EFBIG;
		return -1;
	}
	*buf = xmalloc((size_t)st.size + 1);
	size_t got = 0;
	while (got < st.size) {
		ssize_t r = v->pread(v->ctx, path, *buf + got, (size_t)st.size - got, got);
		if (r <= 0) {
			free(*buf);
			*buf = NULL;
			if (!r)
				errno = EIO;
			return -1;
		}
		got += (size_t)r;
	}
	(*buf)[got] = 0;
	*len = got;
	return 0;
}
