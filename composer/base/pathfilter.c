/* Path filters: fnmatch per component, `**` for any number of them. */
#include "base/pathfilter.h"
#include "base/diag.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The component at S (up to '/' or the end) into BUF; its end. */
static const char *component(const char *s, char *buf, size_t size)
{
	const char *e = strchrnul(s, '/');
	size_t n = (size_t)(e - s) < size ? (size_t)(e - s) : size - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	return e;
}

/* PAT (components) against PATH (components; NULL: none left). */
static int match(const char *pat, const char *path)
{
	char pc[NAME_MAX + 1], sc[NAME_MAX + 1];
	const char *pe = component(pat, pc, sizeof(pc));
	const char *rest = *pe ? pe + 1 : NULL;
	if (!strcmp(pc, "**")) {
		if (!rest)
			return 1;
		for (const char *p = path;;) {  /* it spans none, one, two ... components */
			if (match(rest, p))
				return 1;
			if (!p)
				return 0;
			const char *slash = strchr(p, '/');
			p = slash ? slash + 1 : NULL;
		}
	}
	if (!path)
		return 0;
	const char *se = component(path, sc, sizeof(sc));
	if (fnmatch(pc, sc, 0))
		return 0;
	if (!rest)
		return !*se;
	return match(rest, *se ? se + 1 : NULL);
}

int pathfilter_match(const char *pattern, const char *path)
{
	return match(pattern, *path ? path : NULL);
}

void pathfilter_init(struct pathfilter *f)
{
	memset(f, 0, sizeof(*f));
}

void pathfilter_add(struct pathfilter *f, int exclude, const char *pattern)
{
	const char ***v = exclude ? &f->exclude : &f->include;
	size_t *n = exclude ? &f->nexclude : &f->ninclude;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = pattern;
	f->hits = xrealloc(f->hits, (f->ninclude + f->nexclude) * sizeof(*f->hits));
	/* Include patterns come first in hits: make room for a new one there. */
	size_t at = exclude ? f->ninclude + f->nexclude - 1 : f->ninclude - 1;
	memmove(f->hits + at + 1, f->hits + at, (f->ninclude + f->nexclude - at - 1) *
		sizeof(*f->hits));
	f->hits[at] = 0;
}

int pathfilter_any(const struct pathfilter *f)
{
	return f && (f->ninclude || f->nexclude);
}

/* Patterns V (N of them, hits in HITS) matching PATH or a directory above it: how many,
 * each counted. */
static size_t matching(const char **v, size_t n, size_t *hits, const char *path)
{
	size_t found = 0;
	char *prefix = xstrdup(path);
	for (size_t i = 0; i < n; i++) {
		for (char *p = prefix;; ) {
			char *slash = strchr(p, '/');
			if (slash)
				*slash = 0;
			int m = match(v[i], prefix);
			if (slash)
				*slash = '/';
			if (m) {
				hits[i]++;
				found++;
				break;
			}
			if (!slash)
				break;
			p = slash + 1;
		}
	}
	free(prefix);
	return found;
}

enum pathfilter_verdict pathfilter_test(struct pathfilter *f, const char *path, int dir)
{
	if (!*path)
		return PATH_IN;
	if (matching(f->exclude, f->nexclude, f->hits + f->ninclude, path))
		return PATH_OUT;
	if (!f->ninclude || matching(f->include, f->ninclude, f->hits, path))
		return PATH_IN;
	return dir ? PATH_BELOW : PATH_OUT;
}

void pathfilter_free(struct pathfilter *f)
{
	free(f->include);
	free(f->exclude);
	free(f->hits);
	memset(f, 0, sizeof(*f));
}
