/* ls, cat, stat, tree and info: look into an image without mounting it. */
#include "cli/cli.h"
#include "base/diag.h"
#include "io/disk.h"
#include "io/image.h"
#include "io/imgview.h"
#include "base/json.h"
#include "formats/xattr.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* docs/inspect.md: a missing path exits 1; an image that cannot be read, whether at open
 * or in metadata met on the way (a directory, an inode, a link, a data block), exits 2. */
#define EXIT_CORRUPT EXIT_USAGE

struct opts {
	int json;
	unsigned char set[128];  /* the short options given, by letter */
	const char *arg[128];    /* and their arguments */
	const char *image, *path;
};

/* --help texts: the usage line, what the command does, one line per option. The exit
 * codes of every inspect command: docs/inspect.md. */
static const char ls_help[] =
	"usage: lsbimg ls [-l] [-R] [-L] [--json] IMAGE [PATH]\n"
	"List directory PATH (default /) of IMAGE, or PATH itself when it is no directory.\n"
	"  -l          long format: mode, links, owner, group, size or device, mtime (UTC)\n"
	"  -R          every path below PATH, recursively, as full paths\n"
	"  -L          follow PATH when it is a symbolic link\n"
	"  --json      one JSON object: image, path, entries (docs/json.md)\n"
	"  -h, --help  this text\n"
	"Exit: 0 ok, 1 PATH missing, 2 usage or an unreadable image.\n";
static const char cat_help[] =
	"usage: lsbimg cat [--json] IMAGE PATH\n"
	"Print the regular file PATH of IMAGE (symbolic links followed).\n"
	"  --json      one JSON object: image, path, size, text or base64 (docs/json.md)\n"
	"  -h, --help  this text\n"
	"Exit: 0 ok, 1 PATH missing or no regular file, 2 usage or an unreadable image.\n";
static const char stat_help[] =
	"usage: lsbimg stat [-L] [--json] IMAGE PATH\n"
	"Show the inode of PATH: type, mode, owner, size, times; ext2/3/4 also blocks, flags.\n"
	"  -L          follow PATH when it is a symbolic link\n"
	"  --json      one JSON object: image and the entry's keys (docs/json.md)\n"
	"  -h, --help  this text\n"
	"Exit: 0 ok, 1 PATH missing, 2 usage or an unreadable image.\n";
static const char tree_help[] =
	"usage: lsbimg tree [-a] [-d] [-l] [-L LEVEL] [-J|--json] IMAGE [PATH]\n"
	"Draw the tree below PATH (default /) like tree(1), then \"N directories, M files\".\n"
	"  -a          all files: also names starting with '.'\n"
	"  -d          directories only\n"
	"  -l          follow symbolic links to directories, PATH too\n"
	"  -L LEVEL    descend at most LEVEL directories deep (LEVEL >= 1)\n"
	"  -J, --json  one JSON object: image, root with nested children, the counts\n"
	"  -h, --help  this text\n"
	"Exit: 0 ok, 1 PATH missing, 2 usage or an unreadable image.\n";
static const char info_help[] =
	"usage: lsbimg info [--json] IMAGE\n"
	"Show the image's kind, size and header: for ext2/3/4 the superblock (blocks, inodes,\n"
	"features, UUID, label, times), for other kinds what their header says and counts.\n"
	"  --json      one JSON object (docs/json.md)\n"
	"  -h, --help  this text\n"
	"Exit: 0 ok, 2 usage or an unreadable image.\n";

/* Parse "CMD [opts] IMAGE [PATH]"; SHORTOPTS lists the short options CMD takes besides
 * --json and --help, whose meaning each command reads from o->set. HELP is CMD's --help
 * text, its first line the usage. PATH defaults to "/". 0 to go on, -1 after --help, else
 * an exit code. */
static int parse_args(int argc, char **argv, const char *help, const char *shortopts,
		      int need_path, int allow_path, struct opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return -1;
		}
		if (c == '?' || c < 0 || c >= 128) {
			fputs(help, stderr);
			return EXIT_USAGE;
		}
		if (c == 'j' || c == 'J')
			o->json = 1;
		o->set[c] = 1;
		o->arg[c] = optarg;
	}
	int n = argc - optind;
	if (n < 1 + need_path || n > 1 + allow_path) {
		fputs(help, stderr);
		return EXIT_USAGE;
	}
	o->image = argv[optind];
	o->path = n > 1 ? argv[optind + 1] : "/";
	if (o->path[0] != '/') {
		diag_error("%s: image paths are absolute", o->path);
		return EXIT_USAGE;
	}
	return 0;
}

static void mode_string(const struct fsview_stat *st, char out[11])
{
	static const char types[] = "d-lcbps";
	const char *rwx = "rwxrwxrwx";
	out[0] = types[st->type];
	for (int i = 0; i < 9; i++)
		out[1 + i] = st->mode & (0400 >> i) ? rwx[i] : '-';
	if (st->mode & 04000)
		out[3] = st->mode & 0100 ? 's' : 'S';
	if (st->mode & 02000)
		out[6] = st->mode & 0010 ? 's' : 'S';
	if (st->mode & 01000)
		out[9] = st->mode & 0001 ? 't' : 'T';
	out[10] = 0;
}

static void time_string(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%" PRId64, t);
}

/* "IMAGE: error: ..." */
__attribute__((format(printf, 2, 3))) static void view_error(const struct imgview *iv,
							      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error_at(iv->path, 0, "%s", msg);
	free(msg);
}

/* The link target of H, or "" with a message when it is unreadable. */
static void target_of(struct imgview *iv, const char *path, img_handle h, char *buf,
		      size_t len)
{
	if (imgview_readlink(iv, h, buf, len) < 0) {
		view_error(iv, "%s: unreadable symlink: %s", path, strerror(errno));
		buf[0] = 0;
	}
}

/* The last component of image path PATH ("/" for the root). */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

/* An entry's members (docs/json.md "entry"), into the open object. */
static void json_entry(struct json *j, struct imgview *iv, const char *path, img_handle h,
		       const struct fsview_stat *st)
{
	const char *name = base_name(path);
	char mode[8];
	snprintf(mode, sizeof(mode), "%04o", st->mode);
	json_name(j, "name", name, strlen(name));
	json_name(j, "path", path, strlen(path));
	json_string(j, "type", image_type_word(st->type));
	json_string(j, "mode", mode);
	json_uint(j, "uid", st->uid);
	json_uint(j, "gid", st->gid);
	json_uint(j, "nlink", st->nlink);
	json_uint(j, "size", st->size);
	json_int(j, "mtime", st->mtime);
	json_uint(j, "inode", imgview_ino(iv, h));
	if (st->type == NODE_CHR || st->type == NODE_BLK) {
		json_uint(j, "major", st->major);
		json_uint(j, "minor", st->minor);
	}
	if (st->type == NODE_SYMLINK) {
		char t[4096];
		target_of(iv, path, h, t, sizeof(t));
		json_name(j, "target", t, strlen(t));
	}
}

/* The start of every inspect command's JSON output: version and image. */
static void json_start(struct json *j, const struct opts *o)
{
	json_begin(j, stdout);
	json_name(j, "image", o->image, strlen(o->image));
}

/* An ls line: NAME alone, or in long format. */
static void text_entry(struct imgview *iv, const struct opts *o, const char *name,
		       img_handle h, const struct fsview_stat *st)
{
	if (o->set['l']) {
		char mode[11], when[32], size[48];
		mode_string(st, mode);
		time_string(st->mtime, when, sizeof(when));
		if (st->type == NODE_CHR || st->type == NODE_BLK)
			snprintf(size, sizeof(size), "%u, %u", st->major, st->minor);
		else
			snprintf(size, sizeof(size), "%" PRIu64, st->size);
		printf("%s %3u %5u %5u %10s %s ", mode, st->nlink, st->uid, st->gid, size, when);
	}
	fputs(name, stdout);
	if (o->set['l'] && st->type == NODE_SYMLINK) {
		char t[4096];
		target_of(iv, name, h, t, sizeof(t));
		printf(" -> %s", t);
	}
	putchar('\n');
}

/* Open the image and resolve o->path, a final symlink followed with FOLLOW; prints the
 * reason on failure. */
static int open_path(struct imgview *iv, const struct opts *o, int follow, img_handle *h,
		     struct fsview_stat *st)
{
	if (imgview_open(iv, o->image) < 0)
		return EXIT_USAGE;
	if (imgview_lookup(iv, o->path, follow, h, st) < 0) {
		int e = errno;
		view_error(iv, "%s: %s", o->path, strerror(e));
		imgview_close(iv);
		return e == EIO ? EXIT_CORRUPT : EXIT_FAILED;
	}
	return 0;
}

static int finish(struct imgview *iv)
{
	imgview_close(iv);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		diag_error("writing output: %s", strerror(errno));
		return EXIT_FAILED;
	}
	/* Once the path resolved, what is reported is metadata that cannot be read. */
	return diag_error_count() ? EXIT_CORRUPT : EXIT_OK;
}

struct ls_ctx {
	struct imgview *iv;
	const struct opts *o;
	struct json j;
};

static int ls_visit(const char *path, const char *name, img_handle h,
		    const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct ls_ctx *c = arg;
	(void)depth, (void)last;
	if (c->o->json) {
		json_object(&c->j, NULL);
		json_entry(&c->j, c->iv, path, h, st);
		json_close(&c->j);
	} else {
		text_entry(c->iv, c->o, c->o->set['R'] ? path : name, h, st);
	}
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	struct opts o;
	struct imgview iv;
	img_handle h;
	struct fsview_stat st;
	int rc = parse_args(argc, argv, ls_help, "lRLh", 0, 1, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_path(&iv, &o, o.set['L'], &h, &st)))
		return rc;
	struct ls_ctx c = { .iv = &iv, .o = &o };
	if (o.json) {
		json_start(&c.j, &o);
		json_name(&c.j, "path", o.path, strlen(o.path));
		json_array(&c.j, "entries");
	}
	if (st.type != NODE_DIR)
		ls_visit(o.path, o.path, h, &st, 0, 1, &c);
	else
		imgview_walk(&iv, h, o.path, o.set['R'], ls_visit, &c);
	if (o.json)
		json_end(&c.j);
	return finish(&iv);
}

int cmd_cat(int argc, char **argv)
{
	struct opts o;
	struct imgview iv;
	img_handle h;
	struct fsview_stat st;
	int rc = parse_args(argc, argv, cat_help, "h", 1, 1, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_path(&iv, &o, 1, &h, &st)))
		return rc;
	if (st.type != NODE_REG) {
		view_error(&iv, "%s: not a regular file (%s)", o.path, node_type_name(st.type));
		imgview_close(&iv);
		return EXIT_FAILED;
	}
	/* JSON needs the whole file to choose text or base64; plain output streams. */
	size_t chunk = o.json ? (size_t)st.size : 1 << 16;
	char *buf = xmalloc(chunk);
	uint64_t off = 0;
	while (off < st.size) {
		ssize_t got = imgview_pread(&iv, h, buf, chunk, off);
		if (got <= 0) {
			view_error(&iv, "%s: read error at offset %" PRIu64 ": %s", o.path, off,
				    got < 0 ? strerror(errno) : "short file");
			break;
		}
		if (!o.json && fwrite(buf, 1, (size_t)got, stdout) != (size_t)got)
			break;
		off += (uint64_t)got;
	}
	if (o.json && off == st.size) {
		struct json j;
		json_start(&j, &o);
		json_name(&j, "path", o.path, strlen(o.path));
		json_uint(&j, "size", st.size);
		if (json_is_text(buf, st.size))
			json_name(&j, "text", buf, st.size);
		else
			json_base64(&j, "base64", buf, st.size);
		json_end(&j);
	}
	free(buf);
	return finish(&iv);
}

struct xattr_out {
	struct json *j;   /* JSON members, or NULL for text lines */
	int n;            /* attributes shown */
	char *caps;       /* security.capability in words */
};

static int show_xattr(const char *name, const void *value, size_t len, void *arg)
{
	struct xattr_out *x = arg;
	if (!strcmp(name, XATTR_CAPS))
		x->caps = filecap_to_text(value, len);
	if (x->j) {
		if (!x->n++)
			json_array(x->j, "xattrs");
		json_object(x->j, NULL);
		json_string(x->j, "name", name);
		if (json_is_text(value, len))
			json_name(x->j, "text", value, len);
		else
			json_base64(x->j, "base64", value, len);
		json_close(x->j);
	} else {
		char *v = xattr_value_format(value, len);
		printf("xattr: %s=%s\n", name, v);
		free(v);
	}
	return 0;
}

/* H's extended attributes: "xattr: NAME=VALUE" lines (values as getfattr writes them)
 * and the file capabilities in libcap's words, or members of J (none without any). */
static void show_xattrs(struct imgview *iv, const char *path, img_handle h, struct json *j)
{
	struct xattr_out x = { .j = j };
	if (imgview_xattrs(iv, h, show_xattr, &x) < 0)
		view_error(iv, "%s: unreadable extended attributes", path);
	if (j) {
		if (x.n)
			json_close(j);
		if (x.caps)
			json_string(j, "capabilities", x.caps);
	} else if (x.caps) {
		printf("capabilities: %s\n", x.caps);
	}
	free(x.caps);
}

/* stat: what fsview_stat holds for every kind; ext2 adds its inode's blocks, atime,
 * ctime and flags. */
int cmd_stat(int argc, char **argv)
{
	struct opts o;
	struct imgview iv;
	img_handle h;
	struct fsview_stat st;
	struct image_inode_extra x;
	int rc = parse_args(argc, argv, stat_help, "Lh", 1, 1, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_path(&iv, &o, o.set['L'], &h, &st)))
		return rc;
	struct image *im = imgview_ext2(&iv);
	if (im && image_stat_extra(im, (ext2_ino_t)h, &x) < 0) {
		view_error(&iv, "%s: unreadable inode %u", o.path, (unsigned)h);
		imgview_close(&iv);
		return EXIT_CORRUPT;
	}
	if (o.json) {
		struct json j;
		json_start(&j, &o);
		json_entry(&j, &iv, o.path, h, &st);
		if (im) {
			json_uint(&j, "blocks", x.blocks);
			json_int(&j, "atime", x.atime);
			json_int(&j, "ctime", x.ctime);
			json_uint(&j, "flags", x.flags);
		}
		show_xattrs(&iv, o.path, h, &j);
		json_end(&j);
		return finish(&iv);
	}
	char mode[11], when[32];
	mode_string(&st, mode);
	printf("path: %s\ntype: %s\ninode: %u\nmode: %04o (%s)\nlinks: %u\nuid: %u\ngid: %u\n"
	       "size: %" PRIu64 "\n", o.path, node_type_name(st.type),
	       (unsigned)imgview_ino(&iv, h), st.mode, mode, st.nlink, st.uid, st.gid, st.size);
	if (im)
		printf("blocks: %llu\n", x.blocks);
	if (st.type == NODE_CHR || st.type == NODE_BLK)
		printf("device: %u,%u\n", st.major, st.minor);
	if (st.type == NODE_SYMLINK) {
		char t[4096];
		target_of(&iv, o.path, h, t, sizeof(t));
		printf("target: %s\n", t);
	}
	const char *names[] = { "mtime", "atime", "ctime" };
	int64_t times[] = { st.mtime, im ? x.atime : 0, im ? x.ctime : 0 };
	for (int i = 0; i < (im ? 3 : 1); i++) {
		time_string(times[i], when, sizeof(when));
		printf("%s: %s UTC (%" PRId64 ")\n", names[i], when, times[i]);
	}
	if (im)
		printf("flags: 0x%x\n", x.flags);
	show_xattrs(&iv, o.path, h, NULL);
	return finish(&iv);
}

/* tree as tree(1) draws and counts: names starting with '.' only with -a; a symbolic link
 * to a directory counts as a directory (and -d shows it), -l descends into it unless that
 * directory was drawn already ("[recursive, not followed]"); the top directory counts. */
struct tree_ctx {
	struct imgview *iv;
	int json, all, dirs_only, follow;
	unsigned max_depth;   /* -L: 0 for no limit */
	struct json j;
	unsigned open;        /* JSON: directories whose children are still open */
	unsigned dirs, files;
	unsigned char last[IMAGE_MAX_DEPTH + 2];  /* text: was the ancestor at depth i last */
	img_handle *seen;     /* the directories drawn */
	size_t nseen;
};

/* One entry at DEPTH (0 for PATH itself); DIR when it counts as a directory, KIDS when its
 * children follow, NOTE after it in brackets. */
static void tree_print(struct tree_ctx *c, const char *path, const char *name, img_handle h,
		       const struct fsview_stat *st, unsigned depth, int last, int dir, int kids,
		       const char *note)
{
	if (dir)
		c->dirs++;
	else
		c->files++;
	if (c->json) {
		for (; c->open > depth; c->open--) {
			json_close(&c->j);   /* children */
			json_close(&c->j);   /* the directory */
		}
		json_object(&c->j, depth ? NULL : "root");
		json_entry(&c->j, c->iv, path, h, st);
		if (kids) {
			json_array(&c->j, "children");
			c->open++;
		} else {
			json_close(&c->j);
		}
		return;
	}
	c->last[depth] = (unsigned char)last;
	for (unsigned i = 1; i < depth; i++)
		fputs(c->last[i] ? "    " : "\u2502   ", stdout);
	if (depth)
		fputs(last ? "\u2514\u2500\u2500 " : "\u251c\u2500\u2500 ", stdout);
	fputs(depth ? name : path, stdout);
	if (st->type == NODE_SYMLINK) {
		char t[4096];
		target_of(c->iv, path, h, t, sizeof(t));
		printf(" -> %s", t);
	}
	if (note)
		printf("  [%s]", note);
	putchar('\n');
}

struct tree_kid {
	char *path, *name;
	img_handle h, to;     /* TO: the directory a symbolic link leads to */
	struct fsview_stat st;
	int dir;              /* a directory, or a link to one */
};

struct tree_kids {
	struct tree_ctx *c;
	struct tree_kid *k;
	size_t n, cap;
};

/* Collect the children -a and -d let through. */
static int tree_collect(const char *path, const char *name, img_handle h,
			const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct tree_kids *ks = arg;
	struct fsview_stat ts;
	img_handle to = h;
	(void)depth, (void)last;
	int dir = st->type == NODE_DIR ||
		  (st->type == NODE_SYMLINK && imgview_lookup(ks->c->iv, path, 1, &to, &ts) == 0 &&
		   ts.type == NODE_DIR);
	if ((name[0] == '.' && !ks->c->all) || (ks->c->dirs_only && !dir))
		return 0;
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? 2 * ks->cap : 32;
		ks->k = xrealloc(ks->k, ks->cap * sizeof(*ks->k));
	}
	ks->k[ks->n++] = (struct tree_kid){ xstrdup(path), xstrdup(name), h, to, *st, dir };
	return 0;
}

/* Remember directory H as drawn; 0 if it was before. */
static int tree_first_visit(struct tree_ctx *c, img_handle h)
{
	for (size_t i = 0; i < c->nseen; i++)
		if (c->seen[i] == h)
			return 0;
	c->seen = xrealloc(c->seen, (c->nseen + 1) * sizeof(*c->seen));
	c->seen[c->nseen++] = h;
	return 1;
}

/* Draw the children of directory DIR (named PATH, at DEPTH) and below. */
static int tree_dir(struct tree_ctx *c, img_handle dir, const char *path, unsigned depth)
{
	struct tree_kids ks = { c, NULL, 0, 0 };
	int rc = imgview_walk(c->iv, dir, path, 0, tree_collect, &ks);
	int deeper = depth + 1 < IMAGE_MAX_DEPTH && (!c->max_depth || depth + 1 < c->max_depth);
	for (size_t i = 0; i < ks.n; i++) {
		struct tree_kid *k = &ks.k[i];
		const char *note = NULL;
		int descend = deeper && k->st.type == NODE_DIR;
		/* A directory is registered when drawn, below the level limit too. Met again,
		 * it is a loop through a link -l followed, or else a corrupt image. */
		if (k->dir && (k->st.type == NODE_DIR || c->follow) &&
		    !tree_first_visit(c, k->to)) {
			descend = 0;
			if (c->follow) {
				note = "recursive, not followed";
			} else {
				view_error(c->iv, "%s: directory reached twice", k->path);
				rc = -1;
			}
		} else if (c->follow && k->dir) {
			descend = deeper;
		}
		tree_print(c, k->path, k->name, k->h, &k->st, depth + 1, i + 1 == ks.n, k->dir,
			   descend, note);
		if (descend && tree_dir(c, k->to, k->path, depth + 1) < 0)
			rc = -1;
		free(k->path);
		free(k->name);
	}
	free(ks.k);
	return rc;
}

int cmd_tree(int argc, char **argv)
{
	struct opts o;
	struct imgview iv;
	img_handle h;
	struct fsview_stat st;
	int rc = parse_args(argc, argv, tree_help, "adlL:Jh", 0, 1, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	struct tree_ctx c = { .iv = &iv, .json = o.json, .all = o.set['a'],
			      .dirs_only = o.set['d'], .follow = o.set['l'] };
	if (o.set['L']) {
		char *end;
		unsigned long n = strtoul(o.arg['L'], &end, 10);
		if (!*o.arg['L'] || *end || o.arg['L'][0] == '-' || n < 1 || n > IMAGE_MAX_DEPTH) {
			diag_error("-L: the level must be a whole number from 1 to %d, not '%s'",
				   IMAGE_MAX_DEPTH, o.arg['L']);
			return EXIT_USAGE;
		}
		c.max_depth = (unsigned)n;
	}
	if ((rc = open_path(&iv, &o, c.follow, &h, &st)))
		return rc;
	int dir = st.type == NODE_DIR;
	if (dir)
		tree_first_visit(&c, h);
	if (o.json)
		json_start(&c.j, &o);
	tree_print(&c, o.path, o.path, h, &st, 0, 1, dir, dir, NULL);
	if (dir)
		tree_dir(&c, h, o.path, 0);
	free(c.seen);
	if (o.json) {
		for (; c.open; c.open--) {
			json_close(&c.j);
			json_close(&c.j);
		}
		json_uint(&c.j, "directories", c.dirs);
		json_uint(&c.j, "files", c.files);
		json_end(&c.j);
	} else {
		printf("\n%u director%s", c.dirs, c.dirs == 1 ? "y" : "ies");
		if (!c.dirs_only)
			printf(", %u file%s", c.files, c.files == 1 ? "" : "s");
		putchar('\n');
	}
	return finish(&iv);
}

/* __complete IMAGE PREFIX (for the bash completion, not listed in --help): the paths of
 * IMAGE that start with PREFIX, one a line, directories with a trailing '/'; PREFIX's
 * directory part must exist. Nothing on stderr: a completion must not disturb the line. */
struct complete_ctx {
	const char *base;
	size_t len;
};

static int complete_visit(const char *path, const char *name, img_handle h,
			  const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct complete_ctx *c = arg;
	(void)h, (void)depth, (void)last;
	if (!strncmp(name, c->base, c->len))
		printf("%s%s\n", path, st->type == NODE_DIR ? "/" : "");
	return 0;
}

static void silent(void *arg, enum diag_severity sev, const char *file, int line,
		   const char *msg)
{
	(void)arg, (void)sev, (void)file, (void)line, (void)msg;
}

int cmd_complete(int argc, char **argv)
{
	static const struct diag_sink quiet = { silent, NULL };
	if (argc != 3 || argv[2][0] != '/')
		return EXIT_USAGE;
	diag_set_sink(&quiet);
	char *dir = xstrdup(argv[2]);
	char *slash = strrchr(dir, '/');
	struct complete_ctx c = { argv[2] + (slash - dir) + 1, strlen(slash + 1) };
	slash[slash == dir] = 0;   /* "/usr/li" -> "/usr", "/e" -> "/" */
	struct imgview iv;
	img_handle h;
	struct fsview_stat st;
	int rc = EXIT_FAILED;
	if (imgview_open(&iv, argv[1]) == 0) {
		if (imgview_lookup(&iv, dir, 1, &h, &st) == 0 && st.type == NODE_DIR &&
		    imgview_walk(&iv, h, dir, 0, complete_visit, &c) == 0)
			rc = EXIT_OK;
		imgview_close(&iv);
	}
	free(dir);
	return fflush(stdout) ? EXIT_FAILED : rc;
}

struct info_out {
	int json;
	struct json j;
};

static void info_line(const char *key, const char *text, uint64_t num, void *arg)
{
	struct info_out *io = arg;
	if (io->json) {
		if (text)
			json_name(&io->j, key, text, strlen(text));
		else
			json_uint(&io->j, key, num);
	} else if (text) {
		printf("%s: %s\n", key, text);
	} else {
		printf("%s: %" PRIu64 "\n", key, num);
	}
}

/* info of squashfs, vfat and archives: the kind, the file's size, what the format's
 * header says, and the counts of what it holds. */
static int info_other(struct imgview *iv, const struct opts *o)
{
	struct info_out io = { .json = o->json };
	struct stat sb;
	struct tree_stats ts;
	tree_stats(iv->t, &ts);
	if (o->json) {
		json_start(&io.j, o);
	} else {
		printf("image: %s\n", o->image);
	}
	info_line("type", iv->type, 0, &io);
	char *file;
	uint64_t off, len = 0;
	if (!disk_resolve(o->image, &file, &off, &len)) {
		if (!len && !stat(file, &sb))
			len = (uint64_t)sb.st_size;
		free(file);
	}
	info_line("size", NULL, len, &io);
	if (iv->ops && iv->ops->info)
		iv->ops->info(iv->backend, info_line, &io);
	info_line("files", NULL, ts.files, &io);
	info_line("directories", NULL, ts.dirs, &io);
	info_line("symlinks", NULL, ts.symlinks, &io);
	info_line("others", NULL, ts.others, &io);
	info_line("bytes", NULL, ts.bytes, &io);
	if (o->json)
		json_end(&io.j);
	return finish(iv);
}

/* What partition SPEC (DISK:N) holds, by its content: a file system kind or "none". */
static const char *part_fs(const char *spec)
{
	const char *kind = imgview_sniff(spec);
	struct image im;
	if (!kind)
		return "none";
	if (strcmp(kind, "ext2"))
		return kind;
	const struct diag_sink quiet = { silent, NULL }, *prev = diag_set_sink(&quiet);
	int bad = image_open(&im, spec);
	diag_set_sink(prev);
	if (bad)
		return "ext2 (unreadable)";
	kind = image_kind(&im);
	image_close(&im);
	return kind;
}

/* info of a partitioned disk: the table and each partition with what it holds. */
static int info_disk(const struct opts *o)
{
	struct disk_info di;
	struct json j;
	if (disk_read(o->image, &di))
		return EXIT_FAILED;
	if (o->json) {
		json_begin(&j, stdout);
		json_name(&j, "image", o->image, strlen(o->image));
		json_string(&j, "type", di.table);
		json_uint(&j, "size", di.size);
		json_string(&j, "id", di.id);
		json_array(&j, "partitions");
	} else {
		printf("image: %s\ntable: %s\nid: %s\nsize: %" PRIu64 " bytes\npartitions: %zu\n",
		       o->image, di.table, di.id, di.size, di.n);
	}
	for (size_t i = 0; i < di.n; i++) {
		const struct disk_entry *e = &di.e[i];
		char *spec = xasprintf("%s:%u", o->image, e->num);
		const char *fs = part_fs(spec);
		free(spec);
		if (o->json) {
			json_object(&j, NULL);
			json_uint(&j, "number", e->num);
			json_name(&j, "name", e->name, strlen(e->name));
			json_string(&j, "type", e->type);
			json_string(&j, "type_name", e->type_name ? e->type_name : "");
			json_string(&j, "uuid", e->uuid);
			json_uint(&j, "offset", e->offset);
			json_uint(&j, "size", e->size);
			json_string(&j, "filesystem", fs);
			json_string(&j, "attributes", e->attrs);
			json_close(&j);
		} else {
			printf("%u: name %s, type %s%s%s%s, %s%s%soffset %" PRIu64 ", size %" PRIu64
			       " (%.1f MiB), file system %s%s%s\n", e->num, *e->name ? e->name : "-",
			       e->type_name ? e->type_name : e->type, e->type_name ? " (" : "",
			       e->type_name ? e->type : "", e->type_name ? ")" : "",
			       *e->uuid ? "uuid " : "", e->uuid, *e->uuid ? ", " : "", e->offset,
			       e->size, (double)e->size / (1 << 20), fs,
			       *e->attrs ? ", attributes " : "", e->attrs);
		}
	}
	disk_info_free(&di);
	if (o->json) {
		json_close(&j);
		return json_end(&j) ? EXIT_FAILED : EXIT_OK;
	}
	return EXIT_OK;
}

/* info: the superblock in words, or a disk's partitions. */
int cmd_info(int argc, char **argv)
{
	struct opts o;
	struct imgview iv;
	struct stat st;
	int rc = parse_args(argc, argv, info_help, "h", 0, 0, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (!stat(o.image, &st) && S_ISREG(st.st_mode) && disk_sniff(o.image))
		return info_disk(&o);
	if (imgview_open(&iv, o.image) < 0)
		return EXIT_USAGE;
	if (iv.kind != IMG_EXT2)
		return info_other(&iv, &o);
	struct image_summary s;
	image_summarize(imgview_ext2(&iv), &s);
	uint64_t bytes = s.blocks * s.block_size;
	const struct { const char *key, *label; uint32_t t; } times[] = {
		{ "created", "created", s.created },
		{ "mounted", "last mounted", s.mounted },
		{ "written", "last written", s.written },
		{ "checked", "last checked", s.checked },
	};
	if (o.json) {
		struct json j;
		json_start(&j, &o);
		json_string(&j, "type", s.kind);
		json_uint(&j, "size", bytes);
		json_uint(&j, "block_size", s.block_size);
		json_uint(&j, "blocks", s.blocks);
		json_uint(&j, "blocks_free", s.blocks_free);
		json_uint(&j, "blocks_used", s.blocks - s.blocks_free);
		json_uint(&j, "inodes", s.inodes);
		json_uint(&j, "inodes_free", s.inodes_free);
		json_uint(&j, "inodes_used", s.inodes - s.inodes_free);
		json_uint(&j, "inode_size", s.inode_size);
		json_uint(&j, "groups", s.groups);
		json_string(&j, "state", s.state);
		json_string(&j, "uuid", s.uuid);
		json_name(&j, "label", s.label, strlen(s.label));
		json_array(&j, "features");
		for (size_t i = 0; i < s.nfeatures; i++)
			json_string(&j, NULL, s.features[i]);
		json_close(&j);
		for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
			json_uint(&j, times[i].key, times[i].t);
		json_uint(&j, "mount_count", s.mount_count);
		json_end(&j);
		return finish(&iv);
	}
	printf("image: %s\ntype: %s\nsize: %" PRIu64 " bytes\nblock size: %u\n"
	       "blocks: %" PRIu64 " total, %" PRIu64 " used, %" PRIu64 " free\n"
	       "inodes: %u total, %u used, %u free\ninode size: %u\ngroups: %u\nstate: %s\n"
	       "uuid: %s\nlabel: %s\nfeatures:", o.image, s.kind, bytes, s.block_size,
	       s.blocks, s.blocks - s.blocks_free, s.blocks_free, s.inodes,
	       s.inodes - s.inodes_free, s.inodes_free, s.inode_size, s.groups, s.state, s.uuid,
	       s.label);
	for (size_t i = 0; i < s.nfeatures; i++)
		printf(" %s", s.features[i]);
	putchar('\n');
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char when[32] = "never";
		if (times[i].t)
			time_string(times[i].t, when, sizeof(when));
		printf("%s: %s%s\n", times[i].label, when, times[i].t ? " UTC" : "");
	}
	printf("mount count: %u\n", s.mount_count);
	return finish(&iv);
}
