/* fsview_ext2 through the fsview interface that other modules use, with the host
 * directory that mke2fs -d copied into the image as the oracle. */
#include "model/fsview.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>


static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static enum node_type host_type(mode_t m)
{
	return S_ISDIR(m) ? NODE_DIR : S_ISREG(m) ? NODE_REG : S_ISLNK(m) ? NODE_SYMLINK :
	       S_ISCHR(m) ? NODE_CHR : S_ISBLK(m) ? NODE_BLK : S_ISFIFO(m) ? NODE_FIFO : NODE_SOCK;
}

/* Every path the walk reports matches the host copy; counts them. */
static int compare(const char *path, const struct fsview_stat *st, void *arg)
{
	struct fsview *v = ((void **)arg)[0];
	unsigned *n = ((void **)arg)[1];
	char host[4096];
	struct stat hs;
	snprintf(host, sizeof(host), "root%s", path);
	(*n)++;
	if (!strcmp(path, "/lost+found"))
		return 0;  /* made by mke2fs, not in the host tree */
	if (lstat(host, &hs) < 0) {
		CHECK(0, "%s: walked but not on the host", path);
		return 0;
	}
	CHECK(st->type == host_type(hs.st_mode), "%s: type %d", path, st->type);
	CHECK(st->mode == (hs.st_mode & 07777), "%s: mode %o", path, st->mode);
	CHECK(st->uid == hs.st_uid && st->gid == hs.st_gid, "%s: owner", path);
	if (st->type != NODE_DIR) {
		CHECK(st->size == (uint64_t)hs.st_size, "%s: size %llu", path,
		      (unsigned long long)st->size);
		CHECK(st->nlink == hs.st_nlink, "%s: nlink %u", path, st->nlink);
	}
	if (st->type == NODE_CHR)
		CHECK(st->major == major(hs.st_rdev) && st->minor == minor(hs.st_rdev),
		      "%s: device %u,%u", path, st->major, st->minor);
	if (st->type == NODE_REG) {
		char want[8192], got[8192];
		int fd = open(host, O_RDONLY);
		ssize_t w = fd < 0 ? -1 : read(fd, want, sizeof(want));
		ssize_t g = v->pread(v->ctx, path, got, sizeof(got), 0);
		if (fd >= 0)
			close(fd);
		CHECK(w >= 0 && g == w && !memcmp(want, got, (size_t)w), "%s: content", path);
	}
	if (st->type == NODE_SYMLINK) {
		char want[4096], got[4096];
		ssize_t w = readlink(host, want, sizeof(want) - 1);
		want[w < 0 ? 0 : w] = 0;
		CHECK(v->readlink(v->ctx, path, got, sizeof(got)) == 0 && !strcmp(want, got),
		      "%s: link target", path);
	}
	return 0;
}

static int stop_at_etc(const char *path, const struct fsview_stat *st, void *arg)
{
	(void)st;
	++*(unsigned *)arg;
	return !strcmp(path, "/etc") ? 7 : 0;
}

int main(void)
{
	struct fsview v;
	struct fsview_stat a, b;
	char buf[256];

	if (mkdir("root", 0755) || mkdir("root/etc", 0755) || mkdir("root/etc/sub", 0700) ||
	    mkdir("root/usr", 0755) || mkdir("root/usr/lib", 0755)) {
		perror("mkdir");
		return 1;
	}
	put("root/etc/hostname", "l4re\n");
	put("root/usr/lib/libc.so", "not really ELF, but bytes\n");
	if (symlink("usr/lib", "root/lib") || symlink("/etc/hostname", "root/etc/name") ||
	    symlink("loop2", "root/loop1") || symlink("loop1", "root/loop2") ||
	    link("root/etc/hostname", "root/etc/hostname2") ||
	    mknod("root/etc/null", S_IFCHR | 0666, makedev(1, 3)) ||
	    chown("root/etc/sub", 1000, 1000) || chmod("root/usr/lib/libc.so", 04755)) {
		perror("setup");
		return 1;
	}
	if (system("mke2fs -q -t ext2 -b 4096 -d root img 16M")) {
		fputs("mke2fs failed\n", stderr);
		return 1;
	}

	CHECK(fsview_ext2_open(&v, "img") == 0, "open");
	unsigned n = 0;
	void *arg[2] = { &v, &n };
	CHECK(v.walk(v.ctx, compare, arg) == 0, "walk");
	CHECK(n == 14, "walk visited %u paths, want 14", n);
	n = 0;
	CHECK(v.walk(v.ctx, stop_at_etc, &n) == 7 && n == 2, "walk stops with FN's value");

	/* Symlinks resolve inside the image, directory links mid-path too. */
	CHECK(v.stat(v.ctx, "/lib/libc.so", 0, &a) == 0 && a.type == NODE_REG, "via /lib");
	CHECK(v.stat(v.ctx, "/usr/lib/libc.so", 0, &b) == 0 && a.id == b.id, "same inode");
	CHECK(v.stat(v.ctx, "/etc/name", 0, &a) == 0 && a.type == NODE_SYMLINK, "nofollow");
	CHECK(v.stat(v.ctx, "/etc/name", 1, &a) == 0 && a.type == NODE_REG, "follow");
	CHECK(v.stat(v.ctx, "/etc/hostname2", 0, &b) == 0 && a.id == b.id && b.nlink == 2,
	      "hard link");
	CHECK(v.pread(v.ctx, "/etc/name", buf, sizeof(buf), 1) == 4 && !memcmp(buf, "4re\n", 4),
	      "pread at an offset through a link");
	CHECK(v.pread(v.ctx, "/etc/hostname", buf, sizeof(buf), 99) == 0, "pread past the end");
	errno = 0;
	CHECK(v.pread(v.ctx, "/etc", buf, sizeof(buf), 0) < 0 && errno == EISDIR, "pread dir");
	errno = 0;
	CHECK(v.stat(v.ctx, "/nope", 0, &a) < 0 && errno == ENOENT, "ENOENT");
	errno = 0;
	CHECK(v.stat(v.ctx, "/etc/hostname/x", 0, &a) < 0 && errno == ENOTDIR, "ENOTDIR");
	errno = 0;
	CHECK(v.stat(v.ctx, "/loop1", 1, &a) < 0 && errno == ELOOP, "ELOOP");
	CHECK(v.stat(v.ctx, "/loop1", 0, &a) == 0 && a.type == NODE_SYMLINK, "loop, nofollow");
	CHECK(v.stat(v.ctx, "/../..", 0, &a) == 0 && a.type == NODE_DIR && a.id == 2,
	      ".. stays at the root");
	errno = 0;
	CHECK(v.readlink(v.ctx, "/etc/hostname", buf, sizeof(buf)) < 0 && errno == EINVAL,
	      "readlink of a file");
	CHECK(v.readlink(v.ctx, "/lib", buf, 4) < 0 && errno == ENAMETOOLONG, "short buffer");
	fsview_ext2_close(&v);

	put("notimg", "hello\n");
	CHECK(fsview_ext2_open(&v, "notimg") < 0, "a text file is no image");
	CHECK(fsview_ext2_open(&v, "missing") < 0, "missing file");
	return harness_done();
}
