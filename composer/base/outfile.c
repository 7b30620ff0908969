/* Atomic outputs. Putting several in place is a sequence of renameat2(RENAME_EXCHANGE):
 * until the last one succeeded, each previous file still exists under the temporary name
 * and is exchanged back on failure; only then are the previous files removed. */
#include "base/outfile.h"
#include "base/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdirs(const char *dir)
{
	struct stat st;
	if (!stat(dir, &st))
		return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
	char *copy = xstrdup(dir);
	char *parent = dirname(copy);
	int rc = strcmp(parent, dir) ? mkdirs(parent) : 0;
	free(copy);
	if (rc)
		return -1;
	return mkdir(dir, 0777) && errno != EEXIST ? -1 : 0;
}

int outfile_open(struct outfile *o, const char *path)
{
	struct stat st;
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->t.fd = -1;
	/* The rename would put a regular file in place of a device, FIFO or directory (or
	 * of a link to one, such as /dev/stdout): `compose -o /dev/null` replaced the host's
	 * /dev/null. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		diag_error("%s exists and is not a regular file; not replacing it", path);
		return -1;
	}
	char *copy = xstrdup(path);
	char *dir = xstrdup(dirname(copy));
	free(copy);
	if (mkdirs(dir)) {
		diag_error("cannot create directory %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	if (temp_create(&o->t, path, 0))
		return -1;
	o->path = xstrdup(path);
	o->tmp = o->t.path;
	o->fd = o->t.fd;
	return 0;
}

int outfile_finish(struct outfile *o)
{
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) || fsync(o->fd)) {
		diag_error("%s: %s", o->path, strerror(errno));
		return -1;
	}
	o->finished = 1;
	return 0;
}

/* Put O in place: exchanged with its previous file, or renamed where there is none. */
static int place(struct outfile *o)
{
	for (int tries = 0; tries < 3; tries++) {
		if (!renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_EXCHANGE)) {
			o->swapped = 1;
			return 0;
		}
		if (errno == ENOENT) {
			if (!renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE)) {
				o->placed = 1;
				return 0;
			}
			if (errno == EEXIST)
				continue;   /* someone else made it meanwhile: exchange after all */
		}
		if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -1;
		/* A file system that cannot exchange: a plain rename, not undoable. */
		if (rename(o->tmp, o->path))
			return -1;
		return 0;
	}
	errno = EEXIST;
	return -1;
}

/* Undo place(): the previous file back under its name (or no file, as before). */
static void unplace(struct outfile *o)
{
	if (o->swapped && renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_EXCHANGE)) {
		diag_error("cannot restore %s: %s; the previous file is %s", o->path,
			   strerror(errno), o->tmp);
		temp_keep(&o->t);   /* it holds the previous file now: never remove it */
		o->tmp = NULL;
	}
	o->swapped = 0;
	if (o->placed && !unlink(o->path))
		o->placed = 0;
}

static void sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0 || fsync(fd))
		diag_warn("could not sync the directory of %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void release(struct outfile *o)
{
	free(o->path);
	o->path = NULL;
	o->tmp = NULL;
	o->fd = -1;
}

int outfile_commit_all(struct outfile *const *o, size_t n)
{
	size_t done = 0;
	int rc = 0;
	temp_hold_signals(1);   /* all or none, not cut in two by a signal */
	for (; done < n && rc == 0; done++) {
		if (!o[done]->finished) {
			rc = -1;
			break;
		}
		if (place(o[done])) {
			diag_error("cannot rename %s to %s: %s", o[done]->tmp, o[done]->path,
				   strerror(errno));
			rc = -1;
			break;
		}
	}
	if (rc) {
		while (done-- > 0)
			unplace(o[done]);
		temp_hold_signals(0);
		for (size_t i = 0; i < n; i++)
			outfile_abort(o[i]);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		/* The previous file, now under the temporary name, goes; so does the lock. */
		if (o[i]->swapped)
			unlink(o[i]->tmp);
		temp_keep(&o[i]->t);
		temp_remove(&o[i]->t);
	}
	temp_hold_signals(0);
	for (size_t i = 0; i < n; i++) {
		sync_dir(o[i]->path);
		release(o[i]);
	}
	return 0;
}

int outfile_commit(struct outfile *o)
{
	if (outfile_finish(o)) {
		outfile_abort(o);
		return -1;
	}
	struct outfile *one[] = { o };
	return outfile_commit_all(one, 1);
}

void outfile_abort(struct outfile *o)
{
	temp_remove(&o->t);
	release(o);
}
