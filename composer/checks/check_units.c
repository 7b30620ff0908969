/* The units check: enable and alias links lead somewhere in the image; the enabled units
 * and the layout's own units (those the image's record names) are services systemd loads
 * (the ExecStart= their type needs: errors, as systemd refuses them), and what they need
 * is there: the units their Requires=/Wants= name and their ExecStart= programs
 * (warnings). */
#include "checks/check.h"
#include "checks/record.h"
#include "base/diag.h"
#include "formats/unitfile.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t l = strlen(suffix);
	return len >= l && !memcmp(s + len - l, suffix, l);
}

/* The units that enabling links (TARGET.wants/NAME, TARGET.requires/NAME) pull in. */
static int enabled_by(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t dl = (size_t)(base - path);
	return has_suffix(path, dl, ".wants") || has_suffix(path, dl, ".requires");
}

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

/* What this run reported: a template's instances share its file, each line once. */
static char **said;
static size_t nsaid;

static void report(const struct unit_assign *at, char *msg)
{
	char *key = xasprintf("%s:%d:%s", at->file, at->line, msg);
	for (size_t i = 0; i < nsaid; i++)
		if (!strcmp(said[i], key)) {
			free(key);
			free(msg);
			return;
		}
	said = xrealloc(said, (nsaid + 1) * sizeof(*said));
	said[nsaid++] = key;
	diag_warn_at(at->file, at->line, "%s", msg);
	free(msg);
}

static void forget(void)
{
	for (size_t i = 0; i < nsaid; i++)
		free(said[i]);
	free(said);
	said = NULL;
	nsaid = 0;
}

static void check_deps(const struct unitdb *db, const struct unitfile *u)
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
				report(as[k], xasprintf("%s=: %s", deps[d], why));
				continue;
			}
			for (int j = 0; j < nw; j++)
				if (!unitdb_find(db, w[j], NULL))
					report(as[k], xasprintf("%s=%s: no such unit in the image",
									 deps[d], w[j]));
			unit_words_free(w);
		}
		free(as);
	}
}

static void check_exec(const struct unitdb *db, const struct unitfile *u)
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
				report(ex[k], xasprintf(
					"ExecStart=%s: program not in the image (or not executable)", prog));
		}
		if (nw >= 0)
			unit_words_free(w);
	}
	free(ex);
}

static int is_yes(const char *v)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on", NULL };
	for (size_t i = 0; yes[i]; i++)
		if (!strcasecmp(v, yes[i]))
			return 1;
	return 0;
}

/* What systemd 252's service_verify refuses: a service without the ExecStart= its type
 * needs, and the like. Errors, in systemd's words. */
static void verify_service(const struct unitfile *u)
{
	const struct unit_assign **x;
	size_t nstart = unitfile_list(u, "Service", "ExecStart", &x);
	free(x);
	size_t nstop = unitfile_list(u, "Service", "ExecStop", &x);
	free(x);
	const struct unit_assign *a = unitfile_last(u, "Unit", "SuccessAction");
	int success_action = a && *a->value && strcmp(a->value, "none");
	a = unitfile_last(u, "Service", "RemainAfterExit");
	int remain = a && is_yes(a->value);
	const struct unit_assign *bus = unitfile_last(u, "Service", "BusName");
	const struct unit_assign *type = unitfile_last(u, "Service", "Type");
	const char *t = type ? type->value : "";
	static const char *const types[] = { "simple", "exec", "forking", "oneshot", "dbus",
		"notify", "idle", NULL };
	int known = 0;
	for (size_t i = 0; types[i]; i++)
		known |= !strcmp(t, types[i]);
	/* No (valid) Type=: systemd picks dbus, simple or oneshot. */
	if (!known)
		t = bus && *bus->value ? "dbus" : nstart ? "simple" : "oneshot";
	int oneshot = !strcmp(t, "oneshot");
	a = unitfile_last(u, "Service", "Restart");
	const char *restart = a ? a->value : "no";
	a = unitfile_last(u, "Service", "ExitType");
	const char *exit_type = a ? a->value : "main";
	const char *why = NULL;
	if (!nstart && !nstop && !success_action)
		why = "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.";
	else if (!oneshot && !nstart)
		why = "Service has no ExecStart= setting, which is only allowed for Type=oneshot "
		      "services. Refusing.";
	else if (!remain && !nstart && !success_action)
		why = "Service has no ExecStart= and no SuccessAction= settings and does not have "
		      "RemainAfterExit=yes set. Refusing.";
	else if (!oneshot && nstart > 1)
		why = "Service has more than one ExecStart= setting, which is only allowed for "
		      "Type=oneshot services. Refusing.";
	else if (oneshot && (!strcmp(restart, "always") || !strcmp(restart, "on-success")))
		why = "Service has Restart= set to either always or on-success, which isn't allowed "
		      "for Type=oneshot services. Refusing.";
	else if (oneshot && !strcmp(exit_type, "cgroup"))
		why = "Service has ExitType=cgroup set, which isn't allowed for Type=oneshot "
		      "services. Refusing.";
	else if (!strcmp(t, "dbus") && !(bus && *bus->value))
		why = "Service is of type D-Bus but no D-Bus service name has been specified. "
		      "Refusing.";
	if (why)
		diag_error_at(u->path, type ? type->line : 0, "%s: %s (systemd does not load it)",
			      u->name, why);
}

static int has_suffix_str(const char *s, const char *suffix)
{
	return has_suffix(s, strlen(s), suffix);
}

/* What a path condition says of PATH in the image (systemd.unit(5), [Unit] Condition*=). */
static int path_holds(struct fsview *v, const char *key, const char *path)
{
	struct fsview_stat st;
	int there = !v->stat(v->ctx, path, 1, &st);
	if (!strcmp(key, "ConditionPathExists"))
		return there;
	if (!strcmp(key, "ConditionPathIsDirectory"))
		return there && st.type == NODE_DIR;
	if (!strcmp(key, "ConditionFileIsExecutable"))
		return there && st.type == NODE_REG && (st.mode & 0111);
	if (!strcmp(key, "ConditionFileNotEmpty"))
		return there && st.type == NODE_REG && st.size > 0;
	return -1;
}

/* Whether a path condition of U that does not hold in the image makes systemd skip the unit
 * ("condition failed", not a failure): then what it would need is not needed. Triggering
 * ("|") conditions and those naming the running system (/proc, /sys, /run, /dev) are left
 * to the boot. */
static int skipped_by_condition(const struct unitdb *db, const struct unitfile *u)
{
	static const char *const keys[] = { "ConditionPathExists", "ConditionPathIsDirectory",
		"ConditionFileIsExecutable", "ConditionFileNotEmpty", NULL };
	int skipped = 0;
	for (size_t k = 0; keys[k] && !skipped; k++) {
		const struct unit_assign **as;
		size_t n = unitfile_list(u, "Unit", keys[k], &as);
		for (size_t i = 0; i < n && !skipped; i++) {
			const char *p = as[i]->value;
			int negate = *p == '!';
			p += negate;
			if (*p != '/' || strchr(p, '%') || !strncmp(p, "/proc/", 6) ||
			    !strncmp(p, "/sys/", 5) || !strncmp(p, "/run/", 5) || !strncmp(p, "/dev/", 5))
				continue;
			int holds = path_holds(db->v, keys[k], p);
			skipped = holds >= 0 && holds == negate;
		}
		free(as);
	}
	return skipped;
}

/* Whether systemd loads the service, what it needs is there (Requires=/Wants= units and
 * ExecStart= programs: warnings, unless a condition that fails in the image skips it).
 * 0, 1 when the unit is masked or absent, -1 when it cannot be read. */
static int sanity(const struct unitdb *db, const char *name)
{
	struct unitfile u;
	int r = unitdb_load(db, name, &u);
	if (!r && has_suffix_str(name, ".service"))
		verify_service(&u);
	if (!r && skipped_by_condition(db, &u)) {
		diag_debug("%s: skipped at boot: a condition fails in the image", name);
	} else if (!r) {
		check_deps(db, &u);
		/* A template's programs may depend on the instance (%i): checked per instance. */
		if (unit_name_kind(name) != UNIT_TEMPLATE)
			check_exec(db, &u);
	}
	unitfile_free(&u);
	return r;
}

int check_units(struct check_ctx *c)
{
	struct unitdb db;
	if (unitdb_init(&db, c->view)) {
		diag_error("cannot list the image's units");
		return -1;
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
			diag_error("%s: unreadable link", p);
			continue;
		}
		/* Masks point at the device systemd finds in the running system's /dev. */
		if (!strcmp(target, "/dev/null"))
			continue;
		if (c->view->stat(c->view->ctx, p, 1, &st)) {
			diag_error("%s -> %s: the link leads nowhere in the image", p, target);
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
		if (sanity(&db, name) < 0)
			diag_error("%s: cannot read the unit", name);
	}
	/* The layout's own units: those compose was told about, or the image's record. */
	struct check_record rec = { 0 };
	const char **own = c->opts->own_units;
	size_t nown = c->opts->n_own_units;
	int rr = 0;
	if (!own) {
		rr = check_record_read(c->view, &rec);
		own = (const char **)rec.own_units;
		nown = rr ? 0 : rec.n_own_units;
	}
	for (size_t i = 0; i < nown; i++) {
		const char *name = own[i];
		size_t k = 0;
		while (k < nseen && strcmp(seen[k], name))
			k++;
		if (k == nseen && sanity(&db, name) < 0)
			diag_error("%s: cannot read the unit", name);
	}
	check_record_free(&rec);
	free(seen);
	unitdb_free(&db);
	forget();
	return rr < 0 ? -1 : 0;
}

