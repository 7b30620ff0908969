/* The entry lists (`entries` and `entries_*`): files, directories, links, devices, host
 * trees and archives, each at an image path. Kinds are a table. */
#include "sections/section.h"
#include "base/diag.h"
#include "base/suggest.h"
#include "formats/xattr.h"
#include "io/archive_in.h"
#include "io/hostfs.h"
#include "model/hostsrc.h"
#include "sections/users.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Owners are 32-bit; (uid_t)-1 means "no change" to chown(2), so it is no owner. */
#define MAX_ID 4294967294LL

/* One entry, checked and ready to apply. */
struct entry {
	const struct entry_type *t;
	const struct conf *at;    /* the entry's group, for messages */
	const char *path;
	unsigned mode;
	int has_mode;
	unsigned uid, gid;
	const struct conf *owner, *group;  /* by name: resolved once the tree is complete */
	long auid, agid;          /* archive: owner of every member, -1 to keep */
	int flags;
	char *source;             /* file, tree, archive: host path */
	const char *text;         /* text */
	const char *target;       /* symlink, hardlink */
	unsigned major, minor;    /* chr, blk */
	int no_host_xattrs;       /* file, tree: xattrs = false */
	struct xattr *xattrs;     /* set by xattrs and capabilities (malloc'd) */
	size_t nxattrs;
	struct pathfilter *filter;/* tree, archive: include and exclude (NULL: none) */
};

/* A node of an entry that names its owner or group. */
struct named {
	struct node *n;
	const struct entry *e;
};

struct entries {
	struct entry *v;
	size_t n;
	struct named *named;
	size_t nnamed, cap_named;
};

struct apply {
	struct section_ctx *ctx;
	struct entries *p;
	const struct entry *e;
	const char *origin;       /* "file:line", kept by the tree */
};

#define COMMON_KEYS \
	{ "type", KEY_STRING, 1 }, { "path", KEY_STRING, 1 }, { "mode", KEY_STRING, 0 }, \
	{ "uid", KEY_INT, 0 }, { "gid", KEY_INT, 0 }, { "owner", KEY_STRING, 0 }, \
	{ "group", KEY_STRING, 0 }, { "override", KEY_BOOL, 0 }, \
	{ "xattrs", KEY_STRINGS_OR_BOOL, 0 }

static const struct key dir_keys[] = { COMMON_KEYS, { NULL, 0, 0 } };
static const struct key file_keys[] = {
	COMMON_KEYS, { "source", KEY_STRING, 1 }, { "capabilities", KEY_STRING, 0 }, { NULL, 0, 0 }
};
#define FILTER_KEYS { "include", KEY_STRINGS, 0 }, { "exclude", KEY_STRINGS, 0 }
static const struct key tree_keys[] = {
	COMMON_KEYS, { "source", KEY_STRING, 1 }, FILTER_KEYS, { NULL, 0, 0 }
};
static const struct key text_keys[] = {
	COMMON_KEYS, { "text", KEY_STRING, 1 }, { "capabilities", KEY_STRING, 0 }, { NULL, 0, 0 }
};
static const struct key link_keys[] = { COMMON_KEYS, { "target", KEY_STRING, 1 }, { NULL, 0, 0 } };
static const struct key dev_keys[] = {
	COMMON_KEYS, { "major", KEY_INT, 1 }, { "minor", KEY_INT, 1 }, { NULL, 0, 0 }
};
static const struct key archive_keys[] = {
	{ "type", KEY_STRING, 1 }, { "path", KEY_STRING, 1 }, { "source", KEY_STRING, 1 },
	{ "uid", KEY_INT, 0 }, { "gid", KEY_INT, 0 }, { "owner", KEY_STRING, 0 },
	{ "group", KEY_STRING, 0 }, { "override", KEY_BOOL, 0 }, FILTER_KEYS, { NULL, 0, 0 },
};

/* ---- apply, per kind ---- */

/* Remember N for entries_finish when its entry names an owner or group. */
static void named(struct node *n, void *arg)
{
	struct apply *a = arg;
	struct entries *p = a->p;
	if (!a->e->owner && !a->e->group)
		return;
	if (p->nnamed == p->cap_named) {
		p->cap_named = p->cap_named ? p->cap_named * 2 : 64;
		p->named = xrealloc(p->named, p->cap_named * sizeof(*p->named));
	}
	p->named[p->nnamed++] = (struct named){ n, a->e };
}

static int add_node(struct apply *a, struct node *n)
{
	const struct entry *e = a->e;
	const char *why;
	if (e->has_mode)
		n->mode = e->mode;
	n->uid = e->uid;
	n->gid = e->gid;
	named(n, a);
	n->pinned = (e->flags & TREE_OVERRIDE) != 0;
	for (size_t i = 0; i < e->nxattrs; i++)
		node_set_xattr(a->ctx->tree, n, e->xattrs[i].name, e->xattrs[i].value,
			       e->xattrs[i].len);
	if (!tree_add(a->ctx->tree, NULL, e->path, n, e->flags, &why))
		return 0;
	if (errno == EEXIST) {
		struct node *old = tree_lookup(a->ctx->tree, NULL, e->path, 0);
		conf_error(e->at, "%s: %s (first defined at %s); set override = true to replace it",
			   e->path, why, old ? old->origin : "?");
	} else {
		conf_error(e->at, "%s: %s", e->path, why);
	}
	return -1;
}

static struct node *new_node(struct apply *a, enum node_type type)
{
	return tree_node_new(a->ctx->tree, type, a->origin);
}

static int apply_dir(struct apply *a)
{
	return add_node(a, new_node(a, NODE_DIR));
}

static int apply_file(struct apply *a)
{
	const char *path = a->e->source;
	struct stat st;
	if (stat(path, &st)) {
		conf_error(a->e->at, "source %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		conf_error(a->e->at, "source %s is a directory (use type = \"tree\")", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_error(a->e->at, "source %s is not a regular file", path);
		return -1;
	}
	struct node *n = new_node(a, NODE_REG);
	/* Checked to be this file when it is read (model/hostsrc). */
	node_set_host(n, NULL, tree_strdup(a->ctx->tree, path), &st);
	if (!a->e->no_host_xattrs && hostfs_xattrs(a->ctx->tree, n, path, 1)) {
		conf_error(a->e->at, "source %s: extended attributes: %s", path, strerror(errno));
		return -1;
	}
	/* Like git: only the executable bit of the checkout matters, not its umask. */
	n->mode = (st.st_mode & 0111) ? 0755 : 0644;
	return add_node(a, n);
}

static int apply_tree(struct apply *a)
{
	const struct entry *e = a->e;
	struct hostfs_opts o = {
		.uid = e->uid, .gid = e->gid,
		.mode = e->has_mode ? (int)e->mode : -1,
		.flags = e->flags, .origin = a->origin, .added = named, .arg = a,
		.filter = e->filter, .no_xattrs = e->no_host_xattrs,
	};
	int rc = hostfs_import(a->ctx->tree, e->path, e->source, &o);
	if (rc)
		conf_error(e->at, "could not import tree %s", e->source);
	else if (e->filter)
		section_filter_warn(e->at, e->filter);
	return rc;
}

static int apply_text(struct apply *a)
{
	struct node *n = new_node(a, NODE_REG);
	n->u.reg.size = strlen(a->e->text);
	n->src = n->u.reg.size ? SRC_MEM : SRC_EMPTY;
	n->u.reg.mem = tree_strdup(a->ctx->tree, a->e->text);
	return add_node(a, n);
}

static int apply_symlink(struct apply *a)
{
	struct node *n = new_node(a, NODE_SYMLINK);
	n->u.lnk.target = tree_strdup(a->ctx->tree, a->e->target);
	return add_node(a, n);
}

static int apply_hardlink(struct apply *a)
{
	const struct entry *e = a->e;
	const char *why;
	struct node *n = tree_lookup(a->ctx->tree, NULL, e->target, 0);
	if (!n) {
		conf_error(e->at, "hard link target %s does not exist (define it earlier)", e->target);
		return -1;
	}
	if (n->type == NODE_DIR) {
		conf_error(e->at, "hard link target %s is a directory", e->target);
		return -1;
	}
	if (tree_add(a->ctx->tree, NULL, e->path, n, e->flags, &why)) {
		conf_error(e->at, "%s: %s", e->path, why);
		return -1;
	}
	return 0;
}

static int apply_dev(struct apply *a, enum node_type type)
{
	struct node *n = new_node(a, type);
	n->u.dev.major = a->e->major;
	n->u.dev.minor = a->e->minor;
	return add_node(a, n);
}

static int apply_chr(struct apply *a)
{
	return apply_dev(a, NODE_CHR);
}

static int apply_blk(struct apply *a)
{
	return apply_dev(a, NODE_BLK);
}

static int apply_fifo(struct apply *a)
{
	return add_node(a, new_node(a, NODE_FIFO));
}

static int apply_archive(struct apply *a)
{
	const struct entry *e = a->e;
	struct tree *t = a->ctx->tree;
	const char *why;
	struct archive_import opt = {
		.clamp = a->ctx->img->timestamp, .flags = e->flags, .where = a->origin,
		.uid = e->auid, .gid = e->agid, .added = named, .arg = a, .filter = e->filter,
	};
	/* The target directory, made if missing; a symlink to a directory is followed. */
	char *self = xasprintf("%s/.", e->path);
	struct node *dir = new_node(a, NODE_DIR);
	dir->implicit = 1;
	int rc = tree_add(t, NULL, self, dir, 0, &why);
	free(self);
	if (rc) {
		conf_error(e->at, "%s: %s", e->path, why);
		return -1;
	}
	dir = tree_lookup(t, NULL, e->path, TREE_FOLLOW);
	rc = archive_import(t, dir, e->source, &opt);
	if (!rc && e->filter)
		section_filter_warn(e->at, e->filter);
	return rc;
}

/* ---- parse, per kind: only what is not common ---- */

static int parse_nothing(const struct conf *s, struct entry *e)
{
	(void)s;
	(void)e;
	return 0;
}

static int parse_source(const struct conf *s, struct entry *e)
{
	e->source = conf_host_path(s, conf_str(conf_member(s, "source")));
	return 0;
}

static int parse_text(const struct conf *s, struct entry *e)
{
	e->text = conf_str(conf_member(s, "text"));
	return 0;
}

static int parse_symlink(const struct conf *s, struct entry *e)
{
	e->target = conf_str(conf_member(s, "target"));
	if (!*e->target || strlen(e->target) >= 4096) {
		conf_error(conf_member(s, "target"), "symlink target must be 1 to 4095 bytes");
		return -1;
	}
	e->has_mode = 0;  /* symlink permissions are always 0777 */
	return 0;
}

static int parse_hardlink(const struct conf *s, struct entry *e)
{
	e->target = conf_str(conf_member(s, "target"));
	if (section_image_path(conf_member(s, "target"), "hard link target", e->target))
		return -1;
	if (e->has_mode || conf_member(s, "uid") || conf_member(s, "gid") || e->owner ||
	    e->group || e->nxattrs) {
		conf_error(s, "a hard link shares its target's mode, owner and extended attributes; "
			   "set them there");
		return -1;
	}
	return 0;
}

/* Linux device numbers: 12 bits of major, 20 of minor. */
static int parse_dev(const struct conf *s, struct entry *e)
{
	const struct conf *ma = conf_member(s, "major"), *mi = conf_member(s, "minor");
	int bad = 0;
	if (ma->num < 0 || ma->num > 4095) {
		conf_error(ma, "major %lld is out of range: 0 to 4095", (long long)ma->num);
		bad = 1;
	}
	if (mi->num < 0 || mi->num > 1048575) {
		conf_error(mi, "minor %lld is out of range: 0 to 1048575", (long long)mi->num);
		bad = 1;
	}
	e->major = (unsigned)ma->num;
	e->minor = (unsigned)mi->num;
	return bad ? -1 : 0;
}

/* A tree or archive: its source and filter. */
static int parse_import(const struct conf *s, struct entry *e)
{
	struct pathfilter f;
	int rc = section_filter_parse(s, &f);
	if (!rc && pathfilter_any(&f)) {
		e->filter = xmalloc(sizeof(*e->filter));
		*e->filter = f;
	} else {
		pathfilter_free(&f);
	}
	return rc | parse_source(s, e);
}

static int parse_archive(const struct conf *s, struct entry *e)
{
	e->auid = conf_member(s, "uid") ? (long)e->uid : -1;
	e->agid = conf_member(s, "gid") ? (long)e->gid : -1;
	return parse_import(s, e);
}

static const struct entry_type {
	const char *name;
	const struct key *keys;
	int (*parse)(const struct conf *s, struct entry *e);
	int (*apply)(struct apply *a);
} entry_types[] = {
	{ "dir", dir_keys, parse_nothing, apply_dir },
	{ "file", file_keys, parse_source, apply_file },
	{ "tree", tree_keys, parse_import, apply_tree },
	{ "text", text_keys, parse_text, apply_text },
	{ "symlink", link_keys, parse_symlink, apply_symlink },
	{ "hardlink", link_keys, parse_hardlink, apply_hardlink },
	{ "chr", dev_keys, parse_dev, apply_chr },
	{ "blk", dev_keys, parse_dev, apply_blk },
	{ "fifo", dir_keys, parse_nothing, apply_fifo },
	{ "archive", archive_keys, parse_archive, apply_archive },
};
#define N_ENTRY_TYPES (sizeof(entry_types) / sizeof(entry_types[0]))

/* Mode: an octal string such as "0755". */
static int parse_mode(const struct conf *s, struct entry *e)
{
	const struct conf *m = conf_member(s, "mode");
	if (!m)
		return 0;
	char *end = NULL;
	unsigned long v = m->str && *m->str ? strtoul(m->str, &end, 8) : 0;
	if (!m->str || !*m->str || *end || v > 07777) {
		conf_error(m, "mode must be an octal string such as \"0755\"");
		return -1;
	}
	e->mode = (unsigned)v;
	e->has_mode = 1;
	return 0;
}

/* KEY (uid or gid), or NAMEKEY (owner or group) into *BYNAME: not both. */
static int parse_id(const struct conf *s, const char *key, unsigned *out, const char *namekey,
		    const struct conf **byname)
{
	const struct conf *c = conf_member(s, key);
	*byname = conf_member(s, namekey);
	if (*byname && c) {
		conf_error(*byname, "%s and %s both set: one or the other", key, namekey);
		return -1;
	}
	if (*byname && !*(*byname)->str) {
		conf_error(*byname, "%s is empty", namekey);
		return -1;
	}
	if (!c)
		return 0;
	if (c->num < 0 || c->num > MAX_ID) {
		conf_error(c, "%s %lld is out of range: 0 to %lld", key, (long long)c->num, MAX_ID);
		return -1;
	}
	*out = (unsigned)c->num;
	return 0;
}

static void add_xattr(struct entry *e, const char *name, size_t nlen, void *val, size_t len)
{
	e->xattrs = xrealloc(e->xattrs, (e->nxattrs + 1) * sizeof(*e->xattrs));
	e->xattrs[e->nxattrs++] = (struct xattr){ xasprintf("%.*s", (int)nlen, name), val, len };
}

/* One "name=value" of xattrs. */
static int parse_xattr(const struct conf *at, const char *s, void *arg)
{
	static const char *const spaces[] = { "user.", "trusted.", "security.", "system.", NULL };
	struct entry *e = arg;
	const char *eq = strchr(s, '='), *why;
	size_t nlen = eq ? (size_t)(eq - s) : 0;
	int known = 0;
	for (size_t i = 0; spaces[i]; i++)
		known |= nlen > strlen(spaces[i]) && !strncmp(s, spaces[i], strlen(spaces[i]));
	if (!eq || !known || nlen > 255) {
		conf_error(at, "xattrs: '%s' is not name=value with a name of 1 to 255 bytes in "
			   "user., trusted., security. or system.", s);
		return -1;
	}
	for (size_t i = 0; i < e->nxattrs; i++)
		if (strlen(e->xattrs[i].name) == nlen && !strncmp(e->xattrs[i].name, s, nlen)) {
			conf_error(at, "xattrs: %.*s is set twice", (int)nlen, s);
			return -1;
		}
	void *val;
	size_t len;
	if (xattr_value_parse(eq + 1, &val, &len, &why)) {
		conf_error(at, "xattrs: %.*s: %s", (int)nlen, s, why);
		return -1;
	}
	add_xattr(e, s, nlen, val, len);
	return 0;
}

/* xattrs (false, or name=value strings) and capabilities. */
static int parse_xattrs(const struct conf *s, struct entry *e)
{
	const struct conf *x = conf_member(s, "xattrs"), *c = conf_member(s, "capabilities");
	int from_host = e->t->apply == apply_tree || e->t->apply == apply_file;
	if (x && x->type == CONF_BOOL) {
		if (!from_host) {
			conf_error(x, "xattrs = true/false keeps or drops a tree's or file's own; "
				   "here set them as a list of \"name=value\"");
			return -1;
		}
		e->no_host_xattrs = !x->num;
	} else if (x) {
		if (e->t->apply == apply_tree) {
			conf_error(x, "a tree entry takes only xattrs = false (drop the host's)");
			return -1;
		}
		if (conf_each_string(x, parse_xattr, e))
			return -1;
	}
	if (c) {
		for (size_t i = 0; i < e->nxattrs; i++)
			if (!strcmp(e->xattrs[i].name, XATTR_CAPS)) {
				conf_error(c, "capabilities and xattrs both set " XATTR_CAPS);
				return -1;
			}
		unsigned char *caps = xmalloc(20);
		size_t len;
		const char *why, *best;
		char bad[64];
		if (filecap_from_text(c->str, caps, &len, &why)) {
			if (filecap_misspelt(c->str, bad, &best))
				conf_error(c, "capabilities \"%s\": no capability '%s'%s%s%s", c->str,
					   bad, best ? " (did you mean '" : "", best ? best : "",
					   best ? "'?)" : "");
			else
				conf_error(c, "capabilities \"%s\": %s", c->str, why);
			free(caps);
			return -1;
		}
		add_xattr(e, XATTR_CAPS, strlen(XATTR_CAPS), caps, len);
	}
	return 0;
}

static int parse_entry(const struct conf *s, struct entry *e)
{
	memset(e, 0, sizeof(*e));
	e->at = s;
	if (s->type != CONF_GROUP) {
		conf_error(s, "each entry must be a group { type = ...; path = ...; }");
		return -1;
	}
	const char *type;
	if (!conf_lookup_string(s, "type", &type)) {
		conf_error(s, "entry needs 'type' (a string)");
		return -1;
	}
	const char *names[N_ENTRY_TYPES + 1];
	for (size_t i = 0; i < N_ENTRY_TYPES; i++) {
		names[i] = entry_types[i].name;
		if (!strcmp(type, entry_types[i].name))
			e->t = &entry_types[i];
	}
	names[N_ENTRY_TYPES] = NULL;
	if (!e->t) {
		char *valid = suggest_valid(type, names, "types");
		conf_error(conf_member(s, "type"), "unknown entry type '%s'%s", type, valid);
		free(valid);
		return -1;
	}
	char what[64];
	snprintf(what, sizeof(what), "%s entry", type);
	if (schema_check(s, e->t->keys, what))
		return -1;
	conf_lookup_string(s, "path", &e->path);
	if (section_image_path(conf_member(s, "path"), "path", e->path))
		return -1;
	int ov = 0;
	if (parse_mode(s, e) | parse_id(s, "uid", &e->uid, "owner", &e->owner) |
	    parse_id(s, "gid", &e->gid, "group", &e->group))
		return -1;
	conf_lookup_bool(s, "override", &ov);
	e->flags = ov ? TREE_OVERRIDE : 0;
	if (parse_xattrs(s, e))
		return -1;
	return e->t->parse(s, e);
}

static void entry_free(struct entry *e)
{
	free(e->source);
	if (e->filter)
		pathfilter_free(e->filter);
	free(e->filter);
	for (size_t i = 0; i < e->nxattrs; i++) {
		free((char *)e->xattrs[i].name);
		free((void *)e->xattrs[i].value);
	}
	free(e->xattrs);
}

static void entries_free(void *plan)
{
	struct entries *p = plan;
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		entry_free(&p->v[i]);
	free(p->v);
	free(p->named);
	free(p);
}

/* One list: its entries are added to *PLAN, which several lists share. */
static int entries_parse(const struct conf *s, const struct image_params *img, void **plan)
{
	(void)img;
	if (s->type != CONF_LIST) {
		conf_error(s, "%s must be a list ( { ... }, ... )", s->name);
		return -1;
	}
	struct entries *p = *plan ? *plan : xcalloc(1, sizeof(*p));
	*plan = p;
	int problems = 0;
	p->v = xrealloc(p->v, (p->n + conf_length(s)) * sizeof(*p->v));
	for (size_t i = 0; i < conf_length(s); i++) {
		struct entry *e = &p->v[p->n];
		if (parse_entry(conf_elem(s, i), e)) {
			entry_free(e);
			problems++;
		} else {
			p->n++;
		}
	}
	return problems ? -1 : 0;
}

static int entries_apply(void *plan, struct section_ctx *ctx)
{
	struct entries *p = plan;
	int failed = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct apply a = { ctx, p, &p->v[i], tree_strdup(ctx->tree, conf_where(p->v[i].at)) };
		failed |= p->v[i].t->apply(&a) != 0;
	}
	return failed ? -1 : 0;
}

/* The id NAME (setting AT) has in U as a user (USER) or group: 0 and *ID, or -1 after
 * reporting. */
static int resolve(const struct users_ids *u, int user, const struct conf *at, unsigned *id)
{
	const char *hint;
	if (!users_ids_find(u, user, at->str, id, &hint))
		return 0;
	conf_error(at, "%s '%s' is not in the image's %s%s%s%s", user ? "owner" : "group",
		   at->str, user ? "/etc/passwd" : "/etc/group", hint ? " (did you mean '" : "",
		   hint ? hint : "", hint ? "'?)" : "");
	return -1;
}

int entries_finish(void *plan, struct section_ctx *ctx)
{
	struct entries *p = plan;
	if (!p || !p->nnamed)
		return 0;
	struct users_ids *u = users_ids_load(ctx->tree);
	if (!u)
		return -1;
	int failed = 0;
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct entry *e = &p->v[i];
		unsigned uid = 0, gid = 0;
		/* Both reported when both are unknown. */
		int bad = e->owner && resolve(u, 1, e->owner, &uid);
		if (e->group && resolve(u, 0, e->group, &gid))
			bad = 1;
		failed |= bad;
		/* The nodes were recorded in the order of their entries. */
		for (; k < p->nnamed && p->named[k].e == e; k++) {
			if (bad)
				continue;
			if (e->owner)
				p->named[k].n->uid = uid;
			if (e->group)
				p->named[k].n->gid = gid;
		}
	}
	users_ids_free(u);
	return failed ? -1 : 0;
}

const struct section entries_section = {
	"entries", NULL, entries_parse, entries_apply, entries_free,
};
