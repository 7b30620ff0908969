/* The host files a run read, for incremental composes (compose/manifest) and make
 * depfiles: whoever reads a host file for the image notes it here with the stat it read it
 * under, and the manifest records each one's identity. A path is noted as given, made
 * absolute. Single-threaded.
 *
 * A tree entry notes every file it imports, up to millions: those notes go to an
 * unlinked temporary file, not to memory, so that a compose's memory per image file is
 * what its tree needs. Only notes with a digest (layouts, packages, files read whole) are
 * kept in memory (all of them when no temporary file can be made). */
#ifndef LSBIMG_INPUTS_H
#define LSBIMG_INPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct input {
	char *path;              /* absolute */
	struct stat st;          /* as it was read (lstat for a tree's entries) */
	int follow;              /* st came from stat (1) or lstat (0) */
	int hashed;              /* sha holds the digest of the bytes that were read */
	char sha[65];
};

/* Note PATH as read with stat (FOLLOW) or lstat result ST. */
void inputs_note(const char *path, const struct stat *st, int follow);
/* Note PATH, read whole as the LEN bytes at DATA under ST (stat, symlinks followed). */
void inputs_note_data(const char *path, const struct stat *st, const void *data, size_t len);
/* Note PATH, whose bytes under ST (stat) have the sha256 SHA (hex). */
void inputs_note_digest(const char *path, const struct stat *st, const char sha[65]);
/* Note PATH as it is now (stat when FOLLOW, else lstat); nothing when it does not exist. */
void inputs_note_path(const char *path, int follow);
/* Call FN with every input noted so far: those in memory sorted by path and unique, then
 * the spooled ones in the order they were noted (a path may come more than once). Stops
 * at FN's first nonzero return and returns it; -1 after reporting when the notes could
 * not be kept. */
int inputs_each(int (*fn)(const struct input *in, void *arg), void *arg);
/* Where the notes without a digest stand, and forgetting those noted after MARK: a
 * caller that notes inputs before it knows they are the run's. */
off_t inputs_mark(void);
void inputs_undo(off_t mark);
/* Forget every input (a process that composes several times in turn). */
void inputs_reset(void);

#endif
