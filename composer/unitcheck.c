/* unitcheck: Requires=/Wants= targets and ExecStart= programs of one unit, in the image. */
#include "unitcheck.h"
#include "diag.h"

#include <stdlib.h>
#include <string.h>

/* systemd 252 runs a relative ExecStart= program from these directories. */
static const char *const exec_path[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
	"/usr/bin", "/sbin", "/bin", NULL };

static int executable(struct fsview *v, const char *prog)
{
	struct fsview_stat st;
	if (prog[0] == '/')
		return !v->stat(v->ctx, prog, 1, &st) && st.type == NODE_REG && (st.mode & 0111);
	for (size_t i = 0; exec_path[i]; i++) {
		char *p = xasprintf("%s/%s", exec_path[i], prog);
		int ok = executable(v, p);
		free(p);
		if (ok)
			return 1;
	}
	return 0;
}

static void report(unitcheck_fn fn, void *arg, const struct unit_assign *at, char *msg)
{
	fn(arg, at, msg);
	free(msg);
}

static void check_deps(const struct unitdb *db, const struct unitfile *u, unitcheck_fn fn,
		       void *arg)
{
	static const char *const deps[] = { "Requires", "Wants", NULL };
	for (size_t d = 0; deps[d]; d++) {
		const struct unit_assign **as;
		size_t na = unitfile_list(u, "Unit", deps[d], &as);
		for (size_t k = 0; k < na; k++) {
			char **w;
			const char *why;
			char *val = unit_specifiers(u->name, as[k]->value, &why);
			int nw = val ? unit_words(val, &w, &why) : -1;
			free(val);
			if (nw < 0) {
				report(fn, arg, as[k], xasprintf("%s=: %s", deps[d], why));
				continue;
			}
			for (int j = 0; j < nw; j++)
				if (!unitdb_find(db, w[j], NULL))
					report(fn, arg, as[k], xasprintf("%s=%s: no such unit in the image",
									 deps[d], w[j]));
			unit_words_free(w);
		}
		free(as);
	}
}

static void check_exec(const struct unitdb *db, const struct unitfile *u, unitcheck_fn fn,
		       void *arg)
{
	const struct unit_assign **ex;
	size_t ne = unitfile_list(u, "Service", "ExecStart", &ex);
	for (size_t k = 0; k < ne; k++) {
		char **w;
		const char *why;
		int nw = unit_words(ex[k]->value, &w, &why);
		if (nw > 0) {
			/* Prefixes (@-:+!) change how systemd runs it, not which file. */
			const char *prog = w[0] + strspn(w[0], "@-:+!");
			if (*prog && !strchr(prog, '%') && !executable(db->v, prog))
				report(fn, arg, ex[k], xasprintf(
					"ExecStart=%s: program not in the image (or not executable)", prog));
		}
		if (nw >= 0)
			unit_words_free(w);
	}
	free(ex);
}

int unitcheck_unit(const struct unitdb *db, const char *name, unitcheck_fn fn, void *arg)
{
	struct unitfile u;
	int r = unitdb_load(db, name, &u);
	if (!r) {
		check_deps(db, &u, fn, arg);
		/* A template's programs may depend on the instance (%i): checked per instance. */
		if (unit_name_kind(name) != UNIT_TEMPLATE)
			check_exec(db, &u, fn, arg);
	}
	unitfile_free(&u);
	return r;
}
