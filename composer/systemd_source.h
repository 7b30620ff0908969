/* Where the image's systemd comes from: Debian packages read through the archive importer,
 * or a staged `make install` tree. Part of the `systemd` layout section (keys `debs` and
 * `staged`, declared with the section's other keys in systemd.c). */
#ifndef LSBIMG_SYSTEMD_SOURCE_H
#define LSBIMG_SYSTEMD_SOURCE_H

#include "layout.h"

/* Import systemd as section S names it (nothing when it names neither); the systemd
 * manager must then be in the tree, and /sbin/init becomes a link to it unless the tree
 * already has a /sbin/init (systemd-sysv's, or the layout's own). Package members never
 * replace the layout's entries: a duplicate is an error naming both.
 * Returns 0, or -1 after reporting. */
int systemd_source_apply(const config_setting_t *s, struct layout_ctx *ctx);

#endif
