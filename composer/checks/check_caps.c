/* The capability table and the caps check. */
#include "checks/caps.h"
#include "model/hostsrc.h"
#include "checks/record.h"
#include "base/diag.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/suggest.h"
#include "formats/nedcfg.h"
#include "formats/unitfile.h"
#include "io/hostfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every unit name with a fragment of its own (aliases and masks left out). */
static size_t unit_names(const struct unitdb *db, char ***names)
{
	size_t n = 0;
	*names = NULL;
	for (size_t i = 0; i < db->n; i++) {
		const char *p = db->paths[i], *base = strrchr(p, '/') + 1;
		struct fsview_stat st;
		if (!unitdb_in_search_path(db, p) || unit_name_kind(base) == UNIT_INVALID ||
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

/* A variable that was meant to be L4_CAP_*: "L4_CAPS_X", "l4_cap_x", "L4CAP_X", "L4_CAP".
 * Returns the name it should have had (malloc'd), or NULL. */
static char *near_miss(const char *var)
{
	if (!strncmp(var, CAPS_PREFIX, strlen(CAPS_PREFIX)))
		return NULL;
	const char *p = var;
	for (const char *want = "L4CAP"; *want; want++) {
		while (*p == '_')
			p++;
		if (toupper((unsigned char)*p) != *want)
			return NULL;
		p++;
	}
	if (toupper((unsigned char)*p) == 'S')
		p++;
	while (*p == '_')
		p++;
	char *s = xasprintf(CAPS_PREFIX "%s", *p ? p : "<NAME>");
	for (char *c = s + strlen(CAPS_PREFIX); *p && *c; c++)
		*c = (char)toupper((unsigned char)*c);
	return s;
}

/* Collect the L4_CAP_* uses, and (when NEAR is not NULL) warn about near misses. */
static int collect(struct fsview *v, struct cap_use **uses, int near)
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
		int ne = r ? 0 : unit_environment_all(&db, &u, &env);
		rc |= r < 0 || ne < 0;
		for (int k = 0; k < ne; k++) {
			if (strncmp(env[k].var, CAPS_PREFIX, strlen(CAPS_PREFIX))) {
				char *want = near ? near_miss(env[k].var) : NULL;
				if (want)
					diag_warn_at(env[k].file, env[k].line, "unit %s: %s=%s is no "
						     CAPS_PREFIX "* variable (did you mean '%s'?): systemd "
						     "passes it on, but it names no capability", names[i],
						     env[k].var, env[k].value, want);
				free(want);
				continue;
			}
			*uses = xrealloc(*uses, (size_t)(n + 1) * sizeof(**uses));
			(*uses)[n++] = (struct cap_use){
				xstrdup(names[i]), xstrdup(env[k].var), xstrdup(env[k].value),
				xstrdup(env[k].file), env[k].line, NULL, NULL,
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

int caps_collect(struct fsview *v, struct cap_use **uses)
{
	return collect(v, uses, 0);
}

void caps_free(struct cap_use *uses, int n)
{
	for (int i = 0; i < n; i++) {
		free(uses[i].unit);
		free(uses[i].var);
		free(uses[i].cap);
		free(uses[i].file);
		free(uses[i].given_at);
		free(uses[i].problem);
	}
	free(uses);
}

void caps_result_free(struct caps_result *r)
{
	if (r->n > 0)
		caps_free(r->uses, r->n);
	memset(r, 0, sizeof(*r));
}

void caps_print(FILE *f, const struct cap_use *uses, int n, int json)
{
	if (json) {
		struct json j;
		json_begin(&j, f);
		json_array(&j, "uses");
		for (int i = 0; i < n; i++) {
			json_object(&j, NULL);
			json_string(&j, "unit", uses[i].unit);
			json_string(&j, "variable", uses[i].var);
			json_string(&j, "capability", uses[i].cap);
			json_name(&j, "file", uses[i].file, strlen(uses[i].file));
			json_int(&j, "line", uses[i].line);
			json_string(&j, "given_at", uses[i].given_at);
			json_string(&j, "problem", uses[i].problem);
			json_close(&j);
		}
		json_end(&j);
		return;
	}
	int wu = 4, wv = 8, wc = 10;
	for (int i = 0; i < n; i++) {
		int lu = (int)strlen(uses[i].unit), lv = (int)strlen(uses[i].var);
		int lc = (int)strlen(uses[i].cap);
		wu = lu > wu ? lu : wu;
		wv = lv > wv ? lv : wv;
		wc = lc > wc ? lc : wc;
	}
	fprintf(f, "%-*s  %-*s  %-*s  %s\n", wu, "UNIT", wv, "VARIABLE", wc, "CAPABILITY",
		"GIVEN AT");
	for (int i = 0; i < n; i++) {
		const struct cap_use *u = &uses[i];
		fprintf(f, "%-*s  %-*s  %-*s  %s%s\n", wu, u->unit, wv, u->var, wc, u->cap,
			u->problem ? "! " : u->given_at ? "" : "? ",
			u->problem ? u->problem : u->given_at ? u->given_at : "not checked");
	}
}

/* " (installed from HOST)" for a file of the tree being composed that was copied from
 * the host, " (written for ORIGIN)" for one the layout wrote, else "" (static). */
static const char *host_source(struct tree *t, const char *path)
{
	static char buf[4096];
	const struct node *n = t ? tree_lookup(t, NULL, path, TREE_FOLLOW) : NULL;
	buf[0] = 0;
	if (n && n->type == NODE_REG && n->src == SRC_HOST) {
		char *host = node_host_path(n);
		snprintf(buf, sizeof(buf), " (installed from %s)", host);
		free(host);
	} else if (n && n->origin)
		snprintf(buf, sizeof(buf), " (written for %s)", n->origin);
	return buf;
}

/* The ned script to check against: a host file (--caps-cfg, or the layout's when compose
 * could not read it), else the copy the image records. */
struct script {
	char *name, *buf;
	size_t len;
};

/* 0, or hostfile_read's failure (a FIFO or device in its place is never opened). */
static int read_host(const char *path, struct script *s)
{
	int rc = hostfile_read(path, 1, &s->buf, &s->len);
	if (!rc)
		s->name = xstrdup(path);
	return rc;
}

/* 0 with *S filled, 1 when there is none, -1 after reporting. */
static int find_script(struct check_ctx *c, struct script *s)
{
	const struct check_opts *o = c->opts;
	memset(s, 0, sizeof(*s));
	if (o->caps_cfg) {
		int rc = read_host(o->caps_cfg, s);
		if (!rc)
			return 0;
		if (o->caps_at)
			diag_error("%s: %s: the ned script is needed to check the units' " CAPS_PREFIX
				   "* variables (systemd.caps_cfg at %s)", o->caps_cfg,
				   hostfile_strerror(rc), o->caps_at);
		else
			diag_error("%s: cannot read the ned script: %s", o->caps_cfg,
				   hostfile_strerror(rc));
		return -1;
	}
	struct check_record rec;
	int r = check_record_read(c->view, &rec);
	if (r)
		return r;
	if (!rec.script) {
		check_record_free(&rec);
		return 1;
	}
	char sum[65];
	if (fsview_read_all(c->view, rec.copy, RECORD_MAX, &s->buf, &s->len)) {
		diag_error("%s: cannot read the copy of the ned script %s the image records: %s",
			   rec.copy, rec.script, strerror(errno));
		r = -1;
	} else if (sha256_hex(s->buf, s->len, sum), strcmp(sum, rec.sha256)) {
		diag_error("%s: the copy of the ned script %s has sha256 %s, but the image "
			   "records %s: it was changed after compose (check against a script with "
			   "--caps-cfg FILE)", rec.copy, rec.script, sum, rec.sha256);
		r = -1;
	} else {
		s->name = xstrdup(rec.script);
	}
	if (r) {
		free(s->buf);
		s->buf = NULL;
	}
	check_record_free(&rec);
	return r;
}

/* Why the units do not get USE's capability (malloc'd), or NULL when they do. */
static char *problem_of(const struct cap_use *use, const struct nedcfg *cfg)
{
	const struct ned_task *init = &cfg->tasks[cfg->init];
	if (nedcfg_init_cap(cfg, use->cap))
		return NULL;
	char *base = xasprintf("the task running /sbin/init (%s:%d) gets no capability '%s'",
			       cfg->file, init->line, use->cap);
	const struct ned_task *other = nedcfg_holder(cfg, use->cap);
	const char *hint = NULL;
	for (size_t i = 0; cfg->init_names[i] && !hint; i++)
		if (!strcasecmp(cfg->init_names[i], use->cap))
			hint = cfg->init_names[i];
	char *msg;
	if (hint)
		msg = xasprintf("%s (capability names are case-sensitive: did you mean '%s'?)", base,
				hint);
	else if (other)
		msg = xasprintf("%s; the script hands it to %s (%s:%d) only", base, other->argv[0],
				cfg->file, other->line);
	else if ((hint = suggest(use->cap, cfg->init_names)))
		msg = xasprintf("%s (did you mean '%s'?)", base, hint);
	else
		msg = xstrdup(base);
	free(base);
	return msg;
}

int caps_evaluate(struct check_ctx *c, struct caps_result *r)
{
	memset(r, 0, sizeof(*r));
	r->n = collect(c->view, &r->uses, 1);
	if (r->n < 0) {
		diag_error("cannot read the units' Environment= settings (see above)");
		return -1;
	}
	/* compose names the layout's script only when it could not read it: that matters only
	 * when a unit uses a capability. */
	if (!r->n && c->opts->caps_cfg && c->opts->caps_at)
		return 0;
	struct script s;
	int found = find_script(c, &s);
	if (found < 0)
		return -1;
	if (found > 0) {
		if (!r->n)
			return 0;
		diag_error("%d " CAPS_PREFIX "* variable%s not checked: the image records no ned "
			   "script (compose it with a systemd section, or name one with --caps-cfg "
			   "FILE)", r->n, r->n == 1 ? "" : "s");
		return -1;
	}
	struct nedcfg cfg;
	int rc = nedcfg_eval(&cfg, s.name, s.buf, s.len, NULL);
	if (rc) {
		diag_error("%s: the units' " CAPS_PREFIX "* variables cannot be checked against a "
			   "script with errors", s.name);
	} else if (cfg.init < 0) {
		if (r->n)
			diag_error("%s: no program it starts runs /sbin/init (directly or as a loader's "
				   "argument), so the units get no capabilities", s.name);
		for (int i = 0; i < r->n; i++)
			r->uses[i].problem = xasprintf("no task of %s runs /sbin/init", s.name);
		r->problems = r->n;
		r->checked = 1;
	} else {
		r->checked = 1;
		for (int i = 0; i < r->n; i++) {
			struct cap_use *u = &r->uses[i];
			u->problem = problem_of(u, &cfg);
			if (!u->problem) {
				u->given_at = xasprintf("%s:%d", s.name, cfg.tasks[cfg.init].line);
				continue;
			}
			r->problems++;
			diag_error_at(u->file, u->line, "unit %s: %s=%s: %s%s", u->unit, u->var, u->cap,
				      u->problem, host_source(c->tree, u->file));
		}
	}
	nedcfg_free(&cfg);
	free(s.name);
	free(s.buf);
	return rc ? -1 : 0;
}

int check_caps(struct check_ctx *c)
{
	struct caps_result r;
	int rc = caps_evaluate(c, &r);
	caps_result_free(&r);
	return rc;
}
