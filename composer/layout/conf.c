/* Reading a layout's settings: lookups over the plain conf tree built by layout.c. */
#include "layout/conf.h"
#include "base/diag.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct conf *conf_member(const struct conf *g, const char *name)
{
	if (!g || g->type != CONF_GROUP)
		return NULL;
	for (size_t i = 0; i < g->nkids; i++)
		if (!strcmp(g->kids[i]->name, name))
			return g->kids[i];
	return NULL;
}

const struct conf *conf_elem(const struct conf *c, size_t i)
{
	return c && i < conf_length(c) ? c->kids[i] : NULL;
}

size_t conf_length(const struct conf *c)
{
	if (!c || (c->type != CONF_GROUP && c->type != CONF_LIST && c->type != CONF_ARRAY))
		return 0;
	return c->nkids;
}

const char *conf_str(const struct conf *c)
{
	return c && c->type == CONF_STRING ? c->str : NULL;
}

int conf_lookup_string(const struct conf *g, const char *name, const char **out)
{
	const char *s = conf_str(conf_member(g, name));
	if (s)
		*out = s;
	return s != NULL;
}

int conf_lookup_int64(const struct conf *g, const char *name, int64_t *out)
{
	const struct conf *c = conf_member(g, name);
	if (!c || c->type != CONF_INT)
		return 0;
	*out = c->num;
	return 1;
}

int conf_lookup_int(const struct conf *g, const char *name, int *out)
{
	int64_t v;
	if (!conf_lookup_int64(g, name, &v) || v < INT_MIN || v > INT_MAX)
		return 0;
	*out = (int)v;
	return 1;
}

int conf_lookup_bool(const struct conf *g, const char *name, int *out)
{
	const struct conf *c = conf_member(g, name);
	if (!c || c->type != CONF_BOOL)
		return 0;
	*out = (int)c->num;
	return 1;
}

const char *conf_where(const struct conf *c)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s:%d", c && c->file ? c->file : "(layout)", c ? c->line : 0);
	return buf;
}

void conf_error(const struct conf *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error_at(c && c->file ? c->file : "(layout)", c ? c->line : 0, "%s", msg);
	free(msg);
}

char *conf_host_path(const struct conf *c, const char *rel)
{
	if (rel[0] == '/' || !c->dir || !strcmp(c->dir, "."))
		return xstrdup(rel);
	return xasprintf("%s/%s", c->dir, rel);
}

int conf_each_string(const struct conf *c, int (*fn)(const struct conf *at, const char *s,
						    void *arg), void *arg)
{
	if (!c)
		return 0;
	if (c->type == CONF_STRING)
		return fn(c, c->str, arg);
	int rc = 0;
	for (size_t i = 0; i < conf_length(c); i++)
		rc |= fn(c->kids[i], conf_str(c->kids[i]), arg);
	return rc;
}
