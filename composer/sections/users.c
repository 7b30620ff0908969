/* passwd/group from the layout and sysusers.d, allocating ids like systemd-sysusers. */
#include "sections/users.h"
#include "model/hostsrc.h"
#include "layout/schema.h"
#include "base/diag.h"
#include "base/suggest.h"
#include "formats/unitfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* systemd's SYSTEM_UID_MAX/SYSTEM_GID_MAX on Debian. */
#define SYSTEM_ID_MAX 999u

static const struct key users_user_keys[] = {
	{ "name", KEY_STRING, 1 },
	{ "uid", KEY_INT, 1 },
	{ "gid", KEY_INT, 0 },        /* primary group by number ... */
	{ "group", KEY_STRING, 0 },   /* ... or by name; default: a group named like the user */
	{ "gecos", KEY_STRING, 0 },
	{ "home", KEY_STRING, 0 },
	{ "shell", KEY_STRING, 0 },
	{ "password", KEY_STRING, 0 },/* crypt(3) hash for /etc/shadow; default "!*" (locked) */
	{ "groups", KEY_STRINGS, 0 }, /* supplementary groups */
	{ NULL, 0, 0 },
};

static const struct key users_group_keys[] = {
	{ "name", KEY_STRING, 1 },
	{ "gid", KEY_INT, 1 },
	{ "members", KEY_STRINGS, 0 },
	{ NULL, 0, 0 },
};

/* One line of passwd (7 fields) or group (4 fields); NEW entries also get shadow lines. */
struct ent {
	char *f[7];
	unsigned id;
	char *password;  /* new entries: shadow password field */
	int fresh;
};

struct db {
	struct ent *pw, *gr;
	size_t npw, ngr;
	unsigned search_uid, search_gid;
	unsigned (*ranges)[2];    /* r lines: where ids are allocated; none = 1..999 */
	size_t nranges;
	char *shadow, *gshadow;   /* existing files, extended */
	int changed;
};

struct item {
	char type;
	char *name, *id, *gecos, *home, *shell;
	const char *file;
	int line;
};

static struct ent *find(struct ent *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].f[0], name))
			return &e[i];
	return NULL;
}

static struct ent *find_id(struct ent *e, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].id == id)
			return &e[i];
	return NULL;
}

/* NAME may take ID as its uid: no user has it, no group of another name has it as gid
 * (sysusers keeps uid == gid pairs apart). */
static int uid_ok(struct db *db, unsigned uid, const char *name)
{
	struct ent *g = find_id(db->gr, db->ngr, uid);
	return !find_id(db->pw, db->npw, uid) && (!g || !strcmp(g->f[0], name));
}

static int gid_ok(struct db *db, unsigned gid, const char *name)
{
	struct ent *u = find_id(db->pw, db->npw, gid);
	return !find_id(db->gr, db->ngr, gid) && (!u || !strcmp(u->f[0], name));
}

static int in_ranges(const struct db *db, unsigned id)
{
	if (!db->nranges)
		return id >= 1 && id <= SYSTEM_ID_MAX;
	for (size_t i = 0; i < db->nranges; i++)
		if (id >= db->ranges[i][0] && id <= db->ranges[i][1])
			return 1;
	return 0;
}

static int allocate(struct db *db, int user, const char *name, unsigned *id)
{
	unsigned *search = user ? &db->search_uid : &db->search_gid;
	for (; *search > 0; (*search)--)
		if (in_ranges(db, *search) &&
		    (user ? uid_ok(db, *search, name) : gid_ok(db, *search, name))) {
			*id = (*search)--;
			return 0;
		}
	diag_error("no free system %s id left for '%s'", user ? "user" : "group", name);
	return -1;
}

static char *dash(const char *s, const char *def)
{
	return xstrdup(s && strcmp(s, "-") ? s : def);
}

static struct ent *add_ent(struct ent **v, size_t *n, size_t nf, char **fields, unsigned id)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	struct ent *e = &(*v)[(*n)++];
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < nf; i++)
		e->f[i] = fields[i];
	e->id = id;
	return e;
}

static void new_group(struct db *db, const char *name, unsigned gid)
{
	char *f[4] = { xstrdup(name), xstrdup("x"), xasprintf("%u", gid), xstrdup("") };
	add_ent(&db->gr, &db->ngr, 4, f, gid)->fresh = 1;
	diag_debug("group %s: gid %u", name, gid);
	db->changed = 1;
}

static void new_user(struct db *db, const char *name, unsigned uid, unsigned gid,
		     const char *gecos, const char *home, const char *shell, const char *pass)
{
	char *f[7] = { xstrdup(name), xstrdup("x"), xasprintf("%u", uid), xasprintf("%u", gid),
		       dash(gecos, ""), dash(home, "/"),
		       dash(shell, uid == 0 ? "/bin/sh" : "/usr/sbin/nologin") };
	struct ent *e = add_ent(&db->pw, &db->npw, 7, f, uid);
	e->fresh = 1;
	e->password = xstrdup(pass ? pass : "!*");
	diag_debug("user %s: uid %u gid %u", name, uid, gid);
	db->changed = 1;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add USER to group G's members; like systemd-sysusers, a changed list is written sorted. */
static void add_member(struct db *db, struct ent *g, const char *user)
{
	char *all = *g->f[3] ? xasprintf("%s,%s", g->f[3], user) : xstrdup(user);
	size_t n = 1;
	for (const char *c = all; *c; c++)
		n += *c == ',';
	char **v = xmalloc(n * sizeof(*v)), *save = NULL;
	n = 0;
	for (char *m = strtok_r(all, ",", &save); m; m = strtok_r(NULL, ",", &save))
		v[n++] = m;
	for (size_t i = 0; i + 1 < n; i++)
		if (!strcmp(v[i], user)) {
			/* already a member: nothing changes */
			free(v);
			free(all);
			return;
		}
	qsort(v, n, sizeof(*v), cmp_cstr);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *out = xcalloc(1, len + 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, v[i]);
	}
	free(g->f[3]);
	g->f[3] = out;
	free(v);
	free(all);
	db->changed = 1;
}

/* Read an image file of the tree whole, or NULL when absent. */
static char *read_tree_file(struct tree *t, const char *path, struct node **node)
{
	struct node *n = tree_lookup(t, NULL, path, TREE_FOLLOW);
	*node = n;
	if (!n || n->type != NODE_REG)
		return NULL;
	char *buf = xmalloc(n->u.reg.size + 1);
	ssize_t r = node_pread(n, buf, n->u.reg.size, 0);
	if (r < 0 || (uint64_t)r != n->u.reg.size) {
		diag_error("%s: cannot read its data", path);
		free(buf);
		return NULL;
	}
	buf[r] = 0;
	return buf;
}

static int load_db(struct db *db, struct tree *t, const char *path, int user)
{
	struct node *n;
	char *text = read_tree_file(t, path, &n);
	int line = 0, rc = 0;
	for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		line++;
		size_t want = user ? 7 : 4, nf = 0;
		char *f[7];
		for (char *p = l; nf < want; nf++) {
			f[nf] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = 0;
		}
		if (nf + 1 != want || strchr(f[want - 1], ':') || !isdigit((unsigned char)*f[2])) {
			diag_error_at(path, line, "malformed %s entry", user ? "passwd" : "group");
			rc = -1;
			continue;
		}
		for (size_t i = 0; i < want; i++)
			f[i] = xstrdup(f[i]);
		add_ent(user ? &db->pw : &db->gr, user ? &db->npw : &db->ngr, want, f,
			(unsigned)strtoul(f[2], NULL, 10));
	}
	free(text);
	return rc;
}

#define NAME_RULE "a letter or '_', then letters, digits, '_' or '-', at most 31 bytes"

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 31 || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-", s[i]) && !(s[i] == '$' && i == n - 1))
			return 0;
	return 1;
}

static int parse_id(const char *s, unsigned *id)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v >= 0xffffffffu)
		return -1;
	*id = (unsigned)v;
	return 0;
}

/* Each string of a string-or-strings setting, NULL-terminated (malloc'd). */
static const char **strings(const struct conf *s, const char *key)
{
	const struct conf *c = conf_member(s, key);
	size_t n = !c ? 0 : c->type == CONF_STRING ? 1 : conf_length(c);
	const char **out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = c->type == CONF_STRING ? c->str : conf_str(conf_elem(c, i));
	return out;
}

static const char *str_member(const struct conf *s, const char *key)
{
	const char *v = NULL;
	return conf_lookup_string(s, key, &v) ? v : NULL;
}

/* An id setting: from 0 below 2^32 - 1 ((uid_t)-1 is "no id" to chown(2)); *out -1 when
 * absent. WHAT names the list in messages. */
static int id_member(const struct conf *s, const char *key, const char *what, long long *out)
{
	const struct conf *c = conf_member(s, key);
	*out = -1;
	if (!c)
		return 0;
	if (c->num < 0 || c->num >= 0xffffffffLL) {
		conf_error(c, "%s: %s %lld is out of range: 0 to 4294967294", what, key,
			   (long long)c->num);
		return -1;
	}
	*out = c->num;
	return 0;
}

int users_parse(const struct conf *users, const struct conf *groups, struct users_plan *p)
{
	int rc = 0;
	memset(p, 0, sizeof(*p));
	p->at = users ? users : groups;
	p->g = xcalloc(conf_length(groups) + 1, sizeof(*p->g));
	for (size_t i = 0; i < conf_length(groups); i++) {
		const struct conf *g = conf_elem(groups, i);
		struct group_decl *d = &p->g[p->ng];
		if (schema_check(g, users_group_keys, "systemd.groups entry")) {
			rc = -1;
			continue;
		}
		d->at = g;
		d->name = str_member(g, "name");
		if (!valid_name(d->name)) {
			conf_error(conf_member(g, "name"), "systemd.groups: '%s' is not a valid "
				   "group name (%s)", d->name, NAME_RULE);
			rc = -1;
			continue;
		}
		if (id_member(g, "gid", "systemd.groups", &d->gid)) {
			rc = -1;
			continue;
		}
		d->members = strings(g, "members");
		p->ng++;
	}
	p->u = xcalloc(conf_length(users) + 1, sizeof(*p->u));
	for (size_t i = 0; i < conf_length(users); i++) {
		const struct conf *u = conf_elem(users, i);
		struct user_decl *d = &p->u[p->nu];
		if (schema_check(u, users_user_keys, "systemd.users entry")) {
			rc = -1;
			continue;
		}
		d->at = u;
		d->name = str_member(u, "name");
		if (!valid_name(d->name)) {
			conf_error(conf_member(u, "name"), "systemd.users: '%s' is not a valid "
				   "user name (%s)", d->name, NAME_RULE);
			rc = -1;
			continue;
		}
		if (id_member(u, "uid", "systemd.users", &d->uid) |
		    id_member(u, "gid", "systemd.users", &d->gid)) {
			rc = -1;
			continue;
		}
		d->group = str_member(u, "group");
		d->gecos = str_member(u, "gecos");
		d->home = str_member(u, "home");
		d->shell = str_member(u, "shell");
		d->password = str_member(u, "password");
		d->groups = strings(u, "groups");
		p->nu++;
	}
	return rc;
}

void users_plan_free(struct users_plan *p)
{
	for (size_t i = 0; i < p->ng; i++)
		free(p->g[i].members);
	for (size_t i = 0; i < p->nu; i++)
		free(p->u[i].groups);
	free(p->g);
	free(p->u);
	memset(p, 0, sizeof(*p));
}

static int layout_groups(struct db *db, const struct users_plan *p)
{
	int rc = 0;
	for (size_t i = 0; i < p->ng; i++) {
		const struct group_decl *d = &p->g[i];
		unsigned gid = (unsigned)d->gid;
		struct ent *e = find(db->gr, db->ngr, d->name);
		if (e ? e->id != gid : !gid_ok(db, gid, d->name)) {
			conf_error(d->at, "group '%s' gid %u conflicts with an existing entry", d->name,
				   gid);
			rc = -1;
			continue;
		}
		if (!e)
			new_group(db, d->name, gid);
	}
	return rc;
}

/* Group members named in the layout; they may be any user, declared or from sysusers. */
static void layout_members(struct db *db, const struct users_plan *p)
{
	for (size_t i = 0; i < p->ng; i++) {
		struct ent *e = find(db->gr, db->ngr, p->g[i].name);
		for (size_t k = 0; e && p->g[i].members[k]; k++)
			add_member(db, e, p->g[i].members[k]);
	}
}

static int layout_users(struct db *db, const struct users_plan *p)
{
	int rc = 0;
	for (size_t i = 0; i < p->nu; i++) {
		const struct user_decl *d = &p->u[i];
		const char *name = d->name, *group = d->group;
		unsigned uid = (unsigned)d->uid;
		long long gid = d->gid;
		if (find(db->pw, db->npw, name) || find_id(db->pw, db->npw, uid)) {
			conf_error(d->at, "user '%s' uid %u: invalid, or the name or uid is taken",
				   name, uid);
			rc = -1;
			continue;
		}
		struct ent *g = group ? find(db->gr, db->ngr, group)
			: gid >= 0 ? find_id(db->gr, db->ngr, (unsigned)gid)
			: find(db->gr, db->ngr, name);
		if (!g && group) {
			conf_error(d->at, "user '%s': group '%s' is not declared", name, group);
			rc = -1;
			continue;
		}
		unsigned pgid = g ? g->id : gid >= 0 ? (unsigned)gid : uid;
		if (!g && !gid_ok(db, pgid, name)) {
			conf_error(d->at, "user '%s': gid %u for its group is taken", name, pgid);
			rc = -1;
			continue;
		}
		if (!g)
			new_group(db, name, pgid);
		new_user(db, name, uid, pgid, d->gecos, d->home, d->shell, d->password);
		for (size_t k = 0; d->groups[k]; k++) {
			struct ent *sg = find(db->gr, db->ngr, d->groups[k]);
			if (!sg) {
				conf_error(d->at, "user '%s': group '%s' is not declared", name,
					   d->groups[k]);
				rc = -1;
			} else {
				add_member(db, sg, name);
			}
		}
	}
	return rc;
}

static void item_free(struct item *it)
{
	free(it->name);
	free(it->id);
	free(it->gecos);
	free(it->home);
	free(it->shell);
}

struct items {
	struct item *v;
	size_t n;
};

static struct item *item_find(struct items *its, char type, const char *name)
{
	for (size_t i = 0; i < its->n; i++)
		if (its->v[i].type == type && !strcmp(its->v[i].name, name))
			return &its->v[i];
	return NULL;
}

static void item_push(struct items *its, struct item it)
{
	its->v = xrealloc(its->v, (its->n + 1) * sizeof(*its->v));
	its->v[its->n++] = it;
}

static int parse_fragment(struct items *its, struct tree *t, const char *path)
{
	struct node *n;
	char *text = read_tree_file(t, path, &n);
	if (!text)
		return n && n->type == NODE_SYMLINK ? 0 : -1;
	int line = 0, rc = 0;
	for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		line++;
		p += strspn(p, " \t\r");
		if (!*p || *p == '#')
			continue;
		char **w;
		const char *why = NULL;
		int nw = unit_words(p, &w, &why);
		if (nw < 2 || strlen(w[0]) != 1 || !strchr("ugmr", w[0][0]) || strchr(p, '%')) {
			diag_error_at(path, line, "%s", nw < 0 ? why : nw < 2 ? "too few fields"
				      : strchr(p, '%') ? "specifiers are not supported offline"
				      : "unknown line type (u, g, m and r are known)");
			rc = -1;
		} else if (w[0][0] == 'r') {
			if (nw < 3 || strcmp(w[1], "-")) {
				diag_error_at(path, line, "a range line is 'r - FROM-TO'");
				rc = -1;
			} else {
				item_push(its, (struct item){ .type = 'r', .name = xstrdup("-"),
					.id = xstrdup(w[2]), .file = path, .line = line });
			}
		} else if (!valid_name(w[1]) || (w[0][0] == 'm' && (nw < 3 || !valid_name(w[2])))) {
			diag_error_at(path, line, "'%s' is not a valid user or group name", w[1]);
			rc = -1;
		} else if (w[0][0] != 'm' && item_find(its, w[0][0], w[1])) {
			diag_warn_at(path, line, "'%s' is configured twice; this line is ignored", w[1]);
		} else {
			item_push(its, (struct item){
				.type = w[0][0], .name = xstrdup(w[1]),
				.id = nw > 2 && strcmp(w[2], "-") ? xstrdup(w[2]) : NULL,
				.gecos = nw > 3 ? xstrdup(w[3]) : NULL,
				.home = nw > 4 ? xstrdup(w[4]) : NULL,
				.shell = nw > 5 ? xstrdup(w[5]) : NULL,
				.file = path, .line = line,
			});
		}
		unit_words_free(w);
	}
	free(text);
	return rc;
}

static const char *const sysusers_dirs[] = { "/etc/sysusers.d", "/run/sysusers.d",
	"/usr/local/lib/sysusers.d", "/usr/lib/sysusers.d", NULL };

static int cmp_base(const void *a, const void *b)
{
	return strcmp(strrchr(*(char *const *)a, '/'), strrchr(*(char *const *)b, '/'));
}

/* The fragments in name order; the first directory holding a name wins. */
static size_t fragments(struct tree *t, char ***out)
{
	size_t n = 0;
	*out = NULL;
	for (size_t d = 0; sysusers_dirs[d]; d++) {
		struct node *dir = tree_lookup(t, NULL, sysusers_dirs[d], TREE_FOLLOW);
		for (size_t k = 0; dir && dir->type == NODE_DIR && k < dir->u.dir.nkids; k++) {
			const char *name = dir->u.dir.kids[k]->name;
			size_t l = strlen(name);
			if (l < 6 || strcmp(name + l - 5, ".conf"))
				continue;
			int dup = 0;
			for (size_t i = 0; i < n; i++)
				dup |= !strcmp(strrchr((*out)[i], '/') + 1, name);
			if (dup)
				continue;
			*out = xrealloc(*out, (n + 1) * sizeof(**out));
			(*out)[n++] = xasprintf("%s/%s", sysusers_dirs[d], name);
		}
	}
	if (n)
		qsort(*out, n, sizeof(**out), cmp_base);
	return n;
}

/* An id field: a number, or the path of an image file whose owner gives it. */
static int item_id(struct tree *t, const struct item *it, const char *s, int user,
		   unsigned *id)
{
	if (*s == '/') {
		struct node *n = tree_lookup(t, NULL, s, TREE_FOLLOW);
		if (!n)
			return 1;
		*id = user ? n->uid : n->gid;
		return 0;
	}
	if (parse_id(s, id)) {
		diag_error_at(it->file, it->line, "'%s' is not a valid id", s);
		return -1;
	}
	return 0;
}

static int process_group(struct db *db, struct tree *t, const struct item *it)
{
	unsigned gid;
	if (find(db->gr, db->ngr, it->name))
		return 0;
	int have = it->id ? item_id(t, it, it->id, 0, &gid) : 1;
	if (have < 0)
		return -1;
	if (have || !gid_ok(db, gid, it->name)) {
		if (!have)
			diag_info("%s:%d: gid %u for group %s is taken", it->file, it->line, gid,
				  it->name);
		if (allocate(db, 0, it->name, &gid))
			return -1;
	}
	new_group(db, it->name, gid);
	return 0;
}

static int process_user(struct db *db, struct tree *t, const struct item *it)
{
	if (find(db->pw, db->npw, it->name))
		return 0;
	unsigned uid = 0, gid = 0;
	int have_uid = 1, have_gid = 1;
	const char *gname = it->name;
	char *idbuf = it->id ? xstrdup(it->id) : NULL, *colon = idbuf ? strchr(idbuf, ':') : NULL;
	int rc = 0;
	if (colon) {
		*colon++ = 0;
		if (isdigit((unsigned char)*colon))
			have_gid = item_id(t, it, colon, 0, &gid);
		else
			gname = colon;
	}
	if (idbuf && rc >= 0)
		have_uid = item_id(t, it, idbuf, 1, &uid);
	if (have_uid < 0 || have_gid < 0) {
		free(idbuf);
		return -1;
	}

	/* The primary group: named by "uid:group", by number, or the user's own. */
	struct ent *g = !have_gid ? find_id(db->gr, db->ngr, gid) : find(db->gr, db->ngr, gname);
	if (!g && gname != it->name) {
		diag_error_at(it->file, it->line, "group '%s' of user %s does not exist", gname,
			      it->name);
		rc = -1;
	} else if (g) {
		gid = g->id;
	} else if (have_gid) {
		if (!have_uid && gid_ok(db, uid, it->name))
			gid = uid;
		else
			rc = allocate(db, 0, it->name, &gid);
		if (!rc)
			new_group(db, it->name, gid);
	} else {
		new_group(db, it->name, gid);
	}
	/* With "uid:gid" the uid is taken as given even when a group of another name has that
	 * number (systemd's strict id); otherwise uid and gid pairs are kept apart. */
	int taken = !have_uid && (colon ? find_id(db->pw, db->npw, uid) != NULL
					: !uid_ok(db, uid, it->name));
	if (!rc && (have_uid || taken)) {
		if (!have_uid)
			diag_info("%s:%d: uid %u for user %s is taken", it->file, it->line, uid,
				  it->name);
		if (uid_ok(db, gid, it->name))
			uid = gid;
		else
			rc = allocate(db, 1, it->name, &uid);
	}
	if (!rc)
		new_user(db, it->name, uid, gid, it->gecos, it->home, it->shell, NULL);
	free(idbuf);
	return rc;
}

/* "FROM-TO" or a single id; allocation then starts below the highest bound. */
static int add_range(struct db *db, const struct item *it)
{
	unsigned lo, hi;
	char *dash = strchr(it->id, '-'), *a = xstrdup(it->id);
	if (dash)
		a[dash - it->id] = 0;
	int bad = parse_id(a, &lo) || parse_id(dash ? dash + 1 : a, &hi) || lo > hi;
	free(a);
	if (bad) {
		diag_error_at(it->file, it->line, "'%s' is not a valid id range", it->id);
		return -1;
	}
	db->ranges = xrealloc(db->ranges, (db->nranges + 1) * sizeof(*db->ranges));
	db->ranges[db->nranges][0] = lo;
	db->ranges[db->nranges++][1] = hi;
	unsigned top = 0;
	for (size_t i = 0; i < db->nranges; i++)
		top = db->ranges[i][1] > top ? db->ranges[i][1] : top;
	db->search_uid = db->search_gid = top;
	return 0;
}

static int sysusers(struct db *db, struct tree *t)
{
	char **files;
	size_t nf = fragments(t, &files);
	struct items its = { 0 };
	int rc = 0;
	for (size_t i = 0; i < nf; i++)
		rc |= parse_fragment(&its, t, files[i]);
	/* m lines create missing groups and users, after the explicit ones. */
	size_t explicit = its.n;
	for (size_t i = 0; i < explicit; i++) {
		const struct item *m = &its.v[i];
		if (m->type != 'm')
			continue;
		if (!item_find(&its, 'u', m->name))
			item_push(&its, (struct item){ .type = 'u', .name = xstrdup(m->name),
						       .file = m->file, .line = m->line });
		if (!item_find(&its, 'g', its.v[i].id))
			item_push(&its, (struct item){ .type = 'g', .name = xstrdup(its.v[i].id),
						       .file = its.v[i].file, .line = its.v[i].line });
	}
	for (size_t i = 0; i < its.n && !rc; i++)
		if (its.v[i].type == 'r')
			rc = add_range(db, &its.v[i]);
	for (size_t i = 0; i < its.n && !rc; i++)
		if (its.v[i].type == 'g')
			rc = process_group(db, t, &its.v[i]);
	for (size_t i = 0; i < its.n && !rc; i++)
		if (its.v[i].type == 'u')
			rc = process_user(db, t, &its.v[i]);
	for (size_t i = 0; i < its.n && !rc; i++)
		if (its.v[i].type == 'm') {
			struct ent *g = find(db->gr, db->ngr, its.v[i].id);
			if (g)
				add_member(db, g, its.v[i].name);
		}
	for (size_t i = 0; i < its.n; i++)
		item_free(&its.v[i]);
	free(its.v);
	for (size_t i = 0; i < nf; i++)
		free(files[i]);
	free(files);
	return rc;
}

/* Replace (or create) PATH with TEXT, keeping an existing file's owner and mode. */
static int put(struct tree *t, const char *path, const char *text, unsigned mode,
	       const char *origin)
{
	struct node *old = tree_lookup(t, NULL, path, TREE_FOLLOW);
	struct node *n = tree_node_new(t, NODE_REG, origin);
	n->mode = old && old->type == NODE_REG ? old->mode : mode;
	n->uid = old ? old->uid : 0;
	n->gid = old ? old->gid : 0;
	n->src = SRC_MEM;
	n->u.reg.mem = tree_strdup(t, text);
	n->u.reg.size = strlen(text);
	const char *why;
	if (tree_add(t, NULL, path, n, TREE_OVERRIDE, &why)) {
		diag_error("%s: %s", path, why);
		return -1;
	}
	return 0;
}

static char *append(char *s, const char *line)
{
	char *r = xasprintf("%s%s", s ? s : "", line);
	free(s);
	return r;
}

static int write_files(struct db *db, struct tree *t, int64_t timestamp, const char *origin)
{
	char *pw = NULL, *gr = NULL, *sh = db->shadow, *gs = db->gshadow, *l;
	long day = (long)(timestamp / 86400);
	for (size_t i = 0; i < db->npw; i++) {
		struct ent *e = &db->pw[i];
		l = xasprintf("%s:%s:%s:%s:%s:%s:%s\n", e->f[0], e->f[1], e->f[2], e->f[3], e->f[4],
			      e->f[5], e->f[6]);
		pw = append(pw, l);
		free(l);
		if (e->fresh) {
			l = xasprintf("%s:%s:%ld::::::\n", e->f[0], e->password, day);
			sh = append(sh, l);
			free(l);
		}
	}
	for (size_t i = 0; i < db->ngr; i++) {
		struct ent *e = &db->gr[i];
		l = xasprintf("%s:%s:%s:%s\n", e->f[0], e->f[1], e->f[2], e->f[3]);
		gr = append(gr, l);
		free(l);
		if (e->fresh) {
			l = xasprintf("%s:!*::%s\n", e->f[0], e->f[3]);
			gs = append(gs, l);
			free(l);
		}
	}
	db->shadow = sh;
	db->gshadow = gs;
	int rc = put(t, "/etc/passwd", pw ? pw : "", 0644, origin) |
		 put(t, "/etc/group", gr ? gr : "", 0644, origin) |
		 put(t, "/etc/shadow", sh ? sh : "", 0, origin) |
		 put(t, "/etc/gshadow", gs ? gs : "", 0, origin);
	free(pw);
	free(gr);
	return rc;
}

static void db_free(struct db *db)
{
	for (size_t i = 0; i < db->npw; i++) {
		for (size_t k = 0; k < 7; k++)
			free(db->pw[i].f[k]);
		free(db->pw[i].password);
	}
	for (size_t i = 0; i < db->ngr; i++)
		for (size_t k = 0; k < 4; k++)
			free(db->gr[i].f[k]);
	free(db->pw);
	free(db->gr);
	free(db->ranges);
	free(db->shadow);
	free(db->gshadow);
}

int users_apply(const struct users_plan *p, struct tree *t, int64_t timestamp)
{
	struct db db = { .search_uid = SYSTEM_ID_MAX, .search_gid = SYSTEM_ID_MAX };
	struct node *n;
	db.shadow = read_tree_file(t, "/etc/shadow", &n);
	db.gshadow = read_tree_file(t, "/etc/gshadow", &n);
	int rc = load_db(&db, t, "/etc/passwd", 1) | load_db(&db, t, "/etc/group", 0);
	if (!rc)
		rc = layout_groups(&db, p) | layout_users(&db, p);
	if (!rc)
		rc = sysusers(&db, t);
	if (!rc)
		layout_members(&db, p);
	if (!rc && db.changed)
		rc = write_files(&db, t, timestamp, p->at ? tree_strdup(t, conf_where(p->at)) :
				 "sysusers.d");
	db_free(&db);
	return rc ? -1 : 0;
}

struct users_ids {
	struct db db;
};

struct users_ids *users_ids_load(struct tree *t)
{
	struct users_ids *u = xcalloc(1, sizeof(*u));
	if (load_db(&u->db, t, "/etc/passwd", 1) | load_db(&u->db, t, "/etc/group", 0)) {
		users_ids_free(u);
		return NULL;
	}
	return u;
}

int users_ids_find(const struct users_ids *u, int user, const char *name, unsigned *id,
		   const char **hint)
{
	struct ent *v = user ? u->db.pw : u->db.gr;
	size_t n = user ? u->db.npw : u->db.ngr;
	const struct ent *e = find(v, n, name);
	*hint = NULL;
	if (e) {
		*id = e->id;
		return 0;
	}
	const char **names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = v[i].f[0];
	*hint = suggest(name, names);
	free(names);
	return -1;
}

void users_ids_free(struct users_ids *u)
{
	if (u)
		db_free(&u->db);
	free(u);
}
