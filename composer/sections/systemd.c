/* The `systemd` layout section.
 *
 *   systemd = {
 *     debs = "../out/debs/systemd-arm64"; # systemd itself: packages, or a staged tree
 *                                      # (staged = "DIR"); see systemd_source.c
 *     units = [ "../units" ];          # host dirs: unit files and <unit>.d/ drop-in dirs,
 *                                      # installed into /usr/lib/systemd/system
 *     enable = [ "fs_server.service" ];# as `systemctl enable`
 *     mask = [ "getty.target" ];       # as `systemctl mask`
 *     default_target = "multi-user.target";
 *     machine_id = "empty";            # see below
 *     caps_cfg = "cfg/bash.cfg";       # the ned script declaring the L4 capabilities
 *     mappings = ( { unit = "net_server.service"; env = { L4_CAP_EXTRA = "global_fd"; }; } );
 *     users = ( { name = "l4"; uid = 1000; home = "/home/l4"; shell = "/bin/bash"; } );
 *     groups = ( { name = "l4dev"; gid = 1001; } );
 *     strict = false;                  # unit sanity warnings become errors
 *   };
 *
 * machine_id, per machine-id(5): "empty" (default) writes an empty /etc/machine-id, so
 * systemd uses a transient random id and boots without first-boot actions (what a
 * console-less system needs); "uninitialized" writes that word, which makes systemd
 * treat the boot as the first one (presets, systemd-firstboot, which prompts on the
 * console); 32 lowercase hex digits fix the id; "none" leaves /etc/machine-id alone.
 */
#include "sections/section.h"
#include "base/diag.h"
#include "base/inputs.h"
#include "model/hostsrc.h"
#include "base/sha256.h"
#include "checks/caps.h"
#include "checks/record.h"
#include "formats/unitfile.h"
#include "formats/unitinstall.h"
#include "io/hostfile.h"
#include "sections/systemd_source.h"
#include "sections/users.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct key systemd_keys[] = {
	{ "debs", KEY_STRING, 0 },
	{ "staged", KEY_STRING, 0 },
	{ "include", KEY_STRINGS, 0 },
	{ "exclude", KEY_STRINGS, 0 },
	{ "units", KEY_STRINGS, 0 },
	{ "enable", KEY_STRINGS, 0 },
	{ "mask", KEY_STRINGS, 0 },
	{ "default_target", KEY_STRING, 0 },
	{ "machine_id", KEY_STRING, 0 },
	{ "caps_cfg", KEY_STRING, 0 },
	{ "mappings", KEY_LIST, 0 },
	{ "users", KEY_LIST, 0 },
	{ "groups", KEY_LIST, 0 },
	{ "strict", KEY_BOOL, 0 },
	{ NULL, 0, 0 },
};

static const struct key mapping_keys[] = {
	{ "unit", KEY_STRING, 1 },
	{ "env", KEY_GROUP, 1 },
	{ NULL, 0, 0 },
};

#define MAPPING_DROPIN "50-l4-caps.conf"
/* Where unit directories named by the layout are installed. */
#define SYSTEMD_UNIT_DIR "/usr/lib/systemd/system"

/* What the section says, checked. */
struct mapping {
	const struct conf *at;
	const char *unit;
	char *text;           /* the drop-in */
};

struct systemd_plan {
	const struct conf *at;
	const struct conf *source;   /* debs or staged */
	int debs;
	struct pathfilter filter;    /* of the source */
	const struct conf *units, *enable, *mask, *default_target;
	const struct conf *machine_id;
	const char *machine_id_text; /* NULL: leave /etc/machine-id alone */
	struct mapping *maps;
	size_t nmaps;
	struct users_plan users;
	char *caps_cfg;              /* the host path ... */
	const char *caps_name;       /* ... and as the layout wrote it, for the record */
	char *caps_at;
	int strict;
	const char **own;            /* apply: the layout's units, for the units check */
	size_t nown;
};

/* Apply's state. */
struct apply {
	struct section_ctx *ctx;
	struct systemd_plan *p;
};

static void own_unit(struct apply *ap, const char *name)
{
	struct systemd_plan *p = ap->p;
	p->own = xrealloc(p->own, (p->nown + 1) * sizeof(*p->own));
	p->own[p->nown++] = name;
}

static int add_node(struct section_ctx *ctx, const char *path, struct node *n)
{
	const char *why;
	if (tree_add(ctx->tree, NULL, path, n, 0, &why)) {
		diag_error("%s: %s (from %s)", path, why, n->origin);
		return -1;
	}
	return 0;
}

static int add_host_file(struct section_ctx *ctx, const char *dir, const char *name,
			 const char *image_path, const char *origin)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	/* Opened later relative to DIR, held open now, and checked to be the file stat saw
	 * here (model/hostsrc). */
	struct hostdir *d = hostdir_root(ctx->tree, dir, 1, NULL);
	int rc = !d || host_stat(d, name, &st);
	if (rc || !S_ISREG(st.st_mode)) {
		diag_error("%s: %s (from %s)", p, rc ? strerror(errno) : "not a regular file",
			   origin);
		free(p);
		return -1;
	}
	free(p);
	struct node *n = tree_node_new(ctx->tree, NODE_REG, origin);
	n->mode = 0644;
	node_set_host(n, d, tree_strdup(ctx->tree, name), &st);
	return add_node(ctx, image_path, n);
}

/* Host directory entries in name order, so messages and trees are reproducible. */
static int sorted_dir(const char *dir, struct dirent ***ents)
{
	int n = scandir(dir, ents, NULL, alphasort);
	if (n >= 0)   /* a file added or removed changes the image */
		inputs_note_path(dir, 1);
	if (n < 0)
		diag_error("%s: %s", dir, strerror(errno));
	return n;
}

static void free_dir(struct dirent **ents, int n)
{
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

/* A units directory: unit files and <unit>.d/ directories of *.conf drop-ins. Other files are refused so
 * a stray file is noticed rather than silently shipped or dropped. */
static int install_units_dir(const struct conf *at, const char *rel, void *arg)
{
	struct apply *ap = arg;
	struct section_ctx *ctx = ap->ctx;
	char *dir = conf_host_path(at, rel);
	const char *origin = tree_strdup(ctx->tree, conf_where(at));
	struct dirent **ents;
	int n = sorted_dir(dir, &ents), rc = n < 0 ? -1 : 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t l = strlen(name);
		if (name[0] == '.')
			continue;
		char *ipath = xasprintf(SYSTEMD_UNIT_DIR "/%s", name);
		if (l > 2 && !strcmp(name + l - 2, ".d")) {
			char *sub = xasprintf("%s/%s", dir, name);
			struct dirent **dents;
			int dn = sorted_dir(sub, &dents);
			rc |= dn < 0 ? -1 : 0;
			for (int k = 0; k < dn; k++) {
				const char *f = dents[k]->d_name;
				size_t fl = strlen(f);
				if (f[0] == '.')
					continue;
				if (fl < 6 || strcmp(f + fl - 5, ".conf")) {
					diag_error("%s/%s: drop-ins must be named *.conf (from %s)", sub, f,
						   origin);
					rc = -1;
					continue;
				}
				char *fp = xasprintf("%s/%s", ipath, f);
				rc |= add_host_file(ctx, tree_strdup(ctx->tree, sub), f, fp, origin);
				free(fp);
			}
			if (dn >= 0)
				free_dir(dents, dn);
			free(sub);
		} else if (unit_name_kind(name) != UNIT_INVALID) {
			rc |= add_host_file(ctx, tree_strdup(ctx->tree, dir), name, ipath, origin);
			own_unit(ap, tree_strdup(ctx->tree, name));
		} else {
			diag_error("%s/%s: not a unit file name (from %s)", dir, name, origin);
			rc = -1;
		}
		free(ipath);
	}
	if (n >= 0)
		free_dir(ents, n);
	free(dir);
	return rc;
}

static int add_text(struct section_ctx *ctx, const char *path, const char *text, unsigned mode,
		    const char *origin)
{
	struct node *n = tree_node_new(ctx->tree, NODE_REG, origin);
	n->mode = mode;
	n->src = SRC_MEM;
	n->u.reg.mem = tree_strdup(ctx->tree, text);
	n->u.reg.size = strlen(text);
	return add_node(ctx, path, n);
}

static int env_var_valid(const char *s)
{
	if (strncmp(s, CAPS_PREFIX, strlen(CAPS_PREFIX)) || !s[strlen(CAPS_PREFIX)])
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int cap_value_valid(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s) || strchr("\"'\\%", *s))
			return 0;
	return 1;
}

/* mappings: each becomes /etc/systemd/system/<unit>.d/50-l4-caps.conf. */
static int parse_mappings(const struct conf *list, struct systemd_plan *p)
{
	int rc = 0;
	p->maps = xcalloc(conf_length(list) + 1, sizeof(*p->maps));
	for (size_t i = 0; i < conf_length(list); i++) {
		const struct conf *m = conf_elem(list, i);
		if (m->type != CONF_GROUP) {
			conf_error(m, "systemd.mappings entries must be groups { unit = ...; env = {...}; }");
			rc = -1;
			continue;
		}
		if (schema_check(m, mapping_keys, "systemd.mappings entry")) {
			rc = -1;
			continue;
		}
		const char *unit = conf_str(conf_member(m, "unit"));
		size_t ul = strlen(unit);
		if (unit_name_kind(unit) == UNIT_INVALID || ul < 8 || strcmp(unit + ul - 8, ".service")) {
			conf_error(m, "systemd.mappings: '%s' is not a service unit name", unit);
			rc = -1;
			continue;
		}
		const struct conf *env = conf_member(m, "env");
		/* Not naming the layout file: the image's bytes must not depend on its name
		 * or place. */
		char *text = xstrdup("# Capability mappings from the layout (systemd.mappings).\n"
				     "[Service]\n");
		int bad = 0;
		for (size_t k = 0; k < conf_length(env); k++) {
			const struct conf *e = conf_elem(env, k);
			const char *val = conf_str(e);
			if (!env_var_valid(e->name) || !val || !cap_value_valid(val)) {
				conf_error(e, "systemd.mappings: '%s' must be " CAPS_PREFIX
					   "<NAME> = \"<capability>\" (a plain word)", e->name);
				bad = 1;
				continue;
			}
			char *line = xasprintf("%sEnvironment=\"%s=%s\"\n", text, e->name, val);
			free(text);
			text = line;
		}
		if (bad) {
			free(text);
			rc = -1;
			continue;
		}
		p->maps[p->nmaps++] = (struct mapping){ m, unit, text };
	}
	return rc;
}

/* machine_id, as machine-id(5) allows it: the text of /etc/machine-id, or NULL. */
static int parse_machine_id(const struct conf *s, struct systemd_plan *p)
{
	const struct conf *at = conf_member(s, "machine_id");
	const char *id = at ? at->str : "empty";
	p->machine_id = at ? at : s;
	if (!strcmp(id, "none"))
		p->machine_id_text = NULL;
	else if (!strcmp(id, "empty"))
		p->machine_id_text = "";
	else if (!strcmp(id, "uninitialized"))
		p->machine_id_text = "uninitialized\n";
	else if (strspn(id, "0123456789abcdef") == 32 && !id[32] && strspn(id, "0") != 32)
		p->machine_id_text = id;
	else {
		conf_error(at, "systemd.machine_id must be \"empty\", \"uninitialized\", \"none\" or "
			   "32 lowercase hex digits (not all zero), not '%s'", id);
		return -1;
	}
	return 0;
}

static int write_machine_id(struct apply *ap)
{
	const struct systemd_plan *p = ap->p;
	struct section_ctx *ctx = ap->ctx;
	if (!p->machine_id_text)
		return 0;
	const char *origin = tree_strdup(ctx->tree, conf_where(p->machine_id));
	/* A fixed id gets the newline machine-id(5) ends it with. */
	char *text = strlen(p->machine_id_text) == 32 ? xasprintf("%s\n", p->machine_id_text)
						      : xstrdup(p->machine_id_text);
	int rc = add_text(ctx, "/etc/machine-id", text, 0444, origin);
	free(text);
	return rc;
}

struct planning {
	struct unitdb db;
	struct install_plan plan;
	int (*op)(const struct unitdb *db, const char *name, struct install_plan *plan);
};

static int plan_one(const struct conf *at, const char *name, void *arg)
{
	struct planning *p = arg;
	if (!p->op(&p->db, name, &p->plan))
		return 0;
	conf_error(at, "cannot %s '%s' (see above)",
		   p->op == unit_enable ? "enable" : p->op == unit_mask ? "mask" : "set default",
		   name);
	return -1;
}

static int enabled_unit(const struct conf *at, const char *name, void *arg)
{
	(void)at;
	own_unit(arg, name);
	return 0;
}

/* enable, mask and default_target, planned against the tree as it is now. */
static int install(struct apply *ap)
{
	const struct systemd_plan *sp = ap->p;
	struct tree *t = ap->ctx->tree;
	struct fsview v;
	struct planning p = { .op = unit_enable };
	fsview_tree_init(&v, t);
	if (unitdb_init(&p.db, &v)) {
		diag_error("cannot list the image's units");
		return -1;
	}
	/* The checks report what is wrong in the unit files, once. */
	p.db.quiet = 1;
	int rc = conf_each_string(sp->enable, plan_one, &p);
	conf_each_string(sp->enable, enabled_unit, ap);
	p.op = unit_mask;
	rc |= conf_each_string(sp->mask, plan_one, &p);
	p.op = unit_set_default;
	if (sp->default_target)
		rc |= plan_one(sp->default_target, sp->default_target->str, &p);
	if (!rc)
		rc = install_plan_apply(&p.plan, t, tree_strdup(t, conf_where(sp->at)));
	install_plan_free(&p.plan);
	unitdb_free(&p.db);
	return rc;
}

/* The host file PATH in memory the tree owns: 0, or hostfile_read's failure (a FIFO or
 * device in its place is never opened blocking). */
static int slurp(struct tree *t, const char *path, char **buf, size_t *len)
{
	char *b;
	int rc = hostfile_read(path, 1, &b, len);
	if (rc)
		return rc;
	*buf = tree_alloc(t, *len + 1);
	memcpy(*buf, b, *len + 1);
	free(b);
	return 0;
}

/* The record of what the checks use (checks/record.h): the ned script (a copy, its name
 * and sha256) when it can be read, and the layout's own units. When the script cannot be
 * read, the caps check is told its host path and reports that if a unit needs it. */
static int write_record(struct apply *ap)
{
	struct systemd_plan *p = ap->p;
	struct section_ctx *ctx = ap->ctx;
	struct tree *t = ctx->tree;
	const char *origin = tree_strdup(t, conf_where(p->at));
	const char *script = ctx->caps_cfg ? ctx->caps_cfg : p->caps_cfg;
	char *buf = NULL, sum[65] = "";
	size_t len = 0;
	int have = !slurp(t, script, &buf, &len);
	struct check_opts *o = ctx->checks;
	o->caps_cfg = have ? NULL : script;
	o->caps_at = have ? NULL : ctx->caps_cfg ? "--caps-cfg" : p->caps_at;
	int rc = 0;
	if (have) {
		sha256_hex(buf, len, sum);
		struct node *n = tree_node_new(t, NODE_REG, origin);
		n->mode = 0644;
		n->src = SRC_MEM;
		n->u.reg.mem = buf;
		n->u.reg.size = len;
		rc = add_node(ctx, CHECK_RECORD_SCRIPT, n);
	}
	/* Each unit once, in the order the layout names them. */
	const char **own = xcalloc(p->nown + 1, sizeof(*own));
	size_t n = 0;
	for (size_t i = 0; i < p->nown; i++) {
		size_t k = 0;
		while (k < n && strcmp(own[k], p->own[i]))
			k++;
		if (k == n)
			own[n++] = p->own[i];
	}
	/* Named as written, not as found from the current directory: the image's bytes must
	 * not depend on where compose ran. */
	const char *name = ctx->caps_cfg ? ctx->caps_cfg : p->caps_name;
	char *text = check_record_text(have ? name : NULL, sum, own, n);
	free(own);
	rc |= add_text(ctx, CHECK_RECORD, text, 0644, origin);
	free(text);
	return rc;
}

static void systemd_free(void *plan)
{
	struct systemd_plan *p = plan;
	if (!p)
		return;
	for (size_t i = 0; i < p->nmaps; i++)
		free(p->maps[i].text);
	free(p->maps);
	users_plan_free(&p->users);
	pathfilter_free(&p->filter);
	free(p->caps_cfg);
	free(p->caps_at);
	free(p->own);
	free(p);
}

static int systemd_parse(const struct conf *s, const struct image_params *img, void **plan)
{
	(void)img;
	if (!s)
		return 0;
	struct systemd_plan *p = xcalloc(1, sizeof(*p));
	*plan = p;
	const struct conf *debs = conf_member(s, "debs"), *staged = conf_member(s, "staged");
	int rc = 0;
	if (debs && staged) {
		conf_error(staged, "systemd: name one source of systemd, 'debs' or 'staged'");
		rc = -1;
	}
	p->at = s;
	p->source = debs ? debs : staged;
	p->debs = debs != NULL;
	rc |= section_filter_parse(s, &p->filter);
	if (pathfilter_any(&p->filter) && !p->source) {
		conf_error(conf_member(s, "include") ? conf_member(s, "include")
			   : conf_member(s, "exclude"), "systemd: include and exclude filter "
			   "'debs' or 'staged', and there is neither");
		rc = -1;
	}
	p->units = conf_member(s, "units");
	p->enable = conf_member(s, "enable");
	p->mask = conf_member(s, "mask");
	p->default_target = conf_member(s, "default_target");
	rc |= parse_mappings(conf_member(s, "mappings"), p);
	rc |= parse_machine_id(s, p);
	rc |= users_parse(conf_member(s, "users"), conf_member(s, "groups"), &p->users);
	const struct conf *cfg = conf_member(s, "caps_cfg");
	p->caps_name = cfg ? cfg->str : "cfg/bash.cfg";
	p->caps_cfg = conf_host_path(cfg ? cfg : s, p->caps_name);
	p->caps_at = xstrdup(conf_where(cfg ? cfg : s));
	conf_lookup_bool(s, "strict", &p->strict);
	return rc;
}

static int systemd_apply(void *plan, struct section_ctx *ctx)
{
	struct systemd_plan *p = plan;
	struct apply ap = { ctx, p };
	if (systemd_source_apply(p->source, p->debs, pathfilter_any(&p->filter) ? &p->filter
				 : NULL, ctx->tree, ctx->img->timestamp))
		return -1;
	if (pathfilter_any(&p->filter))
		section_filter_warn(p->at, &p->filter);
	int rc = conf_each_string(p->units, install_units_dir, &ap);
	for (size_t i = 0; i < p->nmaps; i++) {
		char *path = xasprintf("/etc/systemd/system/%s.d/" MAPPING_DROPIN, p->maps[i].unit);
		rc |= add_text(ctx, path, p->maps[i].text, 0644,
			       tree_strdup(ctx->tree, conf_where(p->maps[i].at)));
		free(path);
	}
	rc |= write_machine_id(&ap);
	if (!rc)
		rc = users_apply(&p->users, ctx->tree, ctx->img->timestamp);
	if (!rc)
		rc = install(&ap);
	if (!rc)
		rc = write_record(&ap);
	/* The checks of the finished tree: units (enabled ones and the layout's own, which
	 * the record names) and their capabilities (against the script the record names). */
	struct check_opts *o = ctx->checks;
	o->units = 1;
	o->units_strict = p->strict;
	o->caps = 1;
	return rc ? -1 : 0;
}

const struct section systemd_section = { "systemd", systemd_keys, systemd_parse, systemd_apply,
	systemd_free };
