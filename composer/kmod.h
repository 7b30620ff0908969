/* The "kmods" layout section (kernel modules and their load order for an initramfs). */
#ifndef LSBIMG_KMOD_H
#define LSBIMG_KMOD_H

#include "layout.h"

extern const struct layout_section kmod_section;

#endif
