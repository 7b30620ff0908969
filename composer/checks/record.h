/* What an image records about the checks compose ran on it, so `lsbimg check` and
 * `lsbimg caps` check it the same way wherever they run: the ned script the units'
 * L4_CAP_* values were validated against (its path as compose named it, its sha256, and a
 * copy of it in the image), and the layout's own units, whose sanity compose checked.
 * compose writes it (sections/systemd.c) into the tree before the checks, which read it
 * from there as they read it from an image. */
#ifndef LSBIMG_RECORD_H
#define LSBIMG_RECORD_H

#include "model/fsview.h"

#include <stddef.h>

#define CHECK_RECORD "/usr/lib/lsbimg/check.conf"
#define CHECK_RECORD_SCRIPT "/usr/lib/lsbimg/ned-script.cfg"
/* The largest record or recorded script read. */
#define RECORD_MAX (16u << 20)

struct check_record {
	char *script;          /* the ned script as compose named it; NULL: none recorded */
	char *sha256;          /* its digest, 64 hex digits */
	char *copy;            /* the image path of its copy */
	char **own_units;      /* NULL-terminated */
	size_t n_own_units;
};

/* Read the record of the image behind V: 0, 1 when there is none, -1 after reporting a
 * malformed one. */
int check_record_read(struct fsview *v, struct check_record *r);
void check_record_free(struct check_record *r);
/* The record's text (malloc'd): SCRIPT and SHA256 may be NULL (no script recorded). */
char *check_record_text(const char *script, const char *sha256, const char *const *own_units,
			size_t n_own_units);

#endif
