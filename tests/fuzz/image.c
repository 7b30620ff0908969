/* Fuzz target: inspecting a mutated ext2 image the way `lsbimg ls -lR`, `tree`, `info`,
 * `check` and `caps` do (the commands themselves, their output discarded by libFuzzer's
 * -close_fd_mask), plus `cat` and `stat -L` of every path the walk finds. */
#include "cli/cli.h"
#include "fuzz.h"
#include "io/image.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Files may claim sizes far beyond the image (holes); cat would stream them all, which is
 * right but slow, so only their head and tail are read. */
#define READ_HEAD 65536u
#define READ_TAIL 4096u

static char buf[READ_HEAD];

static int visit(const char *path, const char *name, ext2_ino_t ino,
		 const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct image *im = arg;
	ext2_ino_t found;
	struct fsview_stat fst;
	struct ext2_inode_large raw;
	(void)name, (void)depth, (void)last;
	if (!image_lookup(im, path, 1, &found) && !image_stat_ino(im, found, &fst))
		image_inode(im, found, &raw);
	if (st->type == NODE_REG) {
		image_pread_ino(im, ino, buf, READ_HEAD, 0);
		if (st->size > READ_HEAD)
			image_pread_ino(im, ino, buf, READ_TAIL, st->size - READ_TAIL);
	} else if (st->type == NODE_SYMLINK) {
		image_readlink_ino(im, ino, buf, sizeof(buf));
	}
	return 0;
}

static void command(int (*cmd)(int, char **), int argc, const char *a0, const char *a1,
		    const char *a2, const char *a3)
{
	char *argv[] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3, NULL };
	cmd(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("img", data, size);
	struct image im;
	if (image_open(&im, path) < 0)
		return 0;
	image_walk(&im, EXT2_ROOT_INO, "/", visit, &im);
	image_close(&im);
	command(cmd_ls, 4, "ls", "-lR", "--json", path);
	command(cmd_ls, 3, "ls", "-lR", path, NULL);
	command(cmd_tree, 2, "tree", path, NULL, NULL);
	command(cmd_info, 2, "info", path, NULL, NULL);
	command(cmd_info, 3, "info", "--json", path, NULL);
	command(cmd_check, 2, "check", path, NULL, NULL);
	command(cmd_caps, 2, "caps", path, NULL, NULL);
	return 0;
}
