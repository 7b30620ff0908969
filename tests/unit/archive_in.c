/* archive_import on the tree: directory symlinks already in the image survive (merged
 * /usr), members stay inside their base directory, and bad members fail. The archives
 * are made here with libarchive's writer; GNU tar is the oracle in tests/t_archive_*. */
#include "io/archive_in.h"
#include "model/hostsrc.h"
#include "base/diag.h"
#include "harness.h"
#include "model/tree.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct member {
	const char *name;
	mode_t type;
	const char *data;   /* file contents or symlink target */
};

/* Write MEMBERS as a pax tar (gzip'd, to exercise the filters) at PATH. */
static void make_tar(const char *path, const struct member *m, size_t n)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
		fprintf(stderr, "%s: %s\n", path, archive_error_string(a));
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, m[i].type);
		archive_entry_set_perm(e, m[i].type == AE_IFDIR ? 0755 : 0644);
		archive_entry_set_mtime(e, 2000000000, 0);
		archive_entry_set_uid(e, 7);
		if (m[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, m[i].data);
		size_t len = m[i].type == AE_IFREG && m[i].data ? strlen(m[i].data) : 0;
		archive_entry_set_size(e, (la_int64_t)len);
		archive_write_header(a, e);
		if (len)
			archive_write_data(a, m[i].data, len);
		archive_entry_free(e);
	}
	archive_write_free(a);
}

static struct node *add(struct tree *t, const char *path, enum node_type type, const char *target)
{
	struct node *n = tree_node_new(t, type, "test");
	const char *why;
	if (target)
		n->u.lnk.target = target;
	if (tree_add(t, NULL, path, n, 0, &why)) {
		fprintf(stderr, "tree_add %s: %s\n", path, why);
		exit(1);
	}
	return n;
}

static int content_is(struct tree *t, const char *path, const char *want)
{
	struct node *n = tree_lookup(t, NULL, path, 0);
	char buf[256];
	if (!n || n->type != NODE_REG || n->u.reg.size != strlen(want))
		return 0;
	ssize_t r = node_pread(n, buf, sizeof(buf), 0);
	return r == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)r);
}

static enum node_type type_at(struct tree *t, const char *path)
{
	struct node *n = tree_lookup(t, NULL, path, 0);
	return n ? n->type : (enum node_type)-1;
}

int main(void)
{
	char path[] = "archive_in_test.tar.gz";
	struct archive_import opt = { .clamp = 1700000000, .uid = -1, .gid = -1 };

	/* Merged /usr: a Debian package's ./bin/ and ./lib/ go through the symlinks. */
	struct tree *t = tree_new(0);
	add(t, "/usr/bin", NODE_DIR, NULL);
	add(t, "/usr/lib", NODE_DIR, NULL);
	add(t, "/bin", NODE_SYMLINK, "usr/bin");
	add(t, "/lib", NODE_SYMLINK, "/usr/lib");
	const struct member usrmerge[] = {
		{ "./", AE_IFDIR, NULL },
		{ "./bin/", AE_IFDIR, NULL },
		{ "./bin/sh", AE_IFREG, "#!shell\n" },
		{ "./lib/", AE_IFDIR, NULL },
		{ "./lib/aarch64/", AE_IFDIR, NULL },
		{ "./lib/aarch64/libx.so", AE_IFREG, "ELF" },
		{ "./usr/", AE_IFDIR, NULL },
		{ "./usr/bin/", AE_IFDIR, NULL },
		{ "./usr/bin/rsh", AE_IFLNK, "sh" },
	};
	make_tar(path, usrmerge, sizeof(usrmerge) / sizeof(usrmerge[0]));
	CHECK(archive_import(t, NULL, path, &opt) == 0, "merged-/usr import");
	CHECK(type_at(t, "/bin") == NODE_SYMLINK, "/bin replaced");
	CHECK(type_at(t, "/lib") == NODE_SYMLINK, "/lib replaced");
	CHECK(content_is(t, "/usr/bin/sh", "#!shell\n"), "./bin/sh not through /bin");
	CHECK(content_is(t, "/usr/lib/aarch64/libx.so", "ELF"), "./lib/aarch64 not through /lib");
	CHECK(type_at(t, "/usr/bin/rsh") == NODE_SYMLINK, "member symlink");
	struct node *sh = tree_lookup(t, NULL, "/usr/bin/sh", 0);
	CHECK(sh && sh->mtime == 1700000000 && sh->uid == 7, "mtime clamped, owner kept");  /* clamped; owner kept */
	/* The same package again: directories merge, files are duplicates. */
	CHECK(archive_import(t, NULL, path, &opt) == -1, "duplicate files accepted");
	tree_free(t);

	/* Confinement: a base directory, a symlink out of it, and a write through it. */
	t = tree_new(0);
	struct node *base = add(t, "/srv/base", NODE_DIR, NULL);
	const struct member hostile[] = {
		{ "up", AE_IFLNK, "../../.." },
		{ "abs", AE_IFLNK, "/etc" },
		{ "up/through", AE_IFREG, "a" },
		{ "abs/passwd", AE_IFREG, "b" },
		{ "/rooted", AE_IFREG, "c" },
	};
	make_tar(path, hostile, sizeof(hostile) / sizeof(hostile[0]));
	struct archive_import own = opt;
	own.uid = 0;
	CHECK(archive_import(t, base, path, &own) == 0, "confined import");
	CHECK(content_is(t, "/srv/base/through", "a"), "../../.. left the base");
	CHECK(content_is(t, "/srv/base/etc/passwd", "b"), "/etc left the base");
	CHECK(content_is(t, "/srv/base/rooted", "c"), "/rooted left the base");
	CHECK(!tree_lookup(t, NULL, "/etc", 0) && !tree_lookup(t, NULL, "/through", 0),
	      "written outside the base");
	CHECK(tree_lookup(t, NULL, "/srv/base/through", 0)->uid == 0, "owner not overridden");  /* override */

	/* Rejected members fail the import without touching what is there. */
	const struct member bad[] = {
		{ "../escape", AE_IFREG, "x" },
		{ "rooted", AE_IFREG, "again" },
	};
	make_tar(path, bad, sizeof(bad) / sizeof(bad[0]));
	CHECK(archive_import(t, base, path, &opt) == -1, "bad members accepted");
	CHECK(content_is(t, "/srv/base/rooted", "c"), "a rejected member replaced a file");
	CHECK(!tree_lookup(t, NULL, "/escape", 0) && !tree_lookup(t, NULL, "/srv/escape", 0),
	      "../escape written");
	/* ... unless the layout allows replacing. */
	struct archive_import over = opt;
	over.flags = TREE_OVERRIDE;
	const struct member replace[] = { { "rooted", AE_IFREG, "again" } };
	make_tar(path, replace, 1);
	CHECK(archive_import(t, base, path, &over) == 0, "override import");
	CHECK(content_is(t, "/srv/base/rooted", "again"), "not replaced with override");
	tree_free(t);

	/* Not an archive at all. */
	t = tree_new(0);
	FILE *f = fopen(path, "w");
	fputs("plain text, not an archive\n", f);
	fclose(f);
	CHECK(archive_import(t, NULL, path, &opt) == -1, "plain text imported");
	tree_free(t);
	remove(path);

	return harness_done();
}
