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
	DIFF_XATTR = 64,      /* see xattrs */
};

/* An extended attribute added, removed or changed: values in getfattr's words, "(none)"
 * on the side that lacks it. */
struct diff_xattr {
	char *name, *from, *to;
};

/* One side of a difference: the file in one image. */
struct diff_side {
	struct imgview *iv;
	img_handle h;
	const struct fsview_stat *st;
};

struct diff_item {
	char what;                       /* '-' only in A, '+' only in B, '~' changed */
	const char *path;
	struct diff_side a, b;           /* st NULL on the side that lacks the path */
	unsigned changed;                /* DIFF_*, for '~' */
	const char *target_a, *target_b; /* link targets, with DIFF_TARGET */
	const struct diff_xattr *xattrs; /* with DIFF_XATTR, by name */
	size_t nxattrs;
};

struct diff;

/* Walk A and B (each once) and sort their paths: NULL after a message. */
struct diff *diff_open(struct imgview *a, struct imgview *b);
/* Call FN for every difference in path order; FN's non-zero return stops. 0, or -1 (after
 * a message: a file unreadable in either image; what was found before it has been passed
 * to FN, and an item whose extended attributes could not be read is passed without them). */
int diff_each(struct diff *d, int (*fn)(const struct diff_item *it, void *arg), void *arg);
void diff_free(struct diff *d);

/* SHA-256 of regular file H of IV (SIZE bytes, PATH in messages) as hex into OUT. 0, or
 * -1 after a message naming the image. */
int diff_sha256(struct imgview *iv, img_handle h, const char *path, uint64_t size,
		char out[65]);

#endif
