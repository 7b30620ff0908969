/* /etc/passwd, /etc/group, /etc/shadow, /etc/gshadow from the layout's users and groups
 * plus the u/g/m lines of the sysusers.d fragments in the image, with ids allocated the
 * way systemd-sysusers 252 allocates them (deterministic for a given input). Part of the
 * systemd section (keys `users` and `groups`). */
#ifndef LSBIMG_USERS_H
#define LSBIMG_USERS_H

#include "layout/conf.h"
#include "model/tree.h"

#include <stddef.h>
#include <stdint.h>

struct group_decl {
	const struct conf *at;
	const char *name;
	long long gid;
	const char **members;     /* NULL-terminated */
};

struct user_decl {
	const struct conf *at;
	const char *name, *group, *gecos, *home, *shell, *password;
	long long uid, gid;       /* gid -1: by group name, or a group named like the user */
	const char **groups;      /* supplementary, NULL-terminated */
};

struct users_plan {
	const struct conf *at;    /* the users (or groups) list, for the files' origin */
	struct user_decl *u;
	size_t nu;
	struct group_decl *g;
	size_t ng;
};

/* The layout's USERS and GROUPS lists (either may be NULL) -> P. 0, or -1 after
 * reporting layout errors; free P with users_plan_free either way. */
int users_parse(const struct conf *users, const struct conf *groups, struct users_plan *p);
void users_plan_free(struct users_plan *p);

/* Existing /etc files in T are kept and extended (shadow dates from TIMESTAMP). Nothing is
 * written when there is nothing to add. 0, or -1 after reporting. */
int users_apply(const struct users_plan *p, struct tree *t, int64_t timestamp);

/* The names of the image's users and groups, as /etc/passwd and /etc/group in T say (an
 * absent file: none). NULL after reporting a malformed line. */
struct users_ids;
struct users_ids *users_ids_load(struct tree *t);
/* The id of the user (USER set) or group NAME: 0 and *ID, or -1 with *HINT a close name
 * (or NULL), valid while U is. */
int users_ids_find(const struct users_ids *u, int user, const char *name, unsigned *id,
		   const char **hint);
void users_ids_free(struct users_ids *u);

#endif
