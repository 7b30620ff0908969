/* Writing an image's files out: the library side of `lsbimg extract`. */
#ifndef LSBIMG_INSPECT_EXTRACT_H
#define LSBIMG_INSPECT_EXTRACT_H

#include "io/imgview.h"

/* Open SRC for extracting: an ext2, squashfs or vfat image by its content, anything else
 * as an archive (tar, cpio, any compression, a .deb). 0, or -1 after a message. */
int extract_open(struct imgview *iv, const char *src);

/* Write the image directory SUB (absolute; "/" for everything) of IV to DEST: an archive
 * when DEST's name asks for one (archive_out_format_for), else a host directory, which
 * must be missing or empty. The directory is built in a temporary directory beside DEST
 * and renamed into place on success; files are created relative to directory descriptors
 * held open on the way down (without following symlinks), so nothing is written outside
 * it and no path is resolved from the top again. The image is walked once and files are
 * read through their handles. Device nodes need root: without it they are skipped with a
 * warning. 0, or -1 after a message. */
int extract_image(struct imgview *iv, const char *sub, const char *dest);

#endif
