/* The `systemd` layout section: units, enabling, machine-id, users, L4 capabilities. */
#ifndef LSBIMG_SYSTEMD_H
#define LSBIMG_SYSTEMD_H

#include "fsview.h"
#include "layout.h"
#include "nedcfg.h"

#include <stdio.h>

extern const struct layout_section systemd_section;

/* Where unit directories named by the layout are installed. */
#define SYSTEMD_UNIT_DIR "/usr/lib/systemd/system"

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
