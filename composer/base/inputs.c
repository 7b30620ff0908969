/* The inputs a run read: a growing array, sorted and deduplicated when listed. */
#include "base/inputs.h"
#include "base/diag.h"
#include "base/sha256.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	struct input *v;
	size_t n, cap;
	size_t sorted;   /* v[0..sorted) is sorted and unique */
} in;

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char *cwd = getcwd(NULL, 0);
	char *p = xasprintf("%s/%s", cwd ? cwd : ".", path[0] == '.' && path[1] == '/' ?
			    path + 2 : path);
	free(cwd);
	return p;
}

static struct input *add(const char *path, const struct stat *st, int follow)
{
	if (in.n == in.cap)
		in.v = xrealloc(in.v, (in.cap = in.cap ? in.cap * 2 : 256) * sizeof(*in.v));
	struct input *i = &in.v[in.n++];
	memset(i, 0, sizeof(*i));
	i->path = absolute(path);
	i->st = *st;
	i->follow = follow;
	return i;
}

void inputs_note(const char *path, const struct stat *st, int follow)
{
	add(path, st, follow);
}

void inputs_note_data(const char *path, const struct stat *st, const void *data, size_t len)
{
	struct input *i = add(path, st, 1);
	sha256_hex(data, len, i->sha);
	i->hashed = 1;
}

void inputs_note_digest(const char *path, const struct stat *st, const char sha[65])
{
	struct input *i = add(path, st, 1);
	memcpy(i->sha, sha, sizeof(i->sha));
	i->hashed = 1;
}

void inputs_note_path(const char *path, int follow)
{
	struct stat st;
	if (!(follow ? stat(path, &st) : lstat(path, &st)))
		add(path, &st, follow);
}

static int cmp_path(const void *a, const void *b)
{
	const struct input *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : x->follow - y->follow;
}

const struct input *inputs_list(size_t *n)
{
	if (in.sorted != in.n) {
		qsort(in.v, in.n, sizeof(*in.v), cmp_path);
		size_t k = 0;
		for (size_t i = 0; i < in.n; i++) {
			if (k && !cmp_path(&in.v[k - 1], &in.v[i])) {
				/* A file read whole keeps its digest whichever note came first. */
				if (in.v[i].hashed && !in.v[k - 1].hashed) {
					memcpy(in.v[k - 1].sha, in.v[i].sha, sizeof(in.v[i].sha));
					in.v[k - 1].hashed = 1;
				}
				free(in.v[i].path);
				continue;
			}
			in.v[k++] = in.v[i];
		}
		in.n = in.sorted = k;
	}
	*n = in.n;
	return in.v;
}

void inputs_reset(void)
{
	for (size_t i = 0; i < in.n; i++)
		free(in.v[i].path);
	free(in.v);
	memset(&in, 0, sizeof(in));
}
