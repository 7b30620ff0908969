/* systemctl enable/mask/set-default, offline, as symlinks planned against an image. */
#include "formats/unitinstall.h"
#include "base/diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_DIR "/etc/systemd/system"

/* Record PATH -> TARGET; a second, different link at the same path is a conflict. */
static int plan_link(struct install_plan *plan, const struct unitdb *db, const char *path,
		     const char *target)
{
	for (size_t i = 0; i < plan->n; i++)
		if (!strcmp(plan->links[i].path, path)) {
			if (!strcmp(plan->links[i].target, target))
				return 0;
			diag_error("%s: would link to both %s and %s", path, plan->links[i].target,
				   target);
			return -1;
		}
	struct fsview_stat st;
	if (!db->v->stat(db->v->ctx, path, 0, &st)) {
		char old[4096];
		if (st.type != NODE_SYMLINK ||
		    db->v->readlink(db->v->ctx, path, old, sizeof(old)) || strcmp(old, target)) {
			diag_error("%s: already exists in the image (and is not a link to %s)", path,
				   target);
			return -1;
		}
		return 0;
	}
	if (plan->n == plan->cap) {
		plan->cap = plan->cap ? plan->cap * 2 : 32;
		plan->links = xrealloc(plan->links, plan->cap * sizeof(*plan->links));
	}
	plan->links[plan->n++] = (struct unit_link){ xstrdup(path), xstrdup(target) };
	return 0;
}

/* The unit file behind NAME, following alias symlinks inside the image the way systemctl
 * does: the final file's path (malloc'd) and, through *real, the name it has there. */
static char *resolve(const struct unitdb *db, const char *name, char **real)
{
	int masked;
	const char *found = unitdb_find(db, name, &masked);
	*real = NULL;
	if (!found) {
		diag_error("unit %s: no unit file of that name in the image", name);
		return NULL;
	}
	if (masked) {
		diag_error("unit %s: unit file %s is masked", name, found);
		return NULL;
	}
	char *path = xstrdup(found);
	for (int hops = 0; hops < 16; hops++) {
		struct fsview_stat st;
		char target[4096];
		if (db->v->stat(db->v->ctx, path, 0, &st) ||
		    (st.type == NODE_SYMLINK &&
		     db->v->readlink(db->v->ctx, path, target, sizeof(target)))) {
			diag_error("%s: %s", path, strerror(errno));
			break;
		}
		if (st.type != NODE_SYMLINK) {
			const char *base = strrchr(path, '/') + 1;
			if (strcmp(base, name) && unit_name_kind(name) != UNIT_INSTANCE)
				*real = xstrdup(base);
			return path;
		}
		char *next = target[0] == '/' ? xstrdup(target)
			: xasprintf("%.*s/%s", (int)(strrchr(path, '/') - path), path, target);
		free(path);
		path = next;
		if (hops == 15)
			diag_error("unit %s: too many levels of symbolic links", name);
	}
	free(path);
	return NULL;
}

static const char *unit_type(const char *name)
{
	return strrchr(name, '.');
}

/* The instance of NAME with its type suffix ("b.service" for "a@b.service"), or NULL. */
static const char *instance_of(const char *name)
{
	return unit_name_kind(name) == UNIT_INSTANCE ? strchr(name, '@') + 1 : NULL;
}

/* systemd's rules for an alias of SRC: same type; plain to plain, template to template,
 * instance to an instance of the same name. */
static int alias_ok(const char *src, const char *dst)
{
	enum unit_kind ks = unit_name_kind(src), kd = unit_name_kind(dst);
	if (kd == UNIT_INVALID || ks != kd || strcmp(unit_type(src), unit_type(dst)))
		return 0;
	if (ks != UNIT_INSTANCE)
		return 1;
	const char *a = instance_of(src), *b = instance_of(dst);
	return !strcmp(a, b);
}

struct todo {
	char **names;
	size_t n;
};

static void todo_add(struct todo *td, const char *name)
{
	for (size_t i = 0; i < td->n; i++)
		if (!strcmp(td->names[i], name))
			return;
	td->names = xrealloc(td->names, (td->n + 1) * sizeof(*td->names));
	td->names[td->n++] = xstrdup(name);
}

/* Each word of each effective assignment of KEY in [Install], specifiers expanded for
 * unit SPEC; calls FN. Stops at the first failure. */
typedef int (*word_fn)(const struct unit_assign *a, const char *word, void *arg);
static int each_word(const struct unitfile *u, const char *key, const char *spec, word_fn fn,
		     void *arg)
{
	const struct unit_assign **as;
	size_t na = unitfile_list(u, "Install", key, &as);
	int rc = 0;
	for (size_t i = 0; i < na && !rc; i++) {
		char **words;
		const char *why;
		int nw = unit_words(as[i]->value, &words, &why);
		if (nw < 0) {
			diag_error_at(as[i]->file, as[i]->line, "%s=: %s", key, why);
			rc = -1;
			continue;
		}
		for (int w = 0; w < nw && !rc; w++) {
			char *x = unit_specifiers(spec, words[w], &why);
			if (!x) {
				diag_error_at(as[i]->file, as[i]->line, "%s=%s: %s", key, words[w], why);
				rc = -1;
			} else {
				rc = fn(as[i], x, arg);
				free(x);
			}
		}
		unit_words_free(words);
	}
	free(as);
	return rc;
}

struct enabling {
	const struct unitdb *db;
	struct install_plan *plan;
	struct todo *todo;
	const char *name;     /* the unit name to link: an instance, or the unit itself */
	const char *path;     /* its file */
	const char *dir;      /* ".wants" or ".requires" */
};

static int want(const struct unit_assign *a, const char *dst, void *arg)
{
	struct enabling *e = arg;
	if (unit_name_kind(dst) == UNIT_INVALID) {
		diag_error_at(a->file, a->line, "%s=%s: not a valid unit name", a->key, dst);
		return -1;
	}
	if (unit_name_kind(e->name) == UNIT_TEMPLATE && unit_name_kind(dst) != UNIT_TEMPLATE) {
		diag_error_at(a->file, a->line,
			      "cannot enable template %s without an instance: %s is not a template "
			      "(set DefaultInstance= or enable an instance)", e->name, dst);
		return -1;
	}
	char *p = xasprintf(CONFIG_DIR "/%s%s/%s", dst, e->dir, e->name);
	int rc = plan_link(e->plan, e->db, p, e->path);
	free(p);
	return rc;
}

static int alias(const struct unit_assign *a, const char *dst, void *arg)
{
	struct enabling *e = arg;
	char *inst = NULL;
	/* A template alias of an enabled instance names the same instance. */
	const char *in = instance_of(e->name);
	if (in && unit_name_kind(dst) == UNIT_TEMPLATE) {
		char *bare = xasprintf("%.*s", (int)(strrchr(in, '.') - in), in);
		dst = inst = unit_name_instantiate(dst, bare);
		free(bare);
	}
	int rc = 0;
	if (!alias_ok(e->name, dst)) {
		diag_error_at(a->file, a->line, "Alias=: cannot alias %s as %s", e->name, dst);
		rc = -1;
	} else {
		char *p = xasprintf(CONFIG_DIR "/%s", dst);
		if (strcmp(p, e->path))
			rc = plan_link(e->plan, e->db, p, e->path);
		free(p);
	}
	free(inst);
	return rc;
}

static int also(const struct unit_assign *a, const char *name, void *arg)
{
	struct enabling *e = arg;
	if (unit_name_kind(name) == UNIT_INVALID) {
		diag_error_at(a->file, a->line, "Also=%s: not a valid unit name", name);
		return -1;
	}
	todo_add(e->todo, name);
	return 0;
}

static int enable_one(const struct unitdb *db, const char *asked, struct install_plan *plan,
		      struct todo *todo)
{
	char *real, *path = resolve(db, asked, &real);
	if (!path)
		return -1;
	const char *name = real ? real : asked;
	/* systemctl reads [Install] from the unit's drop-ins too. */
	struct unitfile u;
	char *inst = NULL;
	int rc = unitdb_load(db, name, &u) ? -1 : 0;
	const struct unit_assign *def = unitfile_last(&u, "Install", "DefaultInstance");
	const char *linkname = name;
	if (!rc && unit_name_kind(name) == UNIT_TEMPLATE && def && *def->value) {
		const char *why;
		char *di = unit_specifiers(name, def->value, &why);
		if (!di) {
			diag_error_at(def->file, def->line, "DefaultInstance=: %s", why);
			rc = -1;
		} else {
			linkname = inst = unit_name_instantiate(name, di);
			free(di);
			if (unit_name_kind(inst) != UNIT_INSTANCE) {
				diag_error_at(def->file, def->line, "DefaultInstance=: bad instance");
				rc = -1;
			}
		}
	}
	if (!rc) {
		const struct unit_assign **x;
		size_t any = 0;
		static const char *const keys[] = { "WantedBy", "RequiredBy", "Alias", "Also", NULL };
		for (size_t k = 0; keys[k]; k++) {
			any += unitfile_list(&u, "Install", keys[k], &x);
			free(x);
		}
		if (!any && !inst)
			diag_warn("%s: no installation config in [Install] (WantedBy=, RequiredBy=, "
				  "Alias=, Also=); %s is not enabled, as with systemctl", path, asked);
	}
	/* The order systemctl follows: aliases, wants, requires; then Also= units. */
	struct enabling e = { db, plan, todo, name, path, ".wants" };
	if (!rc)
		rc = each_word(&u, "Alias", name, alias, &e);
	e.name = linkname;
	if (!rc)
		rc = each_word(&u, "WantedBy", name, want, &e);
	e.dir = ".requires";
	if (!rc)
		rc = each_word(&u, "RequiredBy", name, want, &e);
	if (!rc)
		rc = each_word(&u, "Also", name, also, &e);
	free(inst);
	free(real);
	free(path);
	unitfile_free(&u);
	return rc;
}

int unit_enable(const struct unitdb *db, const char *name, struct install_plan *plan)
{
	if (unit_name_kind(name) == UNIT_INVALID) {
		diag_error("'%s' is not a valid unit name", name);
		return -1;
	}
	struct todo todo = { 0 };
	todo_add(&todo, name);
	int rc = 0;
	for (size_t i = 0; i < todo.n && !rc; i++)
		rc = enable_one(db, todo.names[i], plan, &todo);
	for (size_t i = 0; i < todo.n; i++)
		free(todo.names[i]);
	free(todo.names);
	return rc;
}

int unit_mask(const struct unitdb *db, const char *name, struct install_plan *plan)
{
	if (unit_name_kind(name) == UNIT_INVALID) {
		diag_error("cannot mask '%s': not a valid unit name", name);
		return -1;
	}
	char *p = xasprintf(CONFIG_DIR "/%s", name);
	int rc = plan_link(plan, db, p, "/dev/null");
	free(p);
	return rc;
}

int unit_set_default(const struct unitdb *db, const char *name, struct install_plan *plan)
{
	size_t l = strlen(name);
	char *t = l > 7 && !strcmp(name + l - 7, ".target") ? xstrdup(name)
							     : xasprintf("%s.target", name);
	char *real = NULL;
	char *path = unit_name_kind(t) == UNIT_PLAIN ? resolve(db, t, &real) : NULL;
	int rc = -1;
	if (unit_name_kind(t) != UNIT_PLAIN)
		diag_error("default target '%s' is not a valid target name", name);
	else if (path)
		rc = plan_link(plan, db, CONFIG_DIR "/default.target", path);
	free(path);
	free(real);
	free(t);
	return rc;
}

int install_plan_apply(const struct install_plan *plan, struct tree *t, const char *origin)
{
	int rc = 0;
	for (size_t i = 0; i < plan->n; i++) {
		const struct unit_link *l = &plan->links[i];
		struct node *old = tree_lookup(t, NULL, l->path, 0);
		if (old && old->type == NODE_SYMLINK && !strcmp(old->u.lnk.target, l->target))
			continue;
		struct node *n = tree_node_new(t, NODE_SYMLINK, origin);
		n->mode = 0777;
		n->u.lnk.target = tree_strdup(t, l->target);
		const char *why;
		if (tree_add(t, NULL, l->path, n, 0, &why)) {
			diag_error("%s: cannot add link to %s: %s", l->path, l->target, why);
			rc = -1;
		}
	}
	return rc;
}

void install_plan_free(struct install_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->links[i].path);
		free(plan->links[i].target);
	}
	free(plan->links);
	memset(plan, 0, sizeof(*plan));
}
