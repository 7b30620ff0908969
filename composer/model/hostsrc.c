/* Host sources. Subdirectory descriptors are cached (a tree has more directories than a
 * process may hold open): a write walks the image tree, whose directories follow the
 * host's, so the few most recent ones are nearly always the ones needed. */
#include "model/hostsrc.h"
#include "base/diag.h"
#include "base/inputs.h"
#include "model/tree.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CACHE 64

struct hostsrc {
	struct hostdir **roots;
	size_t nroots;
	struct hostdir *cache[CACHE];   /* subdirectories with an open fd */
	size_t ncache;
};

static void hostsrc_release(void *hs)
{
	hostsrc_free(hs);
}

/* The tree's state, made on first use and freed with the tree. */
static struct hostsrc *state(struct tree *t)
{
	void **slot = tree_attach(t, hostsrc_release);
	if (!*slot)
		*slot = xcalloc(1, sizeof(struct hostsrc));
	return *slot;
}

void hostsrc_free(struct hostsrc *hs)
{
	if (!hs)
		return;
	for (size_t i = 0; i < hs->nroots; i++)
		close(hs->roots[i]->fd);
	for (size_t i = 0; i < hs->ncache; i++)
		close(hs->cache[i]->fd);
	free(hs->roots);
	free(hs);
}

/* NAME under DFD without following any symlink, and without leaving DFD by "..":
 * openat2 where the kernel has it; before 5.6, O_NOFOLLOW covers the last component and
 * the device/inode check the rest. */
static int open_beneath(int dfd, const char *name, int flags)
{
	static int no_openat2;
	flags |= O_NOFOLLOW | O_CLOEXEC;
	if (!no_openat2) {
		struct open_how how = {
			.flags = (uint64_t)flags,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		long fd = syscall(SYS_openat2, dfd, name, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
		no_openat2 = 1;
	}
	return openat(dfd, name, flags);
}

/* NAME under D as D says: following symlinks or not. */
static int open_under(struct hostdir *d, const char *name, int flags)
{
	int dfd = hostdir_fd(d);
	if (dfd < 0) {
		errno = 0;   /* reported */
		return -1;
	}
	return d->follow ? openat(dfd, name, flags | O_CLOEXEC) : open_beneath(dfd, name, flags);
}

struct hostdir *hostdir_root(struct tree *t, const char *path, int follow, struct stat *st)
{
	struct hostsrc *hs = state(t);
	struct stat sb;
	for (size_t i = 0; i < hs->nroots; i++) {
		struct hostdir *d = hs->roots[i];
		if (d->follow == !!follow && !strcmp(d->name, path)) {
			if (st && fstat(d->fd, st))
				return NULL;
			return d;
		}
	}
	/* O_NONBLOCK: a FIFO named as a directory must not block the open. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	int err = fstat(fd, &sb) ? errno : !S_ISDIR(sb.st_mode) ? ENOTDIR : 0;
	if (err) {
		close(fd);
		errno = err;
		return NULL;
	}
	struct hostdir *d = tree_alloc(t, sizeof(*d));
	d->name = tree_strdup(t, path);
	d->dev = sb.st_dev;
	d->ino = sb.st_ino;
	d->fd = fd;
	d->follow = !!follow;
	d->hs = hs;
	inputs_note(path, &sb, 1);
	hs->roots = xrealloc(hs->roots, (hs->nroots + 1) * sizeof(*hs->roots));
	hs->roots[hs->nroots++] = d;
	if (st)
		*st = sb;
	return d;
}

struct hostdir *hostdir_sub(struct tree *t, struct hostdir *parent, const char *name,
			    const struct stat *st)
{
	struct hostdir *d = tree_alloc(t, sizeof(*d));
	d->parent = parent;
	d->name = name;
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	d->fd = -1;
	d->hs = parent->hs;
	char *path = hostdir_path(d);
	inputs_note(path, st, 0);
	free(path);
	return d;
}

char *hostdir_path(const struct hostdir *d)
{
	if (!d->parent)
		return xstrdup(d->name);
	char *p = hostdir_path(d->parent);
	char *s = xasprintf("%s/%s", p, d->name);
	free(p);
	return s;
}

static void dir_error(const struct hostdir *d, const char *what)
{
	char *path = hostdir_path(d);
	diag_error("%s: %s", path, what);
	free(path);
}

int hostdir_fd(struct hostdir *d)
{
	if (d->fd >= 0)
		return d->fd;
	int pfd = hostdir_fd(d->parent);
	if (pfd < 0)
		return -1;
	int fd = open_beneath(pfd, d->name, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		dir_error(d, errno == ELOOP || errno == ENOTDIR
				     ? "no longer a directory (replaced since it was scanned)"
				     : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_dev != d->dev || st.st_ino != d->ino) {
		dir_error(d, "replaced by another directory since it was scanned");
		close(fd);
		return -1;
	}
	struct hostsrc *hs = d->hs;
	if (hs->ncache == CACHE) {
		for (size_t i = 0; i < hs->ncache; i++) {
			close(hs->cache[i]->fd);
			hs->cache[i]->fd = -1;
		}
		hs->ncache = 0;
	}
	hs->cache[hs->ncache++] = d;
	d->fd = fd;
	return fd;
}

int host_stat(struct hostdir *d, const char *name, struct stat *st)
{
	if (!d)
		return stat(name, st);
	if (d->follow) {
		int dfd = hostdir_fd(d);
		return dfd < 0 ? -1 : fstatat(dfd, name, st, 0);
	}
	int fd = open_under(d, name, O_PATH);
	if (fd < 0)
		return -1;
	int rc = fstat(fd, st);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* A device number in 32 bits: the kernel's own dev_t has 12 bits of major and 20 of minor,
 * so nothing stat reports is lost. */
static uint32_t pack_dev(dev_t dev)
{
	return (uint32_t)(major(dev) << 20 | (minor(dev) & 0xfffff));
}

void node_set_host(struct node *n, struct hostdir *d, const char *name, const struct stat *st)
{
	n->u.reg.size = (uint64_t)st->st_size;
	n->src = st->st_size ? SRC_HOST : SRC_EMPTY;
	n->u.reg.dir = d;
	n->u.reg.name = name;
	n->host_dev = pack_dev(st->st_dev);
	n->u.reg.ino = st->st_ino;
	char *dir = d ? hostdir_path(d) : NULL;
	char *path = dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
	inputs_note(path, st, !d || d->follow);
	free(path);
	free(dir);
}

static const char *type_word(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return "a directory";
	case S_IFLNK: return "a symlink";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFIFO: return "a fifo";
	case S_IFSOCK: return "a socket";
	}
	return "something else";
}

__attribute__((format(printf, 2, 3)))
static void source_error(const struct node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *path = node_host_path(n);
	diag_error_at(n->origin, 0, "%s: %s", path, msg);
	free(path);
	free(msg);
}

int node_host_open(const struct node *n, struct stat *stp)
{
	/* O_NONBLOCK: a FIFO put in the file's place must not block the open; O_NOCTTY:
	 * nor may a terminal become ours. */
	const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
	struct hostdir *d = n->u.reg.dir;
	errno = 0;
	int fd = d ? open_under(d, n->u.reg.name, flags)
		   : open(n->u.reg.name, flags | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		if (errno == ELOOP)
			source_error(n, "replaced by a symlink since it was scanned; not read");
		else if (errno)
			source_error(n, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		source_error(n, "replaced by %s since it was scanned; not read",
			     type_word(st.st_mode));
	else if (pack_dev(st.st_dev) != n->host_dev || st.st_ino != n->u.reg.ino)
		source_error(n, "replaced by another file since it was scanned; not read");
	else if ((uint64_t)st.st_size != n->u.reg.size)
		source_error(n, "changed size since it was scanned (%llu bytes, now %llu)",
			     (unsigned long long)n->u.reg.size, (unsigned long long)st.st_size);
	else {
		if (stp)
			*stp = st;
		return fd;
	}
	close(fd);
	return -1;
}

char *node_host_path(const struct node *n)
{
	if (!n->u.reg.dir)
		return xstrdup(n->u.reg.name);
	char *dir = hostdir_path(n->u.reg.dir);
	char *path = xasprintf("%s/%s", dir, n->u.reg.name);
	free(dir);
	return path;
}

ssize_t node_pread(const struct node *n, void *buf, size_t len, uint64_t off)
{
	if (off >= n->u.reg.size)
		return 0;
	if (len > n->u.reg.size - off)
		len = (size_t)(n->u.reg.size - off);
	switch (n->src) {
	case SRC_EMPTY:
		return 0;
	case SRC_MEM:
		memcpy(buf, n->u.reg.mem + off, len);
		return (ssize_t)len;
	case SRC_FD:
		return pread(n->u.reg.fd, buf, len, (off_t)(n->u.reg.off + off));
	case SRC_HOST: {
		int fd = node_host_open(n, NULL);
		if (fd < 0) {
			errno = EIO;   /* reported */
			return -1;
		}
		ssize_t r = pread(fd, buf, len, (off_t)off);
		int saved = errno;
		close(fd);
		errno = saved;
		return r;
	}
	}
	errno = EINVAL;
	return -1;
}
