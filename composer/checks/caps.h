/* The units' capability table: every L4_CAP_* variable of every unit in an image (after
 * drop-ins), and the caps check that each names a capability the ned script declares.
 * `lsbimg caps` prints the table; compose and `lsbimg check` run the check. */
#ifndef LSBIMG_CAPS_H
#define LSBIMG_CAPS_H

#include "formats/nedcfg.h"
#include "model/fsview.h"

#include <stdio.h>

#define CAPS_PREFIX "L4_CAP_"

/* One L4_CAP_* assignment of an installed unit (after drop-ins). */
struct cap_use {
	char *unit, *var, *cap;
	char *file;   /* fragment or drop-in holding the effective assignment */
	int line;
};

/* Every L4_CAP_* variable of every unit in the image, sorted by unit and variable.
 * Returns the count, or -1 after reporting unit syntax errors. */
int caps_collect(struct fsview *v, struct cap_use **uses);
void caps_free(struct cap_use *uses, int n);
/* NULL when USE's capability is one CFG (read from CFGPATH) declares, else the message
 * naming unit, variable, value and the closest declared name (malloc'd). */
char *caps_undeclared(const struct cap_use *use, const struct nedcfg *cfg, const char *cfgpath);
/* Print the table unit -> variable -> capability, plain or JSON. */
void caps_print(FILE *f, const struct cap_use *uses, int n, int json);

#endif
