/* The in-memory image tree. Names are found through one hash table keyed by
 * (directory, name), so adding N entries to one directory costs O(N), not O(N^2).
 * Memory per file matters (trees of a million files): nodes, dentries and their names
 * share an arena with 8-byte alignment, each name is stored once (in its dentry), the
 * hash table is filled up to 80 % and its slots carry 16 bits of the hash so a probe
 * rarely has to read the dentry, and child arrays are malloc'd (a regrown one is freed,
 * not left in the arena) and sized exactly when the count is known. */
#include "model/tree.h"
#include "base/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (1u << 20)
#define MAX_SYMLINKS 40
#define NAME_MAX_EXT2 255

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

/* A slot: a dentry pointer with a hash tag in the bits above TAG_SHIFT (user space
 * addresses fit below), or the bare pointer when the tree met one that does not. */
#define TAG_SHIFT 48
#define PTR_MASK ((UINT64_C(1) << TAG_SHIFT) - 1)
#define LOAD_NUM 4              /* grow past 4/5 full */
#define LOAD_DEN 5

struct tree {
	struct chunk *arena;
	uint64_t *slots;        /* open addressing, linear probing */
	size_t nslots, nused;
	int untagged;           /* a pointer needed the tag bits */
	struct node **dirs;     /* every directory node: their child arrays are freed */
	size_t ndirs, dirs_cap;
	struct node *root;
	struct dentry *rootd;
	int64_t mtime;
	void *attached;               /* tree_attach */
	void (*attached_free)(void *);
};

void *tree_alloc(struct tree *t, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (!t->arena || t->arena->size - t->arena->used < n) {
		size_t sz = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		struct chunk *c = xmalloc(sizeof(*c) + sz);
		c->next = t->arena;
		c->used = 0;
		c->size = sz;
		t->arena = c;
	}
	void *p = t->arena->data + t->arena->used;
	t->arena->used += n;
	memset(p, 0, n);
	return p;
}

char *tree_strdup(struct tree *t, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = tree_alloc(t, n);
	memcpy(d, s, n);
	return d;
}

void node_set_xattr(struct tree *t, struct node *n, const char *name, const void *value,
		    size_t len)
{
	size_t old = n->xattrs ? n->xattrs->n : 0, at = 0;
	while (at < old && strcmp(n->xattrs->v[at].name, name) < 0)
		at++;
	int replace = at < old && !strcmp(n->xattrs->v[at].name, name);
	size_t count = old + !replace;
	/* Copied whole: a set is small and rarely changed, and the arena frees nothing. */
	struct xattrs *x = tree_alloc(t, sizeof(*x) + count * sizeof(x->v[0]));
	x->n = count;
	if (old)
		memcpy(x->v, n->xattrs->v, at * sizeof(x->v[0]));
	if (old > at + replace)
		memcpy(x->v + at + 1, n->xattrs->v + at + replace,
		       (old - at - replace) * sizeof(x->v[0]));
	void *v = tree_alloc(t, len ? len : 1);
	if (len)
		memcpy(v, value, len);
	x->v[at] = (struct xattr){ replace ? n->xattrs->v[at].name : tree_strdup(t, name), v, len };
	n->xattrs = x;
}

struct node *tree_node_new(struct tree *t, enum node_type type, const char *origin)
{
	struct node *n = tree_alloc(t, sizeof(*n));
	n->type = type;
	n->mode = type == NODE_DIR ? 0755 : type == NODE_SYMLINK ? 0777 : 0644;
	n->mtime = t->mtime;
	n->origin = origin;
	if (type == NODE_DIR) {
		if (t->ndirs == t->dirs_cap) {
			t->dirs_cap = t->dirs_cap ? t->dirs_cap * 2 : 64;
			t->dirs = xrealloc(t->dirs, t->dirs_cap * sizeof(*t->dirs));
		}
		t->dirs[t->ndirs++] = n;
	}
	return n;
}

struct tree *tree_new(int64_t mtime)
{
	struct tree *t = xcalloc(1, sizeof(*t));
	t->mtime = mtime;
	t->nslots = 1024;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	t->root = tree_node_new(t, NODE_DIR, "(root)");
	t->root->implicit = 1;
	t->root->u.dir.parent = t->root;
	t->rootd = tree_alloc(t, sizeof(*t->rootd) + 1);   /* name "" */
	t->rootd->node = t->root;
	t->rootd->dir = t->root;
	return t;
}

void tree_set_mtime(struct tree *t, int64_t mtime)
{
	t->mtime = mtime;
	t->root->mtime = mtime;
}

void tree_free(struct tree *t)
{
	if (!t)
		return;
	if (t->attached_free)
		t->attached_free(t->attached);
	for (size_t i = 0; i < t->ndirs; i++)
		free(t->dirs[i]->u.dir.kids);
	free(t->dirs);
	for (struct chunk *c = t->arena, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(t->slots);
	free(t);
}

struct node *tree_root(struct tree *t)
{
	return t->root;
}

static uint64_t hash(const struct node *dir, const char *name, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)dir;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static uint64_t tag_of(const struct tree *t, uint64_t h)
{
	return t->untagged ? 0 : (h >> TAG_SHIFT) << TAG_SHIFT;
}

static struct dentry *slot_dentry(uint64_t s)
{
	return (struct dentry *)(uintptr_t)(s & PTR_MASK);
}

/* The slot holding (DIR, NAME), or the empty one where it would go. */
static uint64_t *slot_for(struct tree *t, const struct node *dir, const char *name,
			  size_t len, uint64_t h)
{
	uint64_t tag = tag_of(t, h), *s = t->slots, *end = t->slots + t->nslots;
	for (s += h % t->nslots;; s = s + 1 == end ? t->slots : s + 1) {
		if (!*s)
			return s;
		if ((*s & ~PTR_MASK) != tag)
			continue;
		const struct dentry *d = slot_dentry(*s);
		if (d->dir == dir && !strncmp(d->name, name, len) && !d->name[len])
			return s;
	}
}

/* Rehash into NSLOTS slots (half again as many when growing). */
static void rehash(struct tree *t, size_t nslots)
{
	uint64_t *old = t->slots;
	size_t n = t->nslots;
	t->nslots = nslots;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	for (size_t i = 0; i < n; i++) {
		if (!old[i])
			continue;
		struct dentry *d = slot_dentry(old[i]);
		size_t len = strlen(d->name);
		uint64_t h = hash(d->dir, d->name, len);
		*slot_for(t, d->dir, d->name, len, h) = (uint64_t)(uintptr_t)d | tag_of(t, h);
	}
	free(old);
}

static struct dentry *find(struct tree *t, const struct node *dir, const char *name, size_t len)
{
	uint64_t s = *slot_for(t, dir, name, len, hash(dir, name, len));
	return s ? slot_dentry(s) : NULL;
}

void tree_dir_reserve(struct node *dir, size_t n)
{
	if (dir->u.dir.cap - dir->u.dir.nkids >= n)
		return;
	dir->u.dir.cap = (uint32_t)(dir->u.dir.nkids + n);
	dir->u.dir.kids = xrealloc(dir->u.dir.kids, dir->u.dir.cap * sizeof(*dir->u.dir.kids));
}

static struct dentry *link_child(struct tree *t, struct node *dir, const char *name, size_t len,
				 struct node *n)
{
	if ((t->nused + 1) * LOAD_DEN > t->nslots * LOAD_NUM)
		rehash(t, t->nslots + t->nslots / 2);
	struct dentry *d = tree_alloc(t, sizeof(*d) + len + 1);
	memcpy(d->name, name, len);
	d->node = n;
	d->dir = dir;
	uint64_t h = hash(dir, name, len);
	if ((uintptr_t)d & ~PTR_MASK && !t->untagged) {
		t->untagged = 1;
		rehash(t, t->nslots);
	}
	*slot_for(t, dir, name, len, h) = (uint64_t)(uintptr_t)d | tag_of(t, h);
	t->nused++;
	if (dir->u.dir.nkids == dir->u.dir.cap)
		tree_dir_reserve(dir, dir->u.dir.cap ? dir->u.dir.cap : 4);
	dir->u.dir.kids[dir->u.dir.nkids++] = d;
	if (n->type == NODE_DIR)
		n->u.dir.parent = dir;
	return d;
}

/* Walk PATH from BASE. On success *dirp is the directory that holds the last component,
 * which is copied to NAME, its length in *len (0 when PATH names BASE itself or ends in
 * "..").
 * When CREATE, missing intermediate directories are made implicit. */
static int walk(struct tree *t, struct node *base, const char *path, int create,
		struct node **dirp, char name[NAME_MAX_EXT2 + 1], size_t *len, const char **why)
{
	char *buf = xstrdup(path);  /* pending path; grows when symlinks expand */
	char *p = buf;
	struct node *cur = base;
	int links = 0, rc = -1;

	for (;;) {
		while (*p == '/')
			p++;
		char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		char *rest = end;
		while (*rest == '/')
			rest++;
		int last = !*rest;
		if (n == 0) {               /* path was empty or "/" */
			*dirp = cur;
			name[0] = 0;
			*len = 0;
			rc = 0;
			break;
		}
		if (n > NAME_MAX_EXT2) {
			errno = ENAMETOOLONG;
			*why = "a name is longer than 255 bytes";
			break;
		}
		if (n == 1 && p[0] == '.') {
			if (last) {
				*dirp = cur;
				name[0] = 0;
				*len = 0;
				rc = 0;
				break;
			}
			p = rest;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (cur != base)
				cur = cur->u.dir.parent;
			if (last) {
				*dirp = cur;
				name[0] = 0;
				*len = 0;
				rc = 0;
				break;
			}
			p = rest;
			continue;
		}
		if (last) {
			memcpy(name, p, n);
			name[n] = 0;
			*dirp = cur;
			*len = n;
			rc = 0;
			break;
		}
		struct dentry *d = find(t, cur, p, n);
		if (!d) {
			if (!create) {
				errno = ENOENT;
				*why = "a parent directory does not exist";
				break;
			}
			struct node *dir = tree_node_new(t, NODE_DIR, cur->origin);
			dir->implicit = 1;
			d = link_child(t, cur, p, n, dir);
		}
		if (d->node->type == NODE_SYMLINK) {
			if (++links > MAX_SYMLINKS) {
				errno = ELOOP;
				*why = "too many levels of symbolic links";
				break;
			}
			const char *target = d->node->u.lnk.target;
			char *nbuf = xasprintf("%s/%s", target, rest);
			if (target[0] == '/')
				cur = base;
			free(buf);
			buf = p = nbuf;
			continue;
		}
		if (d->node->type != NODE_DIR) {
			errno = ENOTDIR;
			*why = "a parent is not a directory";
			break;
		}
		cur = d->node;
		p = rest;
	}
	free(buf);
	return rc;
}

/* A directory entry N landing on directory OLD: named attributes win over implicit ones;
 * two named definitions collide unless TREE_OVERRIDE. */
static int merge_dir(struct node *old, const struct node *n, int flags, const char **why)
{
	if (n->implicit)
		return 0;
	if (!old->implicit && !(flags & TREE_OVERRIDE)) {
		errno = EEXIST;
		*why = "the directory is already defined";
		return -1;
	}
	old->mode = n->mode;
	old->uid = n->uid;
	old->gid = n->gid;
	old->mtime = n->mtime;
	old->origin = n->origin;
	old->xattrs = n->xattrs;
	old->implicit = 0;
	return 0;
}

/* Link N as NAME (LEN bytes) in DIR, or merge or replace what is there. */
static struct dentry *add_name(struct tree *t, struct node *dir, const char *name, size_t len,
			       struct node *n, int flags, const char **why)
{
	struct dentry *d = find(t, dir, name, len);
	if (!d)
		return link_child(t, dir, name, len, n);
	struct node *old = d->node;
	if (old->type == NODE_DIR && n->type == NODE_DIR)
		return merge_dir(old, n, flags, why) ? NULL : d;
	if (!(flags & TREE_OVERRIDE)) {
		errno = EEXIST;
		*why = "the path is already defined";
		return NULL;
	}
	if (old->type == NODE_DIR && old->u.dir.nkids) {
		errno = ENOTEMPTY;
		*why = "cannot replace a non-empty directory";
		return NULL;
	}
	if (n->type == NODE_DIR)
		n->u.dir.parent = dir;
	d->node = n;
	return d;
}

int tree_add(struct tree *t, struct node *base, const char *path, struct node *n, int flags,
	     const char **why)
{
	struct node *dir;
	char name[NAME_MAX_EXT2 + 1];
	size_t len;

	if (!base)
		base = t->root;
	if (walk(t, base, path, 1, &dir, name, &len, why))
		return -1;
	if (len == 0) {
		/* The path names an existing directory (BASE, ".", ".."). */
		if (n->type != NODE_DIR) {
			errno = EEXIST;
			*why = "the path names a directory";
			return -1;
		}
		return merge_dir(dir, n, flags, why);
	}
	return add_name(t, dir, name, len, n, flags, why) ? 0 : -1;
}

struct dentry *tree_link(struct tree *t, struct node *dir, const char *name, struct node *n,
			 int flags, const char **why)
{
	size_t len = strlen(name);
	if (!len || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		errno = EINVAL;
		*why = "not a single name";
		return NULL;
	}
	if (len > NAME_MAX_EXT2) {
		errno = ENAMETOOLONG;
		*why = "a name is longer than 255 bytes";
		return NULL;
	}
	return add_name(t, dir, name, len, n, flags, why);
}

static struct dentry *lookup_dentry(struct tree *t, struct node *base, const char *path,
				    int flags)
{
	struct node *dir;
	const char *why;
	char name[NAME_MAX_EXT2 + 1];
	size_t len;
	char *buf = NULL;
	int links = 0;
	struct dentry *d = NULL;

	if (!base)
		base = t->root;
	for (;;) {
		if (walk(t, base, path, 0, &dir, name, &len, &why))
			break;
		if (len == 0) {
			d = dir == t->root ? t->rootd : NULL;
			if (!d) {
				/* A directory reached through "." or "..": find its own dentry. */
				struct node *parent = dir->u.dir.parent;
				for (size_t i = 0; i < parent->u.dir.nkids && !d; i++)
					if (parent->u.dir.kids[i]->node == dir)
						d = parent->u.dir.kids[i];
			}
			break;
		}
		d = find(t, dir, name, len);
		if (!d) {
			errno = ENOENT;
			break;
		}
		if (d->node->type != NODE_SYMLINK || !(flags & TREE_FOLLOW))
			break;
		if (++links > MAX_SYMLINKS) {
			errno = ELOOP;
			d = NULL;
			break;
		}
		/* Re-resolve the target relative to the link's directory. */
		const char *target = d->node->u.lnk.target;
		char *prefix = target[0] == '/' ? xstrdup("") : tree_path(d);
		char *slash = strrchr(prefix, '/');
		if (slash)
			*slash = 0;
		char *next = xasprintf("%s/%s", prefix, target);
		free(prefix);
		free(buf);
		buf = next;
		path = buf;
		base = target[0] == '/' ? base : t->root;
		d = NULL;
	}
	free(buf);
	return d;
}

struct node *tree_lookup(struct tree *t, struct node *base, const char *path, int flags)
{
	struct dentry *d = lookup_dentry(t, base, path, flags);
	return d ? d->node : NULL;
}

struct dentry *tree_lookup_dentry(struct tree *t, const char *path)
{
	return lookup_dentry(t, NULL, path, 0);
}

static int cmp_dentry(const void *a, const void *b)
{
	return strcmp((*(struct dentry *const *)a)->name, (*(struct dentry *const *)b)->name);
}

static void freeze_dir(struct node *dir)
{
	if (dir->u.dir.nkids)
		qsort(dir->u.dir.kids, dir->u.dir.nkids, sizeof(*dir->u.dir.kids), cmp_dentry);
	dir->nlink = 2;
	for (size_t i = 0; i < dir->u.dir.nkids; i++) {
		struct node *n = dir->u.dir.kids[i]->node;
		if (n->type == NODE_DIR) {
			dir->nlink++;
			freeze_dir(n);
		} else {
			n->nlink++;
		}
	}
}

static void clear_links(struct node *dir)
{
	for (size_t i = 0; i < dir->u.dir.nkids; i++) {
		struct node *n = dir->u.dir.kids[i]->node;
		n->nlink = 0;
		if (n->type == NODE_DIR)
			clear_links(n);
	}
}

void tree_freeze(struct tree *t)
{
	clear_links(t->root);
	freeze_dir(t->root);
}

char *tree_path(const struct dentry *d)
{
	size_t len = 0;
	for (const struct dentry *e = d; e->name[0]; ) {
		len += strlen(e->name) + 1;
		struct node *dir = e->dir;
		struct node *parent = dir->u.dir.parent;
		if (dir == parent)
			break;
		e = NULL;
		for (size_t i = 0; i < parent->u.dir.nkids; i++)
			if (parent->u.dir.kids[i]->node == dir)
				e = parent->u.dir.kids[i];
		if (!e)
			break;
	}
	char *buf = xmalloc(len + 2);
	char *p = buf + len + 1;
	*p = 0;
	for (const struct dentry *e = d; e && e->name[0]; ) {
		size_t n = strlen(e->name);
		p -= n;
		memcpy(p, e->name, n);
		*--p = '/';
		struct node *dir = e->dir;
		struct node *parent = dir->u.dir.parent;
		if (dir == parent)
			break;
		e = NULL;
		for (size_t i = 0; i < parent->u.dir.nkids; i++)
			if (parent->u.dir.kids[i]->node == dir)
				e = parent->u.dir.kids[i];
	}
	if (p == buf + len + 1)
		*--p = '/';
	memmove(buf, p, strlen(p) + 1);
	return buf;
}

struct walker {
	tree_visit_fn fn;
	void *ctx;
	char *path;
	size_t cap;
};

static int walk_dir(struct walker *w, struct node *dir, size_t plen)
{
	for (size_t i = 0; i < dir->u.dir.nkids; i++) {
		struct dentry *d = dir->u.dir.kids[i];
		size_t n = strlen(d->name);
		if (plen + n + 2 > w->cap) {
			w->cap = (plen + n + 2) * 2;
			w->path = xrealloc(w->path, w->cap);
		}
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, d->name, n + 1);
		int rc = w->fn(w->path, d, w->ctx);
		if (rc)
			return rc;
		if (d->node->type == NODE_DIR && (rc = walk_dir(w, d->node, plen + 1 + n)))
			return rc;
	}
	return 0;
}

int tree_walk(struct tree *t, tree_visit_fn fn, void *ctx)
{
	struct walker w = { fn, ctx, xmalloc(256), 256 };
	strcpy(w.path, "/");
	int rc = fn(w.path, t->rootd, ctx);
	if (!rc)
		rc = walk_dir(&w, t->root, 0);
	free(w.path);
	return rc;
}

static int count(const char *path, const struct dentry *d, void *ctx)
{
	struct tree_stats *st = ctx;
	struct node *n = d->node;
	(void)path;
	st->dentries++;
	if (n->type != NODE_DIR && n->nlink > 1 && n->ino == 1)
		return 0;  /* hard link already counted */
	if (n->type != NODE_DIR && n->nlink > 1)
		n->ino = 1;
	st->inodes++;
	switch (n->type) {
	case NODE_DIR: st->dirs++; break;
	case NODE_REG: st->files++; st->bytes += n->u.reg.size; break;
	case NODE_SYMLINK: st->symlinks++; break;
	default: st->others++; break;
	}
	return 0;
}

static int unmark(const char *path, const struct dentry *d, void *ctx)
{
	(void)path;
	(void)ctx;
	d->node->ino = 0;
	return 0;
}

void tree_stats(struct tree *t, struct tree_stats *st)
{
	memset(st, 0, sizeof(*st));
	tree_walk(t, count, st);
	tree_walk(t, unmark, NULL);
}

const char *node_type_name(enum node_type type)
{
	static const char *const names[] = { "directory", "regular file", "symlink",
		"character device", "block device", "fifo", "socket" };
	return names[type];
}

void **tree_attach(struct tree *t, void (*free_fn)(void *))
{
	t->attached_free = free_fn;
	return &t->attached;
}

