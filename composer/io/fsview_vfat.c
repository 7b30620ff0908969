/* Reading a FAT12/16/32 image: the boot sector's geometry, the first FAT, and every
 * directory with its long names, read once into a tree; file data follows the cluster
 * chains on demand. FAT has no owners or modes: files show as 0644 (0444 when read-only),
 * directories as 0755, all root's. Corrupt images (chains out of range or looping,
 * nonsense geometry) are refused, never followed without bound. */
#include "io/imgview.h"
#include "io/disk.h"
#include "base/diag.h"
#include "io/fat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct fatfile {
	uint32_t first;
	uint32_t size;
	/* Where the last read ended, so sequential reads do not walk the chain again. */
	uint32_t at_index, at_cluster;
};

struct fatview {
	int fd;
	uint64_t base, len;            /* the file system's bytes in the file */
	const char *path;
	unsigned type;
	uint32_t spc, cb, reserved, nfats, fat_sectors, root_entries, root_cluster;
	uint32_t data_start, clusters, total;
	uint32_t volid;
	char label[12];
	uint32_t *fat;                 /* next cluster of each, decoded */
	struct fatfile *files;
	unsigned nfiles, cap;
};

static void fv_close(void *backend)
{
	struct fatview *f = backend;
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->fat);
	free(f->files);
	free(f);
}

static int bad(struct fatview *f, const char *why)
{
	diag_error_at(f->path, 0, "not a readable FAT file system: %s", why);
	return -1;
}

static int read_at(struct fatview *f, void *buf, size_t len, uint64_t off)
{
	for (size_t done = 0; done < len;) {
		ssize_t r = pread(f->fd, (char *)buf + done, len - done,
				  (off_t)(f->base + off + done));
		if (r <= 0) {
			errno = r ? errno : EIO;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

static int geometry(struct fatview *f)
{
	unsigned char b[FAT_SECTOR];
	struct stat st;
	if (read_at(f, b, sizeof(b), 0) || fstat(f->fd, &st))
		return bad(f, "cannot read the boot sector");
	unsigned bps = fat_get16(b + 11);
	f->spc = b[13];
	f->reserved = fat_get16(b + 14);
	f->nfats = b[16];
	f->root_entries = fat_get16(b + 17);
	f->total = fat_get16(b + 19) ? fat_get16(b + 19) : fat_get32(b + 32);
	f->fat_sectors = fat_get16(b + 22) ? fat_get16(b + 22) : fat_get32(b + 36);
	if (bps != FAT_SECTOR)
		return bad(f, "sectors other than 512 bytes");
	if (!f->spc || (f->spc & (f->spc - 1)) || !f->reserved || !f->nfats || !f->fat_sectors)
		return bad(f, "inconsistent boot sector");
	uint64_t root_sectors = (uint64_t)f->root_entries * FAT_DIRENT / FAT_SECTOR;
	uint64_t start = f->reserved + (uint64_t)f->nfats * f->fat_sectors + root_sectors;
	if (!f->len)
		f->len = (uint64_t)st.st_size - f->base;
	if (start >= f->total || (uint64_t)f->total * FAT_SECTOR > f->len)
		return bad(f, "the boot sector describes more than the file holds");
	f->data_start = (uint32_t)start;
	f->cb = f->spc * FAT_SECTOR;
	f->clusters = (f->total - f->data_start) / f->spc;
	f->type = f->clusters <= FAT12_MAX_CLUSTERS ? 12 : f->clusters <= FAT16_MAX_CLUSTERS ? 16 : 32;
	const unsigned char *x = b + (f->type == 32 ? 64 : 36);
	if (f->type == 32) {
		f->root_cluster = fat_get32(b + 44);
		if (f->root_entries)
			return bad(f, "FAT32 with a fixed root directory");
	}
	if (x[2] == 0x29) {
		f->volid = fat_get32(x + 3);
		memcpy(f->label, x + 7, 11);
		for (int i = 10; i >= 0 && f->label[i] == ' '; i--)
			f->label[i] = 0;
	}
	return 0;
}

static int load_fat(struct fatview *f)
{
	size_t len = (size_t)f->fat_sectors * FAT_SECTOR;
	unsigned char *b = malloc(len);
	if (!b || read_at(f, b, len, (uint64_t)f->reserved * FAT_SECTOR)) {
		free(b);
		return bad(f, "cannot read the FAT");
	}
	uint64_t n = (uint64_t)f->clusters + 2;
	if (n * f->type / 8 > len) {
		free(b);
		return bad(f, "the FAT is smaller than the clusters it maps");
	}
	f->fat = xcalloc(n, sizeof(*f->fat));
	for (uint32_t c = 0; c < n; c++) {
		uint32_t v;
		if (f->type == 32) {
			v = fat_get32(b + 4 * c) & 0x0FFFFFFF;
		} else if (f->type == 16) {
			v = fat_get16(b + 2 * c);
			v = v >= 0xFFF8 ? 0x0FFFFFFF : v;
		} else {
			unsigned w = fat_get16(b + c * 3 / 2);
			v = c & 1 ? w >> 4 : w & 0xFFF;
			v = v >= 0xFF8 ? 0x0FFFFFFF : v;
		}
		f->fat[c] = v;
	}
	free(b);
	return 0;
}

/* The cluster after C, or 0 at the end; -1 (as UINT32_MAX) when C leads nowhere valid. */
static uint32_t next_cluster(const struct fatview *f, uint32_t c)
{
	if (c < 2 || c >= f->clusters + 2)
		return UINT32_MAX;
	uint32_t n = f->fat[c];
	if (n >= 0x0FFFFFF8)
		return 0;
	return n >= 2 && n < f->clusters + 2 ? n : UINT32_MAX;
}

/* The bytes of the cluster chain from FIRST (a directory): malloc'd, *len set. */
static unsigned char *read_chain(struct fatview *f, uint32_t first, size_t *len)
{
	size_t cap = 0, n = 0;
	unsigned char *b = NULL;
	for (uint32_t c = first, steps = 0; c; c = next_cluster(f, c), steps++) {
		if (c == UINT32_MAX || c < 2 || c >= f->clusters + 2 || steps > f->clusters ||
		    n + f->cb > (size_t)FAT_MAX_DIR_ENTRIES * FAT_DIRENT) {
			free(b);
			return NULL;
		}
		if (n + f->cb > cap) {
			cap = cap ? 2 * cap : f->cb;
			b = xrealloc(b, cap);
		}
		if (read_at(f, b + n, f->cb,
			    ((uint64_t)f->data_start + (uint64_t)(c - 2) * f->spc) * FAT_SECTOR)) {
			free(b);
			return NULL;
		}
		n += f->cb;
	}
	*len = n;
	return b ? b : xcalloc(1, 1);
}

static int64_t fat_mtime(const unsigned char *e)
{
	unsigned t = fat_get16(e + 22), d = fat_get16(e + 24);
	struct tm tm = { .tm_sec = (int)(t & 31) * 2, .tm_min = (int)(t >> 5 & 63),
			 .tm_hour = (int)(t >> 11), .tm_mday = (int)(d & 31),
			 .tm_mon = (int)(d >> 5 & 15) - 1, .tm_year = (int)(d >> 9) + 80 };
	return (int64_t)timegm(&tm);
}

/* UTF-16 to UTF-8 into OUT (at least 4 * 255 + 1 bytes). -1 on a bad surrogate. */
static int utf8(const uint16_t *u, size_t n, char *out)
{
	char *o = out;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = u[i];
		if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && u[i + 1] >= 0xdc00 && u[i + 1] < 0xe000)
			c = 0x10000 + ((c - 0xd800) << 10) + (u[++i] - 0xdc00);
		else if (c >= 0xd800 && c < 0xe000)
			return -1;
		if (c < 0x80) {
			*o++ = (char)c;
		} else if (c < 0x800) {
			*o++ = (char)(0xc0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			*o++ = (char)(0xe0 | c >> 12);
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		} else {
			*o++ = (char)(0xf0 | c >> 18);
			*o++ = (char)(0x80 | (c >> 12 & 0x3f));
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*o = 0;
	return 0;
}

/* The short name as a name, with the lower-case flags applied. */
static void short_name(const unsigned char *e, char *out)
{
	size_t n = 0;
	for (int i = 0; i < 8 && e[i] != ' '; i++) {
		unsigned c = i == 0 && e[0] == 0x05 ? 0xe5 : e[i];
		out[n++] = (char)((e[12] & 0x08) && c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	if (e[8] != ' ') {
		out[n++] = '.';
		for (int i = 8; i < 11 && e[i] != ' '; i++)
			out[n++] = (char)((e[12] & 0x10) && e[i] >= 'A' && e[i] <= 'Z' ? e[i] + 32 : e[i]);
	}
	out[n] = 0;
}

static int load_dir(struct imgview *iv, struct fatview *f, const unsigned char *b, size_t len,
		    const char *path, unsigned depth);

static int add_entry(struct imgview *iv, struct fatview *f, const unsigned char *e,
		     const char *name, const char *path, unsigned depth)
{
	char *cp = xasprintf("%s/%s", strcmp(path, "/") ? path : "", name);
	int dir = e[11] & FAT_ATTR_DIR, rc = 0;
	uint32_t first = fat_get16(e + 26) | (uint32_t)(f->type == 32 ? fat_get16(e + 20) : 0) << 16;
	struct node *n = tree_node_new(iv->t, dir ? NODE_DIR : NODE_REG, "(vfat)");
	const char *why = NULL;
	n->mode = dir ? 0755 : e[11] & FAT_ATTR_RO ? 0444 : 0644;
	n->mtime = fat_mtime(e);
	if (!dir) {
		if (f->nfiles == f->cap) {
			f->cap = f->cap ? 2 * f->cap : 256;
			f->files = xrealloc(f->files, f->cap * sizeof(*f->files));
		}
		f->files[f->nfiles++] = (struct fatfile){ first, fat_get32(e + 28), 0, first };
		n->src = SRC_EMPTY;
		n->u.reg.size = fat_get32(e + 28);
		n->u.reg.off = f->nfiles;
	}
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		diag_error_at(f->path, 0, "%s: corrupt: a bad name", cp);
		rc = -1;
	} else if (tree_add(iv->t, NULL, cp, n, 0, &why)) {
		diag_error_at(f->path, 0, "%s: corrupt: %s", cp, why);
		rc = -1;
	} else if (dir) {
		size_t dl;
		unsigned char *db = read_chain(f, first, &dl);
		if (!db) {
			diag_error_at(f->path, 0, "%s: corrupt: a bad cluster chain", cp);
			rc = -1;
		} else {
			rc = load_dir(iv, f, db, dl, cp, depth + 1);
			free(db);
		}
	}
	free(cp);
	return rc;
}

static int load_dir(struct imgview *iv, struct fatview *f, const unsigned char *b, size_t len,
		    const char *path, unsigned depth)
{
	uint16_t lfn[20 * 13];
	size_t lfn_len = 0;
	int lfn_parts = 0;
	unsigned char sum = 0;
	if (depth > 256) {
		diag_error_at(f->path, 0, "%s: directories nested too deep (corrupt?)", path);
		return -1;
	}
	for (size_t off = 0; off + FAT_DIRENT <= len; off += FAT_DIRENT) {
		const unsigned char *e = b + off;
		if (e[0] == 0)
			break;
		if (e[0] == 0xe5) {
			lfn_parts = 0;
			continue;
		}
		if ((e[11] & 0x3f) == FAT_ATTR_LFN) {
			int seq = e[0] & 0x1f;
			if ((e[0] & 0x40) || !lfn_parts) {
				lfn_parts = seq;
				lfn_len = 0;
				sum = e[13];
				memset(lfn, 0xff, sizeof(lfn));
			}
			if (seq < 1 || seq > 20 || e[13] != sum) {
				lfn_parts = 0;
				continue;
			}
			for (int j = 0; j < 13; j++) {
				size_t at = (size_t)(seq - 1) * 13 + (size_t)j;
				lfn[at] = (uint16_t)fat_get16(e + fat_lfn_offsets[j]);
				if (lfn[at] == 0 && (!lfn_len || at < lfn_len))
					lfn_len = at;
			}
			if ((e[0] & 0x40) && lfn[(size_t)seq * 13 - 1] != 0 && lfn[(size_t)seq * 13 - 1] != 0xffff)
				lfn_len = (size_t)seq * 13;
			continue;
		}
		int have_lfn = lfn_parts && fat_lfn_checksum(e) == sum;
		lfn_parts = 0;
		if (e[11] & FAT_ATTR_VOLUME || e[0] == '.')
			continue;
		char name[4 * FAT_LFN_MAX + 1];
		if (!have_lfn || utf8(lfn, lfn_len, name) || !*name)
			short_name(e, name);
		if (add_entry(iv, f, e, name, path, depth))
			return -1;
	}
	return 0;
}

static int fv_load(struct imgview *iv, const char *path)
{
	struct fatview *f = xcalloc(1, sizeof(*f));
	char *file;
	f->path = path;
	f->fd = -1;
	if (disk_resolve(path, &file, &f->base, &f->len)) {
		fv_close(f);
		return -1;
	}
	f->fd = open(file, O_RDONLY | O_CLOEXEC);
	free(file);
	if (f->fd < 0) {
		diag_error_at(path, 0, "cannot open: %s", strerror(errno));
		fv_close(f);
		return -1;
	}
	unsigned char *root = NULL;
	size_t len = 0;
	int rc = geometry(f) || load_fat(f) ? -1 : 0;
	if (!rc && f->type == 32) {
		if (!(root = read_chain(f, f->root_cluster, &len)))
			rc = bad(f, "the root directory's cluster chain is corrupt");
	} else if (!rc) {
		len = (size_t)f->root_entries * FAT_DIRENT;
		root = xmalloc(len ? len : 1);
		if (read_at(f, root, len, (uint64_t)(f->reserved + f->nfats * f->fat_sectors) *
					   FAT_SECTOR))
			rc = bad(f, "cannot read the root directory");
	}
	if (!rc)
		rc = load_dir(iv, f, root, len, "/", 0);
	free(root);
	if (rc) {
		fv_close(f);
		return -1;
	}
	tree_root(iv->t)->mode = 0755;
	iv->backend = f;
	return 0;
}

static ssize_t fv_read(void *backend, unsigned file, void *buf, size_t len, uint64_t off)
{
	struct fatview *f = backend;
	struct fatfile *ff = &f->files[file - 1];
	uint32_t index = (uint32_t)(off / f->cb), c = ff->first;
	uint32_t i = 0;
	if (ff->at_cluster && ff->at_index <= index) {   /* go on from the last read */
		i = ff->at_index;
		c = ff->at_cluster;
	}
	for (; i < index; i++) {
		if (c < 2 || c >= f->clusters + 2 || i > f->clusters) {
			errno = EIO;   /* a corrupt first cluster or chain */
			return -1;
		}
		c = next_cluster(f, c);
	}
	size_t done = 0;
	while (done < len) {
		if (c < 2 || c >= f->clusters + 2) {
			errno = EIO;
			return -1;
		}
		uint64_t in = (off + done) % f->cb;
		size_t n = f->cb - in < len - done ? (size_t)(f->cb - in) : len - done;
		if (read_at(f, (char *)buf + done, n, ((uint64_t)f->data_start + (uint64_t)(c - 2) *
						       f->spc) * FAT_SECTOR + in))
			return -1;
		done += n;
		ff->at_index = index;
		ff->at_cluster = c;
		if (done < len) {
			c = next_cluster(f, c);
			index++;
		}
	}
	return (ssize_t)done;
}

static void fv_info(void *backend, img_info_fn fn, void *arg)
{
	struct fatview *f = backend;
	char id[16];
	snprintf(id, sizeof(id), "%04X-%04X", f->volid >> 16, f->volid & 0xffff);
	fn("fat", NULL, f->type, arg);
	fn("cluster_size", NULL, f->cb, arg);
	fn("clusters", NULL, f->clusters, arg);
	uint32_t used = 0;
	for (uint32_t c = 2; c < f->clusters + 2; c++)
		used += f->fat[c] != 0;
	fn("clusters_used", NULL, used, arg);
	fn("volume_id", id, 0, arg);
	fn("label", f->label, 0, arg);
}

const struct img_backend vfat_backend = { "vfat", fv_load, fv_read, fv_info, fv_close };
