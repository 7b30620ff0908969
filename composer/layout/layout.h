/* Reading a layout: the libconfig file and its @includes become a tree of plain settings
 * (layout/conf.h), checked only for syntax here; what the settings mean is the sections'
 * business (sections/). Nothing outside layout/ sees libconfig. */
#ifndef LSBIMG_LAYOUT_H
#define LSBIMG_LAYOUT_H

#include "layout/conf.h"

struct layout {
	const char *path;           /* the top layout file */
	const struct conf *root;    /* its top-level group */
	unsigned char digest[64];   /* SHA-512 of the settings as libconfig writes them
				     * back: equal layouts derive equal ids */
	void *mem;                  /* private */
};

/* Read PATH. EXIT_OK, or EXIT_USAGE after reporting (no file, a bad @include, a syntax
 * error with file and line). Free with layout_free either way. */
int layout_read(const char *path, struct layout *l);
void layout_free(struct layout *l);

/* Define the layout variable NAME (`-D NAME=VALUE` of compose: ASSIGNMENT is
 * "NAME=VALUE"), which ${NAME} in a string value of every layout read from now on gives
 * in place of the environment's. 0, or -1 after reporting when ASSIGNMENT is not one. */
int layout_define(const char *assignment);

#endif
