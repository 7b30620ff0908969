/* The manifest file and the depfile.
 *
 *   lsbimg-manifest 1
 *   key HEX                                   sha256 of what is not a file (pipeline.c)
 *   start NS                                  when the composing run began
 *   out DEV INO SIZE MTIME_NS PATH            the image as written
 *   stage DEV INO SIZE MTIME_NS PATH          its staged copy, if any
 *   in FOLLOW MODE UID GID DEV INO SIZE MTIME_NS CTIME_NS SUM PATH   one per input
 *   end HEX                                   sha256 of every line above
 *
 * SUM is "-" (no digest; the stat decides), "!" (changed too close to the run to be told
 * apart by its stat, and no digest: always changed), HEX (the sha256 of the bytes read of
 * a file whose content alone counts: one whose stat differs only in device, inode or
 * ctime is compared by it), "=HEX" (the same, close to the run: compared by digest
 * whatever the stat says) or "~HEX" (a file close to the run that becomes an image file,
 * hashed when the manifest was written: its whole stat must match, and its digest). Paths are absolute, with
 * '%', bytes up to ' ' and DEL written as %XX. */
#include "compose/manifest.h"
#include "base/diag.h"
#include "base/inputs.h"
#include "base/outfile.h"
#include "base/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A file whose mtime or ctime is this close to the run's start may change again without
 * its stat showing it (timestamps are as coarse as the kernel's tick). */
#define RACY_NS 1000000000LL
/* Such a file up to this size is hashed rather than composed again next time. */
#define RACY_HASH_MAX (1 << 20)

char *manifest_path(const char *output)
{
	char *a = xstrdup(output), *b = xstrdup(output);
	char *p = xasprintf("%s/.%s.manifest", dirname(a), basename(b));
	free(a);
	free(b);
	return p;
}

static int64_t ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The sha256 of host file PATH, or "" when it cannot be read. */
static void file_sha(const char *path, char out[65])
{
	out[0] = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		if (!st.st_size) {
			sha256_hex("", 0, out);
		} else {
			void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (m != MAP_FAILED) {
				sha256_hex(m, (size_t)st.st_size, out);
				munmap(m, (size_t)st.st_size);
			}
		}
	}
	close(fd);
}

/* ---- writing ---- */

/* An output written as it is made: BUF_FLUSH bytes at a time into the temporary of an
 * outfile, with the digest of everything written so far. */
#define BUF_FLUSH 65536

struct buf {
	char *p;
	size_t len, cap;
	struct outfile o;
	int err;             /* errno of the first failed write */
	struct sha256 sum;   /* of the bytes flushed */
};

static void flush(struct buf *b)
{
	sha256_update(&b->sum, b->p, b->len);
	for (size_t off = 0; !b->err && off < b->len;) {
		ssize_t w = write(b->o.fd, b->p + off, b->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			b->err = w < 0 ? errno : EIO;
		else
			off += (size_t)w;
	}
	b->len = 0;
}

static void reserve(struct buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap)
		b->p = xrealloc(b->p, b->cap = (b->len + n + 1) * 2);
}

__attribute__((format(printf, 2, 3)))
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	if (b->len >= BUF_FLUSH)
		flush(b);
}

static void put_char(struct buf *b, char c)
{
	reserve(b, 1);
	b->p[b->len++] = c;
}

/* PATH as one token: %XX for '%', controls, space and DEL. */
static void put_path(struct buf *b, const char *path)
{
	for (const unsigned char *s = (const unsigned char *)path; *s; s++)
		if (*s <= ' ' || *s == '%' || *s == 0x7f)
			put(b, "%%%02X", *s);
		else
			put_char(b, (char)*s);
	put(b, "\n");
}

static void put_file(struct buf *b, const char *tag, const struct stat *st, const char *path)
{
	put(b, "%s %ju %ju %jd %" PRId64 " ", tag, (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
	    (intmax_t)st->st_size, ns(st->st_mtim));
	put_path(b, path);
}

static int out_open(struct buf *b, const char *path)
{
	memset(b, 0, sizeof(*b));
	sha256_init(&b->sum);
	return outfile_open(&b->o, path);
}

/* Write what is left and put the file in place. 0, or -1 after reporting. */
static int out_commit(struct buf *b, const char *path)
{
	flush(b);
	free(b->p);
	if (b->err) {
		diag_error("%s: cannot write: %s", path, strerror(b->err));
		outfile_abort(&b->o);
		return -1;
	}
	if (outfile_commit(&b->o)) {
		outfile_abort(&b->o);
		return -1;
	}
	return 0;
}

static void out_abort(struct buf *b)
{
	free(b->p);
	outfile_abort(&b->o);
}

/* A small regular file changed close to the run that was not read whole: its digest now,
 * when its stat is still the one noted when it was read (else "" and it counts as
 * changed). What remains unseen is a second change within the same timestamp tick as
 * the first, between the read and now. */
static void racy_sha(const struct input *in, char out[65])
{
	struct stat st;
	out[0] = 0;
	if (!S_ISREG(in->st.st_mode) || in->st.st_size > RACY_HASH_MAX ||
	    (in->follow ? stat(in->path, &st) : lstat(in->path, &st)) ||
	    st.st_ino != in->st.st_ino || st.st_dev != in->st.st_dev ||
	    st.st_size != in->st.st_size || ns(st.st_mtim) != ns(in->st.st_mtim) ||
	    ns(st.st_ctim) != ns(in->st.st_ctim))
		return;
	file_sha(in->path, out);
}

struct put_input {
	struct buf *b;
	int64_t start_ns;
};

static int put_input(const struct input *in, void *arg)
{
	struct put_input *pi = arg;
	const struct stat *st = &in->st;
	int racy = ns(st->st_mtim) >= pi->start_ns - RACY_NS ||
		   ns(st->st_ctim) >= pi->start_ns - RACY_NS;
	char sum[67], now[65] = "";
	if (racy && !in->hashed)
		racy_sha(in, now);
	if (in->hashed)
		snprintf(sum, sizeof(sum), "%s%s", racy ? "=" : "", in->sha);
	else if (*now)
		snprintf(sum, sizeof(sum), "~%s", now);
	else
		strcpy(sum, racy ? "!" : "-");
	put(pi->b, "in %d %o %u %u %ju %ju %jd %" PRId64 " %" PRId64 " %s ", in->follow,
	    (unsigned)st->st_mode, (unsigned)st->st_uid, (unsigned)st->st_gid,
	    (uintmax_t)st->st_dev, (uintmax_t)st->st_ino, (intmax_t)st->st_size,
	    ns(st->st_mtim), ns(st->st_ctim), sum);
	put_path(pi->b, in->path);
	return 0;
}

int manifest_write(const char *output, const char key[65], int64_t start_ns,
		   const struct stat *out_st, const char *staged, const struct stat *stage_st)
{
	struct buf b;
	char *path = manifest_path(output);
	if (out_open(&b, path)) {
		free(path);
		return -1;
	}
	char *abs_out = realpath(output, NULL), *abs_stage = staged ? realpath(staged, NULL) : NULL;
	put(&b, "lsbimg-manifest 1\nkey %s\nstart %" PRId64 "\n", key, start_ns);
	put_file(&b, "out", out_st, abs_out ? abs_out : output);
	if (staged)
		put_file(&b, "stage", stage_st, abs_stage ? abs_stage : staged);
	struct put_input pi = { &b, start_ns };
	int rc = inputs_each(put_input, &pi);
	if (!rc) {
		char sha[65];
		flush(&b);
		sha256_final_hex(&b.sum, sha);
		put(&b, "end %s\n", sha);
		rc = out_commit(&b, path);
	} else {
		out_abort(&b);
	}
	free(path);
	free(abs_out);
	free(abs_stage);
	return rc;
}

/* ---- reading ---- */

/* The whole file PATH (NUL-terminated), or NULL. Not through io/hostfile: the manifest
 * is no input. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return NULL;
	char *p = NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size < (1 << 30)) {
		p = xmalloc((size_t)st.st_size + 1);
		ssize_t r = read(fd, p, (size_t)st.st_size);
		if (r != st.st_size) {
			free(p);
			p = NULL;
		} else {
			p[r] = 0;
			*len = (size_t)r;
		}
	}
	close(fd);
	return p;
}

/* Undo put_path in place; NULL when malformed. */
static char *unescape(char *s)
{
	char *o = s;
	for (char *i = s; *i; i++) {
		if (*i != '%') {
			*o++ = *i;
			continue;
		}
		unsigned v;
		if (sscanf(i + 1, "%2x", &v) != 1 || !v)
			return NULL;
		*o++ = (char)v;
		i += 2;
	}
	*o = 0;
	return s;
}

static int output_same(char *line, const char *tag, const char *want)
{
	uintmax_t dev, ino;
	intmax_t size;
	int64_t mtime;
	int off = 0;
	struct stat st;
	size_t tl = strlen(tag);
	if (strncmp(line, tag, tl) || line[tl] != ' ' ||
	    sscanf(line + tl, " %ju %ju %jd %" SCNd64 " %n", &dev, &ino, &size, &mtime, &off) != 4 ||
	    !off)
		return 0;
	char *path = unescape(line + tl + off), *abs = realpath(want, NULL);
	int same = path && abs && !strcmp(path, abs) && !lstat(abs, &st) && S_ISREG(st.st_mode) &&
		   st.st_dev == dev && st.st_ino == ino && st.st_size == size &&
		   ns(st.st_mtim) == mtime;
	free(abs);
	return same;
}

/* One "in" line (after the tag) still describes its file: then it is noted as this
 * run's input. */
static int input_same(char *line)
{
	int follow, off = 0;
	unsigned mode, uid, gid;
	uintmax_t dev, ino;
	intmax_t size;
	int64_t mtime, ctime;
	char sum[67];
	if (sscanf(line, "%d %o %u %u %ju %ju %jd %" SCNd64 " %" SCNd64 " %66s %n", &follow,
		   &mode, &uid, &gid, &dev, &ino, &size, &mtime, &ctime, sum, &off) != 10 || !off)
		return 0;
	char *path = unescape(line + off);
	struct stat st;
	if (!path || (follow ? stat(path, &st) : lstat(path, &st)))
		return 0;
	if (st.st_mode != mode || st.st_uid != uid || st.st_gid != gid || st.st_size != size ||
	    ns(st.st_mtim) != mtime || !strcmp(sum, "!"))
		return 0;
	int same_id = st.st_dev == dev && st.st_ino == ino && ns(st.st_ctim) == ctime;
	const char *want = sum[0] == '=' || sum[0] == '~' ? sum + 1 : sum;
	if (sum[0] == '~' && !same_id)
		return 0;   /* its owner, mode or xattrs may have changed */
	if (!same_id || sum[0] == '=' || sum[0] == '~') {
		char now[65];
		if (strlen(want) != 64)
			return 0;
		file_sha(path, now);
		if (strcmp(now, want))
			return 0;
	}
	inputs_note(path, &st, follow);
	return 1;
}

int manifest_unchanged(const char *output, const char *staged, const char key[65])
{
	char *path = manifest_path(output);
	size_t len;
	char *text = slurp(path, &len);
	free(path);
	if (!text)
		return 0;
	/* The last line is "end " and the digest of everything before it. */
	char *end = len > 69 ? text + len - 69 : NULL, sha[65];
	int ok = end && (end == text || end[-1] == '\n') && !strncmp(end, "end ", 4) &&
		 text[len - 1] == '\n';
	if (ok) {
		sha256_hex(text, (size_t)(end - text), sha);
		ok = !strncmp(end + 4, sha, 64);
	}
	char *save, *line = ok ? strtok_r(text, "\n", &save) : NULL;
	ok = line && !strcmp(line, "lsbimg-manifest 1");
	line = ok ? strtok_r(NULL, "\n", &save) : NULL;
	ok = line && !strncmp(line, "key ", 4) && !strcmp(line + 4, key);
	line = ok ? strtok_r(NULL, "\n", &save) : NULL;   /* start */
	line = line ? strtok_r(NULL, "\n", &save) : NULL;
	ok = line && output_same(line, "out", output);
	line = ok ? strtok_r(NULL, "\n", &save) : NULL;
	if (ok && staged) {
		ok = line && output_same(line, "stage", staged);
		line = ok ? strtok_r(NULL, "\n", &save) : NULL;
	} else if (ok && line && !strncmp(line, "stage ", 6)) {
		ok = 0;
	}
	/* The inputs are noted as found; if one changed, the notes go and compose notes
	 * what it reads itself. */
	off_t mark = inputs_mark();
	for (; ok && line && !strncmp(line, "in ", 3); line = strtok_r(NULL, "\n", &save))
		ok = input_same(line + 3);
	ok = ok && line && line == end;
	if (!ok)
		inputs_undo(mark);
	free(text);
	return ok;
}

/* ---- depfile ---- */

/* PATH for make: '$' doubled, '#', ' ', tab and ':' escaped with a backslash. */
static void put_make(struct buf *b, const char *path)
{
	for (const char *s = path; *s; s++)
		if (*s == '$')
			put(b, "$$");
		else if (*s == '#' || *s == ' ' || *s == '\t' || *s == ':')
			put(b, "\\%c", *s);
		else
			put_char(b, *s);
}

/* The depfile's prerequisites, or (RULES) its empty rules; a path noted twice in a row
 * once. */
struct put_dep {
	struct buf *b;
	const char *file;
	int rules;
	char *last;
};

static int put_dep(const struct input *in, void *arg)
{
	struct put_dep *d = arg;
	if (d->last && !strcmp(d->last, in->path))
		return 0;
	free(d->last);
	d->last = xstrdup(in->path);
	if (strchr(in->path, '\n')) {
		diag_error("%s: cannot name '%s' in a depfile (a newline in its name)", d->file,
			   in->path);
		return -1;
	}
	if (d->rules) {
		/* An input that is gone is no error to make, only a reason to compose again. */
		put(d->b, "\n");
		put_make(d->b, in->path);
		put(d->b, ":\n");
	} else {
		put(d->b, " \\\n  ");
		put_make(d->b, in->path);
	}
	return 0;
}

int depfile_write(const char *file, const char *output)
{
	struct buf b;
	if (out_open(&b, file))
		return -1;
	put_make(&b, output);
	put(&b, ":");
	struct put_dep d = { &b, file, 0, NULL };
	int rc = inputs_each(put_dep, &d);
	put(&b, "\n");
	free(d.last);
	d.last = NULL;
	d.rules = 1;
	rc = rc ? rc : inputs_each(put_dep, &d);
	free(d.last);
	if (rc) {
		out_abort(&b);
		return -1;
	}
	return out_commit(&b, file);
}
