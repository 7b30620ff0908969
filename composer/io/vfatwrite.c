/* The vfat writer: FAT32, or FAT16/FAT12 for small images, with long names, written
 * straight from the frozen tree. Every byte comes from the tree and the image parameters
 * (volume id from the UUID, label, times from the nodes' mtimes), so equal layouts give
 * equal images. The whole layout is planned before anything is written: each directory's
 * entries (short aliases and long names), then clusters in tree order, a directory first
 * and its files after it, each contiguous; then the boot sectors, the FATs, directories and
 * file data are written. All-zero blocks of file data are not written, so the image file
 * keeps the holes of its sources. */
#include "io/vfatwrite.h"
#include "base/diag.h"
#include "io/archive_out.h"
#include "io/fat.h"
#include "io/nodedata.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1u << 20)
#define FAT32_RESERVED 32u
#define FAT_ROOT_ENTRIES 512u
#define FAT32_FROM (260ull << 20)   /* auto: FAT32 from this size, FAT16/12 below */

/* One name in a directory. */
struct fent {
	const struct dentry *d;
	unsigned char shortname[11];
	unsigned char caseflags;   /* lower-case base (0x08) and extension (0x10) */
	uint16_t *lfn;             /* NULL when the short name says it all */
	size_t lfn_len;
};

struct fdir {
	struct node *n;
	const char *path;
	struct fent *e;
	size_t count;
	uint64_t slots;            /* 32-byte entries, with ".", ".." and the label */
	uint32_t first, clusters;
};

struct geom {
	unsigned type;             /* 12, 16, 32 */
	uint32_t total;            /* sectors */
	uint32_t spc;              /* sectors per cluster */
	uint32_t reserved, fat_sectors, root_sectors, root_entries;
	uint32_t data_start, clusters;
};

struct vfat {
	const struct image_params *p;
	const char *out;
	int fd;
	struct fdir *dirs;
	size_t ndirs, capdirs;
	struct geom g;
	uint32_t *fat;
	uint32_t next;             /* next free cluster */
	uint64_t bytes;
	char label[11];
	unsigned char *buf;
	uint64_t data_at;          /* file data being written: image offset */
};

/* ---- names ---- */

static int short_char(unsigned c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'()-@^_`{}~", (int)c)) || c >= 0x80;
}

/* NAME as UTF-16 into OUT (FAT_LFN_MAX units); -1 with *why. */
static int utf16(const char *name, uint16_t *out, size_t *len, const char **why)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = 0;
	while (*s) {
		uint32_t c;
		int more;
		if (*s < 0x80) { c = *s; more = 0; }
		else if ((*s & 0xe0) == 0xc0) { c = *s & 0x1f; more = 1; }
		else if ((*s & 0xf0) == 0xe0) { c = *s & 0x0f; more = 2; }
		else if ((*s & 0xf8) == 0xf0) { c = *s & 0x07; more = 3; }
		else { *why = "is not UTF-8"; return -1; }
		s++;
		for (int i = 0; i < more; i++, s++) {
			if ((*s & 0xc0) != 0x80) {
				*why = "is not UTF-8";
				return -1;
			}
			c = c << 6 | (*s & 0x3f);
		}
		if (c < 0x20 || (c < 0x80 && strchr("\"*/:<>?\\|", (int)c))) {
			*why = "holds a character FAT names cannot (control, \" * / : < > ? \\ |)";
			return -1;
		}
		if (n + (c > 0xffff) + 1 > FAT_LFN_MAX) {
			*why = "is longer than FAT's 255 UTF-16 units";
			return -1;
		}
		if (c > 0xffff) {
			c -= 0x10000;
			out[n++] = (uint16_t)(0xd800 | c >> 10);
			out[n++] = (uint16_t)(0xdc00 | (c & 0x3ff));
		} else {
			out[n++] = (uint16_t)c;
		}
	}
	*len = n;
	return 0;
}

/* An exact 8.3 name, each part in one case: the short name alone holds it. */
static int exact_short(const char *name, unsigned char out[11], unsigned char *flags)
{
	const char *dot = strchr(name, '.');
	size_t bl = dot ? (size_t)(dot - name) : strlen(name), el = dot ? strlen(dot + 1) : 0;
	if (!bl || bl > 8 || el > 3 || (dot && (!el || strchr(dot + 1, '.'))))
		return 0;
	int lower[2] = { 0, 0 }, upper[2] = { 0, 0 };
	memset(out, ' ', 11);
	for (size_t i = 0; name[i]; i++) {
		unsigned c = (unsigned char)name[i];
		if (name + i == dot)
			continue;
		int part = dot && name + i > dot;
		if (c >= 'a' && c <= 'z') {
			lower[part] = 1;
			c -= 32;
		} else if (c >= 'A' && c <= 'Z') {
			upper[part] = 1;
		}
		if (!short_char(c) || c >= 0x80)
			return 0;
		out[part ? 8 + (size_t)(name + i - dot - 1) : i] = (unsigned char)c;
	}
	if ((lower[0] && upper[0]) || (lower[1] && upper[1]))
		return 0;
	*flags = (unsigned char)((lower[0] ? 0x08 : 0) | (lower[1] ? 0x10 : 0));
	if (out[0] == 0xe5)
		out[0] = 0x05;
	return 1;
}

static int short_taken(const struct fdir *d, size_t upto, const unsigned char name[11])
{
	for (size_t i = 0; i < upto; i++)
		if (!memcmp(d->e[i].shortname, name, 11))
			return 1;
	return 0;
}

/* A "BASIS~N.EXT" alias for a long name, unique in the directory: the exact short names
 * are all set before any alias is made, and aliases in name order. */
static void make_alias(const struct fdir *d, const char *name, unsigned char out[11])
{
	char base[9] = "", ext[4] = "";
	const char *dot = strrchr(name, '.');
	if (dot == name)
		dot = NULL;            /* ".profile": no extension */
	size_t b = 0, e = 0;
	/* One '_' per character FAT short names cannot hold (UTF-8 continuation bytes
	 * are skipped). */
	for (const char *s = name; *s && (!dot || s < dot) && b < 8; s++) {
		unsigned c = (unsigned char)*s;
		if (c == ' ' || c == '.' || (c & 0xc0) == 0x80)
			continue;
		c = c >= 'a' && c <= 'z' ? c - 32 : c;
		base[b++] = short_char(c) && c < 0x80 ? (char)c : '_';
	}
	for (const char *s = dot ? dot + 1 : ""; *s && e < 3; s++) {
		unsigned c = (unsigned char)*s;
		if (c == ' ' || c == '.' || (c & 0xc0) == 0x80)
			continue;
		c = c >= 'a' && c <= 'z' ? c - 32 : c;
		ext[e++] = short_char(c) && c < 0x80 ? (char)c : '_';
	}
	if (!b)
		base[b++] = '_';
	/* Built aside: OUT is the entry's own short name, which the search compares too. */
	for (unsigned n = 1; n < 1000000; n++) {
		unsigned char alias[11];
		char tail[12];
		int tl = snprintf(tail, sizeof(tail), "~%u", n);
		size_t keep = b + (size_t)tl > 8 ? 8 - (size_t)tl : b;
		memset(alias, ' ', 11);
		memcpy(alias, base, keep);
		memcpy(alias + keep, tail, (size_t)tl);
		memcpy(alias + 8, ext, e);
		if (!short_taken(d, d->count, alias)) {
			memcpy(out, alias, 11);
			return;
		}
	}
}

/* ASCII letters fold: FAT looks names up without case. */
static int same_name_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int x = *a >= 'a' && *a <= 'z' ? *a - 32 : *a, y = *b >= 'a' && *b <= 'z' ? *b - 32 : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

static int plan_names(struct vfat *v, struct fdir *d, int root)
{
	const struct node *n = d->n;
	d->count = n->u.dir.nkids;
	d->e = xcalloc(d->count ? d->count : 1, sizeof(*d->e));
	d->slots = root ? (v->label[0] != ' ') : 2;   /* the label, or "." and ".." */
	uint16_t u[FAT_LFN_MAX];
	int bad = 0;
	/* Exact short names first: aliases must not take them. */
	for (size_t i = 0; i < d->count; i++) {
		struct fent *f = &d->e[i];
		const char *name = n->u.dir.kids[i]->name, *why = NULL;
		size_t len = strlen(name);
		f->d = n->u.dir.kids[i];
		if (name[len - 1] == '.' || name[len - 1] == ' ')
			why = "ends in a dot or a space, which FAT drops";
		else if (utf16(name, u, &f->lfn_len, &why) == 0 &&
			 !exact_short(name, f->shortname, &f->caseflags)) {
			f->lfn = xmalloc(f->lfn_len * sizeof(*f->lfn));
			memcpy(f->lfn, u, f->lfn_len * sizeof(*f->lfn));
			memset(f->shortname, 0, sizeof(f->shortname));   /* its alias comes later */
		}
		for (size_t j = 0; !why && j < i; j++)
			if (same_name_nocase(name, n->u.dir.kids[j]->name))
				why = "differs from another name in the directory only in case";
		if (why) {
			diag_error("%s: %s/%s: the name %s", f->d->node->origin,
				   strcmp(d->path, "/") ? d->path : "", name, why);
			bad = 1;
		}
	}
	for (size_t i = 0; !bad && i < d->count; i++) {
		struct fent *f = &d->e[i];
		if (f->lfn)
			make_alias(d, f->d->name, f->shortname);
		d->slots += 1 + (f->lfn ? (f->lfn_len + 12) / 13 : 0);
	}
	if (!bad && d->slots > FAT_MAX_DIR_ENTRIES) {
		diag_error("%s: %llu directory entries, more than FAT's %u", d->path,
			   (unsigned long long)d->slots, FAT_MAX_DIR_ENTRIES);
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* ---- planning ---- */

struct plan_ctx {
	struct vfat *v;
	unsigned dropped;
	int bad;
};

static int kinds_ok(const char *path, const struct dentry *de, void *arg)
{
	struct plan_ctx *c = arg;
	const struct node *n = de->node;
	if (n->type != NODE_DIR && n->type != NODE_REG) {
		diag_error("%s: %s: a %s: vfat holds regular files and directories only", n->origin,
			   path, node_type_name(n->type));
		c->bad = 1;
		return 0;
	}
	if (n->type == NODE_REG && n->nlink > 1) {
		diag_error("%s: %s: a hard link (%u names): vfat holds one name per file",
			   n->origin, path, n->nlink);
		c->bad = 1;
	}
	if (n->type == NODE_REG && n->u.reg.size > FAT_MAX_FILE) {
		diag_error("%s: %s: %llu bytes, more than FAT's largest file (4 GiB - 1)",
			   n->origin, path, (unsigned long long)n->u.reg.size);
		c->bad = 1;
	}
	if (n->mtime < 315532800 || n->mtime > 4354819199LL) {
		diag_error("%s: %s: time %lld is outside FAT's 1980 to 2107", n->origin, path,
			   (long long)n->mtime);
		c->bad = 1;
	}
	unsigned def = n->type == NODE_DIR ? 0755 : (n->mode & 0111 ? 0755 : 0644);
	if (n->uid || n->gid || n->mode != def || n->xattrs)
		c->dropped++;
	if (n->type == NODE_DIR) {
		struct vfat *v = c->v;
		if (v->ndirs == v->capdirs) {
			v->capdirs = v->capdirs ? 2 * v->capdirs : 64;
			v->dirs = xrealloc(v->dirs, v->capdirs * sizeof(*v->dirs));
		}
		v->dirs[v->ndirs++] = (struct fdir){ .n = (struct node *)n, .path = xstrdup(path) };
	}
	return 0;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* Clusters the content takes with clusters of CB bytes (the FAT12/16 root excepted). */
static uint64_t content_clusters(const struct vfat *v, uint32_t cb, int fat32)
{
	uint64_t c = 0;
	for (size_t i = 0; i < v->ndirs; i++)
		if (i || fat32)
			c += div_up(v->dirs[i].slots * FAT_DIRENT, cb);
	for (size_t i = 0; i < v->ndirs; i++) {
		const struct node *d = v->dirs[i].n;
		for (size_t k = 0; k < d->u.dir.nkids; k++) {
			const struct node *n = d->u.dir.kids[k]->node;
			if (n->type == NODE_REG)
				c += div_up(n->u.reg.size, cb);
		}
	}
	return c;
}

/* The layout of a TYPE file system of TOTAL sectors with SPC-sector clusters: 0 when
 * its cluster count is TYPE's, else -1. */
static int geom_for(unsigned type, uint64_t total, uint32_t spc, uint32_t root_entries,
		    struct geom *g)
{
	if (total > UINT32_MAX)
		return -1;
	memset(g, 0, sizeof(*g));
	g->type = type;
	g->total = (uint32_t)total;
	g->spc = spc;
	g->reserved = type == 32 ? FAT32_RESERVED : 1;
	g->root_entries = type == 32 ? 0 : (uint32_t)div_up(root_entries, 16) * 16;
	g->root_sectors = g->root_entries * FAT_DIRENT / FAT_SECTOR;
	uint32_t fs = 1;
	for (;;) {
		uint64_t meta = g->reserved + 2ull * fs + g->root_sectors;
		if (meta >= total)
			return -1;
		uint64_t clusters = (total - meta) / spc;
		uint64_t need = div_up((clusters + 2) * type / 8, FAT_SECTOR);
		if (need <= fs) {
			g->fat_sectors = fs;
			g->data_start = (uint32_t)meta;
			g->clusters = (uint32_t)clusters;
			break;
		}
		fs = (uint32_t)need;
	}
	if (type == 12)
		return g->clusters <= FAT12_MAX_CLUSTERS ? 0 : -1;
	if (type == 16)
		return g->clusters > FAT12_MAX_CLUSTERS && g->clusters <= FAT16_MAX_CLUSTERS ? 0 : -1;
	return g->clusters > FAT16_MAX_CLUSTERS && g->clusters <= FAT32_MAX_CLUSTERS ? 0 : -1;
}

/* The type and cluster size for TOTAL sectors: image.block_size, or FAT16/12 with the
 * smallest clusters that fit below FAT32_FROM and FAT32 with Microsoft's cluster sizes
 * above. */
static int pick_geom(const struct vfat *v, uint64_t total, struct geom *g)
{
	uint32_t root = (uint32_t)(v->dirs[0].slots > FAT_ROOT_ENTRIES ? v->dirs[0].slots :
				   FAT_ROOT_ENTRIES);
	static const unsigned order[] = { 32, 16, 12 };
	if (v->p->block_size) {
		for (int i = 0; i < 3; i++)
			if (!geom_for(order[i], total, v->p->block_size / FAT_SECTOR, root, g))
				return 0;
		return -1;
	}
	uint64_t bytes = total * FAT_SECTOR;
	if (bytes < FAT32_FROM) {
		for (uint32_t spc = 1; spc <= 64; spc *= 2)
			if (!geom_for(16, total, spc, root, g) || !geom_for(12, total, spc, root, g))
				return 0;
		return -1;
	}
	uint32_t spc = bytes <= (8ull << 30) ? 8 : bytes <= (16ull << 30) ? 16 :
		       bytes <= (32ull << 30) ? 32 : 64;
	for (; spc >= 1; spc /= 2)
		if (!geom_for(32, total, spc, root, g))
			return 0;
	return -1;
}

static uint64_t headroom(const struct image_params *p, uint64_t used, uint64_t unit)
{
	if (p->headroom_bytes)
		return div_up(p->headroom_bytes, unit);
	return div_up(used * p->headroom_pct, 100);
}

/* The smallest whole MiB that holds the content, plus headroom when ROOM. */
static int auto_size(struct vfat *v, int room, struct geom *g)
{
	uint64_t total = MIB / FAT_SECTOR;
	for (int tries = 0; tries < 100000; tries++) {
		if (!pick_geom(v, total, g)) {
			uint32_t cb = g->spc * FAT_SECTOR;
			uint64_t need = content_clusters(v, cb, g->type == 32);
			/* FAT32's root takes clusters from the same pool: it is counted. */
			uint64_t want = need + (room ? headroom(v->p, need, cb) : 0);
			if (g->clusters >= want)
				return 0;
			total += div_up((want - g->clusters) * g->spc, MIB / FAT_SECTOR) *
				 (MIB / FAT_SECTOR);
		} else {
			total += MIB / FAT_SECTOR;
		}
	}
	diag_error("%s: cannot size a FAT file system for this content", v->out);
	return -1;
}

static int size_fs(struct vfat *v)
{
	const struct image_params *p = v->p;
	struct geom *g = &v->g, fit;
	if (!p->size)
		return auto_size(v, 1, g);
	uint64_t total = p->size / FAT_SECTOR;
	if (!pick_geom(v, total, g)) {
		uint64_t need = content_clusters(v, g->spc * FAT_SECTOR, g->type == 32);
		if (need <= g->clusters)
			return 0;
	}
	if (auto_size(v, 0, &fit))
		return -1;
	diag_error("image too small: image.size %llu bytes holds no FAT file system with room "
		   "for the content%s; use image.size of at least %lluM, or \"auto\"",
		   (unsigned long long)p->size, p->block_size ? " in clusters of that size" : "",
		   (unsigned long long)div_up((uint64_t)fit.total * FAT_SECTOR, MIB));
	return -1;
}

/* ---- allocation ---- */

static void chain(struct vfat *v, uint32_t first, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		v->fat[first + i] = i + 1 < n ? first + i + 1 : 0x0FFFFFFF;
}

static uint32_t alloc(struct vfat *v, uint64_t bytes, uint32_t *count)
{
	uint32_t cb = v->g.spc * FAT_SECTOR;
	uint32_t n = (uint32_t)div_up(bytes, cb);
	*count = n;
	if (!n)
		return 0;
	uint32_t first = v->next;
	chain(v, first, n);
	v->next += n;
	return first;
}

/* A directory, then its files: each contiguous. The FAT12/16 root has its own area. */
static void allocate(struct vfat *v)
{
	v->next = 2;
	for (size_t i = 0; i < v->ndirs; i++) {
		struct fdir *d = &v->dirs[i];
		if (i || v->g.type == 32)
			d->first = alloc(v, d->slots * FAT_DIRENT, &d->clusters);
		if (!d->clusters && (i || v->g.type == 32))
			d->first = alloc(v, 1, &d->clusters);   /* never empty: "." lives there */
		d->n->ino = d->first;
		for (size_t k = 0; k < d->n->u.dir.nkids; k++) {
			struct node *n = d->n->u.dir.kids[k]->node;
			uint32_t count;
			if (n->type == NODE_REG)
				n->ino = alloc(v, n->u.reg.size, &count);
		}
	}
}

/* ---- writing ---- */

static int put(struct vfat *v, const void *buf, size_t len, uint64_t off)
{
	for (size_t done = 0; done < len;) {
		ssize_t r = pwrite(v->fd, (const char *)buf + done, len - done, (off_t)(off + done));
		if (r < 0) {
			diag_error("%s: cannot write: %s", v->out, strerror(errno));
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

static uint64_t cluster_at(const struct vfat *v, uint32_t c)
{
	return ((uint64_t)v->g.data_start + (uint64_t)(c - 2) * v->g.spc) * FAT_SECTOR;
}

/* FAT time and date of T, as UTC. */
static void fat_time(int64_t t, unsigned char time[2], unsigned char date[2])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	fat_put16(time, (unsigned)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2));
	fat_put16(date, (unsigned)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday));
}

static void short_entry(unsigned char *e, const unsigned char name[11], unsigned attr,
			unsigned char caseflags, uint32_t cluster, uint32_t size, int64_t mtime)
{
	memset(e, 0, FAT_DIRENT);
	memcpy(e, name, 11);
	e[11] = (unsigned char)attr;
	e[12] = caseflags;
	e[13] = (unsigned char)(mtime % 2 ? 100 : 0);      /* creation, 10 ms units */
	fat_time(mtime, e + 14, e + 16);                   /* created */
	fat_time(mtime, e + 22, e + 24);                   /* written */
	memcpy(e + 18, e + 24, 2);                         /* accessed: the date */
	fat_put16(e + 20, cluster >> 16);
	fat_put16(e + 26, cluster & 0xffff);
	fat_put32(e + 28, size);
}

/* A name's long-name entries, last part first, then its short entry. Returns slots. */
static size_t name_entries(unsigned char *e, const struct fent *f, unsigned attr,
			   uint32_t cluster, uint32_t size)
{
	size_t parts = f->lfn ? (f->lfn_len + 12) / 13 : 0, k = 0;
	unsigned char sum = fat_lfn_checksum(f->shortname);
	for (size_t part = parts; part-- > 0; k++) {
		unsigned char *l = e + k * FAT_DIRENT;
		memset(l, 0, FAT_DIRENT);
		l[0] = (unsigned char)((part + 1) | (part + 1 == parts ? 0x40 : 0));
		l[11] = FAT_ATTR_LFN;
		l[13] = sum;
		for (size_t j = 0; j < 13; j++) {
			size_t at = part * 13 + j;
			unsigned u = at < f->lfn_len ? f->lfn[at] : at == f->lfn_len ? 0 : 0xffff;
			fat_put16(l + fat_lfn_offsets[j], u);
		}
	}
	short_entry(e + k * FAT_DIRENT, f->shortname, attr, f->caseflags, cluster, size,
		    f->d->node->mtime);
	return k + 1;
}

static int write_dir(struct vfat *v, size_t i)
{
	struct fdir *d = &v->dirs[i];
	int root = i == 0;
	size_t len = root && v->g.type != 32 ? (size_t)v->g.root_sectors * FAT_SECTOR :
		     (size_t)d->clusters * v->g.spc * FAT_SECTOR;
	unsigned char *b = xcalloc(1, len), *e = b;
	if (root && v->label[0] != ' ') {
		short_entry(e, (const unsigned char *)v->label, FAT_ATTR_VOLUME, 0, 0, 0,
			    v->p->timestamp);
		e += FAT_DIRENT;
	}
	if (!root) {
		struct fent dot = { .d = NULL };
		const struct node *up = d->n->u.dir.parent;
		memset(dot.shortname, ' ', 11);
		dot.shortname[0] = '.';
		short_entry(e, dot.shortname, FAT_ATTR_DIR, 0, d->first, 0, d->n->mtime);
		dot.shortname[1] = '.';
		/* ".." of a directory in the root (its own parent) says cluster 0, FAT32 too. */
		short_entry(e + FAT_DIRENT, dot.shortname, FAT_ATTR_DIR, 0,
			    up->u.dir.parent != up ? up->ino : 0, 0, up->mtime);
		e += 2 * FAT_DIRENT;
	}
	for (size_t k = 0; k < d->count; k++) {
		const struct node *n = d->e[k].d->node;
		int dir = n->type == NODE_DIR;
		e += FAT_DIRENT * name_entries(e, &d->e[k], dir ? FAT_ATTR_DIR : FAT_ATTR_ARCHIVE,
					       n->ino, dir ? 0 : (uint32_t)n->u.reg.size);
	}
	uint64_t at = root && v->g.type != 32 ?
		(uint64_t)(v->g.reserved + 2 * v->g.fat_sectors) * FAT_SECTOR :
		cluster_at(v, d->first);
	int rc = put(v, b, len, at);
	free(b);
	return rc;
}

/* File data, leaving all-zero blocks unwritten: the new image file reads them as zeros
 * and stays sparse there. */
static int put_data(const void *buf, size_t len, void *arg)
{
	struct vfat *v = arg;
	const char *p = buf;
	for (size_t off = 0; off < len; off += HOLE_BLOCK) {
		size_t n = len - off < HOLE_BLOCK ? len - off : HOLE_BLOCK;
		if (!zero_block(p + off, n) && put(v, p + off, n, v->data_at + off))
			return -1;
	}
	v->data_at += len;
	v->bytes += len;
	return 0;
}

static int write_files(struct vfat *v)
{
	for (size_t i = 0; i < v->ndirs; i++) {
		const struct node *d = v->dirs[i].n;
		for (size_t k = 0; k < d->u.dir.nkids; k++) {
			const struct node *n = d->u.dir.kids[k]->node;
			if (n->type != NODE_REG || !n->u.reg.size)
				continue;
			v->data_at = cluster_at(v, n->ino);
			if (node_stream(n, put_data, v))
				return -1;
		}
	}
	return 0;
}

static int write_fats(struct vfat *v)
{
	const struct geom *g = &v->g;
	size_t len = (size_t)g->fat_sectors * FAT_SECTOR;
	unsigned char *b = xcalloc(1, len);
	v->fat[0] = 0x0FFFFF00 | 0xF8;   /* media byte */
	v->fat[1] = 0x0FFFFFFF;          /* end of chain; clean, no errors */
	for (uint32_t c = 0; c < g->clusters + 2; c++) {
		uint32_t x = v->fat[c];
		if (g->type == 32) {
			fat_put32(b + 4 * c, x & 0x0FFFFFFF);
		} else if (g->type == 16) {
			fat_put16(b + 2 * c, x >= 0x0FFFFFF8 ? 0xFFF8 | (x & 7) : x & 0xFFFF);
		} else {
			unsigned y = x >= 0x0FFFFFF8 ? 0xFF8 | (x & 7) : x & 0xFFF;
			unsigned char *p = b + c * 3 / 2;
			if (c & 1) {
				p[0] = (unsigned char)((p[0] & 0x0f) | (y & 0x0f) << 4);
				p[1] = (unsigned char)(y >> 4);
			} else {
				p[0] = (unsigned char)y;
				p[1] = (unsigned char)((p[1] & 0xf0) | (y >> 8));
			}
		}
	}
	int rc = put(v, b, len, (uint64_t)g->reserved * FAT_SECTOR) ||
		 put(v, b, len, (uint64_t)(g->reserved + g->fat_sectors) * FAT_SECTOR);
	free(b);
	return rc;
}

static int write_boot(struct vfat *v)
{
	const struct geom *g = &v->g;
	unsigned char b[FAT_SECTOR];
	memset(b, 0, sizeof(b));
	b[0] = 0xEB;
	b[1] = g->type == 32 ? 0x58 : 0x3C;
	b[2] = 0x90;
	memcpy(b + 3, "lsbimg  ", 8);
	fat_put16(b + 11, FAT_SECTOR);
	b[13] = (unsigned char)g->spc;
	fat_put16(b + 14, g->reserved);
	b[16] = 2;                                       /* FATs */
	fat_put16(b + 17, g->root_entries);
	fat_put16(b + 19, g->total < 65536 && g->type != 32 ? g->total : 0);
	b[21] = 0xF8;                                    /* fixed disk */
	fat_put16(b + 22, g->type == 32 ? 0 : g->fat_sectors);
	fat_put16(b + 24, 32);                           /* sectors per track */
	fat_put16(b + 26, 64);                           /* heads */
	fat_put32(b + 32, g->total < 65536 && g->type != 32 ? 0 : g->total);
	unsigned char *x = b + 36;                       /* the extended BPB */
	if (g->type == 32) {
		fat_put32(b + 36, g->fat_sectors);
		fat_put32(b + 44, 2);                    /* root cluster */
		fat_put16(b + 48, 1);                    /* FSInfo sector */
		fat_put16(b + 50, 6);                    /* backup boot sector */
		x = b + 64;
	}
	x[0] = 0x80;                                     /* drive number */
	x[2] = 0x29;                                     /* id, label and type follow */
	memcpy(x + 3, v->p->uuid, 4);                    /* volume id */
	memcpy(x + 7, v->label[0] != ' ' ? v->label : "NO NAME    ", 11);
	memcpy(x + 18, g->type == 32 ? "FAT32   " : g->type == 16 ? "FAT16   " : "FAT12   ", 8);
	b[510] = 0x55;
	b[511] = 0xAA;
	if (put(v, b, sizeof(b), 0))
		return -1;
	if (g->type != 32)
		return 0;
	unsigned char fsi[FAT_SECTOR];
	memset(fsi, 0, sizeof(fsi));
	fat_put32(fsi, 0x41615252);
	fat_put32(fsi + 484, 0x61417272);
	fat_put32(fsi + 488, g->clusters - (v->next - 2));   /* free clusters */
	fat_put32(fsi + 492, v->next);                        /* next free */
	fat_put32(fsi + 508, 0xAA550000);
	return put(v, fsi, sizeof(fsi), FAT_SECTOR) ||
	       put(v, b, sizeof(b), 6 * FAT_SECTOR) || put(v, fsi, sizeof(fsi), 7 * FAT_SECTOR);
}

/* The label as FAT stores it: image.label (by default the image name the layout sets)
 * upper-cased, in 11 bytes; none when empty. */
static void make_label(struct vfat *v)
{
	const char *l = v->p->label;
	memset(v->label, ' ', sizeof(v->label));
	for (size_t i = 0; l[i] && i < sizeof(v->label); i++) {
		unsigned c = (unsigned char)l[i];
		c = c >= 'a' && c <= 'z' ? c - 32 : c;
		v->label[i] = short_char(c) || c == ' ' ? (char)c : '_';
	}
}

int vfat_write(struct tree *t, const struct image_params *p, const char *path, int fd,
	       struct output_result *res)
{
	struct vfat v = { .p = p, .out = p->output, .fd = fd };
	struct plan_ctx c = { &v, 0, 0 };
	int rc = -1;
	(void)path;
	make_label(&v);
	tree_walk(t, kinds_ok, &c);
	for (size_t i = 0; !c.bad && i < v.ndirs; i++)
		if (plan_names(&v, &v.dirs[i], i == 0))
			c.bad = 1;
	if (c.bad || size_fs(&v))
		goto out;
	if (c.dropped)
		diag_warn("%s: vfat keeps no owners, permissions or extended attributes: those of "
			  "%u files and directories are dropped (docs/layout.md)", v.out, c.dropped);
	v.fat = xcalloc((size_t)v.g.clusters + 2, sizeof(*v.fat));
	allocate(&v);
	if (ftruncate(fd, (off_t)v.g.total * FAT_SECTOR)) {
		diag_error("%s: %s", v.out, strerror(errno));
		goto out;
	}
	if (write_boot(&v) || write_fats(&v))
		goto out;
	for (size_t i = 0; i < v.ndirs; i++)
		if (write_dir(&v, i))
			goto out;
	if (write_files(&v))
		goto out;
	res->blocks = v.g.clusters;
	res->blocks_used = v.next - 2;
	res->inodes = 1;   /* the root, and every name (vfat has no links) */
	for (size_t i = 0; i < v.ndirs; i++)
		res->inodes += v.dirs[i].count;
	res->inodes_used = res->inodes;
	res->bytes = v.bytes;
	res->image_size = (uint64_t)v.g.total * FAT_SECTOR;
	rc = 0;
out:
	for (size_t i = 0; i < v.ndirs; i++) {
		for (size_t k = 0; k < v.dirs[i].count; k++)
			free(v.dirs[i].e[k].lfn);
		free(v.dirs[i].e);
		free((char *)v.dirs[i].path);
	}
	free(v.dirs);
	free(v.fat);
	return rc;
}
