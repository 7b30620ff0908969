/* Checking a layout's @include targets before libconfig reads them (see layout_include.c). */
#ifndef LSBIMG_LAYOUT_INCLUDE_H
#define LSBIMG_LAYOUT_INCLUDE_H

/* 0 when every @include of PATH, and of the files it includes (resolved under
 * INCLUDE_DIR), names a regular file or nothing; else -1 after reporting the first that
 * names a directory, FIFO or device, with file and line. */
int layout_includes_check(const char *path, const char *include_dir);

#endif
