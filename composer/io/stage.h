/* Staging: an atomic, hole-keeping copy of an output into the directory QEMU boots from. */
#ifndef LSBIMG_STAGE_H
#define LSBIMG_STAGE_H

/* Copy SRC to DIR/<basename of SRC>. 0, or -1 after reporting. */
int stage_copy(const char *src, const char *dir, char **staged);

#endif
