/* Outputs that appear whole or not at all: written to a temporary file beside the target
 * (base/tempfile: removed on failure or SIGINT/SIGTERM/SIGHUP, recognised and removed by
 * the next run when a killed run left it), made durable with fsync, and only then put in
 * place. Several outputs are put in place together or not at all (an image and its
 * staged copy). */
#ifndef LSBIMG_OUTFILE_H
#define LSBIMG_OUTFILE_H

#include "base/tempfile.h"

#include <stddef.h>

struct outfile {
	char *path;       /* final name */
	char *tmp;        /* temporary name, in the same directory */
	int fd;           /* the temporary, open read-write */
	struct tempfile t;
	int finished;     /* outfile_finish succeeded */
	int swapped;      /* in place; the temporary name holds the previous file */
	int placed;       /* in place; there was no previous file */
};

/* Create the parent directories and the temporary file. 0, or -1 after reporting. */
int outfile_open(struct outfile *o, const char *path);
/* Complete the temporary: the usual 0666 & ~umask mode, fsync. 0, or -1 after
 * reporting. Nothing is replaced yet. */
int outfile_finish(struct outfile *o);
/* Put the N finished outputs in place, all or none: each replaces its previous file by
 * an atomic exchange that is undone for every one if a later one fails, so on failure
 * every previous file is as it was (where the file system cannot exchange, a plain
 * rename, which cannot be undone). The directories are synced. Each outfile is then
 * closed (aborted on failure). 0, or -1 after reporting. */
int outfile_commit_all(struct outfile *const *o, size_t n);
/* outfile_finish, then outfile_commit_all of O alone. */
int outfile_commit(struct outfile *o);
/* Remove the temporary file (safe to call after commit: then it does nothing). */
void outfile_abort(struct outfile *o);

#endif
