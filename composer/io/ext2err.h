/* Words for libext2fs error codes. */
#ifndef LSBIMG_EXT2ERR_H
#define LSBIMG_EXT2ERR_H

#include <ext2fs/ext2fs.h>

/* The message for ERR: an errno text, or libext2fs's own. Its error table is loaded on
 * first use; without it com_err says "Unknown code ext2 44". */
const char *ext2_strerror(errcode_t err);

#endif
