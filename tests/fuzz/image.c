/* Fuzz target: reading a mutated ext2 image through the library, the way the inspection
 * commands do (lsbimg ls, tree, info, cat, stat, check, caps) without the commands
 * themselves:
 *   - io/image.h: a walk that looks up, stats (the raw inode too) and reads every file and
 *     link, and lists every directory (image_readdir), names encoded as JSON;
 *   - the fsview over the image (fsview_ext2_open): its walk, and stat with and without
 *     following, readlink and pread of every path it finds;
 *   - the check table (filesystem, elf, symlinks, units, caps) through checks_run, reports
 *     dropped by a quiet sink;
 *   - caps_collect, printed as the plain and the JSON table. */
#include "base/diag.h"
#include "base/json.h"
#include "checks/caps.h"
#include "checks/check.h"
#include "fuzz.h"
#include "io/image.h"
#include "model/fsview.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Files may claim sizes far beyond the image (holes); cat would stream them all, which is
 * right but slow, so only their head and tail are read. */
#define READ_HEAD 65536u
#define READ_TAIL 4096u

static char buf[READ_HEAD];

/* A ned script that declares nothing, so every L4_CAP_* value is undeclared. */
static char *caps_cfg;

/* Where listings and tables go: a memory stream, emptied after each input. */
static FILE *sink_file(char **mem, size_t *len)
{
	FILE *f = open_memstream(mem, len);
	if (!f)
		abort();
	return f;
}

struct walk {
	struct image *im;
	FILE *out;
};

static int visit(const char *path, const char *name, ext2_ino_t ino,
		 const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct walk *w = arg;
	struct image *im = w->im;
	ext2_ino_t found;
	struct fsview_stat fst;
	struct ext2_inode_large raw;
	(void)depth, (void)last;
	/* ls -l / stat -L: the path looked up again, the inode loaded both ways. */
	if (!image_lookup(im, path, 1, &found) && !image_stat_ino(im, found, &fst))
		image_inode(im, found, &raw);
	image_lookup(im, path, 0, &found);
	json_str(w->out, name);
	fputs(image_type_word(st->type), w->out);
	if (st->type == NODE_REG) {
		ssize_t n = image_pread_ino(im, ino, buf, READ_HEAD, 0);
		if (n > 0)
			json_is_text(buf, (size_t)n);
		if (st->size > READ_HEAD)
			image_pread_ino(im, ino, buf, READ_TAIL, st->size - READ_TAIL);
	} else if (st->type == NODE_SYMLINK) {
		if (!image_readlink_ino(im, ino, buf, sizeof(buf)))
			json_str(w->out, buf);
	} else if (st->type == NODE_DIR) {
		const struct image_dirent *d;
		size_t n;
		if (!image_readdir(im, ino, &d, &n))
			for (size_t i = 0; i < n; i++)
				json_str(w->out, d[i].name);
	}
	return 0;
}

/* Everything the fsview says about each path. */
static int view_visit(const char *path, const struct fsview_stat *st, void *arg)
{
	struct fsview *v = arg;
	struct fsview_stat a;
	v->stat(v->ctx, path, 0, &a);
	if (!v->stat(v->ctx, path, 1, &a) && a.type == NODE_REG) {
		v->pread(v->ctx, path, buf, READ_HEAD, 0);
		if (a.size > READ_HEAD)
			v->pread(v->ctx, path, buf, READ_TAIL, a.size - READ_TAIL);
	}
	if (st->type == NODE_SYMLINK)
		v->readlink(v->ctx, path, buf, sizeof(buf));
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	caps_cfg = strdup(fuzz_file("caps.cfg", (const uint8_t *)"caps = { }\n", 11));
	if (!caps_cfg)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("img", data, size);
	char *mem = NULL;
	size_t len = 0;
	FILE *out = sink_file(&mem, &len);

	struct image im;
	if (image_open(&im, path) == 0) {
		struct walk w = { &im, out };
		image_walk(&im, EXT2_ROOT_INO, "/", visit, &w);
		image_close(&im);
	}

	struct fsview v;
	if (fsview_ext2_open(&v, path) == 0) {
		v.walk(v.ctx, view_visit, &v);
		/* lsbimg check: every check of the table, the filesystem's included. */
		struct check_opts o = { .elf = 1, .units = 1, .caps = 1 };
		struct check_ctx c = { &o, &v, fsview_ext2_image(&v), NULL };
		checks_run(&c, NULL, NULL, NULL);
		/* ... strict, and against a ned script that declares nothing. */
		o.strict = 1;
		o.caps_cfg = caps_cfg;
		o.elf = 0;
		checks_run(&c, NULL, NULL, NULL);
		/* lsbimg caps. */
		struct cap_use *uses;
		int n = caps_collect(&v, &uses);
		if (n >= 0) {
			caps_print(out, uses, n, 0);
			caps_print(out, uses, n, 1);
			caps_free(uses, n);
		}
		fsview_ext2_close(&v);
	}
	fclose(out);
	free(mem);
	return 0;
}
