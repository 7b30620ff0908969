/* fsview over a host directory as root: openat2(RESOLVE_IN_ROOT) makes absolute symlinks
 * and ".." stop at the directory, so nothing outside the sysroot is ever read. */
#include "io/fsview_root.h"
#include "base/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

struct rootview {
	int fd;
	char *dir;
};

static int open_in(struct rootview *r, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	return (int)syscall(SYS_openat2, r->fd, *path ? path : ".", &how, sizeof(how));
}

static void fill(const struct stat *s, struct fsview_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = S_ISDIR(s->st_mode) ? NODE_DIR : S_ISREG(s->st_mode) ? NODE_REG
		 : S_ISLNK(s->st_mode) ? NODE_SYMLINK : S_ISCHR(s->st_mode) ? NODE_CHR
		 : S_ISBLK(s->st_mode) ? NODE_BLK : S_ISFIFO(s->st_mode) ? NODE_FIFO : NODE_SOCK;
	st->mode = s->st_mode & 07777;
	st->uid = s->st_uid;
	st->gid = s->st_gid;
	st->mtime = s->st_mtime;
	st->nlink = (unsigned)s->st_nlink;
	st->id = (uint64_t)s->st_ino ^ ((uint64_t)s->st_dev << 40);
	st->size = (uint64_t)s->st_size;
	st->major = major(s->st_rdev);
	st->minor = minor(s->st_rdev);
}

static int rv_stat(void *ctx, const char *path, int follow, struct fsview_stat *st)
{
	int fd = open_in(ctx, path, O_PATH | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return -1;
	struct stat s;
	int rc = fstat(fd, &s);
	int saved = errno;
	close(fd);
	errno = saved;
	if (!rc)
		fill(&s, st);
	return rc;
}

static ssize_t rv_pread(void *ctx, const char *path, void *buf, size_t len, uint64_t off)
{
	int fd = open_in(ctx, path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, len, (off_t)off);
	int saved = errno;
	close(fd);
	errno = saved;
	return n;
}

static int rv_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	int fd = open_in(ctx, path, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	ssize_t n = len ? readlinkat(fd, "", buf, len - 1) : -1;
	int saved = errno;
	close(fd);
	errno = saved;
	if (n < 0)
		return -1;
	if ((size_t)n == len - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[n] = 0;
	return 0;
}

static int rv_walk(void *ctx, int (*fn)(const char *path, const struct fsview_stat *st,
					void *arg), void *arg)
{
	struct rootview *r = ctx;
	char *const roots[] = { r->dir, NULL };
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	if (!fts)
		return -1;
	size_t skip = strcmp(r->dir, "/") ? strlen(r->dir) : 0;
	int rc = 0;
	FTSENT *e;
	while (!rc && (e = fts_read(fts))) {
		if (e->fts_info == FTS_DP)
			continue;
		if (e->fts_info == FTS_NS || e->fts_info == FTS_ERR || e->fts_info == FTS_DNR) {
			errno = e->fts_errno;
			rc = -1;
			break;
		}
		struct fsview_stat st;
		fill(e->fts_statp, &st);
		const char *p = e->fts_path + skip;
		rc = fn(*p ? p : "/", &st, arg);
	}
	fts_close(fts);
	return rc;
}

int fsview_root_open(struct fsview *v, const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct rootview *r = xmalloc(sizeof(*r));
	r->fd = fd;
	r->dir = xstrdup(dir);
	/* fts paths are DIR + "/name": image paths are what follows DIR. */
	size_t n = strlen(r->dir);
	while (n > 1 && r->dir[n - 1] == '/')
		r->dir[--n] = 0;
	v->ctx = r;
	v->stat = rv_stat;
	v->pread = rv_pread;
	v->readlink = rv_readlink;
	v->walk = rv_walk;
	v->xattrs = NULL;   /* a sysroot is read for ELF files and units only */
	return 0;
}

void fsview_root_close(struct fsview *v)
{
	struct rootview *r = v->ctx;
	close(r->fd);
	free(r->dir);
	free(r);
	v->ctx = NULL;
}
