/* The one table of checks. Each check reads an image's files through an fsview, so the
 * same code runs at compose time on the tree being built and in `lsbimg check` on an
 * image file; it reports what it finds through the report sink (base/diag.h), errors
 * for problems and warnings for what may be intended (errors when strict). A new check
 * is one row in check.c's table. */
#ifndef LSBIMG_CHECK_H
#define LSBIMG_CHECK_H

#include "io/image.h"
#include "model/fsview.h"
#include "model/tree.h"

#include <stddef.h>

/* What the checks are told: at compose time by the layout's sections, in `lsbimg check`
 * by the command line. */
struct check_opts {
	int strict;            /* every warning is a problem */
	int elf;               /* check the ELF closure (always in `lsbimg check`) */
	const char *arch;      /* ... for this machine; NULL: the image's own (its loader's) */
	int elf_warn;          /* closure problems are warnings (musl.strict = false) */
	const char *elf_file;  /* the layout setting that asked for the check, for a summary */
	int elf_line;          /* ... naming how many problems and what to change (compose) */
	int units;             /* check the systemd units */
	int units_strict;      /* unit sanity warnings are problems (systemd.strict) */
	const char **own_units;/* units checked besides the enabled ones; NULL: those the
				* image's record names (checks/record.h) */
	size_t n_own_units;
	int caps;              /* check the units' L4_CAP_* values against the ned script the
				* image records, or ... */
	const char *caps_cfg;  /* ... against this host file instead (--caps-cfg; at compose,
				* the layout's script when it could not be read) */
	const char *caps_at;   /* where caps_cfg was named, for messages (NULL: command line) */
};

struct check_ctx {
	const struct check_opts *opts;
	struct fsview *view;
	struct image *img;   /* the image through libext2fs; NULL at compose time */
	struct tree *tree;   /* the tree being composed; NULL in `lsbimg check` */
};

struct check {
	const char *name;
	/* Runs the check; returns -1 when it could not run at all (reported). */
	int (*run)(struct check_ctx *c);
	/* Whether it applies (NULL: always). */
	int (*wanted)(const struct check_ctx *c);
	/* Whether warnings are problems beyond opts->strict (NULL: no). */
	int (*strict)(const struct check_opts *o);
};

extern const struct check check_table[];
extern const size_t check_count;

/* Run every wanted check of the table on C. Before and after each, BEGIN and END (may be
 * NULL) are called with the check and ARG; END gets the number of errors it reported and
 * whether it ran (a check that could not run has reported why, as an error). Returns the
 * total number of errors. */
unsigned checks_run(struct check_ctx *c, void (*begin)(const struct check *k, void *arg),
		    void (*end)(const struct check *k, unsigned errors, int ran, void *arg),
		    void *arg);

/* The checks (one file each). */
int check_filesystem(struct check_ctx *c);   /* check_fs.c: needs c->img */
int check_elf(struct check_ctx *c);          /* check_elf.c */
int check_units(struct check_ctx *c);        /* check_units.c */
int check_caps(struct check_ctx *c);         /* check_caps.c */
int check_symlinks(struct check_ctx *c);     /* check_symlinks.c */

#endif
