/* A layout's text as libconfig is given it (see layout_text.c): every file read whole, each
 * @include replaced by the included file's text, and a map from the lines of the result
 * back to each file and line. */
#ifndef LSBIMG_LAYOUT_TEXT_H
#define LSBIMG_LAYOUT_TEXT_H

#include <stddef.h>

struct layout_span;

struct layout_text {
	char *text;                 /* NUL-terminated, no other NUL byte */
	size_t len;
	char **files;               /* [0] the top layout as given, then each @included file
				     * as opened (a relative name under its includer's
				     * directory), without a leading "./" */
	size_t nfiles;
	/* private */
	size_t cap;
	int line;                   /* the line of text being written */
	struct layout_span *spans;  /* the line map */
	size_t nspans, cap_spans;
};

/* Read PATH and everything it includes into T: a relative @include name is resolved in
 * the directory of the file that names it, an absolute one is taken as it is. 0, or -1 after reporting with file and line: a layout that cannot be read,
 * an @include naming what is not a regular file, a missing one, nesting deeper than
 * libconfig allows, a NUL byte, an unterminated comment, string or @include, an integer
 * libconfig would wrap, or a \x00 escape it would drop. Free T with layout_text_free
 * either way. */
int layout_text_read(const char *path, struct layout_text *t);
/* The file (an index into T->files) and, in *FLINE, the line of line LINE of T->text. */
size_t layout_text_where(const struct layout_text *t, int line, int *fline);
void layout_text_free(struct layout_text *t);

#endif
