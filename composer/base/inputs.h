/* The host files a run read, for incremental composes (compose/manifest) and make
 * depfiles: whoever reads a host file for the image notes it here with the stat it read it
 * under, and the manifest records each one's identity. A path is noted as given, made
 * absolute; noting one twice keeps one of them. Single-threaded. */
#ifndef LSBIMG_INPUTS_H
#define LSBIMG_INPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

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
/* Every input noted so far, sorted by path (a path noted through stat and lstat is
 * there twice); *N gets the count. */
const struct input *inputs_list(size_t *n);
/* Forget every input (a process that composes several times in turn). */
void inputs_reset(void);

#endif
