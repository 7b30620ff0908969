/* Checks on the finished tree, run by compose between the layout and the writer. */
#ifndef LSBIMG_CHECKS_H
#define LSBIMG_CHECKS_H

#include "tree.h"

/* Symlinks that can never resolve inside the image (loops). Warnings, or errors when
 * STRICT. Returns the number of errors. */
int checks_symlinks(struct tree *t, int strict);

#endif
