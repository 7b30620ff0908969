/* The units' capability table and the caps check: every L4_CAP_* variable of every unit in
 * an image (after drop-ins and environment files) must name a capability that the ned
 * script hands to the task running /sbin/init (formats/nedcfg.h). compose, `lsbimg check`
 * and `lsbimg caps` all run caps_evaluate, so they give one verdict for one image and one
 * script: the script the image records (checks/record.h), or the one named with
 * --caps-cfg. */
#ifndef LSBIMG_CAPS_H
#define LSBIMG_CAPS_H

#include "checks/check.h"
#include "model/fsview.h"

#include <stdio.h>

#define CAPS_PREFIX "L4_CAP_"

/* One L4_CAP_* assignment of an installed unit (after drop-ins). */
struct cap_use {
	char *unit, *var, *cap;
	char *file;     /* fragment, drop-in or environment file holding the effective value */
	int line;
	/* Set by caps_evaluate when the script could be evaluated: */
	char *given_at; /* "SCRIPT:LINE" of the start handing the capability to init */
	char *problem;  /* why the units do not get it (NULL: they do) */
};

/* Every L4_CAP_* variable of every unit in the image, sorted by unit and variable.
 * Returns the count, or -1 after reporting unit syntax errors. */
int caps_collect(struct fsview *v, struct cap_use **uses);
void caps_free(struct cap_use *uses, int n);

struct caps_result {
	struct cap_use *uses;
	int n;              /* -1: the units could not be read */
	int checked;        /* the uses were validated against a script */
	int problems;       /* uses with a problem */
};
/* The caps check: collect, find the ned script, evaluate it, validate every use; every
 * problem is reported through the sink with its unit file and line. 0, or -1 when the
 * check could not run (no script, a script with errors; reported as errors). */
int caps_evaluate(struct check_ctx *c, struct caps_result *r);
void caps_result_free(struct caps_result *r);
/* Print the table unit -> variable -> capability and where the script gives it (or the
 * problem), plain or JSON. */
void caps_print(FILE *f, const struct cap_use *uses, int n, int json);

#endif
