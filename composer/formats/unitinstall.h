/* Offline enabling, masking and default target, with the same symlinks (names and
 * targets) as `systemctl --root=DIR enable|mask|set-default` of systemd 252:
 * links live in /etc/systemd/system and point at the unit file's absolute image path. */
#ifndef LSBIMG_UNITINSTALL_H
#define LSBIMG_UNITINSTALL_H

#include "model/tree.h"
#include "formats/unitfile.h"

struct unit_link {
	char *path;     /* image path of the symlink */
	char *target;
};

struct install_plan {
	struct unit_link *links;
	size_t n, cap;
};

/* Plan `systemctl enable NAME`: [Install] WantedBy=, RequiredBy=, Alias=, Also=,
 * DefaultInstance= and instances of templates. Errors (missing or masked unit, invalid
 * alias, template into a non-template target, conflicting links) are reported with the
 * unit file and line; returns 0 or -1. */
int unit_enable(const struct unitdb *db, const char *name, struct install_plan *plan);
/* Plan `systemctl mask NAME`. */
int unit_mask(const struct unitdb *db, const char *name, struct install_plan *plan);
/* Plan `systemctl set-default NAME` (".target" is appended when missing). */
int unit_set_default(const struct unitdb *db, const char *name, struct install_plan *plan);
/* Add the planned symlinks to T (an identical existing link is accepted). ORIGIN is kept
 * on the nodes for messages. 0 or -1 after reporting. */
int install_plan_apply(const struct install_plan *plan, struct tree *t, const char *origin);
void install_plan_free(struct install_plan *plan);

#endif
