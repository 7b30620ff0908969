/* include/exclude filters on the paths of an import (a host tree, an archive's members):
 * shell patterns (fnmatch) matched a path component at a time, where a component `**`
 * matches any number of components, none included. */
#ifndef LSBIMG_PATHFILTER_H
#define LSBIMG_PATHFILTER_H

#include <stddef.h>

struct pathfilter {
	const char **include;   /* patterns; none: every path is included */
	size_t ninclude;
	const char **exclude;
	size_t nexclude;
	size_t *hits;           /* per pattern, include ones first: paths it matched */
};

enum pathfilter_verdict {
	PATH_OUT,     /* excluded, and so is everything below it */
	PATH_IN,      /* included */
	PATH_BELOW,   /* a directory kept only for what below it is included */
};

/* PATTERN matches PATH (both relative, components separated by '/'). */
int pathfilter_match(const char *pattern, const char *path);

/* F with no patterns; add them with pathfilter_add. */
void pathfilter_init(struct pathfilter *f);
void pathfilter_add(struct pathfilter *f, int exclude, const char *pattern);
/* Whether F has any pattern at all. */
int pathfilter_any(const struct pathfilter *f);

/* The verdict on PATH, relative to the import's root ("" is the root itself, always
 * included); DIR when it is a directory. A path is excluded when an exclude pattern
 * matches it or a directory above it; else included when there are no include patterns
 * or one matches it or a directory above it; else a directory is PATH_BELOW and anything
 * else excluded. Counts the hits. */
enum pathfilter_verdict pathfilter_test(struct pathfilter *f, const char *path, int dir);
void pathfilter_free(struct pathfilter *f);

#endif
