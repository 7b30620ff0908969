/* What every fsview offers on top of its operations. */
#include "model/fsview.h"
#include "base/diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINKS 40

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

char *fsview_realpath(struct fsview *v, const char *path, struct fsview_stat *st,
		      fsview_link_fn on_link, void *arg, char **at)
{
	char *pending = xstrdup(path), *done = xstrdup("");  /* done: resolved, link-free */
	const char *rest = pending;
	int links = 0;
	struct fsview_stat cur_st;
	if (v->stat(v->ctx, "/", 0, &cur_st))
		goto fail;
	for (;;) {
		rest += strspn(rest, "/");
		size_t n = strcspn(rest, "/");
		if (!n)
			break;
		if (n <= 2 && !strncmp(rest, "..", n)) {   /* "." stays, ".." goes up */
			char *slash = strrchr(done, '/');
			if (n == 2 && slash)
				*slash = 0;
			rest += n;
			if (v->stat(v->ctx, *done ? done : "/", 0, &cur_st))
				goto fail;
			continue;
		}
		char *cur = xasprintf("%s/%.*s", done, (int)n, rest);
		rest += n;
		char target[4096];
		if (v->stat(v->ctx, cur, 0, &cur_st)) {
			if (at)
				*at = cur;
			else
				free(cur);
			goto fail;
		}
		if (cur_st.type == NODE_SYMLINK) {
			if (++links > MAX_LINKS || v->readlink(v->ctx, cur, target, sizeof(target))) {
				if (links > MAX_LINKS)
					errno = ELOOP;
				if (at)
					*at = cur;
				else
					free(cur);
				goto fail;
			}
			if (on_link && on_link(cur, target, arg)) {
				free(cur);
				goto fail;
			}
			free(cur);
			/* The rest of the path now starts at the link's directory (DONE), or at
			 * the root for an absolute target. */
			char *next = xasprintf("%s%s", target, rest);
			if (target[0] == '/')
				done[0] = 0;
			free(pending);
			rest = pending = next;
			continue;
		}
		free(done);
		done = cur;
	}
	free(pending);
	if (st)
		*st = cur_st;
	if (!*done) {
		free(done);
		return xstrdup("/");
	}
	return done;
fail:
	free(pending);
	free(done);
	return NULL;
}
