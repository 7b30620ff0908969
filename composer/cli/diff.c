/* diff: which paths two images add, remove or change (inspect/diff), and what changed
 * about each, as lines or JSON. */
#include "cli/cli.h"
#include "base/diag.h"
#include "base/json.h"
#include "inspect/diff.h"
#include "io/image.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	int json, status;
	struct json j;
	unsigned added, removed, changed;
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
		printf("%c %s", what, path);
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

/* One difference, as a line or a JSON object with both sides (hashed when the content
 * changed). 0, or -1 after a message. */
static int show(const struct diff_item *d, void *arg)
{
	struct out *o = arg;
	const struct fsview_stat *x = d->a.st, *y = d->b.st;
	char f[32], t[32];
	int n = 0;
	report(o, d->what, d->path);
	if (d->what != '~') {
		if (!o->json)
			printf(" (%s)\n", image_type_word((x ? x : y)->type));
		else if (side_json(o, x ? "a" : "b", d->path, x ? &d->a : &d->b, 0))
			return -1;
		else
			json_close(&o->j);
		return 0;
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
	if (!o->json) {
		putchar('\n');
		return 0;
	}
	json_close(&o->j);   /* "changed" */
	int hash = (d->changed & DIFF_CONTENT) != 0;
	if (side_json(o, "a", d->path, &d->a, hash) || side_json(o, "b", d->path, &d->b, hash))
		return -1;
	json_close(&o->j);
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = "usage: lsbimg diff [--json] A.img B.img\n";
	struct out o = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
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
	struct imgview ia, ib;
	if (imgview_open(&ia, na) < 0)
		return EXIT_USAGE;
	if (imgview_open(&ib, nb) < 0) {
		imgview_close(&ia);
		return EXIT_USAGE;
	}
	struct diff *d = diff_open(&ia, &ib);
	int rc = d ? 0 : -1;
	if (d) {
		if (o.json) {
			json_begin(&o.j, stdout);
			json_name(&o.j, "a", na, strlen(na));
			json_name(&o.j, "b", nb, strlen(nb));
			json_array(&o.j, "changes");
		}
		rc = diff_each(d, show, &o);
		/* After a read error (exit 2) the object ends where it stopped, still JSON. */
		if (o.json && !rc) {
			json_close(&o.j);
			json_object(&o.j, "summary");
			json_uint(&o.j, "added", o.added);
			json_uint(&o.j, "removed", o.removed);
			json_uint(&o.j, "changed", o.changed);
		}
		if (o.json)
			json_end(&o.j);
	}
	diff_free(d);
	imgview_close(&ia);
	imgview_close(&ib);
	if (fflush(stdout) == EOF) {
		diag_error("writing output: %s", strerror(errno));
		return EXIT_USAGE;
	}
	return rc < 0 ? EXIT_USAGE : o.status;
}
