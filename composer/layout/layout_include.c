/* layout_include: every @include of a layout names a regular file (or nothing), checked
 * before libconfig reads it. libconfig 1.5 opens what an @include names without looking
 * at it: a directory makes its scanner exit the process ("input in flex scanner failed"),
 * a FIFO or device can block it for ever. @include lines are found as libconfig finds
 * them: at a line start after blanks, the name up to the next unescaped '"', over line
 * ends, under the include directory. Such lines inside comments or strings count too: a
 * layout that has them is refused, never misread. */
#include "layout/layout_include.h"
#include "base/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define INCLUDE_DEPTH 10  /* libconfig's nesting limit */

struct include_seen {
	dev_t dev;
	ino_t ino;
	int depth;     /* the shallowest nesting it was scanned at */
};

struct include_scan {
	const char *dir;
	struct include_seen *seen;
	size_t n;
};

/* The name from byte OFF of *LINE (LEN bytes, after the opening quote), read on in F past
 * line ends as libconfig does: \\ and \" are escapes, other backslashes are dropped. NULL
 * when the file ends first; a NUL byte ends the name as it ends libconfig's string. */
static char *include_name(FILE *f, char **line, size_t *cap, size_t off, ssize_t len,
			  int *lineno)
{
	char *name = NULL;
	size_t n = 0, ncap = 0;
	for (;;) {
		for (const char *p = *line + off, *end = *line + len; p < end; p++) {
			if (*p == '\\' && p + 1 < end && (p[1] == '\\' || p[1] == '"'))
				p++;
			else if (*p == '\\')
				continue;
			else if (*p == '"')
				goto done;
			if (n + 1 >= ncap) {
				ncap = ncap ? ncap * 2 : 64;
				name = xrealloc(name, ncap);
			}
			name[n++] = *p;
		}
		if ((len = getline(line, cap, f)) < 0) {
			free(name);
			return NULL;
		}
		(*lineno)++;
		off = 0;
	}
done:
	name = xrealloc(name, n + 1);
	name[n] = 0;
	return name;
}

static int scan_includes(struct include_scan *s, const char *file, int depth);

/* The @include at FILE:LINENO of NAME: 0 when it names a regular file (scanned in turn)
 * or nothing, else -1 after reporting. */
static int check_include(struct include_scan *s, const char *file, int lineno,
			 const char *name, int depth)
{
	char *path = xasprintf("%s/%s", s->dir, name);
	struct stat st;
	int rc = 0;
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		diag_error_at(file, lineno, "@include \"%s\": %s is not a regular file", name,
			      path);
		rc = -1;
	} else if (depth < INCLUDE_DEPTH) {
		rc = scan_includes(s, path, depth + 1);
	}
	free(path);
	return rc;
}

/* Check the @include lines of FILE, read at nesting DEPTH. A file is scanned again only
 * when reached at a shallower depth, so include cycles end. */
static int scan_includes(struct include_scan *s, const char *file, int depth)
{
	struct stat st;
	if (stat(file, &st) || !S_ISREG(st.st_mode))
		return 0;  /* libconfig reads and reports it (a pipe is not read twice) */
	size_t k = 0;
	while (k < s->n && (s->seen[k].dev != st.st_dev || s->seen[k].ino != st.st_ino))
		k++;
	if (k == s->n) {
		s->seen = xrealloc(s->seen, (s->n + 1) * sizeof(*s->seen));
		s->seen[s->n++] = (struct include_seen){ st.st_dev, st.st_ino, INCLUDE_DEPTH + 1 };
	}
	if (s->seen[k].depth <= depth)
		return 0;
	s->seen[k].depth = depth;
	FILE *f = fopen(file, "r");
	if (!f)
		return 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, rc = 0;
	while (!rc && (len = getline(&line, &cap, f)) >= 0) {
		int at = ++lineno;
		size_t i = strspn(line, " \t");
		if ((size_t)len < i + 10 || strncmp(line + i, "@include", 8) ||
		    (line[i + 8] != ' ' && line[i + 8] != '\t'))
			continue;
		i += 8 + strspn(line + i + 8, " \t");
		if ((size_t)len <= i || line[i] != '"')
			continue;
		char *name = include_name(f, &line, &cap, i + 1, len, &lineno);
		if (name)
			rc = check_include(s, file, at, name, depth);
		free(name);
	}
	free(line);
	fclose(f);
	return rc;
}

int layout_includes_check(const char *path, const char *include_dir)
{
	struct include_scan scan = { include_dir, NULL, 0 };
	int bad = scan_includes(&scan, path, 0);
	free(scan.seen);
	return bad;
}
