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

struct buf {
	char *p;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap)
		b->p = xrealloc(b->p, b->cap = (b->len + n + 1) * 2);
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
	free(s);
}

/* PATH as one token: %XX for '%', controls, space and DEL. */
static void put_path(struct buf *b, const char *path)
{
	for (const unsigned char *s = (const unsigned char *)path; *s; s++)
		if (*s <= ' ' || *s == '%' || *s == 0x7f)
			put(b, "%%%02X", *s);
		else
			put(b, "%c", *s);
	put(b, "\n");
}

static void put_file(struct buf *b, const char *tag, const struct stat *st, const char *path)
{
	put(b, "%s %ju %ju %jd %" PRId64 " ", tag, (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
	    (intmax_t)st->st_size, ns(st->st_mtim));
	put_path(b, path);
}

static int write_whole(const char *path, const struct buf *b)
{
	struct outfile o;
	if (outfile_open(&o, path))
		return -1;
	for (size_t off = 0; off < b->len; ) {
		ssize_t w = write(o.fd, b->p + off, b->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			diag_error("%s: cannot write: %s", path, strerror(errno));
			outfile_abort(&o);
			return -1;
		}
		off += (size_t)w;
	}
	if (outfile_commit(&o)) {
		outfile_abort(&o);
		return -1;
	}
	return 0;
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

int manifest_write(const char *output, const char key[65], int64_t start_ns,
		   const struct stat *out_st, const char *staged, const struct stat *stage_st)
{
	struct buf b = { 0 };
	size_t n;
	const struct input *in = inputs_list(&n);
	char *abs_out = realpath(output, NULL), *abs_stage = staged ? realpath(staged, NULL) : NULL;
	put(&b, "lsbimg-manifest 1\nkey %s\nstart %" PRId64 "\n", key, start_ns);
	put_file(&b, "out", out_st, abs_out ? abs_out : output);
	if (staged)
		put_file(&b, "stage", stage_st, abs_stage ? abs_stage : staged);
	for (size_t i = 0; i < n; i++) {
		const struct stat *st = &in[i].st;
		int racy = ns(st->st_mtim) >= start_ns - RACY_NS ||
			   ns(st->st_ctim) >= start_ns - RACY_NS;
		char sum[67], now[65] = "";
		if (racy && !in[i].hashed)
			racy_sha(&in[i], now);
		if (in[i].hashed)
			snprintf(sum, sizeof(sum), "%s%s", racy ? "=" : "", in[i].sha);
		else if (*now)
			snprintf(sum, sizeof(sum), "~%s", now);
		else
			strcpy(sum, racy ? "!" : "-");
		put(&b, "in %d %o %u %u %ju %ju %jd %" PRId64 " %" PRId64 " %s ", in[i].follow,
		    (unsigned)st->st_mode, (unsigned)st->st_uid, (unsigned)st->st_gid,
		    (uintmax_t)st->st_dev, (uintmax_t)st->st_ino, (intmax_t)st->st_size,
		    ns(st->st_mtim), ns(st->st_ctim), sum);
		put_path(&b, in[i].path);
	}
	char sha[65];
	sha256_hex(b.p, b.len, sha);
	put(&b, "end %s\n", sha);
	char *path = manifest_path(output);
	int rc = write_whole(path, &b);
	free(path);
	free(b.p);
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

/* Inputs found unchanged, noted as this run's once all are. */
struct seen {
	struct input *v;
	size_t n;
};

/* One "in" line (after the tag) still describes its file: then it is added to S. */
static int input_same(char *line, struct seen *s)
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
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = (struct input){ .path = path, .st = st, .follow = follow };
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
	struct seen s = { NULL, 0 };
	for (; ok && line && !strncmp(line, "in ", 3); line = strtok_r(NULL, "\n", &save))
		ok = input_same(line + 3, &s);
	ok = ok && line && line == end;
	for (size_t i = 0; ok && i < s.n; i++)
		inputs_note(s.v[i].path, &s.v[i].st, s.v[i].follow);
	free(s.v);
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
			put(b, "%c", *s);
}

int depfile_write(const char *file, const char *output)
{
	struct buf b = { 0 };
	size_t n;
	const struct input *in = inputs_list(&n);
	put_make(&b, output);
	put(&b, ":");
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(in[i - 1].path, in[i].path))
			continue;
		for (const char *s = in[i].path; *s; s++)
			if (*s == '\n') {
				diag_error("%s: cannot name '%s' in a depfile (a newline in its name)",
					   file, in[i].path);
				free(b.p);
				return -1;
			}
		put(&b, " \\\n  ");
		put_make(&b, in[i].path);
	}
	put(&b, "\n");
	/* An input that is gone is no error to make, only a reason to compose again. */
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(in[i - 1].path, in[i].path)) {
			put(&b, "\n");
			put_make(&b, in[i].path);
			put(&b, ":\n");
		}
	int rc = write_whole(file, &b);
	free(b.p);
	return rc;
}
