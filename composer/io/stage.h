/* Staging: a hole-keeping copy of an output into the directory QEMU boots from, put in
 * place together with the output itself (base/outfile). */
#ifndef LSBIMG_STAGE_H
#define LSBIMG_STAGE_H

#include "base/outfile.h"

/* Copy output OUT, complete in FD, into S: the temporary file for DIR/<basename of OUT>,
 * finished (fsync'ed) but not yet in place. 0, or -1 after reporting (S aborted). */
int stage_prepare(struct outfile *s, int fd, const char *out, const char *dir);

#endif
