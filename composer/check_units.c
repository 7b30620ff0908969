/* The `units` and `caps` checks of lsbimg check. */
#include "check.h"
#include "diag.h"
#include "nedcfg.h"
#include "systemd.h"
#include "unitcheck.h"
#include "unitfile.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t l = strlen(suffix);
	return len >= l && !memcmp(s + len - l, suffix, l);
}

static void unit_warning(void *arg, const struct unit_assign *at, const char *msg)
{
	check_warning(arg, "%s:%d: %s", at->file, at->line, msg);
}

/* The units that enabling links (TARGET.wants/NAME, TARGET.requires/NAME) pull in. */
static int enabled_by(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t dl = (size_t)(base - path);
	return has_suffix(path, dl, ".wants") || has_suffix(path, dl, ".requires");
}

void check_units(struct check_ctx *c)
{
	struct unitdb db;
	if (unitdb_init(&db, c->view)) {
		check_problem(c, "cannot list the image's units");
		return;
	}
	const char **seen = NULL;
	size_t nseen = 0;
	for (size_t i = 0; i < db.n; i++) {
		const char *p = db.paths[i], *name = strrchr(p, '/') + 1;
		struct fsview_stat st;
		char target[PATH_MAX];
		if (c->view->stat(c->view->ctx, p, 0, &st) || st.type != NODE_SYMLINK)
			continue;
		int tl = c->view->readlink(c->view->ctx, p, target, sizeof(target));
		if (tl < 0) {
			check_problem(c, "%s: unreadable link", p);
			continue;
		}
		/* Masks point at the device systemd finds in the running system's /dev. */
		if (!strcmp(target, "/dev/null"))
			continue;
		if (c->view->stat(c->view->ctx, p, 1, &st)) {
			check_problem(c, "%s -> %s: the link leads nowhere in the image", p, target);
			continue;
		}
		if (!enabled_by(p))
			continue;
		/* Each enabled unit once, though several targets may want it. */
		size_t k = 0;
		while (k < nseen && strcmp(seen[k], name))
			k++;
		if (k < nseen)
			continue;
		seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
		seen[nseen++] = name;
		if (unitcheck_unit(&db, name, unit_warning, c) < 0)
			check_problem(c, "%s: cannot read the unit", name);
	}
	free(seen);
	unitdb_free(&db);
}

void check_caps(struct check_ctx *c)
{
	struct cap_use *uses;
	int n = caps_collect(c->view, &uses);
	if (n < 0) {
		check_problem(c, "cannot read the units' Environment= settings (see above)");
		return;
	}
	if (n && !c->opts->caps_cfg)
		check_warning(c, "%d L4_CAP_* variables not checked: no cfg/bash.cfg here "
			      "(name the ned script with --caps-cfg FILE)", n);
	struct nedcfg cfg = { 0 };
	if (n && c->opts->caps_cfg) {
		if (nedcfg_load(&cfg, c->opts->caps_cfg))
			check_problem(c, "%s: cannot read the capability declarations",
				      c->opts->caps_cfg);
		else
			for (int i = 0; i < n; i++) {
				char *msg = caps_undeclared(&uses[i], &cfg, c->opts->caps_cfg);
				if (msg)
					check_problem(c, "%s:%d: %s", uses[i].file, uses[i].line, msg);
				free(msg);
			}
		nedcfg_free(&cfg);
	}
	caps_free(uses, n);
}
