/* Staging copies through a temporary file, so a running QEMU never sees half an image. */
#include "io/stage.h"
#include "base/datacopy.h"
#include "base/diag.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

int stage_prepare(struct outfile *s, int fd, const char *out, const char *dir)
{
	char *copy = xstrdup(out);
	char *dest = xasprintf("%s/%s", dir, basename(copy));
	free(copy);
	int rc = outfile_open(s, dest);
	free(dest);
	if (rc)
		return -1;
	int crc = copy_sparse(fd, s->fd);
	if (crc) {
		diag_error("cannot stage %s into %s: %s: %s", out, dir,
			   crc == COPY_EWRITE ? "cannot write the copy" : "cannot read it",
			   strerror(errno));
		outfile_abort(s);
		return -1;
	}
	if (outfile_finish(s)) {
		outfile_abort(s);
		return -1;
	}
	return 0;
}
