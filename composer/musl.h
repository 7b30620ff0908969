/* The `musl` layout section: installs one consistent musl runtime (libc.so, the loader
 * symlink, the library path file), optionally pulls programs with their libraries from a
 * sysroot, and checks the ELF closure of the finished tree. */
#ifndef LSBIMG_MUSL_H
#define LSBIMG_MUSL_H

#include "layout.h"

extern const struct layout_section musl_section;

#endif
