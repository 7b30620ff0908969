/* The table of output formats. */
#include "io/output.h"
#include "base/diag.h"
#include "io/archive_out.h"
#include "io/ext2write.h"
#include "io/sqfswrite.h"
#include "io/vfatwrite.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The file system writers fill the temporary file O through its descriptor. */
static int write_ext2(struct tree *t, const struct image_params *p, struct outfile *o,
		      struct output_result *res)
{
	return ext2_write(t, p, o->tmp, o->fd, res);
}

static int write_ext4(struct tree *t, const struct image_params *p, struct outfile *o,
		      struct output_result *res)
{
	return ext4_write(t, p, o->tmp, o->fd, res);
}

static int write_squashfs(struct tree *t, const struct image_params *p, struct outfile *o,
			  struct output_result *res)
{
	return sqfs_write(t, p, o->tmp, o->fd, res);
}

static int write_vfat(struct tree *t, const struct image_params *p, struct outfile *o,
		      struct output_result *res)
{
	return vfat_write(t, p, o->tmp, o->fd, res);
}

/* Archives are written whole by libarchive; the summary counts what the tree holds and
 * the size of the file that resulted. */
static int write_archive(struct tree *t, const struct image_params *p, struct outfile *o,
			 enum archive_out_format fmt, struct output_result *res)
{
	struct fsview v;
	struct stat st;
	struct tree_stats ts;
	fsview_tree_init(&v, t);
	if (archive_write_fd(&v, NULL, o->fd, p->output, fmt))
		return -1;
	tree_stats(t, &ts);
	res->inodes = res->inodes_used = ts.inodes;
	res->bytes = ts.bytes;
	res->image_size = fstat(o->fd, &st) ? 0 : (uint64_t)st.st_size;
	return 0;
}

static int write_tar(struct tree *t, const struct image_params *p, struct outfile *o,
		     struct output_result *res)
{
	return write_archive(t, p, o, ARCHIVE_OUT_TAR, res);
}

static int write_cpio(struct tree *t, const struct image_params *p, struct outfile *o,
		      struct output_result *res)
{
	return write_archive(t, p, o, ARCHIVE_OUT_CPIO_GZ, res);
}

static const struct output_format formats[] = {
	{ "ext2", "img", write_ext2 },
	{ "ext4", "img", write_ext4 },
	{ "squashfs", "sqfs", write_squashfs },
	{ "vfat", "img", write_vfat },
	{ "tar", "tar", write_tar },
	{ "cpio", "cpio.gz", write_cpio },
};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

const struct output_format *output_find(const char *name)
{
	for (size_t i = 0; i < N_FORMATS; i++)
		if (!strcmp(formats[i].name, name))
			return &formats[i];
	return NULL;
}

const char *output_names(void)
{
	static char buf[256];
	size_t n = 0;
	for (size_t i = 0; i < N_FORMATS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"%s\"",
				      !i ? "" : i + 1 < N_FORMATS ? ", " : " or ", formats[i].name);
	return buf;
}
