/* An fsview over a host directory taken as the root of an image (a sysroot): the kernel
 * resolves every path and symlink inside it (openat2 RESOLVE_IN_ROOT), as a chroot would. */
#ifndef LSBIMG_FSVIEW_ROOT_H
#define LSBIMG_FSVIEW_ROOT_H

#include "model/fsview.h"

/* 0, or -1 with errno when DIR cannot be opened as a directory. */
int fsview_root_open(struct fsview *v, const char *dir);
void fsview_root_close(struct fsview *v);

#endif
