/* /etc/passwd, /etc/group, /etc/shadow, /etc/gshadow from the layout's users and groups
 * plus the u/g/m lines of the sysusers.d fragments in the image, with ids allocated the
 * way systemd-sysusers 252 allocates them (deterministic for a given input). */
#ifndef LSBIMG_USERS_H
#define LSBIMG_USERS_H

#include "layout.h"

#include <libconfig.h>

/* USERS and GROUPS are the layout's lists (either may be NULL). Existing /etc files in
 * the tree are kept and extended. Nothing is written when there is nothing to add.
 * 0, or -1 after reporting (EXIT_USAGE-class problems are reported at the setting). */
int users_apply(const config_setting_t *users, const config_setting_t *groups,
		struct layout_ctx *ctx);

#endif
