/* What differs between two images, path by path: the library side of `lsbimg diff`. Both
 * are walked once by handle and files are read through their handles, never resolved by
 * path again. */
#ifndef LSBIMG_INSPECT_DIFF_H
#define LSBIMG_INSPECT_DIFF_H

#include "io/imgview.h"

/* What changed about a path both images have, in the order diff reports it. */
enum {
	DIFF_TYPE = 1,        /* a different kind of file */
	DIFF_TARGET = 2,      /* symlinks pointing elsewhere */
	DIFF_CONTENT = 4,     /* regular files with other bytes */
	DIFF_MODE = 8,
	DIFF_OWNER = 16,
	DIFF_DEVICE = 32,
};

struct diff_item {
	char what;                       /* '-' only in A, '+' only in B, '~' changed */
	const char *path;
	const struct fsview_stat *a, *b; /* NULL on the side that lacks the path */
	unsigned changed;                /* DIFF_*, for '~' */
	const char *target_a, *target_b; /* link targets, with DIFF_TARGET */
};

typedef void (*diff_fn)(const struct diff_item *d, void *arg);

/* Call FN for every difference between A and B in path order. 0, or -1 after a message
 * (an unreadable file or directory; what was found before it has been passed to FN). */
int diff_images(struct imgview *a, struct imgview *b, diff_fn fn, void *arg);

#endif
