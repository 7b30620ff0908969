/* diff: which paths two images (or two partitioned disks, partition by partition) add,
 * remove or change (inspect/diff), and what changed about each, as lines or JSON. */
#include "cli/cli.h"
#include "base/diag.h"
#include "io/disk.h"
#include "io/image.h"
#include "io/imgview.h"
#include "inspect/diff.h"
#include "base/json.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct out {
	int json, status;
	struct json j;
	unsigned added, removed, changed;
	const char *part;   /* disks: the partition the paths are in ("2"), else NULL */
};

/* Side S as member KEY of a JSON change: the entry keys of docs/json.md, and sha256 when
 * HASH (content changed). 0, or -1 after a message. */
static int side_json(struct out *o, const char *key, const char *path, const struct diff_side *s,
		     int hash)
{
	const struct fsview_stat *st = s->st;
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
		if (imgview_readlink(s->iv, s->h, buf, sizeof(buf)) < 0) {
			diag_error_at(s->iv->path, 0, "%s: cannot read the link: %s", path,
				      strerror(errno));
			return -1;
		}
		json_name(&o->j, "target", buf, strlen(buf));
	}
	if (hash) {
		if (diff_sha256(s->iv, s->h, path, st->size, buf) < 0)
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
static int end(struct out *o, const char *path, const struct diff_side *a,
	       const struct diff_side *b, int content)
{
	if (!o->json) {
		putchar('\n');
		return 0;
	}
	if (a && b)
		json_close(&o->j);   /* "changed" */
	if ((a && side_json(o, "a", path, a, content)) || (b && side_json(o, "b", path, b, content)))
		return -1;
	json_close(&o->j);
	return 0;
}

/* One difference, as a line or a JSON object. 0, or -1 after a message. */
static int show(const struct diff_item *d, void *arg)
{
	struct out *o = arg;
	const struct fsview_stat *x = d->a.st, *y = d->b.st;
	char f[32], t[32];
	int n = 0;
	report(o, d->what, d->path);
	if (d->what != '~') {
		if (!o->json)
			printf(" (%s)", image_type_word((x ? x : y)->type));
		return end(o, d->path, x ? &d->a : NULL, y ? &d->b : NULL, 0);
	}
	if (d->changed & DIFF_TYPE)
		aspect(o, &n, "type", image_type_word(x->type), image_type_word(y->type));
	else if (d->changed & DIFF_TARGET)
		aspect(o, &n, "target", d->target_a, d->target_b);
	else if (d->changed & DIFF_CONTENT)
		aspect(o, &n, "content", NULL, NULL);
	if (d->changed & DIFF_MODE) {
		snprintf(f, sizeof(f), "%04o", x->mode);
		snprintf(t, sizeof(t), "%04o", y->mode);
		aspect(o, &n, "mode", f, t);
	}
	if (d->changed & DIFF_OWNER) {
		snprintf(f, sizeof(f), "%u:%u", x->uid, x->gid);
		snprintf(t, sizeof(t), "%u:%u", y->uid, y->gid);
		if (!o->json)
			aspect(o, &n, "owner", f, t);
		if (o->json && x->uid != y->uid)
			aspect(o, &n, "uid", NULL, NULL);
		if (o->json && x->gid != y->gid)
			aspect(o, &n, "gid", NULL, NULL);
	}
	if (d->changed & DIFF_DEVICE) {
		snprintf(f, sizeof(f), "%u,%u", x->major, x->minor);
		snprintf(t, sizeof(t), "%u,%u", y->major, y->minor);
		aspect(o, &n, "device", f, t);
	}
	for (size_t i = 0; i < d->nxattrs; i++) {
		char *what = xasprintf("xattr %s", d->xattrs[i].name);
		aspect(o, &n, what, d->xattrs[i].from, d->xattrs[i].to);
		free(what);
	}
	return end(o, d->path, &d->a, &d->b, (d->changed & DIFF_CONTENT) != 0);
}

/* Two file systems. 0, or -1 after a message. */
static int diff_images(struct out *o, const char *na, const char *nb)
{
	struct imgview ia, ib;
	if (imgview_open(&ia, na) < 0)
		return -1;
	if (imgview_open(&ib, nb) < 0) {
		imgview_close(&ia);
		return -1;
	}
	struct diff *d = diff_open(&ia, &ib);
	int rc = d ? 0 : -1;
	if (d) {
		if (o->json) {
			json_begin(&o->j, stdout);
			json_name(&o->j, "a", na, strlen(na));
			json_name(&o->j, "b", nb, strlen(nb));
			json_array(&o->j, "changes");
		}
		rc = diff_each(d, show, o);
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
	diff_free(d);
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
	end(o, NULL, NULL, NULL, 0);
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
		end(o, NULL, NULL, NULL, 0);
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
			end(o, NULL, NULL, NULL, 0);
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
