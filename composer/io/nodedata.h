/* Reading a regular file's bytes in order, whatever its source, for the writers that
 * stream file data (squashfs, vfat). */
#ifndef LSBIMG_NODEDATA_H
#define LSBIMG_NODEDATA_H

#include "model/tree.h"

#include <stddef.h>

#define NODEDATA_CHUNK (1u << 16)

/* Call FN with N's bytes in order, in chunks of at most NODEDATA_CHUNK. A host file is
 * opened once and must keep the size the scan saw. 0, or -1 after a message naming the
 * source (FN reports its own failures). */
int node_stream(const struct node *n, int (*fn)(const void *buf, size_t len, void *arg),
		void *arg);

#endif
