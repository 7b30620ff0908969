/* The in-memory image tree: what the layout, archives, musl and systemd modules build
 * and what the writers (ext2, tar, cpio) consume. Nodes are inodes; dentries are names. */
#ifndef LSBIMG_TREE_H
#define LSBIMG_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum node_type { NODE_DIR, NODE_REG, NODE_SYMLINK, NODE_CHR, NODE_BLK, NODE_FIFO, NODE_SOCK };

/* Where a regular file's bytes come from. */
enum src_kind {
	SRC_EMPTY,  /* no data */
	SRC_HOST,   /* a host file: dir/name, or name alone when dir is NULL */
	SRC_MEM,    /* bytes held in memory (inline text) */
	SRC_FD,     /* a region of an open file (archive spool): fd at off */
};

struct xattr {
	const char *name;   /* full name, e.g. "security.capability" */
	const void *value;
	size_t len;
};

/* A node's extended attributes, sorted by name; kept apart from the node (one pointer
 * there) since most nodes have none. */
struct xattrs {
	size_t n;
	struct xattr v[];
};

/* Sized for trees of millions of files (80 bytes for a node, 32 for a short name):
 * small fields share words, the host device is kept in 32 bits (a Linux dev_t packs into
 * 32), and what few nodes have lives behind one pointer. */
struct node {
	enum node_type type : 4;
	enum src_kind src : 4;  /* regular files: where the bytes come from */
	unsigned mode : 12;     /* permission bits only (07777) */
	unsigned implicit : 1;  /* directory made as a parent, never named by the input */
	unsigned pinned : 1;    /* the layout's own (override = true): imports leave it alone */
	uint32_t host_dev;      /* SRC_HOST: the file's device as the scan saw it, packed */
	unsigned uid, gid;
	unsigned nlink;         /* set by tree_freeze */
	unsigned ino;           /* scratch for writers */
	int64_t mtime;          /* seconds since the epoch */
	const char *origin;     /* "file:line" or "archive: member", for messages */
	const struct xattrs *xattrs;  /* NULL: none */
	union {
		struct {
			struct dentry **kids;   /* malloc'd; tree_dir_reserve sizes it */
			uint32_t nkids, cap;
			struct node *parent;
		} dir;
		struct {
			uint64_t size;
			union {
				struct {                      /* SRC_HOST: model/hostsrc.h */
					struct hostdir *dir;  /* NULL: name is a path */
					const char *name;
					ino_t ino;            /* as the scan saw it */
				};
				const char *mem;              /* SRC_MEM */
				struct {                      /* SRC_FD */
					int fd;
					uint64_t off;
				};
			};
		} reg;
		struct {
			const char *target;
		} lnk;
		struct {
			unsigned major, minor;
		} dev;
	} u;
};

/* A name in a directory. The name is stored once, here; a host file's node points to it. */
struct dentry {
	struct node *node;
	struct node *dir;   /* the directory holding this name */
	char name[];
};

struct tree;
struct hostdir;
struct hostsrc;

/* tree_add flags */
#define TREE_OVERRIDE 0x1  /* a later entry may replace an earlier one */
/* tree_lookup flags */
#define TREE_FOLLOW   0x2  /* follow a final symlink */

struct tree *tree_new(int64_t mtime);
void tree_free(struct tree *t);
/* The mtime given to nodes created from now on (and to the root). */
void tree_set_mtime(struct tree *t, int64_t mtime);
struct node *tree_root(struct tree *t);

/* A fresh node of TYPE (mode 0755 for dirs, 0644 otherwise, root-owned, tree mtime).
 * Memory belongs to the tree. */
struct node *tree_node_new(struct tree *t, enum node_type type, const char *origin);
/* Strings and buffers that live as long as the tree. */
char *tree_strdup(struct tree *t, const char *s);
void *tree_alloc(struct tree *t, size_t n);

/* Set extended attribute NAME of N to LEN bytes at VALUE (copied), replacing one of that
 * name. */
void node_set_xattr(struct tree *t, struct node *n, const char *name, const void *value,
		    size_t len);

/* Link N at PATH under BASE (NULL: the root). Missing parents become implicit 0755 dirs.
 * Symlinks met on the way are followed inside the tree; absolute targets and ".." never
 * leave BASE. A directory may be merged onto an implicit one; any other collision is an
 * error unless TREE_OVERRIDE. Returns 0, or -1 with errno set and a message in *why
 * (static text) describing the failure. */
int tree_add(struct tree *t, struct node *base, const char *path, struct node *n, int flags,
	     const char **why);
/* Link N as NAME (one component, not "." or "..") directly in directory DIR, as tree_add
 * does; the dentry holding NAME, or NULL with errno and *why. A directory merged onto one
 * already there: the dentry of the one there. */
struct dentry *tree_link(struct tree *t, struct node *dir, const char *name, struct node *n,
			 int flags, const char **why);
/* Room for N more names in directory DIR, so a known count costs no regrowth. */
void tree_dir_reserve(struct node *dir, size_t n);
/* Resolve PATH under BASE (NULL: the root). NULL with errno ENOENT/ENOTDIR/ELOOP/
 * ENAMETOOLONG when it does not resolve. */
struct node *tree_lookup(struct tree *t, struct node *base, const char *path, int flags);
/* The dentry PATH names (final symlink not followed), or NULL. */
struct dentry *tree_lookup_dentry(struct tree *t, const char *path);

/* Sort every directory by name and count links. Call once before writing. */
void tree_freeze(struct tree *t);

/* Visit every dentry in preorder, children in name order (freeze first). PATH is the
 * absolute image path, valid only during the call. A non-zero return stops the walk. */
typedef int (*tree_visit_fn)(const char *path, const struct dentry *d, void *ctx);
int tree_walk(struct tree *t, tree_visit_fn fn, void *ctx);

/* The absolute image path of a dentry (malloc'd). */
char *tree_path(const struct dentry *d);

/* Counts, for sizing. */
struct tree_stats {
	size_t inodes;       /* distinct nodes, root included */
	size_t dentries;
	size_t files, dirs, symlinks, others;
	uint64_t bytes;      /* regular file sizes */
};
void tree_stats(struct tree *t, struct tree_stats *st);

const char *node_type_name(enum node_type type);

/* State a module keeps with the tree (model/hostsrc's open directories): the slot, and
 * FREE_FN to release it when the tree is freed. One user. */
void **tree_attach(struct tree *t, void (*free_fn)(void *));

#endif
