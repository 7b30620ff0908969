/* The capability table and the caps check. */
#include "checks/caps.h"
#include "checks/check.h"
#include "base/diag.h"
#include "base/suggest.h"
#include "base/json.h"
#include "formats/unitfile.h"

#include <stdlib.h>
#include <string.h>

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
	const char *hint = cfg->names ? suggest(use->cap, cfg->names) : NULL;
	return xasprintf("unit %s: %s=%s names no capability declared in %s%s%s%s", use->unit,
			 use->var, use->cap, cfgpath, hint ? " (did you mean '" : "",
			 hint ? hint : "", hint ? "'?)" : "");
}

/* " (installed from HOST)" for a file of the tree being composed that was copied from
 * the host, " (written for ORIGIN)" for one the layout wrote, else "" (static). */
static const char *host_source(struct tree *t, const char *path)
{
	static char buf[4096];
	const struct node *n = t ? tree_lookup(t, NULL, path, TREE_FOLLOW) : NULL;
	buf[0] = 0;
	if (n && n->type == NODE_REG && n->u.reg.kind == SRC_HOST) {
		char *host = node_host_path(n);
		snprintf(buf, sizeof(buf), " (installed from %s)", host);
		free(host);
	} else if (n && n->origin)
		snprintf(buf, sizeof(buf), " (written for %s)", n->origin);
	return buf;
}

int check_caps(struct check_ctx *c)
{
	struct cap_use *uses;
	int n = caps_collect(c->view, &uses);
	if (n < 0) {
		diag_error("cannot read the units' Environment= settings (see above)");
		return 0;
	}
	const char *cfgpath = c->opts->caps_cfg;
	if (n && !cfgpath)
		diag_warn("%d " CAPS_PREFIX "* variables not checked: no cfg/bash.cfg here "
			  "(name the ned script with --caps-cfg FILE)", n);
	struct nedcfg cfg = { 0 };
	if (n && cfgpath) {
		if (nedcfg_load(&cfg, cfgpath)) {
			if (c->opts->caps_at)
				diag_error("%s: the capability declarations are needed to check the "
					   "units' " CAPS_PREFIX "* variables (systemd.caps_cfg at %s)",
					   cfgpath, c->opts->caps_at);
			else
				diag_error("%s: cannot read the capability declarations", cfgpath);
		} else {
			for (int i = 0; i < n; i++) {
				char *msg = caps_undeclared(&uses[i], &cfg, cfgpath);
				if (msg)
					diag_error_at(uses[i].file, uses[i].line, "%s%s", msg,
						      host_source(c->tree, uses[i].file));
				free(msg);
			}
		}
		nedcfg_free(&cfg);
	}
	caps_free(uses, n);
	return 0;
}
