/* ls, cat, stat, tree and info: look into an image without mounting it. */
#include "cli/cli.h"
#include "base/diag.h"
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
	int json, follow, longfmt, recursive;
	const char *image, *path;
};

/* Parse "CMD [opts] IMAGE [PATH]"; SHORTOPTS lists the short options CMD takes besides
 * --json and --help. PATH defaults to "/". 0 to go on, -1 after --help, else an exit code. */
static int parse_args(int argc, char **argv, const char *usage, const char *shortopts,
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
		switch (c) {
		case 'j': o->json = 1; break;
		case 'L': o->follow = 1; break;
		case 'l': o->longfmt = 1; break;
		case 'R': o->recursive = 1; break;
		case 'h':
			printf("usage: lsbimg %s\n", usage);
			return -1;
		default:
			fprintf(stderr, "usage: lsbimg %s\n", usage);
			return EXIT_USAGE;
		}
	}
	int n = argc - optind;
	if (n < 1 + need_path || n > 1 + allow_path) {
		fprintf(stderr, "usage: lsbimg %s\n", usage);
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
	if (o->longfmt) {
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
	if (o->longfmt && st->type == NODE_SYMLINK) {
		char t[4096];
		target_of(iv, name, h, t, sizeof(t));
		printf(" -> %s", t);
	}
	putchar('\n');
}

/* Open the image and resolve o->path; prints the reason on failure. */
static int open_path(struct imgview *iv, const struct opts *o, img_handle *h,
		     struct fsview_stat *st)
{
	if (imgview_open(iv, o->image) < 0)
		return EXIT_USAGE;
	if (imgview_lookup(iv, o->path, o->follow, h, st) < 0) {
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
		text_entry(c->iv, c->o, c->o->recursive ? path : name, h, st);
	}
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	struct opts o;
	struct imgview iv;
	img_handle h;
	struct fsview_stat st;
	int rc = parse_args(argc, argv, "ls [-l] [-R] [-L] [--json] IMAGE [PATH]", "lRL", 0, 1, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_path(&iv, &o, &h, &st)))
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
		imgview_walk(&iv, h, o.path, o.recursive, ls_visit, &c);
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
	int rc = parse_args(argc, argv, "cat [--json] IMAGE PATH", "", 1, 1, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	o.follow = 1;
	if ((rc = open_path(&iv, &o, &h, &st)))
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
	int rc = parse_args(argc, argv, "stat [-L] [--json] IMAGE PATH", "L", 1, 1, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_path(&iv, &o, &h, &st)))
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

struct tree_ctx {
	struct imgview *iv;
	int json;
	struct json j;
	unsigned open;        /* JSON: directories whose children are still open */
	unsigned dirs, files;
	unsigned char last[IMAGE_MAX_DEPTH + 2];  /* text: was the ancestor at depth i last */
};

static int tree_visit(const char *path, const char *name, img_handle h,
		      const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct tree_ctx *c = arg;
	if (depth) {
		if (st->type == NODE_DIR)
			c->dirs++;
		else
			c->files++;
	}
	if (c->json) {
		for (; c->open > depth; c->open--) {
			json_close(&c->j);   /* children */
			json_close(&c->j);   /* the directory */
		}
		json_object(&c->j, depth ? NULL : "root");
		json_entry(&c->j, c->iv, path, h, st);
		if (st->type == NODE_DIR) {
			json_array(&c->j, "children");
			c->open++;
		} else {
			json_close(&c->j);
		}
		return 0;
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
	putchar('\n');
	return 0;
}

int cmd_tree(int argc, char **argv)
{
	struct opts o;
	struct imgview iv;
	img_handle h;
	struct fsview_stat st;
	int rc = parse_args(argc, argv, "tree [-L] [--json] IMAGE [PATH]", "L", 0, 1, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_path(&iv, &o, &h, &st)))
		return rc;
	struct tree_ctx c = { .iv = &iv, .json = o.json };
	if (o.json)
		json_start(&c.j, &o);
	tree_visit(o.path, o.path, h, &st, 0, 1, &c);
	if (st.type == NODE_DIR)
		imgview_walk(&iv, h, o.path, 1, tree_visit, &c);
	if (o.json) {
		for (; c.open; c.open--) {
			json_close(&c.j);
			json_close(&c.j);
		}
		json_uint(&c.j, "directories", c.dirs);
		json_uint(&c.j, "files", c.files);
		json_end(&c.j);
	} else {
		printf("\n%u directories, %u files\n", c.dirs, c.files);
	}
	return finish(&iv);
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
	info_line("size", NULL, stat(o->image, &sb) ? 0 : (uint64_t)sb.st_size, &io);
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

/* info: the superblock in words. */
int cmd_info(int argc, char **argv)
{
	struct opts o;
	struct imgview iv;
	int rc = parse_args(argc, argv, "info [--json] IMAGE", "", 0, 0, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
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
