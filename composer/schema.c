/* Layout key checking with did-you-mean suggestions. */
#include "schema.h"
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(enum key_type t)
{
	switch (t) {
	case KEY_STRING: return "a string";
	case KEY_INT: return "an integer";
	case KEY_BOOL: return "true or false";
	case KEY_GROUP: return "a group { ... }";
	case KEY_LIST: return "a list ( ... )";
	case KEY_STRINGS: return "a string or a list of strings";
	case KEY_SIZE: return "a size (integer bytes or a string like \"64M\")";
	}
	return "?";
}

static int strings_only(const config_setting_t *s)
{
	int n = config_setting_length(s);
	for (int i = 0; i < n; i++)
		if (config_setting_type(config_setting_get_elem(s, i)) != CONFIG_TYPE_STRING)
			return 0;
	return 1;
}

static int type_ok(const config_setting_t *s, enum key_type t)
{
	int ct = config_setting_type(s);
	switch (t) {
	case KEY_STRING: return ct == CONFIG_TYPE_STRING;
	case KEY_INT: return ct == CONFIG_TYPE_INT || ct == CONFIG_TYPE_INT64;
	case KEY_BOOL: return ct == CONFIG_TYPE_BOOL;
	case KEY_GROUP: return ct == CONFIG_TYPE_GROUP;
	case KEY_LIST: return ct == CONFIG_TYPE_LIST;
	case KEY_STRINGS:
		return ct == CONFIG_TYPE_STRING ||
		       ((ct == CONFIG_TYPE_ARRAY || ct == CONFIG_TYPE_LIST) && strings_only(s));
	case KEY_SIZE:
		return ct == CONFIG_TYPE_STRING || ct == CONFIG_TYPE_INT || ct == CONFIG_TYPE_INT64;
	}
	return 0;
}

static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return (size_t)-1;
	size_t prev[65], cur[65];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}

const char *schema_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	for (size_t i = 0; candidates[i]; i++) {
		size_t d = distance(word, candidates[i]);
		if (d < bestd) {
			bestd = d;
			best = candidates[i];
		}
	}
	/* Close enough to be a typo: a third of the word, at least 2 edits. */
	size_t limit = strlen(word) / 3 > 2 ? strlen(word) / 3 : 2;
	return bestd <= limit ? best : NULL;
}

const char *schema_where(const config_setting_t *s)
{
	static char buf[4096];
	const char *f = config_setting_source_file(s);
	snprintf(buf, sizeof(buf), "%s:%d", f ? f : "(layout)", config_setting_source_line(s));
	return buf;
}

void schema_error(const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	const char *f = config_setting_source_file(s);
	diag_error_at(f ? f : "(layout)", config_setting_source_line(s), "%s",
		      msg);
	free(msg);
}

int schema_check(const config_setting_t *s, const struct key *keys, const char *what)
{
	int problems = 0, n = config_setting_length(s);
	const char *names[64];
	size_t nk = 0;

	for (; keys[nk].name && nk < 63; nk++)
		names[nk] = keys[nk].name;
	names[nk] = NULL;

	for (int i = 0; i < n; i++) {
		config_setting_t *c = config_setting_get_elem(s, i);
		const char *name = config_setting_name(c);
		const struct key *k = NULL;
		for (size_t j = 0; j < nk; j++)
			if (!strcmp(keys[j].name, name))
				k = &keys[j];
		if (!k) {
			const char *hint = schema_suggest(name, names);
			if (hint)
				schema_error(c, "unknown key '%s' in %s (did you mean '%s'?)", name,
					     what, hint);
			else
				schema_error(c, "unknown key '%s' in %s", name, what);
			problems++;
		} else if (!type_ok(c, k->type)) {
			schema_error(c, "%s.%s must be %s", what, name, type_name(k->type));
			problems++;
		}
	}
	for (size_t j = 0; j < nk; j++)
		if (keys[j].required && !config_setting_get_member(s, keys[j].name)) {
			schema_error(s, "%s needs '%s'", what, keys[j].name);
			problems++;
		}
	return problems;
}
