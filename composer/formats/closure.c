/* ELF closure check: replays, for every dynamic program, the search its loader would do,
 * but through an fsview so every path and symlink is resolved inside the image. */
#include "formats/closure.h"
#include "formats/arch.h"
#include "base/diag.h"
#include "formats/elf.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT (64 * 1024)    /* path files and ld.so.conf are a few lines */
#define MAX_INCLUDE_DEPTH 8
#define MAX_CONF_FILES 256      /* ld.so.conf files read, includes and all */

/* A string-keyed hash map (open addressing); keys are copied. */
struct map {
	char **keys;
	void **vals;
	size_t n, cap;
};

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t map_index(const struct map *m, const char *key)
{
	size_t i = str_hash(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void **map_find(const struct map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	size_t i = map_index(m, key);
	return m->keys[i] ? &m->vals[i] : NULL;
}

static void map_put(struct map *m, const char *key, void *val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct map old = *m;
		m->cap = m->cap ? m->cap * 2 : 64;
		m->keys = xcalloc(m->cap, sizeof(*m->keys));
		m->vals = xcalloc(m->cap, sizeof(*m->vals));
		for (size_t i = 0; i < old.cap; i++)
			if (old.keys[i]) {
				size_t j = map_index(m, old.keys[i]);
				m->keys[j] = old.keys[i];
				m->vals[j] = old.vals[i];
			}
		free(old.keys);
		free(old.vals);
	}
	size_t i = map_index(m, key);
	if (!m->keys[i]) {
		m->keys[i] = xstrdup(key);
		m->n++;
	}
	m->vals[i] = val;
}

static void map_free(struct map *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			free(m->keys[i]);
			if (free_val)
				free_val(m->vals[i]);
		}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Append PIECE to the separated list *S. */
static void list_add(char **s, const char *piece, size_t n, char sep)
{
	size_t len = *s ? strlen(*s) : 0;
	*s = xrealloc(*s, len + n + 2);
	if (len)
		(*s)[len++] = sep;
	memcpy(*s + len, piece, n);
	(*s)[len + n] = 0;
}

enum obj_state { OBJ_ELF, OBJ_MISSING, OBJ_NOT_REG, OBJ_NOT_ELF, OBJ_BAD };

/* A file as some path names it, parsed once. */
struct obj {
	enum obj_state state;
	const char *why;      /* OBJ_BAD */
	uint64_t id;
	struct elf_info e;
};

struct closure {
	struct fsview *v;
	const struct arch *arch;
	enum diag_severity sev; /* of the problems found */
	const char *where;
	const char *provided; /* an interpreter the caller supplies */
	int problems;
	struct map objs;      /* path -> struct obj */
	struct map reported;  /* problems already reported */
	struct map reached;   /* ids of files some program loads */
	struct map syspaths;  /* musl path file -> its directories */
	char *glibc_conf;     /* directories named by /etc/ld.so.conf, once read */
	int glibc_conf_read;
	int conf_files;       /* ld.so.conf files read so far */
};

__attribute__((format(printf, 3, 4)))
static void problem(struct closure *c, const char *key, const char *fmt, ...)
{
	if (key) {
		if (map_find(&c->reported, key))
			return;
		map_put(&c->reported, key, NULL);
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	const char *m = msg;
	c->problems++;
	diag_report(c->sev, c->where, 0, "%s", m);
	free(msg);
}

struct vfile {
	struct fsview *v;
	const char *path;
};

static ssize_t vread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct vfile *f = ctx;
	return f->v->pread(f->v->ctx, f->path, buf, len, off);
}

static void obj_free(void *p)
{
	struct obj *o = p;
	elf_info_free(&o->e);
	free(o);
}

static struct obj *load(struct closure *c, const char *path)
{
	void **slot = map_find(&c->objs, path);
	if (slot)
		return *slot;
	struct obj *o = xcalloc(1, sizeof(*o));
	struct fsview_stat st;
	if (c->v->stat(c->v->ctx, path, 1, &st)) {
		o->state = OBJ_MISSING;
	} else if (st.type != NODE_REG) {
		o->state = OBJ_NOT_REG;
	} else {
		struct vfile f = { c->v, path };
		o->id = st.id;
		int rc = elf_read(vread, &f, st.size, &o->e, &o->why);
		o->state = rc == ELF_OK ? OBJ_ELF : rc == ELF_NOT_ELF ? OBJ_NOT_ELF : OBJ_BAD;
	}
	map_put(&c->objs, path, o);
	return o;
}

/* The whole of a small text file, NUL-terminated; NULL with errno when it cannot be read. */
static char *read_text(struct closure *c, const char *path)
{
	char *buf;
	size_t len;
	return fsview_read_all(c->v, path, MAX_TEXT, &buf, &len) ? NULL : buf;
}

static int compatible(const struct elf_info *a, const struct elf_info *b)
{
	uint32_t fa = a->machine == ELF_EM_ARM ? a->flags & (ELF_ARM_HARD | ELF_ARM_SOFT) : 0;
	uint32_t fb = b->machine == ELF_EM_ARM ? b->flags & (ELF_ARM_HARD | ELF_ARM_SOFT) : 0;
	return a->machine == b->machine && a->bits == b->bits && a->big_endian == b->big_endian &&
	       (!fa || !fb || fa == fb);
}

static const char *describe(const struct elf_info *e, char *buf, size_t len)
{
	uint32_t fl = e->machine == ELF_EM_ARM ? e->flags & (ELF_ARM_HARD | ELF_ARM_SOFT) : 0;
	snprintf(buf, len, "%s %d-bit%s%s", elf_machine_name(e->machine), e->bits,
		 fl == ELF_ARM_HARD ? " hard-float" : fl == ELF_ARM_SOFT ? " soft-float" : "",
		 e->big_endian ? " big-endian" : "");
	return buf;
}

/* Why O cannot serve an object like USER; NULL when it can. */
static const char *unusable(const struct obj *o, const struct elf_info *user, char *buf,
			    size_t len)
{
	char a[64], b[64];
	switch (o->state) {
	case OBJ_MISSING: return "is missing";
	case OBJ_NOT_REG: return "is not a regular file";
	case OBJ_NOT_ELF: return "is not an ELF file";
	case OBJ_BAD:
		snprintf(buf, len, "is a malformed ELF file (%s)", o->why);
		return buf;
	case OBJ_ELF:
		break;
	}
	if (compatible(&o->e, user))
		return NULL;
	snprintf(buf, len, "is %s, not %s", describe(&o->e, a, sizeof(a)),
		 describe(user, b, sizeof(b)));
	return buf;
}

static int is_musl_interp(const char *interp)
{
	const char *base = strrchr(interp, '/');
	return !strncmp(base ? base + 1 : interp, "ld-musl-", 8);
}

/* musl's loader is also libc, libm, libpthread, librt, libdl, libutil and libxnet: a
 * DT_NEEDED of any "lib<one of those>.<anything>" is satisfied without a file. */
static int musl_builtin(const char *name)
{
	static const char *const libs[] = { "c", "pthread", "rt", "m", "dl", "util", "xnet" };
	if (strncmp(name, "lib", 3))
		return 0;
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		size_t n = strlen(libs[i]);
		if (!strncmp(name + 3, libs[i], n) && name[3 + n] == '.')
			return 1;
	}
	return 0;
}

/* The directories musl's loader INTERP searches: its path file lives in etc/ under the
 * parent of the loader's directory (so /etc for /lib/ld-musl-*.so.1); without one, the
 * compiled-in default; an unreadable one means no directories at all. */
static const char *musl_syspath(struct closure *c, const char *interp)
{
	const char *base = strrchr(interp, '/');
	base = base ? base + 1 : interp;
	const char *arch = base + 8, *end = strstr(arch, ".so");
	size_t alen = end ? (size_t)(end - arch) : strlen(arch);
	size_t plen = 0, last = 0;
	for (size_t i = 0; interp[0] == '/' && interp[i]; i++)
		if (interp[i] == '/') {
			plen = last;
			last = i;
		}
	char *file = xasprintf("%.*s/etc/ld-musl-%.*s.path", (int)plen, interp, (int)alen, arch);
	void **slot = map_find(&c->syspaths, file);
	if (!slot) {
		char *text = read_text(c, file);
		if (!text)
			text = xstrdup(errno == ENOENT || errno == ENOTDIR ?
				       "/lib:/usr/local/lib:/usr/lib" : "");
		map_put(&c->syspaths, file, text);
		slot = map_find(&c->syspaths, file);
	}
	free(file);
	return *slot;
}

struct glob_arg {
	const char *pattern;
	char **hits;
	size_t n;
};

static int glob_visit(const char *path, const struct fsview_stat *st, void *arg)
{
	struct glob_arg *g = arg;
	if (st->type != NODE_DIR && !fnmatch(g->pattern, path, FNM_PATHNAME) && g->n < 1024) {
		g->hits = xrealloc(g->hits, (g->n + 1) * sizeof(*g->hits));
		g->hits[g->n++] = xstrdup(path);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the directories ld.so.conf file PATH names to c->glibc_conf, following includes. */
static void read_conf(struct closure *c, const char *path, int depth)
{
	if (++c->conf_files > MAX_CONF_FILES)
		return;
	char *text = read_text(c, path), *save = NULL;
	if (!text)
		return;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "#")] = 0;
		line += strspn(line, " \t");
		size_t n = strlen(line);
		while (n && strchr(" \t\r", line[n - 1]))
			line[--n] = 0;
		if (!n || (!strncmp(line, "hwcap", 5) && (line[5] == ' ' || line[5] == '\t')))
			continue;
		if (strncmp(line, "include", 7) || (line[7] != ' ' && line[7] != '\t')) {
			list_add(&c->glibc_conf, line, n, '\n');
			continue;
		}
		const char *pat = line + 8 + strspn(line + 8, " \t");
		if (depth >= MAX_INCLUDE_DEPTH || !*pat)
			continue;
		const char *slash = strrchr(path, '/');
		char *full = pat[0] == '/' ? xstrdup(pat)
					   : xasprintf("%.*s/%s", (int)(slash - path), path, pat);
		struct glob_arg g = { full, NULL, 0 };
		if (c->v->walk(c->v->ctx, glob_visit, &g))
			diag_debug("%s: cannot list the files of 'include %s'", path, pat);
		if (g.n)
			qsort(g.hits, g.n, sizeof(*g.hits), cmp_str);
		for (size_t i = 0; i < g.n; i++) {
			read_conf(c, g.hits[i], depth + 1);
			free(g.hits[i]);
		}
		free(g.hits);
		free(full);
	}
	free(text);
}

/* One program's load, breadth first as the loaders do. */
struct lnode {
	struct obj *o;
	char *path;     /* as the loader names it */
	size_t parent;  /* index of the object that needed it; 0 for the root */
};

struct load {
	struct closure *c;
	int musl;
	const char *syspath;  /* musl: the path file's directories */
	char *sysdirs;        /* glibc: ld.so.conf and the system directories */
	struct lnode *n;
	size_t len, cap;
	struct map names;     /* DT_NEEDED names already satisfied, and ids loaded */
	int (*fn)(const char *path, void *arg);
	void *arg;
};

static int push(struct load *l, struct obj *o, const char *path, size_t parent)
{
	char key[32];
	snprintf(key, sizeof(key), "#%llx", (unsigned long long)o->id);
	map_put(&l->names, key, NULL);
	map_put(&l->c->reached, key, NULL);
	if (o->e.soname)
		map_put(&l->names, o->e.soname, NULL);
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->n = xrealloc(l->n, l->cap * sizeof(*l->n));
	}
	l->n[l->len++] = (struct lnode){ o, xstrdup(path), parent };
	return l->fn ? l->fn(path, l->arg) : 0;
}

/* DIRS with $ORIGIN and ${ORIGIN} replaced by the directory of PATH. */
static char *expand_origin(const char *dirs, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t olen = slash ? (size_t)(slash - path) : 0, n = 0;
	for (const char *p = dirs; (p = strstr(p, "ORIGIN")); p++)
		n++;
	char *out = xmalloc(strlen(dirs) + n * olen + 1), *o = out;
	for (const char *p = dirs; *p;) {
		size_t k = !strncmp(p, "$ORIGIN", 7) ? 7 : !strncmp(p, "${ORIGIN}", 9) ? 9 : 0;
		if (k) {
			memcpy(o, path, olen);
			o += olen;
			p += k;
		} else {
			*o++ = *p++;
		}
	}
	*o = 0;
	return out;
}

struct found {
	char *path;
	struct obj *o;
	const char *why;      /* musl: the first candidate, unusable */
	char *searched;
	char *skipped;        /* glibc: incompatible candidates passed over */
	char buf[256];
};

/* Whether the loader takes CAND for object USER: musl takes the first file that exists,
 * usable or not; glibc passes over objects of another class or machine. */
static int try_path(struct load *l, char *cand, const struct elf_info *user, struct found *f)
{
	struct obj *o = load(l->c, cand);
	const char *why = unusable(o, user, f->buf, sizeof(f->buf));
	if (o->state == OBJ_MISSING || (why && !l->musl && o->state == OBJ_ELF)) {
		if (o->state != OBJ_MISSING)
			list_add(&f->skipped, cand, strlen(cand), ' ');
		free(cand);
		return 0;
	}
	f->path = cand;
	f->o = o;
	f->why = why;
	return 1;
}

/* Look for NAME in DIRS (':' or newline separated) for object USER. */
static int try_dirs(struct load *l, const char *dirs, const char *name,
		    const struct elf_info *user, struct found *f)
{
	for (const char *p = dirs; *p;) {
		p += strspn(p, ":\n");
		size_t n = strcspn(p, ":\n");
		if (!n)
			break;
		list_add(&f->searched, p, n, ':');
		if (try_path(l, xasprintf("%.*s/%s", (int)n, p, name), user, f))
			return 1;
		p += n;
	}
	return 0;
}

/* Where the loader finds NAME, needed by node IDX. */
static void search(struct load *l, size_t idx, const char *name, struct found *f)
{
	const struct lnode *me = &l->n[idx];
	const struct elf_info *user = &me->o->e;
	if (strchr(name, '/')) {
		/* Relative to the loader's working directory, which only the root can be. */
		try_path(l, name[0] == '/' ? xstrdup(name) : xasprintf("/%s", name), user, f);
		return;
	}
	/* The RPATH chain: musl reads RUNPATH or RPATH of each object up to the program;
	 * glibc reads only RPATH, and none of it when the needing object has RUNPATH. */
	if (l->musl || !user->runpath) {
		for (size_t i = idx;; i = l->n[i].parent) {
			const struct elf_info *e = &l->n[i].o->e;
			const char *rp = l->musl && e->runpath ? e->runpath : e->rpath;
			if (rp && !(!l->musl && e->runpath)) {
				char *dirs = expand_origin(rp, l->n[i].path);
				int hit = try_dirs(l, dirs, name, user, f);
				free(dirs);
				if (hit)
					return;
			}
			if (i == 0)
				break;
		}
	}
	if (!l->musl && user->runpath) {
		char *dirs = expand_origin(user->runpath, me->path);
		int hit = try_dirs(l, dirs, name, user, f);
		free(dirs);
		if (hit)
			return;
	}
	try_dirs(l, l->musl ? l->syspath : l->sysdirs, name, user, f);
}

/* Resolve every DT_NEEDED of every loaded object; report what cannot be found. */
static int run_load(struct load *l)
{
	struct closure *c = l->c;
	for (size_t idx = 0; idx < l->len; idx++) {
		for (size_t k = 0; k < l->n[idx].o->e.nneeded; k++) {
			const char *name = l->n[idx].o->e.needed[k];
			if (map_find(&l->names, name) || (l->musl && musl_builtin(name)))
				continue;
			struct found f = { 0 };
			search(l, idx, name, &f);
			const char *who = l->n[idx].path;
			char *key = xasprintf("%s\n%s", who, name);
			char *via = idx ? xasprintf(" (loaded by %s)", l->n[0].path) : xstrdup("");
			int rc = 0;
			if (!f.path) {
				problem(c, key, "%s%s: needs %s, not found in %s%s%s", who, via, name,
					f.searched ? f.searched : "(no directories)",
					f.skipped ? "; skipped incompatible " : "",
					f.skipped ? f.skipped : "");
			} else if (f.why) {
				problem(c, key, "%s%s: needs %s, but %s %s", who, via, name, f.path,
					f.why);
			} else {
				diag_debug("%s: %s => %s", who, name, f.path);
				map_put(&l->names, name, NULL);
				char id[32];
				snprintf(id, sizeof(id), "#%llx", (unsigned long long)f.o->id);
				if (!map_find(&l->names, id))
					rc = push(l, f.o, f.path, idx);
			}
			free(key);
			free(via);
			free(f.path);
			free(f.searched);
			free(f.skipped);
			if (rc)
				return -1;
		}
	}
	return 0;
}

static char *glibc_dirs(struct closure *c, const struct elf_info *e)
{
	if (!c->glibc_conf_read) {
		c->glibc_conf_read = 1;
		read_conf(c, "/etc/ld.so.conf", 0);
	}
	const struct arch *a = arch_of_elf(e);
	char *sys = a ? xasprintf("/lib/%s\n/usr/lib/%s\n/lib\n/usr/lib", a->gnu_triplet,
				  a->gnu_triplet)
		      : xstrdup("/lib\n/usr/lib");
	char *all = c->glibc_conf ? xasprintf("%s\n%s", c->glibc_conf, sys) : xstrdup(sys);
	free(sys);
	return all;
}

/* Load object O at PATH as the loader INTERP would (NULL: a shared object on its own,
 * by the rules of MUSL). */
static int check_load(struct closure *c, struct obj *o, const char *path, const char *interp,
		      int musl, int (*fn)(const char *, void *), void *arg)
{
	struct load l = { .c = c, .musl = interp ? is_musl_interp(interp) : musl,
			  .fn = fn, .arg = arg };
	int rc = push(&l, o, path, 0);
	if (interp && !rc) {
		char buf[256];
		struct obj *io = load(c, interp);
		const char *why = unusable(io, &o->e, buf, sizeof(buf));
		if (why && c->provided && !strcmp(interp, c->provided)) {
			/* Not in this view, but the caller installs it. */
		} else if (why) {
			char *key = xasprintf("%s\ninterp", path);
			problem(c, key, "%s: interpreter %s %s", path, interp, why);
			free(key);
		} else {
			const char *base = strrchr(interp, '/');
			diag_debug("%s: interpreter %s", path, interp);
			map_put(&l.names, base ? base + 1 : interp, NULL);
			rc = push(&l, io, interp, 0);
		}
	}
	if (l.musl) {
		const char *a = arch_of_elf(&o->e) ? arch_of_elf(&o->e)->name : "unknown";
		char *def = xasprintf("/lib/ld-musl-%s.so.1", a);
		l.syspath = musl_syspath(c, interp ? interp : def);
		free(def);
	} else {
		l.sysdirs = glibc_dirs(c, &o->e);
	}
	if (!rc)
		rc = run_load(&l);
	for (size_t i = 0; i < l.len; i++)
		free(l.n[i].path);
	free(l.n);
	free(l.sysdirs);
	map_free(&l.names, NULL);
	return rc;
}

static int closure_init(struct closure *c, struct fsview *v, const char *arch,
			enum diag_severity sev, const char *where)
{
	memset(c, 0, sizeof(*c));
	c->v = v;
	c->sev = sev;
	c->where = where;
	if (arch && !(c->arch = arch_find(arch))) {
		diag_error("unknown arch '%s' (known: %s)", arch, arch_names());
		return -1;
	}
	return 0;
}

static void closure_done(struct closure *c)
{
	map_free(&c->objs, obj_free);
	map_free(&c->reported, NULL);
	map_free(&c->reached, NULL);
	map_free(&c->syspaths, free);
	free(c->glibc_conf);
}

struct files {
	char **paths;
	size_t n;
	struct map ids;
};

/* Trees of ELF files nothing runs on this machine: firmware for other processors, and
 * separate debug info, whose program headers point at data that was stripped out. */
static int not_for_loading(const char *path)
{
	static const char *const dirs[] = { "/usr/lib/debug/", "/usr/lib/firmware/",
					    "/lib/firmware/" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])))
			return 1;
	return 0;
}

static int collect(const char *path, const struct fsview_stat *st, void *arg)
{
	struct files *fl = arg;
	char id[32];
	if (st->type != NODE_REG || not_for_loading(path))
		return 0;
	snprintf(id, sizeof(id), "#%llx", (unsigned long long)st->id);
	if (map_find(&fl->ids, id))
		return 0;  /* another name of a file already listed */
	map_put(&fl->ids, id, NULL);
	fl->paths = xrealloc(fl->paths, (fl->n + 1) * sizeof(*fl->paths));
	fl->paths[fl->n++] = xstrdup(path);
	return 0;
}

/* A shared object nothing loads: by the rules of the libc it names, else musl's when the
 * image has a musl loader for its arch. */
static int standalone_musl(struct closure *c, const struct elf_info *e)
{
	for (size_t i = 0; i < e->nneeded; i++)
		if (!strcmp(e->needed[i], "libc.so.6"))
			return 0;
	const struct arch *a = arch_of_elf(e);
	if (!a)
		return 0;
	char *ldso = xasprintf("/lib/ld-musl-%s.so.1", a->name);
	struct fsview_stat st;
	int found = !c->v->stat(c->v->ctx, ldso, 1, &st);
	free(ldso);
	return found;
}

int closure_check_view(struct fsview *v, const char *arch, enum diag_severity sev)
{
	struct closure c;
	struct files fl = { 0 };
	if (closure_init(&c, v, arch, sev, NULL))
		return -1;
	int failed = v->walk(v->ctx, collect, &fl) != 0;
	if (failed)
		diag_error("cannot walk the image");
	char buf[256];
	for (size_t i = 0; i < fl.n && !failed; i++) {
		struct obj *o = load(&c, fl.paths[i]);
		if (o->state == OBJ_BAD)
			problem(&c, NULL, "%s: malformed ELF file: %s", fl.paths[i], o->why);
		if (o->state != OBJ_ELF || (o->e.type != 2 && o->e.type != 3))
			continue;
		const char *why = c.arch ? arch_mismatch(c.arch, &o->e, buf, sizeof(buf)) : NULL;
		if (why)
			problem(&c, NULL, "%s: built for %s", fl.paths[i], why);
		/* Without a callback, check_load cannot fail: it only reports. */
		if (o->e.interp)
			check_load(&c, o, fl.paths[i], o->e.interp, 0, NULL, NULL);
	}
	for (size_t i = 0; i < fl.n && !failed; i++) {
		struct obj *o = load(&c, fl.paths[i]);
		char id[32];
		snprintf(id, sizeof(id), "#%llx", (unsigned long long)o->id);
		if (o->state == OBJ_ELF && !o->e.interp && o->e.nneeded &&
		    !map_find(&c.reached, id))
			check_load(&c, o, fl.paths[i], NULL, standalone_musl(&c, &o->e), NULL, NULL);
	}
	for (size_t i = 0; i < fl.n; i++)
		free(fl.paths[i]);
	free(fl.paths);
	map_free(&fl.ids, NULL);
	int rc = failed ? -1 : c.problems;
	closure_done(&c);
	return rc;
}

int closure_program_files(struct fsview *v, const char *arch, const char *where,
			  const char *program, const char *provided,
			  int (*fn)(const char *path, void *arg), void *arg)
{
	struct closure c;
	char buf[256];
	if (closure_init(&c, v, arch, DIAG_ERROR, where))
		return -1;
	c.provided = provided;
	struct obj *o = load(&c, program);
	const char *why = o->state != OBJ_ELF ? unusable(o, &o->e, buf, sizeof(buf))
		: c.arch ? arch_mismatch(c.arch, &o->e, buf, sizeof(buf)) : NULL;
	int rc = 0;
	if (why && o->state == OBJ_ELF)
		problem(&c, NULL, "%s: built for %s", program, why);
	else if (why)
		problem(&c, NULL, "%s %s", program, why);
	else if (o->e.interp)
		rc = check_load(&c, o, program, o->e.interp, 0, fn, arg);
	else
		rc = fn(program, arg);
	rc = rc ? -1 : c.problems;
	closure_done(&c);
	return rc;
}

const char *closure_guess_arch(struct fsview *v)
{
	struct closure c;
	const char *found = NULL;
	const char *const *names = arch_list();
	closure_init(&c, v, NULL, DIAG_ERROR, NULL);
	for (size_t i = 0; names[i] && !found; i++) {
		char *ldso = xasprintf("/lib/ld-musl-%s.so.1", names[i]);
		struct obj *o = load(&c, ldso);
		const struct arch *a = o->state == OBJ_ELF ? arch_of_elf(&o->e) : NULL;
		found = a && !strcmp(a->name, names[i]) ? a->name : NULL;
		free(ldso);
	}
	const char *const programs[] = { "/sbin/init", "/bin/sh" };
	for (size_t i = 0; i < 2 && !found; i++) {
		struct obj *o = load(&c, programs[i]);
		const struct arch *a = o->state == OBJ_ELF ? arch_of_elf(&o->e) : NULL;
		found = a ? a->name : NULL;
	}
	closure_done(&c);
	return found;
}
