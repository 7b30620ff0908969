/* Where SRC_HOST bytes come from, and reading them only from the file the scan saw.
 *
 * Host files are named relative to a host directory (struct hostdir): a root, opened by
 * the path the layout gives and held open until the tree is freed, or a subdirectory a
 * tree scan found, reopened when needed relative to its parent without following
 * symlinks. Each directory and each file keeps the device and inode the scan saw, and
 * every later open checks them (and that a file is still a regular file of the same
 * size): a path replaced after the scan (by a symlink to a secret, a FIFO, another file)
 * is an error naming it, never read instead. */
#ifndef LSBIMG_HOSTSRC_H
#define LSBIMG_HOSTSRC_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct tree;
struct node;
struct hostsrc;   /* per tree: its host directories and their open descriptors */

struct hostdir {
	struct hostdir *parent;   /* NULL for a root */
	const char *name;         /* in the parent; a root's path as the layout gives it */
	dev_t dev;                /* as the scan saw it */
	ino_t ino;
	int fd;                   /* open, or -1 */
	unsigned follow:1;        /* names under it may go through symlinks (root only) */
	struct hostsrc *hs;
};

/* The root directory PATH (symlinks on the way followed), opened now and held until the
 * tree is freed; the same PATH and FOLLOW give the same root. With FOLLOW, names under
 * it are opened following symlinks (the file entries of sections that always did);
 * without, never (tree sources, a sysroot). *ST (may be NULL) gets its stat. NULL with
 * errno (ENOTDIR when PATH is not a directory); nothing reported. */
struct hostdir *hostdir_root(struct tree *t, const char *path, int follow, struct stat *st);
/* Subdirectory NAME of D (NAME lives as long as the tree), as the scan's stat ST saw it. */
struct hostdir *hostdir_sub(struct tree *t, struct hostdir *d, const char *name,
			    const struct stat *st);
/* An open descriptor of D, checked to be the directory the scan saw; valid until the next
 * call into this module. -1 after reporting. */
int hostdir_fd(struct hostdir *d);
/* D's host path, for messages (malloc'd). */
char *hostdir_path(const struct hostdir *d);

/* Stat NAME under D (NULL: NAME is a path of its own, symlinks followed) the way
 * node_host_open will open it. -1 with errno; nothing reported. */
int host_stat(struct hostdir *d, const char *name, struct stat *st);
/* Make regular file N read its bytes from NAME under D (as for host_stat; NAME lives as
 * long as the tree), which host_stat described as ST: its size, device and inode. */
void node_set_host(struct node *n, struct hostdir *d, const char *name, const struct stat *st);
/* Open N's host file for reading, checked to be what the scan saw; *ST (may be NULL) gets
 * its fstat. -1 after reporting (naming N's origin and host path). */
int node_host_open(const struct node *n, struct stat *st);

/* Close every descriptor (tree_free does). */
void hostsrc_free(struct hostsrc *hs);

/* The host path of a SRC_HOST regular file (malloc'd). */
char *node_host_path(const struct node *n);
/* Read up to LEN bytes of regular file N's data at OFF, whatever its source. A host file
 * no longer the one the scan saw is reported and read as an error (EIO). */
ssize_t node_pread(const struct node *n, void *buf, size_t len, uint64_t off);

#endif
