/* The package cache: a Debian package's data.tar unpacked once into a file that later
 * composes import without decompressing anything, its members' data read in place.
 *
 * An entry is named by the sha256 of the .deb in $XDG_CACHE_HOME/lsbimg/pkg (default
 * ~/.cache/lsbimg/pkg): a header, the members' data at block-aligned offsets (holes kept)
 * and a listing of the members (names, attributes, xattrs, where each one's data lies),
 * with the sha256 of the listing and a CRC-32 of the data in the header. An entry whose size
 * or sums do not match is never used: it is rebuilt. Entries are written to a temporary
 * and renamed into place, so concurrent composes each see a whole entry or none; readers
 * hold the file open, so a prune or a rebuild under them changes nothing they read.
 *
 * LSBIMG_CACHE=off disables the cache (entries are then built in $TMPDIR and vanish with
 * the run); LSBIMG_CACHE_MAX bounds its size (bytes, or with K, M or G; default 4G): after
 * a compose the least recently used entries are removed until it fits. */
#ifndef LSBIMG_PKGCACHE_H
#define LSBIMG_PKGCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct pkg_xattr {
	const char *name;
	const void *value;
	size_t len;
};

/* One member of the listing; names point into the entry. */
struct pkg_member {
	const char *name;
	const char *link;        /* symlink target, hard link target, or NULL */
	int hardlink;            /* LINK names an earlier member */
	unsigned filetype;       /* AE_IF* (libarchive's S_IF* values) */
	unsigned perm;
	int64_t uid, gid, mtime;
	unsigned rmajor, rminor;
	uint64_t size, off;      /* data: SIZE bytes at OFF of the entry file */
	size_t nxattrs;
	struct pkg_xattr *xattrs;   /* malloc'd, freed by the next pkg_next */
};

struct pkg_entry {
	int fd;                  /* the entry file, open read-only; -1 when none */
	char *listing;           /* malloc'd */
	size_t listing_len, pos;
	uint64_t data_off;       /* where member data starts in the file */
	char key[65];            /* the package's sha256 */
	struct stat pkg_st;      /* the package file's, when key was taken */
	struct pkg_xattr *xattrs;
};

/* Disable the cache for this process (`compose --no-cache`). */
void pkgcache_disable(void);
/* The cache directory (malloc'd), or NULL when disabled. */
char *pkgcache_dir(void);

/* Building an entry: BUILD (given to pkg_open) calls pkgw_add for each member in order
 * and pkgw_data for the data of the member added last. */
struct pkg_writer;
/* Add M (its off is set here); -1 with errno. */
int pkgw_add(struct pkg_writer *w, struct pkg_member *m);
/* LEN bytes at offset OFF of the last member's data; -1 with errno. */
int pkgw_data(struct pkg_writer *w, const void *buf, size_t len, uint64_t off);

/* The entry of the .deb at PATH: from the cache when there is a valid one, else built now
 * by BUILD (into the cache when enabled). Safe to call from several threads at once and
 * reports nothing: -1 when the package cannot be read this way, BUILD failed included
 * (the caller then imports it the usual way, which reports why). */
int pkg_open(const char *path, struct pkg_entry *e,
	     int (*build)(const char *path, struct pkg_writer *w));
/* The next member of E into M: 1, 0 at the end, -1 when the listing is malformed. */
int pkg_next(struct pkg_entry *e, struct pkg_member *m);
/* Free what pkg_open allocated; the file stays open when KEEP_FD (the tree reads from it). */
void pkg_close(struct pkg_entry *e, int keep_fd);

/* Remove the least recently used entries until the cache holds at most MAX bytes
 * (-1: LSBIMG_CACHE_MAX or the default), and temporaries that runs killed left. Reports
 * what it removed in verbose mode. 0, or -1 after reporting. */
int pkgcache_prune(int64_t max);
/* Entries and bytes in the cache, and its bound. 0, or -1 after reporting. */
int pkgcache_info(size_t *entries, uint64_t *bytes, uint64_t *max);

#endif
