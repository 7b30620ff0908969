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
#include "systemd.h"
#include "diag.h"
#include "json.h"
#include "systemd_source.h"
#include "schema.h"
#include "unitcheck.h"
#include "unitfile.h"
#include "unitinstall.h"
#include "users.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct key systemd_keys[] = {
	{ "debs", KEY_STRING, 0 },
	{ "staged", KEY_STRING, 0 },
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

#define CAPS_PREFIX "L4_CAP_"
#define MAPPING_DROPIN "50-l4-caps.conf"

/* Each string of a KEY_STRINGS setting, with the setting for messages. */
typedef int (*string_fn)(const config_setting_t *at, const char *value, void *arg);
static int each_string(const config_setting_t *s, const char *key, string_fn fn, void *arg)
{
	const config_setting_t *c = config_setting_get_member(s, key);
	if (!c)
		return 0;
	if (config_setting_type(c) == CONFIG_TYPE_STRING)
		return fn(c, config_setting_get_string(c), arg);
	int rc = 0;
	for (int i = 0; i < config_setting_length(c); i++) {
		const config_setting_t *e = config_setting_get_elem(c, i);
		rc |= fn(e, config_setting_get_string(e), arg);
	}
	return rc;
}

static int add_node(struct layout_ctx *ctx, const char *path, struct node *n)
{
	const char *why;
	if (tree_add(ctx->tree, NULL, path, n, 0, &why)) {
		diag_error("%s: %s (from %s)", path, why, n->origin);
		return -1;
	}
	return 0;
}

static int add_host_file(struct layout_ctx *ctx, const char *dir, const char *name,
			 const char *image_path, const char *origin)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	int rc = stat(p, &st);
	if (rc || !S_ISREG(st.st_mode)) {
		diag_error("%s: %s (from %s)", p, rc ? strerror(errno) : "not a regular file",
			   origin);
		free(p);
		return -1;
	}
	free(p);
	struct node *n = tree_node_new(ctx->tree, NODE_REG, origin);
	n->mode = 0644;
	n->u.reg.kind = SRC_HOST;
	n->u.reg.dir = tree_strdup(ctx->tree, dir);
	n->u.reg.name = tree_strdup(ctx->tree, name);
	n->u.reg.size = (uint64_t)st.st_size;
	return add_node(ctx, image_path, n);
}

/* Host directory entries in name order, so messages and trees are reproducible. */
static int sorted_dir(const char *dir, struct dirent ***ents)
{
	int n = scandir(dir, ents, NULL, alphasort);
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
static int install_units_dir(const config_setting_t *at, const char *rel, void *arg)
{
	struct layout_ctx *ctx = arg;
	char *dir = layout_host_path(at, rel);
	const char *origin = tree_strdup(ctx->tree, schema_where(at));
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

static int add_text(struct layout_ctx *ctx, const char *path, const char *text, unsigned mode,
		    const char *origin)
{
	struct node *n = tree_node_new(ctx->tree, NODE_REG, origin);
	n->mode = mode;
	n->u.reg.kind = SRC_MEM;
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
static int write_mappings(const config_setting_t *list, struct layout_ctx *ctx)
{
	int rc = 0;
	for (int i = 0; list && i < config_setting_length(list); i++) {
		const config_setting_t *m = config_setting_get_elem(list, i);
		if (config_setting_type(m) != CONFIG_TYPE_GROUP) {
			schema_error(m, "systemd.mappings entries must be groups { unit = ...; env = {...}; }");
			rc = -1;
			continue;
		}
		if (schema_check(m, mapping_keys, "systemd.mappings entry")) {
			rc = -1;
			continue;
		}
		const char *unit = NULL;
		config_setting_lookup_string(m, "unit", &unit);
		size_t ul = strlen(unit);
		if (unit_name_kind(unit) == UNIT_INVALID || ul < 8 || strcmp(unit + ul - 8, ".service")) {
			schema_error(m, "systemd.mappings: '%s' is not a service unit name", unit);
			rc = -1;
			continue;
		}
		const config_setting_t *env = config_setting_get_member(m, "env");
		char *text = xasprintf("# Capability mappings from the layout (%s).\n[Service]\n",
				       schema_where(m));
		for (int k = 0; k < config_setting_length(env); k++) {
			const config_setting_t *e = config_setting_get_elem(env, k);
			const char *var = config_setting_name(e);
			const char *val = config_setting_get_string(e);
			if (!env_var_valid(var) || !val || !cap_value_valid(val)) {
				schema_error(e, "systemd.mappings: '%s' must be " CAPS_PREFIX
					     "<NAME> = \"<capability>\" (a plain word)", var);
				rc = -1;
				continue;
			}
			char *line = xasprintf("%sEnvironment=\"%s=%s\"\n", text, var, val);
			free(text);
			text = line;
		}
		char *path = xasprintf("/etc/systemd/system/%s.d/" MAPPING_DROPIN, unit);
		if (!rc)
			rc = add_text(ctx, path, text, 0644, tree_strdup(ctx->tree, schema_where(m)));
		free(path);
		free(text);
	}
	return rc;
}

static int write_machine_id(const config_setting_t *s, struct layout_ctx *ctx)
{
	const char *id = "empty";
	const config_setting_t *at = config_setting_get_member(s, "machine_id");
	if (at)
		id = config_setting_get_string(at);
	size_t n = strspn(id, "0123456789abcdef");
	const char *origin = tree_strdup(ctx->tree, schema_where(at ? at : s));
	if (!strcmp(id, "none"))
		return 0;
	if (!strcmp(id, "empty"))
		return add_text(ctx, "/etc/machine-id", "", 0444, origin);
	if (!strcmp(id, "uninitialized"))
		return add_text(ctx, "/etc/machine-id", "uninitialized\n", 0444, origin);
	if (n == 32 && !id[32] && strspn(id, "0") != 32) {
		char *text = xasprintf("%s\n", id);
		int rc = add_text(ctx, "/etc/machine-id", text, 0444, origin);
		free(text);
		return rc;
	}
	schema_error(at, "systemd.machine_id must be \"empty\", \"uninitialized\", \"none\" or 32 "
		     "lowercase hex digits (not all zero), not '%s'", id);
	return -1;
}

struct planning {
	struct unitdb db;
	struct install_plan plan;
	int (*op)(const struct unitdb *db, const char *name, struct install_plan *plan);
};

static int plan_one(const config_setting_t *at, const char *name, void *arg)
{
	struct planning *p = arg;
	if (!p->op(&p->db, name, &p->plan))
		return 0;
	schema_error(at, "cannot %s '%s' (see above)",
		     p->op == unit_enable ? "enable" : p->op == unit_mask ? "mask" : "set default",
		     name);
	return -1;
}

/* enable, mask and default_target, planned against the tree as it is now. */
static int install(const config_setting_t *s, struct layout_ctx *ctx)
{
	struct fsview v;
	struct planning p = { .op = unit_enable };
	fsview_tree_init(&v, ctx->tree);
	if (unitdb_init(&p.db, &v)) {
		diag_error("cannot list the image's units");
		return -1;
	}
	int rc = each_string(s, "enable", plan_one, &p);
	p.op = unit_mask;
	rc |= each_string(s, "mask", plan_one, &p);
	const config_setting_t *def = config_setting_get_member(s, "default_target");
	p.op = unit_set_default;
	if (def)
		rc |= plan_one(def, config_setting_get_string(def), &p);
	if (!rc)
		rc = install_plan_apply(&p.plan, ctx->tree, tree_strdup(ctx->tree, schema_where(s)));
	install_plan_free(&p.plan);
	unitdb_free(&p.db);
	return rc;
}

static int systemd_apply(const config_setting_t *s, struct layout_ctx *ctx)
{
	if (systemd_source_apply(s, ctx))
		return -1;
	int rc = each_string(s, "units", install_units_dir, ctx);
	rc |= write_mappings(config_setting_get_member(s, "mappings"), ctx);
	rc |= write_machine_id(s, ctx);
	if (rc)
		return -1;
	if (users_apply(config_setting_get_member(s, "users"), config_setting_get_member(s, "groups"),
			ctx))
		return -1;
	return install(s, ctx);
}

/* Every unit name with a fragment of its own (aliases and masks left out). */
static size_t unit_names(const struct unitdb *db, char ***names)
{
	size_t n = 0;
	*names = NULL;
	for (size_t i = 0; i < db->n; i++) {
		const char *p = db->paths[i], *base = strrchr(p, '/') + 1;
		struct fsview_stat st;
		int top = 0;
		for (size_t k = 0; unit_search_path[k]; k++)
			top |= (size_t)(base - p - 1) == strlen(unit_search_path[k]) &&
			       !strncmp(p, unit_search_path[k], (size_t)(base - p - 1));
		if (!top || unit_name_kind(base) == UNIT_INVALID ||
		    db->v->stat(db->v->ctx, p, 0, &st) || st.type != NODE_REG)
			continue;
		int dup = 0;
		for (size_t k = 0; k < n; k++)
			dup |= !strcmp((*names)[k], base);
		if (dup)
			continue;
		*names = xrealloc(*names, (n + 1) * sizeof(**names));
		(*names)[n++] = xstrdup(base);
	}
	return n;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int cmp_use(const void *a, const void *b)
{
	const struct cap_use *x = a, *y = b;
	int c = strcmp(x->unit, y->unit);
	return c ? c : strcmp(x->var, y->var);
}

int caps_collect(struct fsview *v, struct cap_use **uses)
{
	struct unitdb db;
	*uses = NULL;
	if (unitdb_init(&db, v))
		return -1;
	char **names;
	size_t nn = unit_names(&db, &names);
	int n = 0, rc = 0;
	for (size_t i = 0; i < nn; i++) {
		struct unitfile u;
		struct unit_env *env;
		/* A masked unit (r == 1) is never started: nothing to check. */
		int r = unitdb_load(&db, names[i], &u);
		int ne = r ? 0 : unit_environment(&u, &env);
		rc |= r < 0 || ne < 0;
		for (int k = 0; k < ne; k++) {
			if (strncmp(env[k].var, CAPS_PREFIX, strlen(CAPS_PREFIX)))
				continue;
			*uses = xrealloc(*uses, (size_t)(n + 1) * sizeof(**uses));
			(*uses)[n++] = (struct cap_use){
				xstrdup(names[i]), xstrdup(env[k].var), xstrdup(env[k].value),
				xstrdup(env[k].at->file), env[k].at->line,
			};
		}
		if (ne > 0)
			unit_env_free(env, ne);
		unitfile_free(&u);
	}
	free_names(names, nn);
	unitdb_free(&db);
	if (rc) {
		caps_free(*uses, n);
		*uses = NULL;
		return -1;
	}
	if (n)
		qsort(*uses, (size_t)n, sizeof(**uses), cmp_use);
	return n;
}

void caps_free(struct cap_use *uses, int n)
{
	for (int i = 0; i < n; i++) {
		free(uses[i].unit);
		free(uses[i].var);
		free(uses[i].cap);
		free(uses[i].file);
	}
	free(uses);
}

void caps_print(FILE *f, const struct cap_use *uses, int n, int json)
{
	if (json) {
		fputs("[", f);
		for (int i = 0; i < n; i++) {
			fputs(i ? ",\n  {\"unit\": " : "\n  {\"unit\": ", f);
			json_str(f, uses[i].unit);
			fputs(", \"variable\": ", f);
			json_str(f, uses[i].var);
			fputs(", \"capability\": ", f);
			json_str(f, uses[i].cap);
			fputs(", \"file\": ", f);
			json_str(f, uses[i].file);
			fprintf(f, ", \"line\": %d}", uses[i].line);
		}
		fputs(n ? "\n]\n" : "]\n", f);
		return;
	}
	int wu = 4, wv = 8;
	for (int i = 0; i < n; i++) {
		int lu = (int)strlen(uses[i].unit), lv = (int)strlen(uses[i].var);
		wu = lu > wu ? lu : wu;
		wv = lv > wv ? lv : wv;
	}
	fprintf(f, "%-*s  %-*s  %s\n", wu, "UNIT", wv, "VARIABLE", "CAPABILITY");
	for (int i = 0; i < n; i++)
		fprintf(f, "%-*s  %-*s  %s\n", wu, uses[i].unit, wv, uses[i].var, uses[i].cap);
}

char *caps_undeclared(const struct cap_use *use, const struct nedcfg *cfg, const char *cfgpath)
{
	if (nedcfg_has(cfg, use->cap))
		return NULL;
	const char *hint = cfg->names ? schema_suggest(use->cap, cfg->names) : NULL;
	return xasprintf("unit %s: %s=%s names no capability declared in %s%s%s%s", use->unit,
			 use->var, use->cap, cfgpath, hint ? " (did you mean '" : "",
			 hint ? hint : "", hint ? "'?)" : "");
}

/* " (installed from HOST)" for an image file copied from the host, else "" (static). */
static const char *host_source(struct layout_ctx *ctx, const char *path)
{
	static char buf[4096];
	const struct node *n = tree_lookup(ctx->tree, NULL, path, TREE_FOLLOW);
	buf[0] = 0;
	if (n && n->type == NODE_REG && n->u.reg.kind == SRC_HOST)
		snprintf(buf, sizeof(buf), " (installed from %s%s%s)", n->u.reg.dir ? n->u.reg.dir : "",
			 n->u.reg.dir ? "/" : "", n->u.reg.name);
	else if (n && n->origin)
		snprintf(buf, sizeof(buf), " (written for %s)", n->origin);
	return buf;
}

/* Every L4_CAP_* value must be a capability the ned script declares. */
static int check_caps(const config_setting_t *s, struct layout_ctx *ctx, struct fsview *v)
{
	struct cap_use *uses;
	int n = caps_collect(v, &uses);
	if (n <= 0)
		return n;
	const char *rel = "cfg/bash.cfg";
	const config_setting_t *at = config_setting_get_member(s, "caps_cfg");
	if (at)
		rel = config_setting_get_string(at);
	char *cfgpath = layout_host_path(at ? at : s, rel);
	struct nedcfg cfg = { 0 };
	int rc = 0, bad = 0;
	if (nedcfg_load(&cfg, cfgpath)) {
		diag_error("%s: the capability declarations are needed to check the units' "
			   CAPS_PREFIX "* variables (systemd.caps_cfg at %s)", cfgpath,
			   schema_where(at ? at : s));
		rc = -1;
	}
	for (int i = 0; i < n && !rc; i++) {
		char *msg = caps_undeclared(&uses[i], &cfg, cfgpath);
		if (!msg)
			continue;
		diag_error_at(uses[i].file, uses[i].line, "%s%s", msg, host_source(ctx, uses[i].file));
		free(msg);
		bad = 1;
	}
	rc |= bad ? -1 : 0;
	nedcfg_free(&cfg);
	free(cfgpath);
	caps_free(uses, n);
	return rc;
}

struct sanity {
	int strict, bad;
};

/* A unit problem: a warning, or an error when strict. */
static void sanity_report(void *arg, const struct unit_assign *a, const char *msg)
{
	struct sanity *s = arg;
	if (s->strict) {
		diag_error_at(a->file, a->line, "%s", msg);
		s->bad = 1;
	} else {
		diag_warn_at(a->file, a->line, "%s", msg);
	}
}

static int match_string(const config_setting_t *at, const char *value, void *arg)
{
	const char **want = arg;
	if (!*want)
		return 0;
	if (!strcmp(value, *want) || !strcmp(schema_where(at), *want))
		*want = NULL;
	return 0;
}

/* The layout's own units: installed from its units directories, or enabled by it. Units
 * that packages bring are theirs to keep consistent; their warnings would be noise. */
static int layout_unit(const config_setting_t *s, struct layout_ctx *ctx, const char *name,
		       const char *path)
{
	const char *want = name;
	each_string(s, "enable", match_string, &want);
	if (!want)
		return 1;
	const struct node *n = tree_lookup(ctx->tree, NULL, path, 0);
	want = n && n->origin ? n->origin : NULL;
	each_string(s, "units", match_string, &want);
	return n && n->origin && !want;
}

/* Requires=/Wants= of missing units and ExecStart= programs missing from the image, for
 * the layout's own units. */
static int check_sanity(const config_setting_t *s, struct layout_ctx *ctx, struct fsview *v,
			int strict)
{
	struct unitdb db;
	if (unitdb_init(&db, v))
		return -1;
	char **names;
	size_t nn = unit_names(&db, &names);
	struct sanity san = { strict, 0 };
	for (size_t i = 0; i < nn; i++) {
		const char *frag = unitdb_find(&db, names[i], NULL);
		if (frag && layout_unit(s, ctx, names[i], frag) &&
		    unitcheck_unit(&db, names[i], sanity_report, &san) < 0)
			san.bad = 1;
	}
	free_names(names, nn);
	unitdb_free(&db);
	return san.bad ? -1 : 0;
}

static int systemd_check(const config_setting_t *s, struct layout_ctx *ctx)
{
	struct fsview v;
	int strict = ctx->img.strict;
	config_setting_lookup_bool(s, "strict", &strict);
	strict |= ctx->img.strict;
	fsview_tree_init(&v, ctx->tree);
	int rc = check_caps(s, ctx, &v);
	rc |= check_sanity(s, ctx, &v, strict);
	return rc ? -1 : 0;
}

const struct layout_section systemd_section = { "systemd", systemd_keys, systemd_apply,
	systemd_check };
