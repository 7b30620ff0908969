/* The image tree: adding with implicit parents, collisions and overrides, symlinks
 * followed inside the tree (never out of the base directory), lookups and their errno,
 * freezing (name order, link counts), the walk, paths, stats and reading file data;
 * linking single names, and what a node and a name cost. */
#include "harness.h"
#include "model/hostsrc.h"
#include "model/tree.h"
#include "io/hostfs.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static struct tree *t;

static struct node *mk(enum node_type type)
{
	return tree_node_new(t, type, "test");
}

static struct node *text(const char *s)
{
	struct node *n = mk(NODE_REG);
	n->src = SRC_MEM;
	n->u.reg.mem = tree_strdup(t, s);
	n->u.reg.size = strlen(s);
	return n;
}

static struct node *link_to(const char *target)
{
	struct node *n = mk(NODE_SYMLINK);
	n->u.lnk.target = tree_strdup(t, target);
	return n;
}

/* tree_add that must succeed. */
static struct node *add(struct node *base, const char *path, struct node *n, int flags)
{
	const char *why = "";
	CHECK(tree_add(t, base, path, n, flags, &why) == 0, "add %s: %s", path, why);
	return n;
}

/* tree_add that must fail with ERR, WHY containing WANT. */
static void add_fails(struct node *base, const char *path, struct node *n, int flags, int err,
		      const char *want)
{
	const char *why = NULL;
	errno = 0;
	int rc = tree_add(t, base, path, n, flags, &why);
	CHECK(rc == -1 && errno == err && why && strstr(why, want),
	      "add %s: rc %d, errno %d (want %d), why '%s'", path, rc, errno, err, why ? why : "");
}

static struct node *look(const char *path, int flags)
{
	return tree_lookup(t, NULL, path, flags);
}

static void look_fails(struct node *base, const char *path, int flags, int err)
{
	errno = 0;
	struct node *n = tree_lookup(t, base, path, flags);
	CHECK(!n && errno == err, "lookup %s: %p, errno %d, want %d", path, (void *)n, errno, err);
}

static void adding(void)
{
	t = tree_new(1234);
	struct node *root = tree_root(t);
	CHECK(root->type == NODE_DIR && root->mode == 0755 && root->mtime == 1234, "root");
	CHECK(look("/", 0) == root && look("", 0) == root && look("//./", 0) == root, "/");

	/* Defaults of a new node. */
	struct node *f = text("hello\n");
	CHECK(f->mode == 0644 && f->uid == 0 && f->gid == 0 && f->mtime == 1234, "file defaults");
	CHECK(mk(NODE_DIR)->mode == 0755 && mk(NODE_SYMLINK)->mode == 0777, "dir, link modes");

	/* Missing parents become implicit 0755 directories. */
	tree_set_mtime(t, 99);
	add(NULL, "/a/b/c", f, 0);
	struct node *a = look("/a", 0), *b = look("/a/b", 0);
	CHECK(a && a->type == NODE_DIR && a->implicit && a->mode == 0755 && a->mtime == 99,
	      "implicit /a");
	CHECK(b && b->implicit && b->u.dir.parent == a && a->u.dir.parent == root, "parents");
	CHECK(look("/a/b/c", 0) == f && look("a//b/./c", 0) == f && look("/a/b/../b/c", 0) == f,
	      "lookup forms");
	struct dentry *d = tree_lookup_dentry(t, "/a/b/c");
	CHECK(d && d->node == f && !strcmp(d->name, "c") && d->dir == b, "dentry");
	char *p = d ? tree_path(d) : NULL;
	CHECK(p && !strcmp(p, "/a/b/c"), "tree_path %s", p ? p : "(null)");
	free(p);

	/* A named directory merges onto an implicit one, once. */
	struct node *named = mk(NODE_DIR);
	named->mode = 0700;
	named->uid = 5;
	add(NULL, "/a", named, 0);
	CHECK(look("/a", 0) == a && !a->implicit && a->mode == 0700 && a->uid == 5,
	      "merged: implicit %d mode %o uid %u", a->implicit, a->mode, a->uid);
	CHECK(look("/a/b/c", 0) == f, "children kept");
	add_fails(NULL, "/a", mk(NODE_DIR), 0, EEXIST, "already defined");
	struct node *again = mk(NODE_DIR);
	again->mode = 0750;
	add(NULL, "/a", again, TREE_OVERRIDE);
	CHECK(a->mode == 0750 && look("/a/b/c", 0) == f, "override of a directory keeps children");
	/* An implicit directory landing on a named one changes nothing. */
	struct node *imp = mk(NODE_DIR);
	imp->implicit = 1;
	imp->mode = 0711;
	add(NULL, "/a", imp, 0);
	CHECK(a->mode == 0750 && !a->implicit, "implicit over named");
	add(NULL, "/a/./", mk(NODE_DIR), TREE_OVERRIDE);

	/* Collisions: errors unless TREE_OVERRIDE, and never a non-empty directory. */
	add_fails(NULL, "/a/b/c", text("x"), 0, EEXIST, "already defined");
	struct node *g = add(NULL, "/a/b/c", text("new"), TREE_OVERRIDE);
	CHECK(look("/a/b/c", 0) == g, "override replaced");
	add_fails(NULL, "/a/b", text("x"), TREE_OVERRIDE, ENOTEMPTY, "non-empty directory");
	add_fails(NULL, "/a/b", text("x"), 0, EEXIST, "already defined");
	add_fails(NULL, "/", text("x"), 0, EEXIST, "names a directory");
	add_fails(NULL, "/a/..", text("x"), 0, EEXIST, "names a directory");
	add(NULL, "/empty", mk(NODE_DIR), 0);
	add(NULL, "/empty", text("file now"), TREE_OVERRIDE);
	CHECK(look("/empty", 0)->type == NODE_REG, "empty directory replaced");
	struct node *sub = add(NULL, "/file-then-dir", text("x"), 0);
	struct node *nd = add(NULL, "/file-then-dir", mk(NODE_DIR), TREE_OVERRIDE);
	CHECK(look("/file-then-dir", 0) == nd && nd != sub && nd->u.dir.parent == root,
	      "file replaced by a directory");
	add(NULL, "/file-then-dir/x", text("x"), 0);

	/* Parents that are not directories, names that are too long. */
	add_fails(NULL, "/a/b/c/d", text("x"), 0, ENOTDIR, "not a directory");
	char longname[300];
	memset(longname, 'n', 257);
	longname[0] = '/';
	longname[257] = 0;
	add_fails(NULL, longname, text("x"), 0, ENAMETOOLONG, "255");
	look_fails(NULL, longname, 0, ENAMETOOLONG);
	longname[256] = 0;
	add(NULL, longname, text("255 bytes"), 0);

	/* Lookups that fail say why. */
	look_fails(NULL, "/nope", 0, ENOENT);
	look_fails(NULL, "/nope/deeper", 0, ENOENT);
	look_fails(NULL, "/a/b/c/d", 0, ENOTDIR);
	CHECK(!tree_lookup_dentry(t, "/nope"), "dentry of nothing");
	tree_free(t);
}

static void symlinks(void)
{
	t = tree_new(0);
	struct node *usrlib = add(NULL, "/usr/lib", mk(NODE_DIR), 0);
	struct node *lib = add(NULL, "/lib", link_to("usr/lib"), 0);
	add(NULL, "/abs", link_to("/usr"), 0);

	/* Links met on the way are followed when adding, relative and absolute. */
	struct node *x = add(NULL, "/lib/x", text("x"), 0);
	CHECK(look("/usr/lib/x", 0) == x, "/lib/x not in /usr/lib");
	struct node *y = add(NULL, "/abs/lib/y", text("y"), 0);
	CHECK(look("/usr/lib/y", 0) == y, "/abs/lib/y not in /usr/lib");
	/* ... a final link only when asked to. */
	CHECK(look("/lib", 0) == lib && look("/lib", TREE_FOLLOW) == usrlib, "final link");
	CHECK(look("/lib/x", 0) == x && look("/abs/lib/x", TREE_FOLLOW) == x, "mid-path links");
	CHECK(tree_lookup_dentry(t, "/lib")->node == lib, "dentry of a link is the link");
	/* "dir/." through a link is the directory it leads to. */
	add(NULL, "/lib/.", mk(NODE_DIR), TREE_OVERRIDE);
	CHECK(look("/lib", 0) == lib, "the link itself stays");
	/* A link to a link; ".." in a target from the link's own directory. */
	add(NULL, "/usr/bin/up", link_to("../lib/x"), 0);
	add(NULL, "/chain", link_to("usr/bin/up"), 0);
	CHECK(look("/chain", TREE_FOLLOW) == x, "chain of links");
	/* ".." never climbs above the root. */
	CHECK(look("/../../usr/../..", 0) == tree_root(t), ".. at the root");
	add(NULL, "/high", link_to("../../../usr/lib/x"), 0);
	CHECK(look("/high", TREE_FOLLOW) == x, "link climbing above the root");

	/* Loops and dangling links. */
	add(NULL, "/loop1", link_to("loop2"), 0);
	add(NULL, "/loop2", link_to("/loop1"), 0);
	look_fails(NULL, "/loop1", TREE_FOLLOW, ELOOP);
	look_fails(NULL, "/loop1/x", 0, ELOOP);
	CHECK(look("/loop1", 0) && look("/loop1", 0)->type == NODE_SYMLINK, "loop, not followed");
	add_fails(NULL, "/loop1/x", text("x"), 0, ELOOP, "symbolic links");
	add(NULL, "/dangling", link_to("nowhere"), 0);
	look_fails(NULL, "/dangling", TREE_FOLLOW, ENOENT);
	look_fails(NULL, "/dangling/x", 0, ENOENT);
	add(NULL, "/file", text("f"), 0);
	add(NULL, "/tofile", link_to("file"), 0);
	look_fails(NULL, "/tofile/x", 0, ENOTDIR);
	add_fails(NULL, "/tofile/x", text("x"), 0, ENOTDIR, "not a directory");

	/* Under a base directory, ".." and absolute targets stay inside it. */
	struct node *base = add(NULL, "/srv/base", mk(NODE_DIR), 0);
	add(base, "up", link_to("../../.."), 0);
	add(base, "abs", link_to("/etc"), 0);
	struct node *th = add(base, "up/through", text("a"), 0);
	struct node *pw = add(base, "abs/passwd", text("b"), 0);
	struct node *ro = add(base, "/rooted", text("c"), 0);
	struct node *dd = add(base, "../../dotdot", text("d"), 0);
	CHECK(look("/srv/base/through", 0) == th, "through ../../.. not in the base");
	CHECK(look("/srv/base/etc/passwd", 0) == pw, "through /etc not in the base");
	CHECK(look("/srv/base/rooted", 0) == ro, "/rooted not in the base");
	CHECK(look("/srv/base/dotdot", 0) == dd, "../../dotdot not in the base");
	CHECK(!look("/etc", 0) && !look("/through", 0) && !look("/rooted", 0) && !look("/dotdot", 0),
	      "written outside the base");
	CHECK(tree_lookup(t, base, "/etc/passwd", 0) == pw && tree_lookup(t, base, "up/up/through", 0) == th,
	      "lookups under the base");
	CHECK(tree_lookup(t, base, "..", 0) == base, ".. of the base");
	CHECK(tree_lookup(t, base, "abs/passwd", TREE_FOLLOW) == pw, "absolute link under the base");
	tree_free(t);
}

struct seen {
	char paths[64][64];
	int n, stop_at;
};

static int visit(const char *path, const struct dentry *d, void *arg)
{
	struct seen *s = arg;
	(void)d;
	if (s->n < 64)
		snprintf(s->paths[s->n], sizeof(s->paths[0]), "%s", path);
	s->n++;
	return s->n == s->stop_at ? 42 : 0;
}

static void freezing(void)
{
	t = tree_new(0);
	/* Added out of order, with a hard link and a nested directory. */
	add(NULL, "/c", text("ccc"), 0);
	struct node *f = add(NULL, "/b/z", text("zz"), 0);
	add(NULL, "/b/a", f, 0);  /* a hard link: the same node twice */
	add(NULL, "/b/m/deep", mk(NODE_FIFO), 0);
	add(NULL, "/a", link_to("b"), 0);
	struct node *dev = mk(NODE_CHR);
	dev->u.dev.major = 1;
	dev->u.dev.minor = 3;
	add(NULL, "/b/null", dev, 0);
	tree_freeze(t);
	struct node *root = tree_root(t), *b = look("/b", 0);
	CHECK(root->u.dir.nkids == 3 && !strcmp(root->u.dir.kids[0]->name, "a") &&
	      !strcmp(root->u.dir.kids[1]->name, "b") && !strcmp(root->u.dir.kids[2]->name, "c"),
	      "root not sorted");
	CHECK(b->u.dir.nkids == 4 && !strcmp(b->u.dir.kids[0]->name, "a") &&
	      !strcmp(b->u.dir.kids[1]->name, "m") && !strcmp(b->u.dir.kids[2]->name, "null") &&
	      !strcmp(b->u.dir.kids[3]->name, "z"), "/b not sorted");
	CHECK(root->nlink == 3, "root nlink %u", root->nlink);   /* ., .. and /b's .. */
	CHECK(b->nlink == 3, "/b nlink %u", b->nlink);
	CHECK(look("/b/m", 0)->nlink == 2, "leaf dir nlink");
	CHECK(f->nlink == 2, "hard link nlink %u", f->nlink);
	CHECK(look("/c", 0)->nlink == 1 && look("/a", 0)->nlink == 1 && dev->nlink == 1, "nlink 1");
	/* Freezing again counts the same. */
	tree_freeze(t);
	CHECK(f->nlink == 2 && root->nlink == 3 && b->nlink == 3, "second freeze");

	/* The walk: "/" first, preorder, children in name order; a non-zero return stops it. */
	struct seen s = { .stop_at = -1 };
	CHECK(tree_walk(t, visit, &s) == 0, "walk");
	static const char *const want[] = { "/", "/a", "/b", "/b/a", "/b/m", "/b/m/deep", "/b/null",
		"/b/z", "/c" };
	CHECK(s.n == 9, "walked %d paths", s.n);
	for (int i = 0; i < 9 && i < s.n; i++)
		CHECK(!strcmp(s.paths[i], want[i]), "walk #%d: %s, want %s", i, s.paths[i], want[i]);
	struct seen stop = { .stop_at = 4 };
	CHECK(tree_walk(t, visit, &stop) == 42 && stop.n == 4, "stop: %d paths", stop.n);

	/* Stats count the hard-linked file once. */
	struct tree_stats st;
	tree_stats(t, &st);
	CHECK(st.dentries == 9 && st.inodes == 8, "dentries %zu, inodes %zu", st.dentries, st.inodes);
	CHECK(st.dirs == 3 && st.files == 2 && st.symlinks == 1 && st.others == 2,
	      "dirs %zu files %zu symlinks %zu others %zu", st.dirs, st.files, st.symlinks, st.others);
	CHECK(st.bytes == 5, "bytes %llu", (unsigned long long)st.bytes);
	tree_stats(t, &st);
	CHECK(st.inodes == 8, "stats twice: %zu", st.inodes);

	/* File data, whatever its source. */
	char buf[16];
	CHECK(node_pread(f, buf, sizeof(buf), 0) == 2 && !memcmp(buf, "zz", 2), "pread");
	CHECK(node_pread(f, buf, sizeof(buf), 1) == 1 && buf[0] == 'z', "pread at 1");
	CHECK(node_pread(f, buf, sizeof(buf), 2) == 0, "pread at the end");
	CHECK(node_pread(look("/c", 0), buf, 2, 0) == 2 && !memcmp(buf, "cc", 2), "short read");
	write_file("host.txt", "from the host\n");
	struct node *h = mk(NODE_REG);
	struct stat hs;
	CHECK(!stat("host.txt", &hs), "stat host.txt");
	/* What a scan records: the file must still be this one. */
	node_set_host(h, NULL, "host.txt", &hs);
	CHECK(node_pread(h, buf, 4, 5) == 4 && !memcmp(buf, "the ", 4), "host file");
	char *hp = node_host_path(h);
	CHECK(!strcmp(hp, "host.txt"), "host path %s", hp);
	free(hp);
	CHECK(!strcmp(node_type_name(NODE_SYMLINK), "symlink"), "type name");
	tree_free(t);
}

/* Many names in one directory and deep paths: the hash table grows, nothing is lost. */
static void many(void)
{
	t = tree_new(0);
	char p[64];
	for (int i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "/d/%d", i);
		add(NULL, p, text("x"), 0);
	}
	int found = 0;
	for (int i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "/d/%d", i);
		found += look(p, 0) != NULL;
	}
	CHECK(found == 5000, "found %d of 5000", found);
	tree_freeze(t);
	struct node *d = look("/d", 0);
	int sorted = 1;
	for (size_t i = 1; i < d->u.dir.nkids; i++)
		sorted &= strcmp(d->u.dir.kids[i - 1]->name, d->u.dir.kids[i]->name) < 0;
	CHECK(sorted && d->u.dir.nkids == 5000, "5000 names sorted");
	tree_free(t);
}

/* tree_link: one name in one directory, as tree_add would link it. */
static void linking(void)
{
	t = tree_new(0);
	const char *why = NULL;
	struct node *root = tree_root(t), *a = mk(NODE_DIR);
	struct dentry *d = tree_link(t, root, "a", a, 0, &why);
	CHECK(d && d->node == a && d->dir == root && !strcmp(d->name, "a"), "link a");
	CHECK(look("/a", 0) == a, "a found");
	/* A directory onto an implicit one: the dentry already there, with the new attrs. */
	add(NULL, "/b/x", text("x"), 0);
	struct node *b = mk(NODE_DIR);
	b->mode = 0700;
	d = tree_link(t, root, "b", b, 0, &why);
	CHECK(d && d->node == look("/b", 0) && d->node->mode == 0700 && look("/b/x", 0),
	      "merged b");
	errno = 0;
	CHECK(!tree_link(t, root, "a", text("y"), 0, &why) && errno == EEXIST, "collision");
	static const char *const bad[] = { "", ".", "..", "x/y" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		errno = 0;
		CHECK(!tree_link(t, root, bad[i], text("z"), 0, &why) && errno == EINVAL,
		      "'%s' refused", bad[i]);
	}
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	errno = 0;
	CHECK(!tree_link(t, root, longname, text("z"), 0, &why) && errno == ENAMETOOLONG,
	      "256-byte name refused");
	/* Reserved room: the child array is not moved by the names it was reserved for. */
	tree_dir_reserve(a, 100);
	struct dentry **kids = a->u.dir.kids;
	char p[16];
	for (int i = 0; i < 100; i++) {
		snprintf(p, sizeof(p), "%d", i);
		CHECK(tree_link(t, a, p, text("k"), 0, &why) != NULL, "link %s", p);
	}
	CHECK(a->u.dir.kids == kids && a->u.dir.nkids == 100 && a->u.dir.cap == 100,
	      "reserved array kept, %u of %u", a->u.dir.nkids, a->u.dir.cap);
	tree_free(t);
}

/* The same names in many directories (the hash table is keyed by both), and what a
 * tree of files costs: a host file's name is its dentry's, not a second copy. */
static void sizes(void)
{
	t = tree_new(0);
	char p[64];
	for (int i = 0; i < 300; i++)
		for (int j = 0; j < 100; j++) {
			snprintf(p, sizeof(p), "/d%d/f%03d", i, j);
			add(NULL, p, text(p), 0);
		}
	int found = 0;
	for (int i = 0; i < 300; i++)
		for (int j = 0; j < 100; j++) {
			snprintf(p, sizeof(p), "/d%d/f%03d", i, j);
			struct node *n = look(p, 0);
			found += n && !strcmp(n->u.reg.mem, p);
		}
	CHECK(found == 30000, "found %d of 30000", found);
	tree_free(t);

	CHECK(sizeof(struct node) <= 80, "a node takes %zu bytes", sizeof(struct node));
	CHECK(sizeof(struct dentry) <= 16, "a dentry takes %zu bytes before its name",
	      sizeof(struct dentry));
	CHECK(!mkdir("hosttree", 0755), "mkdir hosttree");
	write_file("hosttree/file", "data");
	t = tree_new(0);
	struct hostfs_opts o = { .mode = -1, .origin = "test" };
	CHECK(!hostfs_import(t, "/h", "hosttree", &o), "import hosttree");
	struct dentry *d = tree_lookup_dentry(t, "/h/file");
	CHECK(d && d->node->src == SRC_HOST && d->node->u.reg.name == d->name,
	      "the host name is the dentry's");
	tree_free(t);
}

int main(void)
{
	adding();
	symlinks();
	freezing();
	many();
	linking();
	sizes();
	return harness_done();
}
