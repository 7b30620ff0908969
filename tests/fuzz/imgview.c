/* Fuzz target: reading a mutated squashfs or vfat image (or anything imgview_sniff takes
 * for an image or archive) the way the inspect commands do: imgview_open, every path
 * listed (imgview_walk), stat'ed both ways, read (head and tail) and its link read, the
 * fsview walk, `info`, and the check table, reports dropped by a quiet sink. */
#include "checks/check.h"
#include "fuzz.h"
#include "io/imgview.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define READ_HEAD 65536u
#define READ_TAIL 4096u

static char buf[READ_HEAD];

static int visit(const char *path, const char *name, img_handle h,
		 const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct imgview *iv = arg;
	img_handle found;
	struct fsview_stat fst;
	(void)name, (void)depth, (void)last;
	imgview_lookup(iv, path, 1, &found, &fst);
	imgview_lookup(iv, path, 0, &found, &fst);
	imgview_ino(iv, h);
	if (st->type == NODE_REG) {
		imgview_pread(iv, h, buf, READ_HEAD, 0);
		if (st->size > READ_HEAD)
			imgview_pread(iv, h, buf, READ_TAIL, st->size - READ_TAIL);
	} else if (st->type == NODE_SYMLINK) {
		imgview_readlink(iv, h, buf, sizeof(buf));
	}
	return 0;
}

static int view_visit(const char *path, const struct fsview_stat *st, void *arg)
{
	struct fsview *v = arg;
	struct fsview_stat a;
	if (!v->stat(v->ctx, path, 1, &a) && a.type == NODE_REG)
		v->pread(v->ctx, path, buf, READ_HEAD, 0);
	if (st->type == NODE_SYMLINK)
		v->readlink(v->ctx, path, buf, sizeof(buf));
	return 0;
}

static void info(const char *key, const char *text, uint64_t num, void *arg)
{
	(void)key, (void)text, (void)num, (void)arg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("img", data, size);
	struct imgview iv;
	if (imgview_open(&iv, path))
		return 0;
	img_handle root;
	struct fsview_stat st;
	if (!imgview_lookup(&iv, "/", 1, &root, &st))
		imgview_walk(&iv, root, "/", 1, visit, &iv);
	iv.v.walk(iv.v.ctx, view_visit, &iv.v);
	if (iv.ops && iv.ops->info)
		iv.ops->info(iv.backend, info, NULL);
	struct check_opts o = { .elf = 1, .units = 1, .caps = 1 };
	struct check_ctx c = { &o, &iv.v, imgview_ext2(&iv), NULL };
	checks_run(&c, NULL, NULL, NULL);
	imgview_close(&iv);
	return 0;
}
