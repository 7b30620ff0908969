/* The inspect library on images mke2fs -d made from host trees (the oracle): path lookup
 * through the directory index (io/image), resolving paths in a view (fsview_realpath),
 * reading whole files (fsview_read_all), diff_open/diff_each and extract_image. */
#include "inspect/diff.h"
#include "inspect/extract.h"
#include "io/image.h"
#include "model/fsview.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIG 3000

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void run(const char *cmd)
{
	if (system(cmd)) {
		fprintf(stderr, "%s failed\n", cmd);
		exit(1);
	}
}

/* Host tree A: a big directory, nested ones, links of both kinds and a loop. */
static void make_tree(void)
{
	char p[64];
	run("mkdir -p a/big a/etc/sub a/usr/lib a/deep/x/y/z");
	for (int i = 0; i < BIG; i++) {
		snprintf(p, sizeof(p), "a/big/f%d", i);
		put(p, p);
	}
	put("a/etc/hostname", "l4re\n");
	put("a/usr/lib/libc.so", "not really ELF\n");
	put("a/deep/x/y/z/leaf", "deep\n");
	if (symlink("usr/lib", "a/lib") || symlink("../etc/hostname", "a/usr/name") ||
	    symlink("loop2", "a/loop1") || symlink("loop1", "a/loop2") ||
	    link("a/etc/hostname", "a/etc/hard") || chmod("a/etc/sub", 0750)) {
		perror("setup");
		exit(1);
	}
}

static void test_lookup(void)
{
	struct image im;
	ext2_ino_t ino, root;
	const struct image_dirent *d;
	size_t n;
	CHECK(image_open(&im, "a.img") == 0, "open");
	CHECK(image_lookup(&im, "/big", 0, &root) == 0, "big");
	CHECK(image_readdir(&im, root, &d, &n) == 0 && n == BIG, "readdir: %zu", n);
	unsigned bad = 0;
	for (size_t i = 0; i < n; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/big/%s", d[i].name);
		bad += image_lookup(&im, p, 0, &ino) || ino != d[i].ino;
	}
	CHECK(!bad, "%u of %d names in the big directory resolve wrongly", bad, BIG);
	CHECK(image_lookup(&im, "/big/f1", 0, &ino) == 0, "f1 (a prefix of f10...)");
	CHECK(image_lookup(&im, "/big/f", 0, &ino) < 0 && errno == ENOENT, "a prefix: ENOENT");
	CHECK(image_lookup(&im, "/big/f99999", 0, &ino) < 0 && errno == ENOENT, "missing");
	ext2_ino_t etc, via;
	CHECK(image_lookup(&im, "/etc", 0, &etc) == 0, "etc");
	CHECK(image_lookup(&im, "/deep/x/../../etc", 0, &via) == 0 && via == etc, "..");
	CHECK(image_lookup(&im, "/../../etc/.", 0, &via) == 0 && via == etc, ".. of the root");
	CHECK(image_lookup(&im, "/usr/name", 1, &via) == 0 && image_lookup(&im, "/etc/hostname",
	      0, &ino) == 0 && via == ino, "relative link with ..");
	CHECK(image_lookup(&im, "/etc/hostname/x", 0, &ino) < 0 && errno == ENOTDIR, "ENOTDIR");
	image_close(&im);
}

struct links {
	char seen[256];
};

static int on_link(const char *path, const char *target, void *arg)
{
	struct links *l = arg;
	size_t n = strlen(l->seen);
	snprintf(l->seen + n, sizeof(l->seen) - n, "%s->%s;", path, target);
	return 0;
}

static int refuse(const char *path, const char *target, void *arg)
{
	(void)path, (void)target, (void)arg;
	return -1;
}

static void test_view(void)
{
	struct imgview iv;
	struct fsview_stat st;
	struct links l = { "" };
	char *at = NULL, *buf;
	size_t len;
	CHECK(imgview_open(&iv, "a.img") == 0, "open");
	char *p = fsview_realpath(&iv.v, "/lib/.././name", &st, on_link, &l, NULL);
	CHECK(p && !strcmp(p, "/etc/hostname") && st.type == NODE_REG, "realpath: %s", p);
	CHECK(!strcmp(l.seen, "/lib->usr/lib;/usr/name->../etc/hostname;"), "links met: %s",
	      l.seen);
	free(p);
	l.seen[0] = 0;
	p = fsview_realpath(&iv.v, "/lib/libc.so", &st, on_link, &l, NULL);
	CHECK(p && !strcmp(p, "/usr/lib/libc.so"), "through a directory link: %s", p);
	CHECK(!strcmp(l.seen, "/lib->usr/lib;"), "links met: %s", l.seen);
	free(p);
	p = fsview_realpath(&iv.v, "/../", &st, NULL, NULL, NULL);
	CHECK(p && !strcmp(p, "/") && st.type == NODE_DIR, "the root: %s", p);
	free(p);
	CHECK(!fsview_realpath(&iv.v, "/loop1", NULL, NULL, NULL, &at) && errno == ELOOP && at,
	      "a loop is ELOOP");
	free(at);
	at = NULL;
	CHECK(!fsview_realpath(&iv.v, "/etc/none/x", NULL, NULL, NULL, &at) &&
	      errno == ENOENT && at && !strcmp(at, "/etc/none"), "missing: at %s", at);
	free(at);
	at = NULL;
	CHECK(!fsview_realpath(&iv.v, "/lib/x", NULL, refuse, NULL, &at) && !at,
	      "the hook stops it");

	CHECK(fsview_read_all(&iv.v, "/usr/name", 64, &buf, &len) == 0 && len == 5 &&
	      !strcmp(buf, "l4re\n"), "read_all through a link");
	free(buf);
	CHECK(fsview_read_all(&iv.v, "/etc/hostname", 4, &buf, &len) < 0 && errno == EFBIG,
	      "read_all: too big");
	CHECK(fsview_read_all(&iv.v, "/etc", 64, &buf, &len) < 0 && errno == EINVAL,
	      "read_all: a directory");
	imgview_close(&iv);
}

struct got {
	char text[4096];
};

static int note(const struct diff_item *d, void *arg)
{
	struct got *g = arg;
	size_t n = strlen(g->text);
	snprintf(g->text + n, sizeof(g->text) - n, "%c%s:%x;", d->what, d->path, d->changed);
	return 0;
}

/* Every difference of A and B into G. */
static int diff_images(struct imgview *a, struct imgview *b, struct got *g)
{
	struct diff *d = diff_open(a, b);
	int rc = d ? diff_each(d, note, g) : -1;
	diff_free(d);
	return rc;
}

static void test_diff(void)
{
	struct imgview a, b;
	struct got g = { "" };
	CHECK(imgview_open(&a, "a.img") == 0 && imgview_open(&b, "b.img") == 0, "open");
	CHECK(diff_images(&a, &b, &g) == 0, "diff");
	char want[256];
	snprintf(want, sizeof(want), "~/big/f7:%x;-/deep/x/y/z/leaf:0;~/etc/sub:%x;"
		 "+/new:0;~/usr/name:%x;", DIFF_CONTENT, DIFF_MODE, DIFF_TARGET);
	CHECK(!strcmp(g.text, want), "differences: %s", g.text);
	g.text[0] = 0;
	CHECK(diff_images(&a, &a, &g) == 0 && !g.text[0], "none with itself: %s", g.text);
	imgview_close(&a);
	imgview_close(&b);
}

static void test_extract(void)
{
	struct imgview iv;
	struct stat s1, s2;
	CHECK(imgview_open(&iv, "a.img") == 0, "open");
	CHECK(extract_image(&iv, "/", "out") == 0, "extract");
	CHECK(system("diff -r --no-dereference -x lost+found a out >&2") == 0,
	      "the extracted tree is the host tree");
	CHECK(!stat("out/etc/hostname", &s1) && !stat("out/etc/hard", &s2) &&
	      s1.st_ino == s2.st_ino, "hard link kept");
	CHECK(!lstat("out/etc/sub", &s1) && (s1.st_mode & 07777) == 0750, "directory mode");
	CHECK(extract_image(&iv, "/deep/x/", "sub") == 0, "extract a subtree");
	CHECK(system("diff -r --no-dereference a/deep/x sub >&2") == 0, "the subtree");
	capture_begin();
	CHECK(extract_image(&iv, "/", "out") < 0, "a non-empty destination is refused");
	CHECK(extract_image(&iv, "/etc/hostname", "f") < 0, "a file is no top");
	const char *msgs = capture_end();
	CHECK(strstr(msgs, "out exists and is not an empty directory") &&
	      strstr(msgs, "/etc/hostname is a regular file, not a directory"), "%s", msgs);
	CHECK(access("f", F_OK) < 0, "nothing left");
	imgview_close(&iv);
}

int main(void)
{
	make_tree();
	run("cp -a a b && printf 'F7' >b/big/f7 && rm b/deep/x/y/z/leaf && chmod 0700 b/etc/sub"
	    " && printf new >b/new && ln -sfn /etc/hostname b/usr/name");
	run("mke2fs -q -t ext4 -b 4096 -d a a.img 64M && mke2fs -q -t ext4 -b 4096 -d b b.img 64M");
	test_lookup();
	test_view();
	test_diff();
	test_extract();
	return harness_done();
}
