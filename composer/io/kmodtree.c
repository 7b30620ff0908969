/* Module resolution through libkmod, in the order modprobe (libkmod's probe list) uses:
 * for a module, each of its dependencies (modules.dep lists the whole closure, in load
 * order) preceded by that dependency's pre: soft dependencies and followed by its post:
 * ones, then the module's own pre:, the module, its post:. A soft dependency brings its
 * own dependencies the same way, but is not required: modprobe goes on when it fails to
 * load (a CPU-specific crc32c driver on another CPU). libkmod's probe function itself (dry run) reports through
 * a callback without a context and checks the running kernel, so the walk is here. */
#include "io/kmodtree.h"
#include "base/diag.h"
#include "base/inputs.h"
#include "base/suggest.h"

#include <dirent.h>
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Note modprobe.d directory DIR (stat ST) and every file in it: libkmod reads its
 * *.conf files, which an edit in place changes without touching the directory. */
static void note_confs(const char *dir, const struct stat *st)
{
	inputs_note(dir, st, 1);
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		inputs_note_path(p, 1);
		free(p);
	}
	if (d)
		closedir(d);
}

int kmodtree_open(struct kmodtree *k, const char *dir, const char *root, const char **why)
{
	static const char *const where[] = { "etc", "run", "lib", "usr/lib" };
	memset(k, 0, sizeof(*k));
	/* libkmod finds modules only through the binary indexes depmod writes. */
	char *bin = xasprintf("%s/modules.dep.bin", dir);
	struct stat st;
	int missing = stat(bin, &st);
	/* depmod replaces its indexes by rename, which the directory's mtime shows. */
	if (!missing) {
		inputs_note(bin, &st, 1);
		inputs_note_path(dir, 1);
	}
	free(bin);
	if (missing) {
		*why = "no modules.dep.bin (run depmod for this module tree)";
		return -1;
	}
	char *conf[5];
	size_t n = 0;
	for (size_t i = 0; root && i < 4; i++) {
		conf[n] = xasprintf("%s/%s/modprobe.d", root, where[i]);
		if (stat(conf[n], &st) || !S_ISDIR(st.st_mode)) {
			/* Its parent notes its coming into being. */
			char *parent = xasprintf("%s/%s", root, where[i]);
			inputs_note_path(stat(parent, &st) ? root : parent, 1);
			free(parent);
			free(conf[n]);
		} else {
			note_confs(conf[n], &st);
			n++;
		}
	}
	conf[n] = NULL;
	k->ctx = kmod_new(dir, (const char *const *)conf);
	for (size_t i = 0; i < n; i++)
		free(conf[i]);
	/* No kmod_load_resources: it refuses a tree whose indexes are empty (no built-in
	 * modules, no aliases), and a few lookups open what they need. */
	if (!k->ctx) {
		*why = "libkmod cannot read this module tree";
		return -1;
	}
	kmod_set_log_priority(k->ctx, 0);
	k->dir = xstrdup(dir);
	return 0;
}

void kmodtree_close(struct kmodtree *k)
{
	if (k->ctx)
		kmod_unref(k->ctx);
	for (size_t i = 0; i < k->norder; i++)
		free(k->order[i].path);
	free(k->order);
	free(k->dir);
	memset(k, 0, sizeof(*k));
}

static struct kmodtree_module *placed(const struct kmodtree *k, const char *rel)
{
	for (size_t i = 0; i < k->norder; i++)
		if (!strcmp(k->order[i].path, rel))
			return &k->order[i];
	return NULL;
}

/* Modules being placed, to stop soft dependency cycles as libkmod's visited flag does. */
struct walk {
	struct kmodtree *k;
	const char **why;
	const char **busy;
	size_t nbusy;
};

typedef int (*place_fn)(struct walk *w, struct kmod_module *m, int required);

static int each(struct walk *w, struct kmod_list *list, place_fn fn, int required)
{
	struct kmod_list *l;
	int rc = 0;
	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		if (!rc)
			rc = fn(w, m, required);
		kmod_module_unref(m);
	}
	return rc;
}

static int place_with_softdeps(struct walk *w, struct kmod_module *m, int required);

/* M with its dependencies, as kmod_module_probe_insert_module lists them; REQUIRED for a
 * named module, not for a soft dependency. */
static int place_closure(struct walk *w, struct kmod_module *m, int required)
{
	struct kmod_list *deps = kmod_module_get_dependencies(m);
	int rc = each(w, deps, place_with_softdeps, required);
	kmod_module_unref_list(deps);
	return rc ? rc : place_with_softdeps(w, m, required);
}

/* M's pre: soft dependencies, M, its post: ones. */
static int place_with_softdeps(struct walk *w, struct kmod_module *m, int required)
{
	const char *name = kmod_module_get_name(m), *path = kmod_module_get_path(m);
	for (size_t i = 0; i < w->nbusy; i++)
		if (!strcmp(w->busy[i], name))
			return 0;
	if (kmod_module_get_install_commands(m)) {
		*w->why = "modprobe.d runs an install command for it; an initramfs loads files";
		return -1;
	}
	struct kmod_list *pre = NULL, *post = NULL;
	if (kmod_module_get_softdeps(m, &pre, &post) < 0) {
		*w->why = "unreadable soft dependencies";
		return -1;
	}
	w->busy = xrealloc(w->busy, (w->nbusy + 1) * sizeof(*w->busy));
	w->busy[w->nbusy++] = name;
	int rc = each(w, pre, place_closure, 0);
	size_t dl = strlen(w->k->dir);
	struct kmodtree_module *at;
	if (!rc && !path) {
		w->k->builtin++;   /* built into the kernel: nothing to load */
	} else if (!rc && (strncmp(path, w->k->dir, dl) || path[dl] != '/')) {
		*w->why = "its file is outside the module tree";
		rc = -1;
	} else if (!rc && (at = placed(w->k, path + dl + 1))) {
		at->required |= required;
	} else if (!rc) {
		w->k->order = xrealloc(w->k->order, (w->k->norder + 1) * sizeof(*w->k->order));
		w->k->order[w->k->norder++] =
			(struct kmodtree_module){ xstrdup(path + dl + 1), required };
	}
	if (!rc)
		rc = each(w, post, place_closure, 0);
	w->nbusy--;
	kmod_module_unref_list(pre);
	kmod_module_unref_list(post);
	return rc;
}

int kmodtree_add(struct kmodtree *k, const char *name, const char **why)
{
	struct kmod_list *list = NULL;
	*why = NULL;
	if (kmod_module_new_from_lookup(k->ctx, name, &list) < 0) {
		*why = "libkmod cannot look it up";
		return -1;
	}
	if (!list)
		return 1;
	struct walk w = { k, why, NULL, 0 };
	int rc = each(&w, list, place_closure, 1);
	free(w.busy);
	kmod_module_unref_list(list);
	return rc;
}

const char *kmodtree_closest(struct kmodtree *k, const char *name)
{
	static char best[256];
	char *path = xasprintf("%s/modules.dep", k->dir);
	FILE *f = fopen(path, "re");
	free(path);
	if (!f)
		return NULL;
	char **names = NULL, *line = NULL;
	size_t n = 0, size = 0;
	while (getline(&line, &size, f) >= 0) {
		char *end = strstr(line, ".ko"), *base = line;
		if (!end)
			continue;
		*end = 0;
		for (char *p = line; *p; p++)
			if (*p == '/')
				base = p + 1;
		for (char *p = base; *p; p++)
			if (*p == '-')
				*p = '_';
		names = xrealloc(names, (n + 2) * sizeof(*names));
		names[n++] = xstrdup(base);
	}
	free(line);
	fclose(f);
	const char *hit = NULL;
	if (n) {
		names[n] = NULL;
		hit = suggest(name, (const char *const *)names);
	}
	if (hit)
		snprintf(best, sizeof(best), "%s", hit);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return hit ? best : NULL;
}
