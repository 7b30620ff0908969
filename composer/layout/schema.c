/* Layout key checking with did-you-mean suggestions. */
#include "layout/schema.h"
#include "base/diag.h"
#include "base/suggest.h"
#include "layout/conf.h"

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
	case KEY_STRINGS_OR_BOOL: return "false, or a string or a list of strings";
	}
	return "?";
}

static int strings_only(const struct conf *s)
{
	for (size_t i = 0; i < conf_length(s); i++)
		if (s->kids[i]->type != CONF_STRING)
			return 0;
	return 1;
}

static int type_ok(const struct conf *s, enum key_type t)
{
	enum conf_type ct = s->type;
	switch (t) {
	case KEY_STRING: return ct == CONF_STRING;
	case KEY_INT: return ct == CONF_INT;
	case KEY_BOOL: return ct == CONF_BOOL;
	case KEY_GROUP: return ct == CONF_GROUP;
	case KEY_LIST: return ct == CONF_LIST;
	case KEY_STRINGS:
		return ct == CONF_STRING || ((ct == CONF_ARRAY || ct == CONF_LIST) && strings_only(s));
	case KEY_SIZE:
		return ct == CONF_STRING || ct == CONF_INT;
	case KEY_STRINGS_OR_BOOL:
		return ct == CONF_BOOL || type_ok(s, KEY_STRINGS);
	}
	return 0;
}

int schema_check(const struct conf *s, const struct key *keys, const char *what)
{
	int problems = 0;
	size_t n = conf_length(s);
	const char *names[64];
	size_t nk = 0;

	for (; keys[nk].name && nk < 63; nk++)
		names[nk] = keys[nk].name;
	names[nk] = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct conf *c = s->kids[i];
		const char *name = c->name;
		const struct key *k = NULL;
		for (size_t j = 0; j < nk; j++)
			if (!strcmp(keys[j].name, name))
				k = &keys[j];
		if (!k) {
			char *valid = suggest_valid(name, names, "keys");
			conf_error(c, "unknown key '%s' in %s%s", name, what, valid);
			free(valid);
			problems++;
		} else if (!type_ok(c, k->type)) {
			conf_error(c, "%s.%s must be %s", what, name, type_name(k->type));
			problems++;
		}
	}
	for (size_t j = 0; j < nk; j++)
		if (keys[j].required && !conf_member(s, keys[j].name)) {
			conf_error(s, "%s needs '%s'", what, keys[j].name);
			problems++;
		}
	return problems;
}
