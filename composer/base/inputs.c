/* The inputs a run read: notes with a digest in a growing array, sorted and deduplicated
 * when listed; the others as fixed records plus path bytes in an unlinked spool file (in
 * the array too when no temporary file can be made). */
#include "base/inputs.h"
#include "base/diag.h"
#include "base/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One spooled note; the path's LEN bytes follow. */
struct rec {
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	uint32_t mode, uid, gid, len, follow;
};

static struct {
	struct input *v;
	size_t n, cap;
	size_t sorted;   /* v[0..sorted) is sorted and unique */
	FILE *spool;
	int no_spool;    /* no temporary file could be made: every note is in memory */
	int spool_err;   /* errno of the first spool write failure: the notes are incomplete */
} in;

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char *cwd = getcwd(NULL, 0);
	char *p = xasprintf("%s/%s", cwd ? cwd : ".", path[0] == '.' && path[1] == '/' ?
			    path + 2 : path);
	free(cwd);
	return p;
}

/* The spool, created on first use in $TMPDIR (else /tmp) with no name, so nothing is
 * left behind whatever ends the run. */
static FILE *notes_file(void)
{
	if (in.spool || in.no_spool)
		return in.spool;
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* A file system without O_TMPFILE: a named file, unlinked at once. */
		char *name = xasprintf("%s/.inputs.lsbimg.XXXXXX", dir);
		fd = mkstemp(name);
		if (fd >= 0)
			unlink(name);
		free(name);
	}
	if (fd < 0 || !(in.spool = fdopen(fd, "w+"))) {
		in.no_spool = 1;
		if (fd >= 0)
			close(fd);
	}
	return in.spool;
}

static struct input *add(const char *path, const struct stat *st, int follow)
{
	if (in.n == in.cap)
		in.v = xrealloc(in.v, (in.cap = in.cap ? in.cap * 2 : 256) * sizeof(*in.v));
	struct input *i = &in.v[in.n++];
	memset(i, 0, sizeof(*i));
	i->path = absolute(path);
	i->st = *st;
	i->follow = follow;
	return i;
}

static void spool_note(const char *path, const struct stat *st, int follow)
{
	FILE *f = notes_file();
	if (!f) {
		/* No temporary file to be had: in memory, at the memory's cost. */
		add(path, st, follow);
		return;
	}
	char *abs = absolute(path);
	struct rec r;
	memset(&r, 0, sizeof(r));   /* its tail padding goes to the file too */
	r.dev = st->st_dev;
	r.ino = st->st_ino;
	r.size = (uint64_t)st->st_size;
	r.mtime_s = st->st_mtim.tv_sec;
	r.mtime_ns = st->st_mtim.tv_nsec;
	r.ctime_s = st->st_ctim.tv_sec;
	r.ctime_ns = st->st_ctim.tv_nsec;
	r.mode = st->st_mode;
	r.uid = st->st_uid;
	r.gid = st->st_gid;
	r.len = (uint32_t)strlen(abs);
	r.follow = (uint32_t)!!follow;
	if (fwrite(&r, sizeof(r), 1, f) != 1 || fwrite(abs, 1, r.len, f) != r.len)
		in.spool_err = errno ? errno : EIO;
	free(abs);
}

void inputs_note(const char *path, const struct stat *st, int follow)
{
	spool_note(path, st, follow);
}

void inputs_note_data(const char *path, const struct stat *st, const void *data, size_t len)
{
	struct input *i = add(path, st, 1);
	sha256_hex(data, len, i->sha);
	i->hashed = 1;
}

void inputs_note_digest(const char *path, const struct stat *st, const char sha[65])
{
	struct input *i = add(path, st, 1);
	memcpy(i->sha, sha, sizeof(i->sha));
	i->hashed = 1;
}

void inputs_note_path(const char *path, int follow)
{
	struct stat st;
	if (!(follow ? stat(path, &st) : lstat(path, &st)))
		spool_note(path, &st, follow);
}

static int cmp_path(const void *a, const void *b)
{
	const struct input *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : x->follow - y->follow;
}

static void sort_hashed(void)
{
	if (in.sorted == in.n)
		return;
	qsort(in.v, in.n, sizeof(*in.v), cmp_path);
	size_t k = 0;
	for (size_t i = 0; i < in.n; i++) {
		if (k && !cmp_path(&in.v[k - 1], &in.v[i])) {
			/* A file read whole keeps its digest whichever note came first. */
			if (in.v[i].hashed && !in.v[k - 1].hashed) {
				memcpy(in.v[k - 1].sha, in.v[i].sha, sizeof(in.v[i].sha));
				in.v[k - 1].hashed = 1;
			}
			free(in.v[i].path);
			continue;
		}
		in.v[k++] = in.v[i];
	}
	in.n = in.sorted = k;
}

/* Replay the spool through FN; the spool is left positioned for further notes. */
static int each_spooled(int (*fn)(const struct input *, void *), void *arg)
{
	FILE *f = in.spool;
	if (!f)
		return 0;
	if (fflush(f) || fseeko(f, 0, SEEK_SET)) {
		in.spool_err = errno;
		return 0;
	}
	struct rec r;
	struct input i = { .path = NULL };
	size_t cap = 0;
	int rc = 0;
	while (!rc && fread(&r, sizeof(r), 1, f) == 1) {
		if (r.len + 1 > cap)
			i.path = xrealloc(i.path, cap = r.len + 1);
		if (fread(i.path, 1, r.len, f) != r.len) {
			in.spool_err = ferror(f) ? errno : EIO;
			break;
		}
		i.path[r.len] = 0;
		memset(&i.st, 0, sizeof(i.st));
		i.st.st_dev = (dev_t)r.dev;
		i.st.st_ino = (ino_t)r.ino;
		i.st.st_size = (off_t)r.size;
		i.st.st_mtim = (struct timespec){ (time_t)r.mtime_s, (long)r.mtime_ns };
		i.st.st_ctim = (struct timespec){ (time_t)r.ctime_s, (long)r.ctime_ns };
		i.st.st_mode = r.mode;
		i.st.st_uid = r.uid;
		i.st.st_gid = r.gid;
		i.follow = (int)r.follow;
		rc = fn(&i, arg);
	}
	if (!rc && ferror(f))
		in.spool_err = errno ? errno : EIO;
	free(i.path);
	if (fseeko(f, 0, SEEK_END))
		in.spool_err = errno;
	return rc;
}

int inputs_each(int (*fn)(const struct input *in, void *arg), void *arg)
{
	sort_hashed();
	int rc = 0;
	for (size_t i = 0; !rc && i < in.n; i++)
		rc = fn(&in.v[i], arg);
	if (!rc)
		rc = each_spooled(fn, arg);
	if (!rc && in.spool_err) {
		diag_error("cannot keep the list of files read: %s", strerror(in.spool_err));
		return -1;
	}
	return rc;
}

off_t inputs_mark(void)
{
	return in.spool ? ftello(in.spool) : 0;
}

void inputs_undo(off_t mark)
{
	if (in.spool && (fflush(in.spool) || ftruncate(fileno(in.spool), mark) ||
			 fseeko(in.spool, mark, SEEK_SET)))
		in.spool_err = errno;
}

void inputs_reset(void)
{
	for (size_t i = 0; i < in.n; i++)
		free(in.v[i].path);
	free(in.v);
	if (in.spool)
		fclose(in.spool);
	memset(&in, 0, sizeof(in));
}
