/* Where the image's systemd comes from: Debian packages read through the archive importer,
 * or a staged `make install` tree. Part of the `systemd` layout section (keys `debs` and
 * `staged`, declared with the section's other keys in systemd.c). */
#ifndef LSBIMG_SYSTEMD_SOURCE_H
#define LSBIMG_SYSTEMD_SOURCE_H

#include "base/pathfilter.h"
#include "layout/conf.h"
#include "model/tree.h"

#include <stdint.h>

/* Import systemd from the setting AT, `debs` (DEBS set; member mtimes clamped to CLAMP)
 * or `staged` (nothing when AT is NULL), filtered by F (NULL: all); the systemd
 * manager must then be in the tree, and /sbin/init becomes a link to it unless the tree
 * already has a /sbin/init (systemd-sysv's, or the layout's own). Package members never
 * replace the layout's entries: a duplicate is an error naming both.
 * Returns 0, or -1 after reporting. */
int systemd_source_apply(const struct conf *at, int debs, struct pathfilter *f,
			 struct tree *t, int64_t clamp);

#endif
