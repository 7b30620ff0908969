/* The `musl` layout section.
 *
 *   musl = {
 *     arch = "aarch64";             # aarch64 | armhf | arm | x86_64
 *     source = "debian";            # Debian's multiarch musl package on this host (default)
 *     # prefix = "out/musl/aarch64"; # or a musl `make install` prefix (lib/libc.so)
 *     library_path = [ "/usr/lib/aarch64-linux-musl", "/usr/lib" ];  # optional
 *     strict = true;                # closure problems fail compose (false: warnings)
 *     sysroot = "sysroot"; programs = [ "/usr/bin/prog" ];  # optional pulling
 *   };
 *
 * musl's libc.so is also its dynamic loader, so the runtime is one file installed at
 * /usr/lib/<triplet>/libc.so, the loader name /lib/ld-musl-<arch>.so.1 as a relative
 * symlink to it (relative so it resolves the same in the image, a chroot and on the
 * target), and /etc/ld-musl-<arch>.path naming the library directories. Whatever the
 * source ships as its loader link (often an absolute host path) is never copied. */
#include "sections/section.h"
#include "formats/arch.h"
#include "formats/closure.h"
#include "base/diag.h"
#include "base/inputs.h"
#include "model/hostsrc.h"
#include "base/suggest.h"
#include "formats/elf.h"
#include "io/fsview_root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static const struct key musl_keys[] = {
	{ "arch", KEY_STRING, 1 },
	{ "source", KEY_STRING, 0 },
	{ "prefix", KEY_STRING, 0 },
	{ "library_path", KEY_STRINGS, 0 },
	{ "strict", KEY_BOOL, 0 },
	{ "sysroot", KEY_STRING, 0 },
	{ "programs", KEY_STRINGS, 0 },
	{ NULL, KEY_STRING, 0 },
};

static const struct arch *section_arch(const struct conf *s)
{
	const struct conf *m = conf_member(s, "arch");
	const char *name = conf_str(m);
	const struct arch *a = arch_find(name);
	if (!a) {
		char *valid = suggest_valid(name, arch_list(), "values");
		conf_error(m, "unknown musl.arch '%s'%s", name, valid);
		free(valid);
	}
	return a;
}

/* Element I of a KEY_STRINGS setting (a string or a list of strings). */
static const char *strings_at(const struct conf *m, size_t i)
{
	if (m->type == CONF_STRING)
		return i == 0 ? m->str : NULL;
	return conf_str(conf_elem(m, i));
}

static ssize_t fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return pread(*(int *)ctx, buf, len, (off_t)off);
}

/* What the section says, checked. */
struct musl_plan {
	const struct conf *at;
	const struct arch *a;
	const struct conf *where;   /* the setting that names the libc, for messages */
	char *prefix;               /* a make-install prefix, or NULL: Debian's package */
	const struct conf *library_path, *programs;
	const struct conf *sysroot;
	int strict;
};

/* The host libc.so the layout asks for, checked to be a shared object for A; its stat
 * (size and identity) in *out. */
static char *host_libc(const struct musl_plan *m, struct stat *out)
{
	const struct arch *a = m->a;
	const struct conf *where = m->where;
	char *path = NULL;

	if (m->prefix) {
		path = xasprintf("%s/lib/libc.so", m->prefix);
	} else {
		/* Debian installs it under /lib/<triplet>; on merged-/usr hosts that is
		 * /usr/lib/<triplet>. */
		const char *const dirs[] = { "/usr/lib", "/lib" };
		for (size_t i = 0; i < 2 && !path; i++) {
			char *p = xasprintf("%s/%s/libc.so", dirs[i], a->musl_triplet);
			if (!access(p, F_OK)) {
				path = p;
			} else {
				/* Where it was not: its appearing there changes the image. */
				char *d = xasprintf("%s/%s", dirs[i], a->musl_triplet);
				inputs_note_path(access(d, F_OK) ? dirs[i] : d, 1);
				free(d);
				free(p);
			}
		}
		if (!path) {
			conf_error(where, "musl: no libc.so for %s on this host (looked in "
				     "/usr/lib/%s and /lib/%s); install the Debian package musl:%s",
				     a->name, a->musl_triplet, a->musl_triplet, a->debian_arch);
			return NULL;
		}
	}

	/* Not blocking: a FIFO in its place is refused below, not waited on. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd >= 0)
		inputs_note_path(path, 1);
	if (fd < 0 || fstat(fd, &st)) {
		conf_error(where, "musl: cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(path);
		return NULL;
	}
	struct elf_info e;
	const char *why = NULL;
	char buf[128], msg[192];
	int rc = S_ISREG(st.st_mode) ? elf_read(fd_read, &fd, (uint64_t)st.st_size, &e, &why)
				     : ELF_NOT_ELF;
	close(fd);
	if (rc == ELF_OK) {
		if (e.type != 3)
			why = "is not a shared object";
		else if (arch_mismatch(a, &e, buf, sizeof(buf))) {
			snprintf(msg, sizeof(msg), "is built for %s", buf);
			why = msg;
		}
		elf_info_free(&e);
	} else if (rc == ELF_NOT_ELF) {
		why = "is not an ELF file";
	} else {
		snprintf(msg, sizeof(msg), "is a malformed ELF file (%s)", why);
		why = msg;
	}
	if (why) {
		conf_error(where, "musl: %s %s", path, why);
		free(path);
		return NULL;
	}
	*out = st;
	return path;
}

/* The symlink-free path of the directory PATH resolves to in T, or NULL. */
static char *real_dir(struct tree *t, const char *path)
{
	struct node *n = tree_lookup(t, NULL, path, TREE_FOLLOW);
	if (!n || n->type != NODE_DIR)
		return NULL;
	if (n == tree_root(t))
		return xstrdup("/");
	struct node *parent = n->u.dir.parent;
	for (size_t i = 0; i < parent->u.dir.nkids; i++)
		if (parent->u.dir.kids[i]->node == n)
			return tree_path(parent->u.dir.kids[i]);
	return NULL;
}

/* The relative path from directory FROM to TO (both absolute and symlink-free); "" when
 * they are the same. */
static char *relative(const char *from, const char *to)
{
	for (;;) {
		from += strspn(from, "/");
		to += strspn(to, "/");
		size_t a = strcspn(from, "/"), b = strcspn(to, "/");
		if (!a || a != b || strncmp(from, to, a))
			break;
		from += a;
		to += b;
	}
	size_t ups = 0;
	for (const char *p = from; *p; p += strspn(p, "/")) {
		p += strcspn(p, "/");
		ups++;
	}
	char *out = xmalloc(ups * 3 + strlen(to) + 1), *o = out;
	for (size_t i = 0; i < ups; i++, o += 3)
		memcpy(o, "../", 3);
	strcpy(o, to);
	if (!*to && ups)
		o[-1] = 0;  /* "../.." rather than "../../" */
	return out;
}

static int add(const struct conf *s, struct tree *t, const char *path, struct node *n)
{
	const char *why;
	if (tree_add(t, NULL, path, n, TREE_OVERRIDE, &why)) {
		conf_error(s, "musl: cannot install %s: %s", path, why);
		return -1;
	}
	return 0;
}

static int install_runtime(const struct musl_plan *m, struct section_ctx *ctx,
			   const char *libc, const struct stat *st)
{
	const struct conf *s = m->at;
	const struct arch *a = m->a;
	struct tree *t = ctx->tree;
	const char *origin = tree_strdup(t, conf_where(s));
	char *libdir = xasprintf("/usr/lib/%s", a->musl_triplet);
	char *libc_path = xasprintf("%s/libc.so", libdir);
	char *loader = xasprintf("/lib/ld-musl-%s.so.1", a->name);
	char *pathfile = xasprintf("/etc/ld-musl-%s.path", a->name);
	char *from = NULL, *to = NULL, *rel = NULL;
	int rc = -1;

	struct node *lib = tree_node_new(t, NODE_REG, origin);
	lib->mode = 0755;
	node_set_host(lib, NULL, tree_strdup(t, libc), st);
	if (add(s, t, libc_path, lib))
		goto out;

	if (!tree_lookup_dentry(t, "/lib")) {
		struct node *d = tree_node_new(t, NODE_DIR, origin);
		d->implicit = 1;
		if (add(s, t, "/lib", d))
			goto out;
	}
	from = real_dir(t, "/lib");
	to = real_dir(t, libdir);
	if (!from || !to) {
		conf_error(s, "musl: /lib does not lead to a directory in the image");
		goto out;
	}
	rel = relative(from, to);
	struct node *link = tree_node_new(t, NODE_SYMLINK, origin);
	char *target = xasprintf("%s%slibc.so", rel, *rel ? "/" : "");
	link->u.lnk.target = tree_strdup(t, target);
	free(target);
	if (add(s, t, loader, link))
		goto out;
	if (tree_lookup(t, NULL, loader, TREE_FOLLOW) != lib) {
		conf_error(s, "musl: %s does not resolve to %s in the image", loader, libc_path);
		goto out;
	}

	const struct conf *lp = m->library_path;
	char *text = NULL;
	if (lp) {
		text = xstrdup("");
		for (size_t i = 0; strings_at(lp, i); i++) {
			const char *d = strings_at(lp, i);
			char *more = xasprintf("%s%s\n", text, d);
			free(text);
			text = more;
		}
	} else {
		text = xasprintf("/lib/%s\n/usr/lib/%s\n/lib\n/usr/local/lib\n/usr/lib\n",
				 a->musl_triplet, a->musl_triplet);
	}
	struct node *pf = tree_node_new(t, NODE_REG, origin);
	pf->src = SRC_MEM;
	pf->u.reg.mem = tree_strdup(t, text);
	pf->u.reg.size = strlen(text);
	free(text);
	rc = add(s, t, pathfile, pf);
out:
	free(libdir);
	free(libc_path);
	free(loader);
	free(pathfile);
	free(from);
	free(to);
	free(rel);
	return rc;
}

struct pull {
	const struct conf *s;  /* the programs setting, for messages */
	struct tree *tree;
	struct fsview v;            /* the sysroot */
	const char *root;
	const char *origin;
};

/* A symlink met on the way to a file: recreated under its own name unless the tree has
 * that name already. */
static int pull_link(const char *path, const char *target, void *arg)
{
	struct pull *p = arg;
	if (tree_lookup(p->tree, NULL, path, 0))
		return 0;
	struct node *l = tree_node_new(p->tree, NODE_SYMLINK, p->origin);
	l->u.lnk.target = tree_strdup(p->tree, target);
	return add(p->s, p->tree, path, l);
}

/* Copy PATH from the sysroot into the tree the way the loader reaches it: each symlink met
 * on the way is recreated under its own name (pull_link), then the file itself is added
 * from the host. Names the tree already has are left as they are. */
static int pull_file(const char *path, void *arg)
{
	struct pull *p = arg;
	struct fsview_stat st;
	char *at = NULL;
	char *cur = fsview_realpath(&p->v, path, &st, pull_link, p, &at);
	if (!cur) {
		if (at && errno == ELOOP)
			conf_error(p->s, "musl: sysroot %s: cannot follow %s", p->root, at);
		else if (at)
			conf_error(p->s, "musl: sysroot %s: %s: %s", p->root, at, strerror(errno));
		free(at);
		return -1;
	}
	int rc = 0;
	if (st.type == NODE_DIR) {
		conf_error(p->s, "musl: sysroot %s: %s is a directory", p->root, path);
		rc = -1;
	} else if (st.type != NODE_REG) {
		conf_error(p->s, "musl: sysroot %s: %s is not a regular file", p->root, cur);
		rc = -1;
	} else if (!tree_lookup(p->tree, NULL, cur, 0)) {
		/* Opened later relative to the sysroot without following symlinks (CUR has
		 * none left) and checked to be this file (model/hostsrc). */
		struct stat hs;
		const char *name = tree_strdup(p->tree, cur + 1);
		struct hostdir *d = hostdir_root(p->tree, p->root, 0, NULL);
		struct node *f = tree_node_new(p->tree, NODE_REG, p->origin);
		f->mode = st.mode;
		int err = !d || host_stat(d, name, &hs) ? errno : S_ISREG(hs.st_mode) ? 0 : EINVAL;
		if (err) {
			conf_error(p->s, "musl: sysroot %s: %s: %s", p->root, cur,
				   err == EINVAL ? "not a regular file" : strerror(err));
			rc = -1;
		} else {
			node_set_host(f, d, name, &hs);
			rc = add(p->s, p->tree, cur, f);
		}
	}
	free(cur);
	return rc;
}

/* Copy each listed program from the sysroot with every library it loads. */
static int pull_programs(const struct musl_plan *m, struct section_ctx *ctx)
{
	const struct conf *sr = m->sysroot, *pr = m->programs;
	if (!sr)
		return 0;
	struct pull p = { .s = pr, .tree = ctx->tree,
			  .origin = tree_strdup(ctx->tree, conf_where(pr)) };
	char *root = conf_host_path(sr, sr->str);
	if (fsview_root_open(&p.v, root)) {
		conf_error(sr, "musl.sysroot %s: %s", root, strerror(errno));
		free(root);
		return -1;
	}
	p.root = tree_strdup(ctx->tree, root);
	char *where = xasprintf("%s: sysroot %s", conf_where(pr), root);
	char *loader = xasprintf("/lib/ld-musl-%s.so.1", m->a->name);
	int rc = 0;
	for (size_t i = 0; strings_at(pr, i); i++)
		if (closure_program_files(&p.v, m->a->name, where, strings_at(pr, i), loader,
					  pull_file, &p))
			rc = -1;
	free(loader);
	free(where);
	free(root);
	fsview_root_close(&p.v);
	return rc;
}

static int musl_parse(const struct conf *s, const struct image_params *img, void **plan)
{
	(void)img;
	if (!s)
		return 0;
	const struct arch *a = section_arch(s);
	const struct conf *src = conf_member(s, "source"), *pfx = conf_member(s, "prefix");
	const struct conf *lp = conf_member(s, "library_path");
	const struct conf *sr = conf_member(s, "sysroot"), *pr = conf_member(s, "programs");
	int bad = !a;
	if (src && pfx) {
		conf_error(pfx, "musl: give either source or prefix, not both");
		bad = 1;
	} else if (src && strcmp(src->str, "debian")) {
		conf_error(src, "musl.source must be \"debian\" (or set prefix = \"DIR\")");
		bad = 1;
	}
	for (size_t i = 0; lp && strings_at(lp, i); i++) {
		const char *d = strings_at(lp, i);
		if (d[0] != '/' || strchr(d, ':') || strchr(d, '\n')) {
			conf_error(lp, "musl.library_path: '%s' must be an absolute "
				   "directory without ':' or newlines", d);
			bad = 1;
		}
	}
	if (!sr != !pr) {
		conf_error(sr ? sr : pr, "musl: sysroot and programs go together");
		bad = 1;
	}
	for (size_t i = 0; pr && strings_at(pr, i); i++)
		if (strings_at(pr, i)[0] != '/') {
			conf_error(pr, "musl.programs: '%s' must be an absolute path",
				   strings_at(pr, i));
			bad = 1;
		}
	if (bad)
		return -1;
	struct musl_plan *m = xcalloc(1, sizeof(*m));
	m->at = s;
	m->a = a;
	m->where = pfx ? pfx : src ? src : s;
	m->prefix = pfx ? conf_host_path(pfx, pfx->str) : NULL;
	m->library_path = lp;
	m->sysroot = sr;
	m->programs = pr;
	m->strict = 1;
	conf_lookup_bool(s, "strict", &m->strict);
	*plan = m;
	return 0;
}

static void musl_free(void *plan)
{
	struct musl_plan *m = plan;
	if (m)
		free(m->prefix);
	free(m);
}

/* The runtime, the pulled programs, and the elf check of the finished tree. */
static int musl_apply(void *plan, struct section_ctx *ctx)
{
	const struct musl_plan *m = plan;
	struct stat st;
	char *libc = host_libc(m, &st);
	if (!libc)
		return -1;
	int rc = install_runtime(m, ctx, libc, &st);
	free(libc);
	ctx->checks->elf = 1;
	ctx->checks->arch = m->a->name;
	ctx->checks->elf_warn = !m->strict;
	ctx->checks->elf_file = m->at->file;
	ctx->checks->elf_line = m->at->line;
	return rc ? rc : pull_programs(m, ctx);
}

const struct section musl_section = { "musl", musl_keys, musl_parse, musl_apply, musl_free };
