/* diff: which paths two images add, remove or change, and what changed about each.
 * Works on fsviews, so it compares whatever the views show (content, not inode layout). */
#include "cli/cli.h"
#include "base/diag.h"
#include "model/fsview.h"
#include "io/disk.h"
#include "io/image.h"
#include "io/imgview.h"
#include "base/json.h"
#include "base/sha256.h"
#include "formats/xattr.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct entry {
	char *path;
	struct fsview_stat st;
};

struct list {
	struct entry *e;
	size_t n, cap;
};

static int collect(const char *path, const struct fsview_stat *st, void *arg)
{
	struct list *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->e = xrealloc(l->e, l->cap * sizeof(*l->e));
	}
	l->e[l->n++] = (struct entry){ xstrdup(path), *st };
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

/* Compare regular file contents: 1 differ, 0 same, -1 unreadable (message printed). */
static int content_differs(struct fsview *a, struct fsview *b, const char *path,
			   const char *na, const char *nb, uint64_t size)
{
	enum { CHUNK = 1 << 16 };
	static char ba[CHUNK], bb[CHUNK];
	for (uint64_t off = 0; off < size;) {
		ssize_t ga = a->pread(a->ctx, path, ba, CHUNK, off);
		ssize_t gb = b->pread(b->ctx, path, bb, CHUNK, off);
		if (ga <= 0 || gb <= 0) {
			diag_error_at(ga <= 0 ? na : nb, 0, "%s: cannot read: %s", path,
				      (ga < 0 || gb < 0) ? strerror(errno) : "short file");
			return -1;
		}
		size_t n = (size_t)(ga < gb ? ga : gb);
		if (memcmp(ba, bb, n))
			return 1;
		off += n;
	}
	return 0;
}

/* SHA-256 of regular file PATH in V as hex into OUT. 0, or -1 after a message. */
static int file_sha256(struct fsview *v, const char *name, const char *path, uint64_t size,
		       char out[65])
{
	static char buf[1 << 16];
	struct sha256 c;
	sha256_init(&c);
	for (uint64_t off = 0; off < size;) {
		ssize_t got = v->pread(v->ctx, path, buf, sizeof(buf), off);
		if (got <= 0) {
			diag_error_at(name, 0, "%s: cannot read: %s", path,
				      got < 0 ? strerror(errno) : "short file");
			return -1;
		}
		sha256_update(&c, buf, (size_t)got);
		off += (uint64_t)got;
	}
	sha256_final_hex(&c, out);
	return 0;
}

/* One side of a difference: the entry in image NAME's view V. */
struct side {
	struct fsview *v;
	const char *name;
	const struct entry *e;
};

struct out {
	int json, status;
	struct json j;
	unsigned added, removed, changed;
	const char *part;   /* disks: the partition the paths are in ("2"), else NULL */
};

/* Side S as member KEY of a JSON change: the entry keys of docs/json.md, and sha256 when
 * HASH (content changed). 0, or -1 after a message. */
static int side_json(struct out *o, const char *key, const struct side *s, int hash)
{
	const struct fsview_stat *st = &s->e->st;
	char buf[4200];
	json_object(&o->j, key);
	json_string(&o->j, "type", image_type_word(st->type));
	snprintf(buf, sizeof(buf), "%04o", st->mode);
	json_string(&o->j, "mode", buf);
	json_uint(&o->j, "uid", st->uid);
	json_uint(&o->j, "gid", st->gid);
	json_uint(&o->j, "size", st->size);
	if (st->type == NODE_CHR || st->type == NODE_BLK) {
		json_uint(&o->j, "major", st->major);
		json_uint(&o->j, "minor", st->minor);
	}
	if (st->type == NODE_SYMLINK) {
		if (s->v->readlink(s->v->ctx, s->e->path, buf, sizeof(buf)) < 0) {
			diag_error_at(s->name, 0, "%s: cannot read the link: %s", s->e->path,
				      strerror(errno));
			return -1;
		}
		json_name(&o->j, "target", buf, strlen(buf));
	}
	if (hash) {
		if (file_sha256(s->v, s->name, s->e->path, st->size, buf) < 0)
			return -1;
		json_string(&o->j, "sha256", buf);
	}
	json_close(&o->j);
	return 0;
}

/* Begin one report line or JSON object for PATH. */
static void report(struct out *o, char what, const char *path)
{
	const char *words = what == '+' ? "added" : what == '-' ? "removed" : "changed";
	if (o->json) {
		const char *name = strrchr(path, '/');
		name = name && name[1] ? name + 1 : path;
		json_object(&o->j, NULL);
		json_name(&o->j, "name", name, strlen(name));
		json_name(&o->j, "path", path, strlen(path));
		json_string(&o->j, "change", words);
		if (what == '~')
			json_array(&o->j, "changed");
	} else {
		printf("%c %s%s%s", what, o->part ? o->part : "", o->part ? ":" : "", path);
	}
	(*(what == '+' ? &o->added : what == '-' ? &o->removed : &o->changed))++;
	if (o->status == EXIT_OK)
		o->status = EXIT_FAILED;
}

/* One aspect that changed: "mode 0644 -> 0755", or its key in the JSON "changed" list. */
static void aspect(struct out *o, int *n, const char *name, const char *from, const char *to)
{
	if (o->json) {
		json_string(&o->j, NULL, name);
	} else {
		printf("%s%s", (*n)++ ? ", " : ": ", name);
		if (from)
			printf(" %s -> %s", from, to);
	}
}

/* Start PATH's report at its first changed aspect. */
static void begin(struct out *o, int *changed, const char *path)
{
	if (!(*changed)++)
		report(o, '~', path);
}

/* End PATH's report; in JSON with both sides (A and/or B), hashed when CONTENT changed.
 * 0, or -1 after a message. */
static int end(struct out *o, const struct side *a, const struct side *b, int content)
{
	if (!o->json) {
		putchar('\n');
		return 0;
	}
	if (a && b)
		json_close(&o->j);   /* "changed" */
	if ((a && side_json(o, "a", a, content)) || (b && side_json(o, "b", b, content)))
		return -1;
	json_close(&o->j);
	return 0;
}

/* A file's extended attributes by name, values in getfattr's words. */
struct xattr_list {
	char **name, **value;
	size_t n;
};

static int collect_xattr(const char *name, const void *value, size_t len, void *arg)
{
	struct xattr_list *l = arg;
	l->name = xrealloc(l->name, (l->n + 1) * sizeof(*l->name));
	l->value = xrealloc(l->value, (l->n + 1) * sizeof(*l->value));
	l->name[l->n] = xstrdup(name);
	l->value[l->n++] = xattr_value_format(value, len);
	return 0;
}

static void free_xattrs(struct xattr_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->name[i]);
		free(l->value[i]);
	}
	free(l->name);
	free(l->value);
}

/* One aspect "xattr NAME" per extended attribute added, removed or changed. 0, or -1 when
 * one side's are unreadable. */
static int compare_xattrs(struct out *o, int *n, int *changed, struct fsview *a,
			  struct fsview *b, const char *na, const char *nb, const char *path)
{
	struct xattr_list x = { 0 }, y = { 0 };
	int ra = a->xattrs ? a->xattrs(a->ctx, path, collect_xattr, &x) : 0;
	int rb = ra || !b->xattrs ? 0 : b->xattrs(b->ctx, path, collect_xattr, &y);
	if (ra || rb)
		diag_error_at(ra ? na : nb, 0, "%s: cannot read extended attributes: %s", path,
			      strerror(errno));
	for (size_t i = 0, j = 0; !ra && !rb && (i < x.n || j < y.n);) {
		int c = i == x.n ? 1 : j == y.n ? -1 : strcmp(x.name[i], y.name[j]);
		const char *name = c <= 0 ? x.name[i] : y.name[j];
		const char *from = c <= 0 ? x.value[i] : "(none)";
		const char *to = c >= 0 ? y.value[j] : "(none)";
		i += c <= 0;
		j += c >= 0;
		if (!strcmp(from, to))
			continue;
		char *what = xasprintf("xattr %s", name);
		begin(o, changed, path);
		aspect(o, n, what, from, to);
		free(what);
	}
	free_xattrs(&x);
	free_xattrs(&y);
	return ra || rb ? -1 : 0;
}

/* Report what differs between the same PATH in both images. 0, or -1 on read errors. */
static int compare(struct out *o, struct fsview *a, struct fsview *b, const char *na,
		   const char *nb, const struct entry *ea, const struct entry *eb)
{
	const struct fsview_stat *x = &ea->st, *y = &eb->st;
	char f[4200], t[4200];
	int n = 0, changed = 0, content = 0;

	if (x->type == NODE_REG && y->type == NODE_REG) {
		content = x->size != y->size ? 1 : content_differs(a, b, ea->path, na, nb, x->size);
		if (content < 0)
			return -1;
	}
	if (x->type == NODE_SYMLINK && y->type == NODE_SYMLINK) {
		if (a->readlink(a->ctx, ea->path, f, sizeof(f)) < 0 ||
		    b->readlink(b->ctx, eb->path, t, sizeof(t)) < 0) {
			diag_error("%s: cannot read the link in both images: %s", ea->path,
				   strerror(errno));
			return -1;
		}
		content = strcmp(f, t) != 0;
	}
	if (x->type != y->type) {
		begin(o, &changed, ea->path);
		aspect(o, &n, "type", image_type_word(x->type), image_type_word(y->type));
	} else if (content && x->type == NODE_SYMLINK) {
		begin(o, &changed, ea->path);
		aspect(o, &n, "target", f, t);
	} else if (content) {
		begin(o, &changed, ea->path);
		aspect(o, &n, "content", NULL, NULL);
	}
	if (x->mode != y->mode) {
		begin(o, &changed, ea->path);
		snprintf(f, sizeof(f), "%04o", x->mode);
		snprintf(t, sizeof(t), "%04o", y->mode);
		aspect(o, &n, "mode", f, t);
	}
	if (x->uid != y->uid || x->gid != y->gid) {
		begin(o, &changed, ea->path);
		snprintf(f, sizeof(f), "%u:%u", x->uid, x->gid);
		snprintf(t, sizeof(t), "%u:%u", y->uid, y->gid);
		if (!o->json)
			aspect(o, &n, "owner", f, t);
		if (o->json && x->uid != y->uid)
			aspect(o, &n, "uid", NULL, NULL);
		if (o->json && x->gid != y->gid)
			aspect(o, &n, "gid", NULL, NULL);
	}
	if (x->type == y->type && (x->type == NODE_CHR || x->type == NODE_BLK) &&
	    (x->major != y->major || x->minor != y->minor)) {
		begin(o, &changed, ea->path);
		snprintf(f, sizeof(f), "%u,%u", x->major, x->minor);
		snprintf(t, sizeof(t), "%u,%u", y->major, y->minor);
		aspect(o, &n, "device", f, t);
	}
	int rc = compare_xattrs(o, &n, &changed, a, b, na, nb, ea->path);
	struct side sa = { a, na, ea }, sb = { b, nb, eb };
	if (changed && end(o, &sa, &sb, content && x->type == NODE_REG))
		rc = -1;
	return rc;
}

static int added_or_removed(struct out *o, char what, const struct side *s)
{
	report(o, what, s->e->path);
	if (!o->json)
		printf(" (%s)", image_type_word(s->e->st.type));
	return end(o, what == '-' ? s : NULL, what == '+' ? s : NULL, 0);
}

static void free_list(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].path);
	free(l->e);
}

/* Every path of images NA and NB compared (with --json, the whole object). 0, or -1 after
 * a message. */
static int diff_images(struct out *o, const char *na, const char *nb)
{
	struct imgview ia, ib;
	if (imgview_open(&ia, na) < 0)
		return -1;
	if (imgview_open(&ib, nb) < 0) {
		imgview_close(&ia);
		return -1;
	}
	struct fsview a = ia.v, b = ib.v;
	struct list la = { 0 }, lb = { 0 };
	int rc = a.walk(a.ctx, collect, &la) || b.walk(b.ctx, collect, &lb) ? -1 : 0;
	if (!rc) {
		qsort(la.e, la.n, sizeof(*la.e), by_path);
		qsort(lb.e, lb.n, sizeof(*lb.e), by_path);
		if (o->json) {
			json_begin(&o->j, stdout);
			json_name(&o->j, "a", na, strlen(na));
			json_name(&o->j, "b", nb, strlen(nb));
			json_array(&o->j, "changes");
		}
		size_t i = 0, j = 0;
		while (!rc && (i < la.n || j < lb.n)) {
			int cmp = i == la.n ? 1 : j == lb.n ? -1 : strcmp(la.e[i].path, lb.e[j].path);
			if (cmp < 0)
				rc = added_or_removed(o, '-', &(struct side){ &a, na, &la.e[i++] });
			else if (cmp > 0)
				rc = added_or_removed(o, '+', &(struct side){ &b, nb, &lb.e[j++] });
			else
				rc = compare(o, &a, &b, na, nb, &la.e[i++], &lb.e[j++]);
		}
		/* After a read error (exit 2) the object ends where it stopped, still JSON. */
		if (o->json && !rc) {
			json_close(&o->j);
			json_object(&o->j, "summary");
			json_uint(&o->j, "added", o->added);
			json_uint(&o->j, "removed", o->removed);
			json_uint(&o->j, "changed", o->changed);
		}
		if (o->json)
			json_end(&o->j);
	}
	free_list(&la);
	free_list(&lb);
	imgview_close(&ia);
	imgview_close(&ib);
	return rc;
}

/* One line of a disk's differences: PATH, whether it began, aspects written. */
struct line {
	const char *path;
	int changed, n;
};

static void str_aspect(struct out *o, struct line *l, const char *name, const char *x,
		       const char *y)
{
	if (strcmp(x, y)) {
		begin(o, &l->changed, l->path);
		aspect(o, &l->n, name, x, y);
	}
}

static void num_aspect(struct out *o, struct line *l, const char *name, uint64_t x,
		       uint64_t y)
{
	char f[24], t[24];
	snprintf(f, sizeof(f), "%" PRIu64, x);
	snprintf(t, sizeof(t), "%" PRIu64, y);
	str_aspect(o, l, name, f, t);
}

/* A partition only one disk has: added or removed. */
static void lone_part(struct out *o, char what, unsigned num)
{
	char path[32];
	snprintf(path, sizeof(path), "partition %u", num);
	report(o, what, path);
	end(o, NULL, NULL, 0);
}

/* Two disks, partition by partition (by number, text only): the tables, each partition's
 * entry, then the files of partitions holding the same kind of file system. */
static int diff_disks(struct out *o, const char *na, const char *nb)
{
	struct disk_info da, db;
	if (disk_read(na, &da))
		return -1;
	if (disk_read(nb, &db)) {
		disk_info_free(&da);
		return -1;
	}
	int rc = 0;
	struct line t = { "table", 0, 0 };
	str_aspect(o, &t, "table", da.table, db.table);
	num_aspect(o, &t, "size", da.size, db.size);
	str_aspect(o, &t, "id", da.id, db.id);
	if (t.changed)
		end(o, NULL, NULL, 0);
	for (size_t i = 0, j = 0; !rc && (i < da.n || j < db.n);) {
		const struct disk_entry *a = i < da.n ? &da.e[i] : NULL, *b = j < db.n ? &db.e[j] : NULL;
		if (!b || (a && a->num < b->num)) {
			lone_part(o, '-', a->num);
			i++;
			continue;
		}
		if (!a || b->num < a->num) {
			lone_part(o, '+', b->num);
			j++;
			continue;
		}
		char path[32], num[16];
		snprintf(path, sizeof(path), "partition %u", a->num);
		char *pa = xasprintf("%s:%u", na, a->num), *pb = xasprintf("%s:%u", nb, b->num);
		const char *ka = imgview_sniff(pa), *kb = imgview_sniff(pb);
		struct line l = { path, 0, 0 };
		str_aspect(o, &l, "type", a->type, b->type);
		str_aspect(o, &l, "name", a->name, b->name);
		str_aspect(o, &l, "uuid", a->uuid, b->uuid);
		num_aspect(o, &l, "offset", a->offset, b->offset);
		num_aspect(o, &l, "size", a->size, b->size);
		str_aspect(o, &l, "attributes", a->attrs, b->attrs);
		str_aspect(o, &l, "file system", ka ? ka : "none", kb ? kb : "none");
		if (l.changed)
			end(o, NULL, NULL, 0);
		if (ka && kb && !strcmp(ka, kb)) {
			snprintf(num, sizeof(num), "%u", a->num);
			o->part = num;
			rc = diff_images(o, pa, pb);
			o->part = NULL;
		}
		free(pa);
		free(pb);
		i++, j++;
	}
	disk_info_free(&da);
	disk_info_free(&db);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage =
		"usage: lsbimg diff [--json] A.img B.img\n"
		"List the paths B adds (+), removes (-) and changes (~: type, content, link target,\n"
		"mode, owner, device; not times) against A; the two may be of any kinds.\n"
		"  --json      one JSON object: a, b, the changes (both sides of each) and a\n"
		"              summary (docs/json.md)\n"
		"  -h, --help  this text\n"
		"Exit: 0 the same, 1 they differ, 2 usage or an unreadable image.\n";
	struct out o = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'j') {
			o.json = 1;
		} else {
			fputs(usage, c == 'h' ? stdout : stderr);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *na = argv[optind], *nb = argv[optind + 1];
	struct stat sa, sb;
	int disks = !stat(na, &sa) && S_ISREG(sa.st_mode) && disk_sniff(na) &&
		    !stat(nb, &sb) && S_ISREG(sb.st_mode) && disk_sniff(nb);
	if (disks && o.json) {
		diag_error("diff --json compares file systems: name the partitions (%s:N %s:N)",
			   na, nb);
		return EXIT_USAGE;
	}
	int rc = disks ? diff_disks(&o, na, nb) : diff_images(&o, na, nb);
	if (fflush(stdout) == EOF) {
		diag_error("writing output: %s", strerror(errno));
		return EXIT_USAGE;
	}
	return rc < 0 ? EXIT_USAGE : o.status;
}
