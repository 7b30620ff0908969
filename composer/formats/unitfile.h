/* systemd unit files: the syntax of systemd.syntax(7), unit names, the words of a value,
 * and finding a unit with its drop-ins in an image (through an fsview). */
#ifndef LSBIMG_UNITFILE_H
#define LSBIMG_UNITFILE_H

#include "model/fsview.h"

#include <stddef.h>

/* Where a further line of a continued value starts: the offset in the value, its line. */
struct unit_seg {
	size_t off;
	int line;
};

struct unit_assign {
	const char *section, *key, *value;
	const char *file;   /* the fragment or drop-in it came from */
	int line;           /* first line of the (possibly continued) assignment */
	const struct unit_seg *segs;  /* the value's further lines, by offset */
	size_t nsegs;
};
/* The line of the byte at OFF in A's value. */
int unit_assign_line(const struct unit_assign *a, size_t off);

struct unitfile {
	char *name;         /* unit name as asked for, e.g. "getty@tty1.service" */
	char *path;         /* image path of the fragment (NULL when parsed from a buffer) */
	struct unit_assign *a;
	size_t n, cap;
	char **strs;        /* strings owned by the unitfile */
	size_t nstrs;
};

/* Append BUF's assignments to U. Lines systemd ignores (no '=', outside a section)
 * draw a warning with FILE:LINE, as systemd logs them, unless QUIET; a NUL byte or a
 * section header without ']' is an error. Each message is reported once per process
 * however often the file is parsed (unitfile_reports_reset forgets them). Returns 0, or
 * -1 after reporting. */
int unitfile_parse(struct unitfile *u, const char *file, const char *buf, size_t len);
int unitfile_parse_quiet(struct unitfile *u, const char *file, const char *buf, size_t len,
			 int quiet);
void unitfile_reports_reset(void);
/* The effective assignments of KEY in SECTION for list-valued settings: those after the
 * last empty assignment (which resets the list), in order. Returns the count and a
 * malloc'd array in *out (NULL when 0). */
size_t unitfile_list(const struct unitfile *u, const char *section, const char *key,
		     const struct unit_assign ***out);
/* The last assignment of KEY in SECTION (single-valued settings), or NULL. */
const struct unit_assign *unitfile_last(const struct unitfile *u, const char *section,
					const char *key);
void unitfile_free(struct unitfile *u);

/* Split VALUE into words like systemd's Environment=/WantedBy= parsers do: whitespace
 * separated, "..." and '...' quoting, C escapes. Returns the count (words in *words,
 * a NULL-terminated malloc'd array), or -1 with a reason in *why. */
int unit_words(const char *value, char ***words, const char **why);
/* The same, with each word's offset in VALUE in *pos (malloc'd), and on failure the offset
 * of the word that failed in *errpos. */
int unit_words_pos(const char *value, char ***words, size_t **pos, const char **why,
		   size_t *errpos);
void unit_words_free(char **words);

/* Environment= of a unit as systemd reads it: each assignment split into words, the
 * specifiers of each word expanded, resets applied, later assignments of a variable
 * replacing earlier ones. FILE and LINE are where the effective word stands (the line
 * inside a continued assignment). Invalid words are reported as errors and left out, as
 * systemd leaves them out. Returns the count. */
struct unit_env {
	char *var, *value;
	const struct unit_assign *at;  /* the Environment= or EnvironmentFile= assignment */
	char *file;
	int line;
};
int unit_environment(const struct unitfile *u, struct unit_env **env);
void unit_env_free(struct unit_env *env, int n);

/* Unit names (systemd.unit(5)). */
enum unit_kind { UNIT_INVALID = -1, UNIT_PLAIN, UNIT_TEMPLATE, UNIT_INSTANCE };
enum unit_kind unit_name_kind(const char *name);
/* "foo@bar.service" -> "foo@.service"; NULL when NAME is not an instance. malloc'd. */
char *unit_name_template(const char *name);
/* "foo@.service" + "bar" -> "foo@bar.service" (malloc'd). */
char *unit_name_instantiate(const char *template, const char *instance);
/* Expand the name specifiers of systemd's [Install] and Environment= (%n %N %p %i %j
 * %%) for unit NAME; other specifiers describe the running host and are refused.
 * malloc'd result, or NULL with *why set. */
char *unit_specifiers(const char *name, const char *text, const char **why);

/* The unit search path of Debian 12's system manager (systemd 252), highest priority
 * first: /lib/systemd/system comes before /usr/lib/systemd/system. */
extern const char *const unit_search_path[];

/* Every path under the unit search path and drop-in directories of an image, named as
 * systemd names them: like systemd's lookup_paths_reduce, only the directories that exist
 * count, and of several that are the same directory (through /lib -> usr/lib) only the
 * first: with that link, a unit installed in /usr/lib/systemd/system is
 * /lib/systemd/system/NAME, the path systemctl links to. */
struct unitdb {
	struct fsview *v;
	char **paths;       /* sorted */
	size_t n, cap;
	char **search;      /* the reduced search path */
	size_t nsearch;
	int quiet;          /* unit file warnings are not reported (errors are) */
};
int unitdb_init(struct unitdb *db, struct fsview *v);
void unitdb_free(struct unitdb *db);
/* Whether PATH is DIR/NAME for a directory DIR of the reduced search path. */
int unitdb_in_search_path(const struct unitdb *db, const char *path);
/* Environment= and then EnvironmentFile= (files read from the image, whose values
 * override Environment='s, as systemd applies them at start); FILE and LINE of an entry
 * from a file are the file's. A missing file without the '-' prefix is a warning (the
 * unit would fail to start), invalid lines in a file are warnings (systemd ignores
 * them). Returns the count. */
int unit_environment_all(const struct unitdb *db, const struct unitfile *u,
			 struct unit_env **env);
/* The image path of NAME's fragment (an instance falls back to its template), or NULL.
 * A returned path may be a symlink (alias or mask); *masked is set for /dev/null. */
const char *unitdb_find(const struct unitdb *db, const char *name, int *masked);
/* Load NAME: its fragment and drop-ins (<name>.d, the template's, the dash prefixes' and
 * the type's directories; a later search-path file of the same name is shadowed, files
 * applied in name order). 0, 1 when the unit does not exist or is masked, -1 after
 * reporting a syntax error. */
int unitdb_load(const struct unitdb *db, const char *name, struct unitfile *u);

#endif
