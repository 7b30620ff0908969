/* Incremental composes: the manifest beside an image records what it was composed from
 * (the key: resolved layout, image parameters, options, the lsbimg binary; every host file
 * read, by its stat and, for files read whole, their sha256) and the identity of the image
 * and its staged copy as written. A compose whose manifest still matches has nothing to
 * do. The same list of inputs becomes a make depfile. Layout: docs/design.md. */
#ifndef LSBIMG_MANIFEST_H
#define LSBIMG_MANIFEST_H

#include <stdint.h>
#include <sys/stat.h>

/* OUTPUT's manifest, DIR/.BASE.manifest (malloc'd). */
char *manifest_path(const char *output);
/* 1 when the manifest of OUTPUT has KEY, OUTPUT and (unless STAGED is NULL) STAGED are
 * the files it recorded, and every input it lists is as it was: then its inputs are noted
 * (base/inputs) as this run's. 0 otherwise (no manifest, an unreadable or damaged one,
 * anything changed); nothing reported. */
int manifest_unchanged(const char *output, const char *staged, const char key[65]);
/* Record the inputs noted so far (base/inputs) for OUTPUT with KEY, OUT_ST and STAGE_ST
 * (NULL: not staged), the fstat of the outputs as written. START_NS: when the run began
 * (CLOCK_REALTIME); an input changed at or after it cannot be told apart by its stat and
 * is only trusted by its digest. Written atomically; 0, or -1 after reporting. */
int manifest_write(const char *output, const char key[65], int64_t start_ns,
		   const struct stat *out_st, const char *staged, const struct stat *stage_st);
/* Write FILE (atomically): "OUTPUT: INPUT..." in make syntax, every input noted so far,
 * and an empty rule for each input (as gcc -MP: a removed input is no error to make).
 * 0, or -1 after reporting. */
int depfile_write(const char *file, const char *output);

#endif
