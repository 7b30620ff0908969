/* The table of output formats. */
#include "io/output.h"
#include "base/diag.h"
#include "io/archive_out.h"
#include "io/ext2write.h"

#include <stdio.h>
#include <string.h>

static int write_ext2(struct tree *t, const struct image_params *p, struct outfile *o,
		      struct output_result *res)
{
	return ext2_write(t, p, o->tmp, o->fd, res);
}

static int write_archive(struct tree *t, const struct image_params *p, struct outfile *o,
			 enum archive_out_format fmt)
{
	struct fsview v;
	fsview_tree_init(&v, t);
	return archive_write_fd(&v, NULL, o->fd, p->output, fmt);
}

static int write_tar(struct tree *t, const struct image_params *p, struct outfile *o,
		     struct output_result *res)
{
	(void)res;
	return write_archive(t, p, o, ARCHIVE_OUT_TAR);
}

static int write_cpio(struct tree *t, const struct image_params *p, struct outfile *o,
		      struct output_result *res)
{
	(void)res;
	return write_archive(t, p, o, ARCHIVE_OUT_CPIO_GZ);
}

static const struct output_format formats[] = {
	{ "ext2", "img", write_ext2 },
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
