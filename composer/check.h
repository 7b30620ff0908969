/* lsbimg check: one report from a table of checks over an image. A check gets the
 * image's fsview (what the image holds) and, for metadata checks, the libext2fs handle;
 * new checks (ELF closure, units, capabilities) are one line in check.c's table. */
#ifndef LSBIMG_CHECK_H
#define LSBIMG_CHECK_H

#include "fsview.h"
#include "image.h"

struct check_opts {
	const char *caps_cfg; /* ned script declaring the capabilities, or NULL */
	int strict;           /* warnings count as problems */
};

struct check_ctx {
	const char *image;   /* the host file, for messages */
	const struct check_opts *opts;
	struct fsview *view;
	struct image *img;   /* the same image through libext2fs */
	const char *check;   /* the running check's name, for messages */
	unsigned problems;   /* found by the running check */
};

/* Report one problem the running check found. */
__attribute__((format(printf, 2, 3))) void check_problem(struct check_ctx *c,
							  const char *fmt, ...);
/* Report something that may be intended (a warning), a problem with --strict. */
__attribute__((format(printf, 2, 3))) void check_warning(struct check_ctx *c,
							  const char *fmt, ...);

/* check_fs.c: superblock and descriptors, bitmaps against what inodes use, directory
 * structure and link counts. */
void check_filesystem(struct check_ctx *c);
/* check_units.c: enable and alias links resolve; what enabled units need is there; every
 * L4_CAP_* names a declared capability (with a ned script to check against). */
void check_units(struct check_ctx *c);
void check_caps(struct check_ctx *c);

#endif
