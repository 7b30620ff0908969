/* Layout loading: libconfig text -> image parameters + tree. Entry kinds are a table; so
 * are the optional top-level sections, each owned by its own module. */
#include "layout.h"
#include "layout_include.h"
#include "archive_in.h"
#include "diag.h"
#include "hostfs.h"
#include "kmod.h"
#include "musl.h"
#include "systemd.h"
#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A fixed, non-zero default: tools read a zero creation time as "none". */
#define DEFAULT_TIMESTAMP 1700000000

static const struct layout_section *const sections[] = {
	&musl_section,
	&kmod_section,
	&systemd_section,  /* last: enabling and the users step read the finished tree */
	NULL
};

static const struct key image_keys[] = {
	{ "name", KEY_STRING, 0 },
	{ "size", KEY_SIZE, 0 },
	{ "headroom", KEY_SIZE, 0 },
	{ "block_size", KEY_INT, 0 },
	{ "inode_size", KEY_INT, 0 },
	{ "inodes", KEY_SIZE, 0 },
	{ "label", KEY_STRING, 0 },
	{ "uuid", KEY_STRING, 0 },
	{ "hash_seed", KEY_STRING, 0 },
	{ "timestamp", KEY_INT, 0 },
	{ "output", KEY_STRING, 0 },
	{ "stage", KEY_STRING, 0 },
	{ "format", KEY_STRING, 0 },
	{ "strict", KEY_BOOL, 0 },
	{ NULL, 0, 0 }
};

const char *layout_origin(struct layout_ctx *ctx, const config_setting_t *s)
{
	return tree_strdup(ctx->tree, schema_where(s));
}

char *layout_host_path(const config_setting_t *s, const char *rel)
{
	const char *file = config_setting_source_file(s);
	if (rel[0] == '/' || !file)
		return xstrdup(rel);
	/* libconfig names an included file as the @include line wrote it, relative to the
	 * include directory (the top layout's); the top layout comes first in its list. */
	const config_t *cfg = s->config;
	char *copy = xstrdup(file);
	const char *dir = cfg->num_filenames && strcmp(file, cfg->filenames[0]) &&
			  file[0] != '/' && config_get_include_dir(cfg) ?
			  config_get_include_dir(cfg) : dirname(copy);
	char *path = strcmp(dir, ".") ? xasprintf("%s/%s", dir, rel) : xstrdup(rel);
	free(copy);
	return path;
}

int layout_mode(const config_setting_t *s, const char *key, unsigned *mode)
{
	config_setting_t *m = config_setting_get_member(s, key);
	if (!m)
		return 0;
	const char *text = config_setting_type(m) == CONFIG_TYPE_STRING ?
			   config_setting_get_string(m) : NULL;
	char *end = NULL;
	unsigned long v = text && *text ? strtoul(text, &end, 8) : 0;
	if (!text || !*text || *end || v > 07777) {
		schema_error(m, "%s must be an octal string such as \"0755\"", key);
		return -1;
	}
	*mode = (unsigned)v;
	return 1;
}

int layout_parse_size(const char *text, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text)
		return -1;
	uint64_t mult = 1;
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'K': mult = 1ull << 10; end++; break;
	case 'M': mult = 1ull << 20; end++; break;
	case 'G': mult = 1ull << 30; end++; break;
	case 'T': mult = 1ull << 40; end++; break;
	default: return -1;
	}
	if (*end == 'i' && mult > 1)
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (v && mult > UINT64_MAX / v))
		return -1;
	*out = v * mult;
	return 0;
}

/* A size setting: integer bytes, "64M", "N%" (when PCT is non-NULL) or "auto" (0). */
static int get_size(const config_setting_t *s, uint64_t *out, unsigned *pct)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		long long v = config_setting_get_int64(s);
		if (v < 0) {
			schema_error(s, "%s must not be negative", config_setting_name(s));
			return -1;
		}
		*out = (uint64_t)v;
		return 0;
	}
	const char *t = config_setting_get_string(s);
	size_t n = strlen(t);
	if (!strcmp(t, "auto")) {
		*out = 0;
		return 0;
	}
	if (pct && n > 1 && t[n - 1] == '%') {
		char *end;
		unsigned long v = strtoul(t, &end, 10);
		if (end == t + n - 1 && v <= 1000) {
			*pct = (unsigned)v;
			*out = 0;
			return 0;
		}
	}
	if (layout_parse_size(t, out)) {
		schema_error(s, "%s: '%s' is not a size (use bytes, or a number with K, M, G%s)",
			     config_setting_name(s), t, pct ? ", or a percentage" : "");
		return -1;
	}
	return 0;
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" -> 16 bytes. */
static int uuid_parse_hex(const char *text, unsigned char out[16])
{
	size_t n = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '-')
			continue;
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) || n == 16)
			return -1;
		char byte[3] = { p[0], p[1], 0 };
		out[n++] = (unsigned char)strtoul(byte, NULL, 16);
		p++;
	}
	return n == 16 ? 0 : -1;
}

/* Derive UUID and hash seed from the parsed layout, so equal layouts give equal images. */
static int derive_ids(struct layout_ctx *ctx, const char *uuid, const char *seed,
		      const config_setting_t *img)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		diag_error("out of memory");
		return -1;
	}
	config_write(ctx->cfg, f);
	fclose(f);
	unsigned char digest[EXT2FS_SHA512_LENGTH];
	ext2fs_sha512((const unsigned char *)text, len, digest);
	free(text);

	memcpy(ctx->img.uuid, digest, 16);
	ctx->img.uuid[6] = (ctx->img.uuid[6] & 0x0f) | 0x80;  /* RFC 9562 version 8 */
	ctx->img.uuid[8] = (ctx->img.uuid[8] & 0x3f) | 0x80;
	memcpy(ctx->img.hash_seed, digest + 16, 16);

	if (uuid && strcmp(uuid, "auto") && uuid_parse_hex(uuid, ctx->img.uuid)) {
		schema_error(config_setting_get_member(img, "uuid"),
			     "image.uuid: '%s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
			     uuid);
		return -1;
	}
	if (seed && strcmp(seed, "auto") &&
	    uuid_parse_hex(seed, (unsigned char *)ctx->img.hash_seed)) {
		schema_error(config_setting_get_member(img, "hash_seed"),
			     "image.hash_seed: '%s' is not a UUID", seed);
		return -1;
	}
	return 0;
}

static int load_image(struct layout_ctx *ctx)
{
	struct image_params *p = &ctx->img;
	config_setting_t *img = config_lookup(ctx->cfg, "image");
	const char *s;
	int problems = 0;

	/* Defaults: the image is named after the layout file. */
	char *base = xstrdup(ctx->path);
	char *stem = basename(base);
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = 0;
	p->name = tree_strdup(ctx->tree, stem);
	free(base);
	p->headroom_pct = 10;
	p->block_size = 4096;
	p->inode_size = 256;
	p->timestamp = DEFAULT_TIMESTAMP;
	p->stage = "distribution/images";
	p->format = "ext2";

	if (img && config_setting_type(img) != CONFIG_TYPE_GROUP) {
		schema_error(img, "image must be a group { ... }");
		return -1;
	}
	if (img && schema_check(img, image_keys, "image"))
		return -1;

	config_setting_t *c;
	if (img) {
		if (config_setting_lookup_string(img, "name", &s)) {
			if (!*s || strchr(s, '/')) {
				schema_error(config_setting_get_member(img, "name"),
					     "image.name must be a plain file name");
				problems++;
			}
			p->name = tree_strdup(ctx->tree, s);
		}
		if ((c = config_setting_get_member(img, "size")) && get_size(c, &p->size, NULL))
			problems++;
		if ((c = config_setting_get_member(img, "headroom"))) {
			p->headroom_pct = 0;
			if (get_size(c, &p->headroom_bytes, &p->headroom_pct))
				problems++;
		}
		if ((c = config_setting_get_member(img, "inodes")) && get_size(c, &p->inodes, NULL))
			problems++;
		if ((c = config_setting_get_member(img, "block_size"))) {
			int v = config_setting_get_int(c);
			if (v != 1024 && v != 2048 && v != 4096) {
				schema_error(c, "image.block_size must be 1024, 2048 or 4096");
				problems++;
			}
			p->block_size = (unsigned)v;
		}
		if ((c = config_setting_get_member(img, "inode_size"))) {
			int v = config_setting_get_int(c);
			if (v < 128 || v > (int)p->block_size || (v & (v - 1))) {
				schema_error(c, "image.inode_size must be a power of two from 128 to the block size");
				problems++;
			}
			p->inode_size = (unsigned)v;
		}
		if ((c = config_setting_get_member(img, "timestamp")))
			p->timestamp = config_setting_get_int64(c);
		if (config_setting_lookup_string(img, "output", &s))
			p->output = tree_strdup(ctx->tree, s);
		if (config_setting_lookup_string(img, "stage", &s))
			p->stage = tree_strdup(ctx->tree, s);
		if (config_setting_lookup_string(img, "format", &s)) {
			if (strcmp(s, "ext2") && strcmp(s, "tar") && strcmp(s, "cpio")) {
				schema_error(config_setting_get_member(img, "format"),
					     "image.format must be \"ext2\", \"tar\" or \"cpio\"");
				problems++;
			}
			p->format = tree_strdup(ctx->tree, s);
		}
		int strict;
		if (config_setting_lookup_bool(img, "strict", &strict))
			p->strict = strict;
	}
	const char *env = getenv("SOURCE_DATE_EPOCH");
	if (env && *env) {
		char *end;
		errno = 0;
		long long v = strtoll(env, &end, 10);
		if (errno || *end || v < 0) {
			diag_error("SOURCE_DATE_EPOCH='%s' is not a number of seconds", env);
			problems++;
		}
		p->timestamp = v;
	}
	const char *label = p->name;
	if (img && config_setting_lookup_string(img, "label", &s)) {
		if (strlen(s) > 16) {
			schema_error(config_setting_get_member(img, "label"),
				     "image.label is longer than 16 bytes");
			problems++;
		}
		label = s;
	}
	snprintf(p->label, sizeof(p->label), "%s", label);
	if (!p->output) {
		const char *ext = !strcmp(p->format, "tar") ? "tar" :
				  !strcmp(p->format, "cpio") ? "cpio.gz" : "img";
		char *o = xasprintf("out/images/%s.%s", p->name, ext);
		p->output = tree_strdup(ctx->tree, o);
		free(o);
	}
	const char *uuid = NULL, *seed = NULL;
	if (img) {
		config_setting_lookup_string(img, "uuid", &uuid);
		config_setting_lookup_string(img, "hash_seed", &seed);
	}
	if (derive_ids(ctx, uuid, seed, img))
		problems++;
	return problems ? -1 : 0;
}

/* ---- entries ---- */

#define COMMON_KEYS \
	{ "type", KEY_STRING, 1 }, { "path", KEY_STRING, 1 }, { "mode", KEY_STRING, 0 }, \
	{ "uid", KEY_INT, 0 }, { "gid", KEY_INT, 0 }, { "override", KEY_BOOL, 0 }

static const struct key dir_keys[] = { COMMON_KEYS, { NULL, 0, 0 } };
static const struct key file_keys[] = { COMMON_KEYS, { "source", KEY_STRING, 1 }, { NULL, 0, 0 } };
static const struct key text_keys[] = { COMMON_KEYS, { "text", KEY_STRING, 1 }, { NULL, 0, 0 } };
static const struct key link_keys[] = { COMMON_KEYS, { "target", KEY_STRING, 1 }, { NULL, 0, 0 } };
static const struct key dev_keys[] = {
	COMMON_KEYS, { "major", KEY_INT, 1 }, { "minor", KEY_INT, 1 }, { NULL, 0, 0 }
};

struct entry {
	const config_setting_t *s;
	const char *path;
	const char *origin;
	unsigned mode;
	int has_mode;
	unsigned uid, gid;
	int flags;
};

static int add_node(struct layout_ctx *ctx, const struct entry *e, struct node *n)
{
	const char *why;
	if (e->has_mode)
		n->mode = e->mode;
	n->uid = e->uid;
	n->gid = e->gid;
	if (!tree_add(ctx->tree, NULL, e->path, n, e->flags, &why))
		return 0;
	if (errno == EEXIST) {
		struct node *old = tree_lookup(ctx->tree, NULL, e->path, 0);
		schema_error(e->s, "%s: %s (first defined at %s); set override = true to replace it",
			     e->path, why, old ? old->origin : "?");
	} else {
		schema_error(e->s, "%s: %s", e->path, why);
	}
	return -1;
}

static int entry_dir(struct layout_ctx *ctx, const struct entry *e)
{
	return add_node(ctx, e, tree_node_new(ctx->tree, NODE_DIR, e->origin));
}

static int entry_file(struct layout_ctx *ctx, const struct entry *e)
{
	const char *src;
	config_setting_lookup_string(e->s, "source", &src);
	char *path = layout_host_path(e->s, src);
	struct stat st;
	int rc = -1;
	if (stat(path, &st)) {
		schema_error(e->s, "source %s: %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		schema_error(e->s, "source %s is a directory (use type = \"tree\")", path);
	} else if (!S_ISREG(st.st_mode)) {
		schema_error(e->s, "source %s is not a regular file", path);
	} else {
		struct node *n = tree_node_new(ctx->tree, NODE_REG, e->origin);
		n->u.reg.kind = st.st_size ? SRC_HOST : SRC_EMPTY;
		n->u.reg.size = (uint64_t)st.st_size;
		n->u.reg.name = tree_strdup(ctx->tree, path);
		/* Like git: only the executable bit of the checkout matters, not its umask. */
		n->mode = (st.st_mode & 0111) ? 0755 : 0644;
		rc = add_node(ctx, e, n);
	}
	free(path);
	return rc;
}

static int entry_tree(struct layout_ctx *ctx, const struct entry *e)
{
	const char *src;
	config_setting_lookup_string(e->s, "source", &src);
	char *path = layout_host_path(e->s, src);
	struct hostfs_opts o = {
		.uid = e->uid, .gid = e->gid,
		.mode = e->has_mode ? (int)e->mode : -1,
		.flags = e->flags, .origin = e->origin,
	};
	int rc = hostfs_import(ctx->tree, e->path, path, &o);
	if (rc)
		schema_error(e->s, "could not import tree %s", path);
	free(path);
	return rc;
}

static int entry_text(struct layout_ctx *ctx, const struct entry *e)
{
	const char *text;
	config_setting_lookup_string(e->s, "text", &text);
	struct node *n = tree_node_new(ctx->tree, NODE_REG, e->origin);
	n->u.reg.size = strlen(text);
	n->u.reg.kind = n->u.reg.size ? SRC_MEM : SRC_EMPTY;
	n->u.reg.mem = tree_strdup(ctx->tree, text);
	return add_node(ctx, e, n);
}

static int entry_symlink(struct layout_ctx *ctx, const struct entry *e)
{
	const char *target;
	config_setting_lookup_string(e->s, "target", &target);
	if (!*target || strlen(target) >= 4096) {
		schema_error(e->s, "symlink target must be 1 to 4095 bytes");
		return -1;
	}
	struct node *n = tree_node_new(ctx->tree, NODE_SYMLINK, e->origin);
	n->u.lnk.target = tree_strdup(ctx->tree, target);
	struct entry copy = *e;
	copy.has_mode = 0;  /* symlink permissions are always 0777 */
	return add_node(ctx, &copy, n);
}

static int entry_hardlink(struct layout_ctx *ctx, const struct entry *e)
{
	const char *target, *why;
	config_setting_lookup_string(e->s, "target", &target);
	struct node *n = tree_lookup(ctx->tree, NULL, target, 0);
	if (!n) {
		schema_error(e->s, "hard link target %s does not exist (define it earlier)", target);
		return -1;
	}
	if (n->type == NODE_DIR) {
		schema_error(e->s, "hard link target %s is a directory", target);
		return -1;
	}
	if (e->has_mode || config_setting_get_member(e->s, "uid") ||
	    config_setting_get_member(e->s, "gid")) {
		schema_error(e->s, "a hard link shares its target's mode and owner; set them there");
		return -1;
	}
	if (tree_add(ctx->tree, NULL, e->path, n, e->flags, &why)) {
		schema_error(e->s, "%s: %s", e->path, why);
		return -1;
	}
	return 0;
}

static int entry_dev(struct layout_ctx *ctx, const struct entry *e, enum node_type type)
{
	int major = 0, minor = 0;
	config_setting_lookup_int(e->s, "major", &major);
	config_setting_lookup_int(e->s, "minor", &minor);
	if (major < 0 || major > 4095 || minor < 0 || minor > 1048575) {
		schema_error(e->s, "device numbers out of range (major 0-4095, minor 0-1048575)");
		return -1;
	}
	struct node *n = tree_node_new(ctx->tree, type, e->origin);
	n->u.dev.major = (unsigned)major;
	n->u.dev.minor = (unsigned)minor;
	return add_node(ctx, e, n);
}

static int entry_chr(struct layout_ctx *ctx, const struct entry *e)
{
	return entry_dev(ctx, e, NODE_CHR);
}

static int entry_blk(struct layout_ctx *ctx, const struct entry *e)
{
	return entry_dev(ctx, e, NODE_BLK);
}

static int entry_fifo(struct layout_ctx *ctx, const struct entry *e)
{
	return add_node(ctx, e, tree_node_new(ctx->tree, NODE_FIFO, e->origin));
}

static int entry_archive(struct layout_ctx *ctx, const struct entry *e)
{
	return archive_entry_apply(e->s, ctx, NULL, e->flags);
}

static const struct entry_type {
	const char *name;
	const struct key *keys;
	int (*apply)(struct layout_ctx *ctx, const struct entry *e);
} entry_types[] = {
	{ "dir", dir_keys, entry_dir },
	{ "file", file_keys, entry_file },
	{ "tree", file_keys, entry_tree },
	{ "text", text_keys, entry_text },
	{ "symlink", link_keys, entry_symlink },
	{ "hardlink", link_keys, entry_hardlink },
	{ "chr", dev_keys, entry_chr },
	{ "blk", dev_keys, entry_blk },
	{ "fifo", dir_keys, entry_fifo },
	{ "archive", archive_entry_keys, entry_archive },
};
#define N_ENTRY_TYPES (sizeof(entry_types) / sizeof(entry_types[0]))

/* Returns 1 for a layout (key/type) problem, -1 for a failed entry, 0 when added. */
static int load_entry(struct layout_ctx *ctx, const config_setting_t *s)
{
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		schema_error(s, "each entry must be a group { type = ...; path = ...; }");
		return 1;
	}
	const char *type;
	if (!config_setting_lookup_string(s, "type", &type)) {
		schema_error(s, "entry needs 'type' (a string)");
		return 1;
	}
	const struct entry_type *t = NULL;
	const char *names[N_ENTRY_TYPES + 1];
	for (size_t i = 0; i < N_ENTRY_TYPES; i++) {
		names[i] = entry_types[i].name;
		if (!strcmp(type, entry_types[i].name))
			t = &entry_types[i];
	}
	names[N_ENTRY_TYPES] = NULL;
	if (!t) {
		const char *hint = schema_suggest(type, names);
		schema_error(config_setting_get_member(s, "type"), "unknown entry type '%s'%s%s%s",
			     type, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		return 1;
	}
	char what[64];
	snprintf(what, sizeof(what), "%s entry", type);
	if (schema_check(s, t->keys, what))
		return 1;

	struct entry e = { .s = s, .origin = layout_origin(ctx, s) };
	config_setting_lookup_string(s, "path", &e.path);
	if (e.path[0] != '/') {
		schema_error(config_setting_get_member(s, "path"), "path '%s' must be absolute",
			     e.path);
		return 1;
	}
	int v, ov = 0;
	e.has_mode = layout_mode(s, "mode", &e.mode);
	if (e.has_mode < 0)
		return 1;
	if (config_setting_lookup_int(s, "uid", &v)) {
		if (v < 0) {
			schema_error(s, "uid must not be negative");
			return 1;
		}
		e.uid = (unsigned)v;
	}
	if (config_setting_lookup_int(s, "gid", &v)) {
		if (v < 0) {
			schema_error(s, "gid must not be negative");
			return 1;
		}
		e.gid = (unsigned)v;
	}
	config_setting_lookup_bool(s, "override", &ov);
	e.flags = ov ? TREE_OVERRIDE : 0;
	return t->apply(ctx, &e) ? -1 : 0;
}

static int is_entry_list(const char *name)
{
	return !strcmp(name, "entries") || !strncmp(name, "entries_", 8);
}

static const struct layout_section *find_section(const char *name)
{
	for (size_t i = 0; sections[i]; i++)
		if (!strcmp(sections[i]->name, name))
			return sections[i];
	return NULL;
}

/* Top-level keys: image, entry lists, and the registered sections. */
static int check_top(struct layout_ctx *ctx)
{
	config_setting_t *root = config_root_setting(ctx->cfg);
	const char *names[64] = { "image", "entries" };
	size_t nn = 2;
	int problems = 0;
	for (size_t i = 0; sections[i] && nn < 63; i++)
		names[nn++] = sections[i]->name;
	names[nn] = NULL;
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *c = config_setting_get_elem(root, i);
		const char *name = config_setting_name(c);
		if (is_entry_list(name)) {
			if (config_setting_type(c) != CONFIG_TYPE_LIST) {
				schema_error(c, "%s must be a list ( { ... }, ... )", name);
				problems++;
			}
		} else if (find_section(name)) {
			if (config_setting_type(c) != CONFIG_TYPE_GROUP) {
				schema_error(c, "%s must be a group { ... }", name);
				problems++;
			} else {
				problems += schema_check(c, find_section(name)->keys, name);
			}
		} else if (strcmp(name, "image")) {
			const char *hint = schema_suggest(name, names);
			schema_error(c, "unknown top-level key '%s'%s%s%s", name,
				     hint ? " (did you mean '" : "", hint ? hint : "",
				     hint ? "'?)" : "");
			problems++;
		}
	}
	return problems;
}

int layout_load(const char *path, struct layout_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->path = path;
	ctx->cfg = xmalloc(sizeof(*ctx->cfg));
	config_init(ctx->cfg);

	FILE *f = fopen(path, "r");
	if (!f) {
		diag_error("%s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	fclose(f);
	char *dir = xstrdup(path);
	config_set_include_dir(ctx->cfg, dirname(dir));
	int bad = layout_includes_check(path, config_get_include_dir(ctx->cfg));
	free(dir);
	if (bad)
		return EXIT_USAGE;
	if (!config_read_file(ctx->cfg, path)) {
		const char *file = config_error_file(ctx->cfg);
		diag_error_at(file ? file : path, config_error_line(ctx->cfg), "%s",
			      config_error_text(ctx->cfg));
		return EXIT_USAGE;
	}
	ctx->tree = tree_new(0);
	if (check_top(ctx) || load_image(ctx))
		return EXIT_USAGE;
	tree_set_mtime(ctx->tree, ctx->img.timestamp);

	config_setting_t *root = config_root_setting(ctx->cfg);
	int layout_errors = 0, failed = 0;
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *list = config_setting_get_elem(root, i);
		if (!is_entry_list(config_setting_name(list)))
			continue;
		for (int j = 0; j < config_setting_length(list); j++) {
			int rc = load_entry(ctx, config_setting_get_elem(list, j));
			layout_errors += rc > 0;
			failed += rc < 0;
		}
	}
	if (layout_errors)
		return EXIT_USAGE;
	for (size_t i = 0; sections[i]; i++) {
		config_setting_t *s = config_lookup(ctx->cfg, sections[i]->name);
		if (s && sections[i]->apply(s, ctx))
			failed++;
	}
	if (failed)
		return EXIT_FAILED;
	tree_freeze(ctx->tree);
	for (size_t i = 0; sections[i]; i++) {
		config_setting_t *s = config_lookup(ctx->cfg, sections[i]->name);
		if (sections[i]->check && s && sections[i]->check(s, ctx))
			failed++;
	}
	return failed ? EXIT_FAILED : EXIT_OK;
}

void layout_free(struct layout_ctx *ctx)
{
	if (ctx->cfg) {
		config_destroy(ctx->cfg);
		free(ctx->cfg);
	}
	tree_free(ctx->tree);
	memset(ctx, 0, sizeof(*ctx));
}
