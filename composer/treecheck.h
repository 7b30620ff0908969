/* Checks on the finished tree, run by compose between the layout and the writer. */
#ifndef LSBIMG_TREECHECK_H
#define LSBIMG_TREECHECK_H

#include "tree.h"

/* Symlinks that can never resolve inside the image (loops). Warnings, or errors when
 * STRICT. Returns the number of errors. */
int treecheck_symlinks(struct tree *t, int strict);

#endif
