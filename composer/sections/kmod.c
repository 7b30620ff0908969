/* The "kmods" layout section: kernel modules for an initramfs.
 *
 *   kmods = { dir = "kernel/lib/modules/6.1.0-50-arm64";   # host dir holding modules.dep
 *             load = ["virtio_mmio", "virtio_blk", "ext4"];
 *             dest = "/lib/modules/6.1.0-50-arm64"; };      # optional, this is the default
 *
 * Adds each named module and its dependencies (per modules.dep, as depmod wrote it) under
 * DEST, and writes /etc/modules.order: their image paths, one a line, every module after
 * the modules it needs, for the initramfs /init to load in that order. Names compare with
 * '-' and '_' alike, as modprobe does; a module built into the kernel (modules.builtin) is
 * skipped. */
#include "sections/section.h"
#include "base/diag.h"
#include "model/hostsrc.h"
#include "base/suggest.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct kmod {
	char *name;   /* normalized: '-' as '_' */
	char *path;   /* relative to the modules dir */
	char *deps;   /* the text after ':' in modules.dep */
	enum { NEW, VISITING, DONE } state;
};

struct kmods {
	const char *dir;
	struct kmod *mods;
	size_t n, cap;
	char **builtin;
	size_t nbuiltin;
	char **order; /* paths, load order */
	size_t norder;
};

static const struct key kmod_keys[] = {
	{ "dir", KEY_STRING, 1 },
	{ "load", KEY_STRINGS, 1 },
	{ "dest", KEY_STRING, 0 },
	{ NULL, 0, 0 },
};

/* "fs/ext4/ext4.ko.xz" -> "ext4"; "snd-pcm" -> "snd_pcm". */
static char *module_name(const char *path_or_name)
{
	const char *base = strrchr(path_or_name, '/');
	char *name = xstrdup(base ? base + 1 : path_or_name);
	char *ko = strstr(name, ".ko");
	if (ko && (ko[3] == '\0' || ko[3] == '.'))
		*ko = '\0';
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

static FILE *open_in(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file);
	FILE *f = fopen(path, "re");
	free(path);
	return f;
}

/* modules.dep lines: "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko". */
static int read_dep(struct kmods *k)
{
	FILE *f = open_in(k->dir, "modules.dep");
	if (!f) {
		diag_error("%s/modules.dep: %s (run depmod for this module tree)", k->dir,
			   strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t size = 0;
	unsigned lineno = 0;
	int rc = 0;
	while (getline(&line, &size, f) >= 0) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		char *colon = strchr(line, ':');
		if (!colon) {
			diag_error_at(k->dir, 0, "modules.dep line %u has no ':'", lineno);
			rc = -1;
			break;
		}
		*colon = '\0';
		if (k->n == k->cap) {
			k->cap = k->cap ? 2 * k->cap : 1024;
			k->mods = xrealloc(k->mods, k->cap * sizeof(*k->mods));
		}
		k->mods[k->n++] = (struct kmod){ module_name(line), xstrdup(line),
						 xstrdup(colon + 1), NEW };
	}
	if (rc == 0 && ferror(f)) {
		diag_error("%s/modules.dep: read error", k->dir);
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

/* modules.builtin is optional: without it, a built-in module is simply "not found". */
static void read_builtin(struct kmods *k)
{
	FILE *f = open_in(k->dir, "modules.builtin");
	if (!f)
		return;
	char *line = NULL;
	size_t size = 0, cap = 0;
	while (getline(&line, &size, f) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		if (k->nbuiltin == cap) {
			cap = cap ? 2 * cap : 256;
			k->builtin = xrealloc(k->builtin, cap * sizeof(*k->builtin));
		}
		k->builtin[k->nbuiltin++] = module_name(line);
	}
	free(line);
	fclose(f);
}

static struct kmod *find(struct kmods *k, const char *name, int by_path)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(by_path ? k->mods[i].path : k->mods[i].name, name))
			return &k->mods[i];
	return NULL;
}

static int is_builtin(const struct kmods *k, const char *name)
{
	for (size_t i = 0; i < k->nbuiltin; i++)
		if (!strcmp(k->builtin[i], name))
			return 1;
	return 0;
}

/* Depth-first: a module joins the order after everything it depends on. */
static int visit(struct kmods *k, struct kmod *m, const struct conf *where)
{
	if (m->state == DONE)
		return 0;
	if (m->state == VISITING) {
		conf_error(where, "kmods: modules.dep has a dependency cycle through %s", m->name);
		return -1;
	}
	m->state = VISITING;
	char *deps = xstrdup(m->deps);
	int rc = 0;
	for (char *save, *d = strtok_r(deps, " \t", &save); d && rc == 0;
	     d = strtok_r(NULL, " \t", &save)) {
		struct kmod *dep = find(k, d, 1);
		if (!dep) {
			conf_error(where, "kmods: %s needs %s, which modules.dep does not list",
				     m->path, d);
			rc = -1;
		} else {
			rc = visit(k, dep, where);
		}
	}
	free(deps);
	if (rc == 0) {
		m->state = DONE;
		k->order = xrealloc(k->order, (k->norder + 1) * sizeof(*k->order));
		k->order[k->norder++] = m->path;
	}
	return rc;
}

/* Closest module name, for "unknown module" messages. */
static const char *closest_module(const struct kmods *k, const char *name)
{
	const char **names = xcalloc(k->n + 1, sizeof(*names));
	for (size_t i = 0; i < k->n; i++)
		names[i] = k->mods[i].name;
	const char *best = suggest(name, names);
	free(names);
	return best;
}

static int resolve(struct kmods *k, const struct conf *load)
{
	/* KEY_STRINGS: one string, or a list of them. */
	int single = load->type == CONF_STRING;
	size_t n = single ? 1 : conf_length(load);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		const struct conf *e = single ? load : conf_elem(load, i);
		char *name = module_name(conf_str(e));
		struct kmod *m = find(k, name, 0);
		if (m) {
			if (visit(k, m, e) != 0)
				rc = -1;
		} else if (is_builtin(k, name)) {
			diag_debug("kmods: %s is built into the kernel", name);
		} else {
			const char *best = closest_module(k, name);
			conf_error(e, "kmods: no module '%s' in %s/modules.dep%s%s%s", name,
				     k->dir, best ? " (did you mean '" : "", best ? best : "",
				     best ? "'?)" : "");
			rc = -1;
		}
		free(name);
	}
	return rc;
}

static int add_file(struct section_ctx *ctx, const char *origin, const char *path,
		    struct node *n)
{
	const char *why = NULL;
	if (tree_add(ctx->tree, NULL, path, n, 0, &why) != 0) {
		diag_error("%s: kmods: cannot add %s: %s", origin, path, why ? why : strerror(errno));
		return -1;
	}
	return 0;
}

/* One module file, from the host modules dir, at DEST/PATH. */
static int add_module(struct kmods *k, const char *dest, const char *rel, const char *origin,
		      struct section_ctx *ctx)
{
	char *host = xasprintf("%s/%s", k->dir, rel);
	struct stat st;
	/* Opened later relative to the modules directory held open now, and checked to be
	 * the file stat saw here (model/hostsrc). */
	struct hostdir *d = hostdir_root(ctx->tree, k->dir, 1, NULL);
	const char *bad = !d || host_stat(d, rel, &st) != 0 ? strerror(errno)
			  : !S_ISREG(st.st_mode) ? "not a regular file"
						 : NULL;
	if (bad)
		diag_error("%s: kmods: %s: %s", origin, host, bad);
	free(host);
	if (bad)
		return -1;
	struct node *n = tree_node_new(ctx->tree, NODE_REG, origin);
	node_set_host(n, d, tree_strdup(ctx->tree, rel), &st);
	char *path = xasprintf("%s/%s", dest, rel);
	int rc = add_file(ctx, origin, path, n);
	free(path);
	return rc;
}

/* Put the ordered modules under DEST and list their image paths in /etc/modules.order. */
static int install(struct kmods *k, const char *dest, const char *origin,
		   struct section_ctx *ctx)
{
	char *list = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&list, &len);
	if (!m) {
		diag_error("kmods: %s", strerror(errno));
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < k->norder && rc == 0; i++) {
		rc = add_module(k, dest, k->order[i], origin, ctx);
		fprintf(m, "%s/%s\n", dest, k->order[i]);
	}
	if (fclose(m) != 0) {
		diag_error("kmods: %s", strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		struct node *n = tree_node_new(ctx->tree, NODE_REG, origin);
		n->src = SRC_MEM;
		n->u.reg.mem = tree_strdup(ctx->tree, list);
		n->u.reg.size = len;
		rc = add_file(ctx, origin, "/etc/modules.order", n);
	}
	free(list);
	return rc;
}

/* What the section says, checked. */
struct kmod_plan {
	const struct conf *at;
	char *dir;              /* host modules dir */
	const char *dest;       /* NULL: /lib/modules/<the dir's name> */
	const struct conf *load;
};

static int kmod_parse(const struct conf *s, const struct image_params *img, void **plan)
{
	(void)img;
	if (!s)
		return 0;
	const char *dir = NULL, *dest = NULL;
	conf_lookup_string(s, "dir", &dir);
	conf_lookup_string(s, "dest", &dest);
	if (dest && section_image_path(conf_member(s, "dest"), "kmods.dest", dest))
		return -1;
	struct kmod_plan *p = xcalloc(1, sizeof(*p));
	p->at = s;
	p->dir = conf_host_path(s, dir);
	p->dest = dest;
	p->load = conf_member(s, "load");
	*plan = p;
	return 0;
}

static void kmod_free(void *plan)
{
	struct kmod_plan *p = plan;
	if (p)
		free(p->dir);
	free(p);
}

static int kmod_apply(void *plan, struct section_ctx *ctx)
{
	const struct kmod_plan *p = plan;
	const char *dest = p->dest;
	const char *origin = tree_strdup(ctx->tree, conf_where(p->at));
	char real[PATH_MAX];
	if (!realpath(p->dir, real)) {
		conf_error(conf_member(p->at, "dir"), "kmods: %s: %s", p->dir, strerror(errno));
		return -1;
	}
	struct kmods k = { .dir = real };
	char *dest_default = NULL;
	if (!dest)
		dest = dest_default = xasprintf("/lib/modules/%s", strrchr(real, '/') + 1);

	int rc = read_dep(&k);
	if (rc == 0) {
		read_builtin(&k);
		rc = resolve(&k, p->load);
	}
	if (rc == 0)
		rc = install(&k, dest, origin, ctx);
	if (rc == 0)
		diag_info("kmods: %zu modules from %s", k.norder, real);

	for (size_t i = 0; i < k.n; i++) {
		free(k.mods[i].name);
		free(k.mods[i].path);
		free(k.mods[i].deps);
	}
	for (size_t i = 0; i < k.nbuiltin; i++)
		free(k.builtin[i]);
	free(k.mods);
	free(k.builtin);
	free(k.order);
	free(dest_default);
	return rc;
}

const struct section kmod_section = { "kmods", kmod_keys, kmod_parse, kmod_apply, kmod_free };
