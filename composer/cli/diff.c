/* diff: which paths two images add, remove or change, and what changed about each.
 * Works on fsviews, so it compares whatever the views show (content, not inode layout). */
#include "cli/cli.h"
#include "base/diag.h"
#include "model/fsview.h"
#include "io/image.h"
#include "io/imgview.h"
#include "base/json.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct out {
	int json, first, status;
};

/* Begin one report line or JSON object for PATH. */
static void report(struct out *o, char what, const char *path)
{
	const char *words = what == '+' ? "added" : what == '-' ? "removed" : "changed";
	if (o->json) {
		printf("%s{\"path\":", o->first ? "" : ",");
		json_str(stdout, path);
		printf(",\"change\":\"%s\"", words);
	} else {
		printf("%c %s", what, path);
	}
	o->first = 0;
	if (o->status == EXIT_OK)
		o->status = EXIT_FAILED;
}

/* One aspect that changed: "mode 0644 -> 0755" or {"mode":["0644","0755"]}. */
static void aspect(struct out *o, int *n, const char *name, const char *from, const char *to)
{
	if (o->json) {
		json_key(stdout, name, 0);
		if (from) {
			putchar('[');
			json_str(stdout, from);
			putchar(',');
			json_str(stdout, to);
			putchar(']');
		} else {
			fputs("true", stdout);
		}
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

static void end(struct out *o)
{
	fputs(o->json ? "}" : "\n", stdout);
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
		aspect(o, &n, "owner", f, t);
	}
	if (x->type == y->type && (x->type == NODE_CHR || x->type == NODE_BLK) &&
	    (x->major != y->major || x->minor != y->minor)) {
		begin(o, &changed, ea->path);
		snprintf(f, sizeof(f), "%u,%u", x->major, x->minor);
		snprintf(t, sizeof(t), "%u,%u", y->major, y->minor);
		aspect(o, &n, "device", f, t);
	}
	if (changed)
		end(o);
	return 0;
}

static void added_or_removed(struct out *o, char what, const struct entry *e)
{
	report(o, what, e->path);
	if (o->json)
		printf(",\"type\":\"%s\"", image_type_word(e->st.type));
	else
		printf(" (%s)", image_type_word(e->st.type));
	end(o);
}

static void free_list(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].path);
	free(l->e);
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
		"  --json      a JSON array of {path, change, and per aspect from and to}\n"
		"  -h, --help  this text\n"
		"Exit: 0 the same, 1 they differ, 2 usage or an unreadable image.\n";
	struct out o = { .first = 1 };
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
	struct imgview ia, ib;
	if (imgview_open(&ia, na) < 0)
		return EXIT_USAGE;
	if (imgview_open(&ib, nb) < 0) {
		imgview_close(&ia);
		return EXIT_USAGE;
	}
	struct fsview a = ia.v, b = ib.v;
	struct list la = { 0 }, lb = { 0 };
	int rc = a.walk(a.ctx, collect, &la) || b.walk(b.ctx, collect, &lb) ? -1 : 0;
	if (!rc) {
		qsort(la.e, la.n, sizeof(*la.e), by_path);
		qsort(lb.e, lb.n, sizeof(*lb.e), by_path);
		if (o.json)
			putchar('[');
		size_t i = 0, j = 0;
		while (!rc && (i < la.n || j < lb.n)) {
			int cmp = i == la.n ? 1 : j == lb.n ? -1 : strcmp(la.e[i].path, lb.e[j].path);
			if (cmp < 0)
				added_or_removed(&o, '-', &la.e[i++]);
			else if (cmp > 0)
				added_or_removed(&o, '+', &lb.e[j++]);
			else
				rc = compare(&o, &a, &b, na, nb, &la.e[i++], &lb.e[j++]);
		}
		if (o.json)
			puts("]");
	}
	free_list(&la);
	free_list(&lb);
	imgview_close(&ia);
	imgview_close(&ib);
	if (fflush(stdout) == EOF) {
		diag_error("writing output: %s", strerror(errno));
		return EXIT_USAGE;
	}
	return rc < 0 ? EXIT_USAGE : o.status;
}
