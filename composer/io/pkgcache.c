/* The package cache's entries: building, checking, reading, pruning.
 *
 * Entry file: a 4096-byte header (magic, where the data and the listing lie, the total
 * size, the listing's sha256 and the data's CRC-32), member data at 4096-byte boundaries,
 * then the listing. Listing record: struct rec, then the name, the link target and
 * each xattr's name and value. The file is only ever read by the host that wrote it, so
 * numbers are in host order. */
#include "io/pkgcache.h"
#include "base/datacopy.h"
#include "base/diag.h"
#include "base/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define ALIGN 4096u
#define MAGIC "LSBIMG-PKG 2\n"
#define DEFAULT_MAX (4ULL << 30)

struct header {
	char magic[16];
	uint64_t listing_len, listing_off, data_off, total;
	char listing_sha[65];
	uint32_t data_crc;
};

struct rec {
	uint32_t filetype, perm, rmajor, rminor;
	int64_t uid, gid, mtime;
	uint64_t size, off;
	uint32_t name_len, link_len, nxattrs, hardlink;   /* lengths with the NUL */
};

static int disabled;

void pkgcache_disable(void)
{
	disabled = 1;
}

char *pkgcache_dir(void)
{
	const char *off = getenv("LSBIMG_CACHE");
	if (disabled || (off && (!strcmp(off, "off") || !strcmp(off, "0"))))
		return NULL;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/lsbimg", xdg);
	return home && *home ? xasprintf("%s/.cache/lsbimg", home) : NULL;
}

/* The cache's subdirectory SUB (malloc'd), or NULL when disabled. */
static char *cache_sub(const char *sub)
{
	char *d = pkgcache_dir();
	if (!d)
		return NULL;
	char *p = xasprintf("%s/%s", d, sub);
	free(d);
	return p;
}

static char *entries_dir(void)
{
	return cache_sub("pkg");
}

static int mkdir_p(char *path)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		int rc = mkdir(path, 0755) && errno != EEXIST;
		*s = '/';
		if (rc)
			return -1;
	}
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

/* ---- writing ---- */

struct pkg_writer {
	int fd;
	char *listing;
	size_t len, cap;
	uint64_t end;        /* first free byte of the data region (relative to it) */
	uint64_t last_off, last_size;
};

static void append(struct pkg_writer *w, const void *p, size_t n)
{
	if (w->len + n > w->cap)
		w->listing = xrealloc(w->listing, w->cap = (w->len + n) * 2 + 4096);
	memcpy(w->listing + w->len, p, n);
	w->len += n;
}

int pkgw_add(struct pkg_writer *w, struct pkg_member *m)
{
	m->off = m->size ? (w->end + ALIGN - 1) & ~(uint64_t)(ALIGN - 1) : 0;
	if (m->size)
		w->end = m->off + m->size;
	w->last_off = m->off;
	w->last_size = m->size;
	struct rec r = {
		m->filetype, m->perm, m->rmajor, m->rminor, m->uid, m->gid, m->mtime, m->size,
		m->off, (uint32_t)strlen(m->name) + 1, m->link ? (uint32_t)strlen(m->link) + 1 : 0,
		(uint32_t)m->nxattrs, (uint32_t)m->hardlink,
	};
	append(w, &r, sizeof(r));
	append(w, m->name, r.name_len);
	if (m->link)
		append(w, m->link, r.link_len);
	for (size_t i = 0; i < m->nxattrs; i++) {
		uint32_t l[2] = { (uint32_t)strlen(m->xattrs[i].name) + 1,
				  (uint32_t)m->xattrs[i].len };
		append(w, l, sizeof(l));
		append(w, m->xattrs[i].name, l[0]);
		append(w, m->xattrs[i].value, l[1]);
	}
	return 0;
}

int pkgw_data(struct pkg_writer *w, const void *buf, size_t len, uint64_t off)
{
	if (off > w->last_size || len > w->last_size - off)
		return errno = EINVAL, -1;
	return write_at(w->fd, buf, len, ALIGN + w->last_off + off);
}

/* CRC-32 of LEN bytes of FD from OFF; -1 on a read error. */
static int64_t crc_of(int fd, uint64_t off, uint64_t len)
{
	if (!len)
		return (int64_t)crc32_z(0, Z_NULL, 0);
	void *m = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
	if (m == MAP_FAILED)
		return -1;
	uLong c = crc32_z(crc32_z(0, Z_NULL, 0), m, (z_size_t)len);
	munmap(m, (size_t)len);
	return (int64_t)c;
}

/* A temporary in DIR (locked, so a prune knows it is in use), or an unnamed file in
 * $TMPDIR when DIR is NULL. *NAME gets the temporary's path (malloc'd) or NULL. */
static int temp_in(const char *dir, const char *key, char **name)
{
	*name = NULL;
	if (!dir) {
		const char *t = getenv("TMPDIR");
		return open(t && *t ? t : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	}
	char *n = xasprintf("%s/.tmp-%s-XXXXXX", dir, key);
	int fd = mkostemp(n, O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		if (fd >= 0) {
			unlink(n);
			close(fd);
		}
		free(n);
		return -1;
	}
	*name = n;
	return fd;
}

/* Build the entry for PATH with BUILD into the new file FD: the data straight into place
 * after the header, then the listing after it. */
static int build_entry(const char *path, int fd, int (*build)(const char *, struct pkg_writer *))
{
	struct pkg_writer w = { .fd = fd };
	int rc = build(path, &w) ? -1 : 0;
	struct header h;
	memset(&h, 0, sizeof(h));   /* padding included: equal packages, equal entries */
	memcpy(h.magic, MAGIC, sizeof(MAGIC));
	h.listing_len = w.len;
	h.data_off = ALIGN;
	if (!rc) {
		h.listing_off = (ALIGN + w.end + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
		h.total = h.listing_off + w.len;
		sha256_hex(w.listing ? w.listing : "", w.len, h.listing_sha);
		rc = ftruncate(fd, (off_t)h.total) ||
		     write_at(fd, w.listing ? w.listing : "", w.len, h.listing_off) ? -1 : 0;
	}
	int64_t crc = rc ? -1 : crc_of(fd, h.data_off, h.listing_off - h.data_off);
	h.data_crc = (uint32_t)crc;
	rc = crc < 0 || write_at(fd, &h, sizeof(h), 0) ? -1 : 0;
	free(w.listing);
	return rc;
}

/* ---- reading ---- */

/* Check FD as an entry and load its listing into E (for the package with KEY and stat
 * PST). 0, or -1 when it is not whole. */
static int load(int fd, struct pkg_entry *e, const char key[65], const struct stat *pst)
{
	struct header h;
	struct stat st;
	if (fstat(fd, &st) || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, MAGIC, sizeof(MAGIC)) || h.total != (uint64_t)st.st_size ||
	    h.data_off != ALIGN || h.listing_off < h.data_off || h.listing_off > h.total ||
	    h.total - h.listing_off != h.listing_len || h.listing_sha[64])
		return -1;
	char *l = xmalloc(h.listing_len + 1), sha[65];
	if (pread(fd, l, h.listing_len, (off_t)h.listing_off) != (ssize_t)h.listing_len) {
		free(l);
		return -1;
	}
	sha256_hex(l, h.listing_len, sha);
	int64_t crc = strcmp(sha, h.listing_sha) ? -1
		: crc_of(fd, h.data_off, h.listing_off - h.data_off);
	if (crc < 0 || (uint32_t)crc != h.data_crc) {
		free(l);
		return -1;
	}
	e->fd = fd;
	e->listing = l;
	e->listing_len = h.listing_len;
	e->pos = 0;
	e->xattrs = NULL;
	e->data_off = h.data_off;
	memcpy(e->key, key, sizeof(e->key));
	e->pkg_st = *pst;
	return 0;
}

static int is_key(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");
	return n == 64 && !s[n];
}

/* keys/ remembers each package's sha256 by its file's identity (device, inode, size,
 * mtime, ctime) as a symlink to it, so an unchanged package is not read to name its
 * entry. A file changed less than a second ago may change again with the same identity:
 * its digest is not remembered. */
static char *memo_path(const struct stat *st)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (st->st_mtim.tv_sec >= now.tv_sec - 1 || st->st_ctim.tv_sec >= now.tv_sec - 1)
		return NULL;
	char *dir = cache_sub("keys"), id[65];
	if (!dir)
		return NULL;
	char *s = xasprintf("%ju %ju %jd %lld.%09ld %lld.%09ld", (uintmax_t)st->st_dev,
			    (uintmax_t)st->st_ino, (intmax_t)st->st_size,
			    (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
			    (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
	sha256_hex(s, strlen(s), id);
	char *p = xasprintf("%s/%s", dir, id);
	free(s);
	free(dir);
	return p;
}

static void memo_put(const char *memo, const char key[65])
{
	char *tmp = xasprintf("%s.tmp%ld", memo, (long)gettid());
	char *dir = xstrdup(memo);
	*strrchr(dir, '/') = 0;
	if (!mkdir_p(dir) && !symlink(key, tmp) && rename(tmp, memo))
		unlink(tmp);
	free(dir);
	free(tmp);
}

/* The sha256 of the file PATH, and its stat *ST; or -1. */
static int file_key(const char *path, char key[65], struct stat *st_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return -1;
	int rc = -1;
	char *memo = NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		memo = memo_path(&st);
		ssize_t n = memo ? readlink(memo, key, 64) : -1;
		if (n == 64 && (key[64] = 0, is_key(key))) {
			rc = 0;
		} else {
			void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (m != MAP_FAILED) {
				sha256_hex(m, (size_t)st.st_size, key);
				munmap(m, (size_t)st.st_size);
				rc = 0;
				if (memo)
					memo_put(memo, key);
			}
		}
	}
	free(memo);
	close(fd);
	*st_out = st;
	return rc;
}

int pkg_open(const char *path, struct pkg_entry *e,
	     int (*build)(const char *path, struct pkg_writer *w))
{
	memset(e, 0, sizeof(*e));
	e->fd = -1;
	char key[65], *dir = entries_dir(), *name = NULL, *tmp = NULL;
	struct stat pst;
	if (file_key(path, key, &pst)) {
		free(dir);
		return -1;
	}
	if (dir && mkdir_p(dir)) {
		free(dir);
		dir = NULL;   /* an unusable cache: build in $TMPDIR */
	}
	if (dir) {
		name = xasprintf("%s/%s", dir, key);
		int fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && !load(fd, e, key, &pst)) {
			utimensat(AT_FDCWD, name, NULL, 0);   /* recently used */
			free(name);
			free(dir);
			return 0;
		}
		if (fd >= 0)
			close(fd);   /* damaged or partial: rebuilt below, then replaced */
	}
	int fd = temp_in(dir, key, &tmp);
	int rc = fd < 0 || build_entry(path, fd, build) ? -1 : 0;
	if (!rc && tmp && rename(tmp, name)) {
		unlink(tmp);
		rc = -1;   /* the cache is not writable after all: cacheless next time too */
	}
	if (rc && tmp)
		unlink(tmp);
	rc = rc ? -1 : load(fd, e, key, &pst);
	if (rc && fd >= 0)
		close(fd);
	free(tmp);
	free(name);
	free(dir);
	return rc;
}

static int take(struct pkg_entry *e, void *out, size_t n)
{
	if (n > e->listing_len - e->pos)
		return -1;
	memcpy(out, e->listing + e->pos, n);
	e->pos += n;
	return 0;
}

/* A NUL-terminated string of LEN bytes (with the NUL) in place, or NULL. */
static const char *str(struct pkg_entry *e, uint32_t len)
{
	const char *s = e->listing + e->pos;
	if (!len || len > e->listing_len - e->pos || s[len - 1] || strlen(s) != len - 1)
		return NULL;
	e->pos += len;
	return s;
}

int pkg_next(struct pkg_entry *e, struct pkg_member *m)
{
	free(e->xattrs);
	e->xattrs = NULL;
	if (e->pos == e->listing_len)
		return 0;
	struct rec r;
	if (take(e, &r, sizeof(r)))
		return -1;
	memset(m, 0, sizeof(*m));
	m->filetype = r.filetype;
	m->perm = r.perm;
	m->rmajor = r.rmajor;
	m->rminor = r.rminor;
	m->uid = r.uid;
	m->gid = r.gid;
	m->mtime = r.mtime;
	m->size = r.size;
	m->off = e->data_off + r.off;
	m->hardlink = (int)r.hardlink;
	if (!(m->name = str(e, r.name_len)) || (r.link_len && !(m->link = str(e, r.link_len))))
		return -1;
	if (r.nxattrs > e->listing_len)
		return -1;
	e->xattrs = m->xattrs = r.nxattrs ? xcalloc(r.nxattrs, sizeof(*m->xattrs)) : NULL;
	for (uint32_t i = 0; i < r.nxattrs; i++) {
		uint32_t l[2];
		if (take(e, l, sizeof(l)) || !(m->xattrs[i].name = str(e, l[0])) ||
		    l[1] > e->listing_len - e->pos)
			return -1;
		m->xattrs[i].value = e->listing + e->pos;
		m->xattrs[i].len = l[1];
		e->pos += l[1];
		m->nxattrs++;
	}
	return 1;
}

void pkg_close(struct pkg_entry *e, int keep_fd)
{
	free(e->listing);
	free(e->xattrs);
	if (!keep_fd && e->fd >= 0)
		close(e->fd);
	memset(e, 0, sizeof(*e));
	e->fd = -1;
}

/* ---- pruning ---- */

static uint64_t max_bytes(void)
{
	const char *s = getenv("LSBIMG_CACHE_MAX");
	if (!s || !*s)
		return DEFAULT_MAX;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || end == s) {
		diag_warn("LSBIMG_CACHE_MAX=%s is no size; using %lluG", s, DEFAULT_MAX >> 30);
		return DEFAULT_MAX;
	}
	return v;
}

struct ent {
	char *name;
	uint64_t size;
	struct timespec used;
};

static int by_use(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	return x->used.tv_nsec < y->used.tv_nsec ? -1 : x->used.tv_nsec > y->used.tv_nsec;
}

/* The entries in DIR (and, with STALE, remove temporaries no run holds). */
static int scan(const char *dir, struct ent **out, size_t *n, int stale)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.') {
			if (stale && !strncmp(de->d_name, ".tmp-", 5)) {
				int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
				if (fd >= 0 && !flock(fd, LOCK_EX | LOCK_NB))
					unlinkat(dirfd(d), de->d_name, 0);
				if (fd >= 0)
					close(fd);
			}
			continue;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = (struct ent){ xasprintf("%s/%s", dir, de->d_name),
					       (uint64_t)st.st_blocks * 512, st.st_mtim };
	}
	closedir(d);
	return 0;
}

/* Remembered digests whose entry is gone (left by a prune, or a package since changed). */
static void prune_memos(void)
{
	char *keys = cache_sub("keys"), *pkg = entries_dir();
	DIR *d = keys ? opendir(keys) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char target[65], *entry;
		ssize_t n = readlinkat(dirfd(d), de->d_name, target, 64);
		if (n < 0)
			continue;
		target[n] = 0;
		entry = xasprintf("%s/%s", pkg, target);
		if (!is_key(target) || access(entry, F_OK))
			unlinkat(dirfd(d), de->d_name, 0);
		free(entry);
	}
	if (d)
		closedir(d);
	free(keys);
	free(pkg);
}

int pkgcache_prune(int64_t max)
{
	char *dir = entries_dir();
	if (!dir)
		return 0;
	uint64_t limit = max >= 0 ? (uint64_t)max : max_bytes(), total = 0;
	struct ent *v;
	size_t n;
	int rc = scan(dir, &v, &n, 1);
	if (rc)
		diag_error("%s: %s", dir, strerror(errno));
	for (size_t i = 0; i < n; i++)
		total += v[i].size;
	if (n)
		qsort(v, n, sizeof(*v), by_use);
	for (size_t i = 0; i < n; i++) {
		if (total > limit || !is_key(strrchr(v[i].name, '/') + 1)) {
			/* A run that has the entry open keeps reading it. */
			if (!unlink(v[i].name) || errno == ENOENT) {
				diag_debug("cache: removed %s", v[i].name);
				total -= v[i].size;
			}
		}
		free(v[i].name);
	}
	free(v);
	free(dir);
	prune_memos();
	return rc;
}

int pkgcache_info(size_t *entries, uint64_t *bytes, uint64_t *max)
{
	char *dir = entries_dir();
	*entries = 0;
	*bytes = 0;
	*max = max_bytes();
	if (!dir)
		return 0;
	struct ent *v;
	int rc = scan(dir, &v, entries, 0);
	if (rc)
		diag_error("%s: %s", dir, strerror(errno));
	for (size_t i = 0; i < *entries; i++) {
		*bytes += v[i].size;
		free(v[i].name);
	}
	free(v);
	free(dir);
	return rc;
}
