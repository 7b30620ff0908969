/* Staging copies through a temporary file, so a running QEMU never sees half an image. */
#include "io/stage.h"
#include "base/datacopy.h"
#include "base/diag.h"
#include "base/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int stage_copy(const char *src, const char *dir, char **staged)
{
	char *copy = xstrdup(src);
	char *dest = xasprintf("%s/%s", dir, basename(copy));
	free(copy);
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		diag_error("%s: %s", src, strerror(errno));
		free(dest);
		return -1;
	}
	struct outfile o;
	int rc = outfile_open(&o, dest);
	if (!rc && copy_sparse(in, o.fd)) {
		diag_error("cannot stage %s into %s: %s", src, dir, strerror(errno));
		rc = -1;
	}
	close(in);
	if (!rc)
		rc = outfile_commit(&o);
	else
		outfile_abort(&o);
	if (!rc && staged)
		*staged = dest;
	else
		free(dest);
	return rc;
}
