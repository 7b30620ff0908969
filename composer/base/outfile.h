/* Outputs that appear whole or not at all: a temporary file beside the target, renamed
 * over it only after fsync; removed on failure or on SIGINT/SIGTERM. */
#ifndef LSBIMG_OUTFILE_H
#define LSBIMG_OUTFILE_H

struct outfile {
	char *path;   /* final name */
	char *tmp;    /* temporary name, in the same directory */
	int fd;
};

/* Create the parent directories and the temporary file. 0, or -1 after reporting. */
int outfile_open(struct outfile *o, const char *path);
/* fsync, give it the usual 0666 & ~umask mode, rename into place, fsync the directory. */
int outfile_commit(struct outfile *o);
/* Remove the temporary file (safe to call after commit: then it does nothing). */
void outfile_abort(struct outfile *o);

#endif
