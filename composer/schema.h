/* Key checking for libconfig groups: every module declares the keys it accepts next to
 * its code; unknown keys and wrong types are rejected with file, line and a suggestion. */
#ifndef LSBIMG_SCHEMA_H
#define LSBIMG_SCHEMA_H

#include <libconfig.h>

enum key_type {
	KEY_STRING,
	KEY_INT,      /* int or int64 */
	KEY_BOOL,
	KEY_GROUP,
	KEY_LIST,     /* ( ... ) */
	KEY_STRINGS,  /* a string, or an array/list of strings */
	KEY_SIZE,     /* an integer byte count, or a string like "64M" / "auto" */
};

struct key {
	const char *name;
	enum key_type type;
	int required;
};

/* Check the settings of group S against KEYS (NULL-name terminated). WHAT names the group
 * in messages ("image", "entry"). Reports every problem; returns the number found. */
int schema_check(const config_setting_t *s, const struct key *keys, const char *what);

/* The closest of CANDIDATES (NULL-terminated) to WORD, or NULL if none is close. */
const char *schema_suggest(const char *word, const char *const *candidates);

/* "file:line" of a setting, for messages (static buffer: copy before the next call). */
const char *schema_where(const config_setting_t *s);
/* Report an error at setting S's file and line. */
__attribute__((format(printf, 2, 3))) void schema_error(const config_setting_t *s,
							const char *fmt, ...);

#endif
