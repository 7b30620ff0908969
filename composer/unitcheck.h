/* What a unit needs at boot, checked against the image: the units its Requires=/Wants=
 * name, and its ExecStart= programs. Shared by compose (the layout's own units) and
 * `lsbimg check` (every enabled unit). */
#ifndef LSBIMG_UNITCHECK_H
#define LSBIMG_UNITCHECK_H

#include "unitfile.h"

/* Called for each problem with the assignment it comes from and a message. */
typedef void (*unitcheck_fn)(void *arg, const struct unit_assign *at, const char *msg);

/* Check unit NAME. Returns 0 (problems, if any, went to FN), 1 when the unit is masked or
 * absent (nothing to check), -1 when it cannot be read (reported). */
int unitcheck_unit(const struct unitdb *db, const char *name, unitcheck_fn fn, void *arg);

#endif
