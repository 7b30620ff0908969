/* The output formats compose writes, one row each: a new file system or archive format is
 * a new row in output.c. */
#ifndef LSBIMG_OUTPUT_H
#define LSBIMG_OUTPUT_H

#include "base/outfile.h"
#include "model/params.h"
#include "model/tree.h"

#include <stdint.h>

/* What a writer tells compose's summary line. */
struct output_result {
	uint64_t blocks, blocks_used;
	uint64_t inodes, inodes_used;
	uint64_t bytes;       /* file data written */
	uint64_t image_size;
};

struct output_format {
	const char *name;        /* image.format */
	const char *extension;   /* of the default output, out/images/NAME.EXT */
	/* Write frozen tree T as P says into O, the temporary file for P->output (opened by
	 * the caller, who finishes and puts it in place, so the previous file stays until
	 * the new one is complete). Messages name P->output. 0, or -1 after reporting. */
	int (*write)(struct tree *t, const struct image_params *p, struct outfile *o,
		     struct output_result *res);
};

/* The row named NAME, or NULL. */
const struct output_format *output_find(const char *name);
/* "\"ext2\", \"tar\" or \"cpio\"", for messages. */
const char *output_names(void);

#endif
