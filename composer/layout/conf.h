/* A layout's settings as plain C data: the libconfig file (with its @includes) read once
 * into a tree of struct conf, each setting with its file and line. Sections parse this,
 * never libconfig, so libconfig's types stay inside layout/. */
#ifndef LSBIMG_CONF_H
#define LSBIMG_CONF_H

#include <stddef.h>
#include <stdint.h>

enum conf_type { CONF_GROUP, CONF_LIST, CONF_ARRAY, CONF_STRING, CONF_INT, CONF_BOOL, CONF_FLOAT };

struct conf {
	const char *name;        /* NULL for list and array elements */
	enum conf_type type;
	const char *file;        /* the layout file holding the setting */
	int line;
	const char *dir;         /* host directory that relative paths in it are relative to */
	const char *str;         /* CONF_STRING */
	int64_t num;             /* CONF_INT, CONF_BOOL (0/1) */
	int wide;                /* CONF_INT written with an L suffix (int64) */
	double real;             /* CONF_FLOAT */
	struct conf **kids;      /* CONF_GROUP, CONF_LIST, CONF_ARRAY, in file order */
	size_t nkids;
};

/* The member NAME of group G, or NULL (also when G is NULL or not a group). */
const struct conf *conf_member(const struct conf *g, const char *name);
/* Element I of a group, list or array, or NULL. */
const struct conf *conf_elem(const struct conf *c, size_t i);
/* Number of members or elements (0 for scalars and NULL). */
size_t conf_length(const struct conf *c);
/* The string of C when it is one, else NULL. */
const char *conf_str(const struct conf *c);
/* Member NAME of G as a string, integer or bool: 1 and *out when present with that type,
 * else 0 (*out untouched). An integer outside int's range is absent for conf_int. */
int conf_lookup_string(const struct conf *g, const char *name, const char **out);
int conf_lookup_int(const struct conf *g, const char *name, int *out);
int conf_lookup_int64(const struct conf *g, const char *name, int64_t *out);
int conf_lookup_bool(const struct conf *g, const char *name, int *out);

/* "file:line" of C (static buffer: copy before the next call). */
const char *conf_where(const struct conf *c);
/* Report a layout error at C's file and line through the report sink. */
__attribute__((format(printf, 2, 3))) void conf_error(const struct conf *c, const char *fmt, ...);
/* A host path REL named by setting C: relative to the directory of the file holding C
 * (malloc'd). Absolute paths are kept. */
char *conf_host_path(const struct conf *c, const char *rel);

/* Each string of a string-or-strings setting (NULL: none): calls FN with the element
 * (for messages) and its text; ORs the results. */
int conf_each_string(const struct conf *c, int (*fn)(const struct conf *at, const char *s,
						    void *arg), void *arg);

#endif
