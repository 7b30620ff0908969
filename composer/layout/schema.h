/* Key checking for layout groups: every module declares the keys it accepts next to
 * its code; unknown keys and wrong types are rejected with file, line and a suggestion. */
#ifndef LSBIMG_SCHEMA_H
#define LSBIMG_SCHEMA_H

#include "layout/conf.h"

enum key_type {
	KEY_STRING,
	KEY_INT,      /* int or int64 */
	KEY_BOOL,
	KEY_GROUP,
	KEY_LIST,     /* ( ... ) */
	KEY_STRINGS,  /* a string, or an array/list of strings */
	KEY_SIZE,     /* an integer byte count, or a string like "64M" / "auto" */
	KEY_STRINGS_OR_BOOL, /* KEY_STRINGS, or true or false */
};

struct key {
	const char *name;
	enum key_type type;
	int required;
};

/* Check the settings of group S against KEYS (NULL-name terminated). WHAT names the group
 * in messages ("image", "entry"). Reports every problem; returns the number found. */
int schema_check(const struct conf *s, const struct key *keys, const char *what);

#endif
