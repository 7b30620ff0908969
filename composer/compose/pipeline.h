/* compose: layout -> plans -> tree -> checks -> writer -> staging, each step once, in that
 * order. The commands (cli/) and the tests call this, never the steps one by one. */
#ifndef LSBIMG_PIPELINE_H
#define LSBIMG_PIPELINE_H

#include "checks/check.h"
#include "io/output.h"
#include "layout/layout.h"
#include "model/params.h"
#include "model/tree.h"

/* What the command line says beyond the layout. */
struct compose_opts {
	const char *caps_cfg;    /* the ned script instead of systemd.caps_cfg (NULL: the
				  * layout's), `--caps-cfg` of compose and caps */
};

struct disk_plan;

struct composition {
	struct compose_opts opts;
	struct layout layout;
	struct image_params img;
	struct tree *tree;
	struct check_opts checks;
	void **plans;            /* one per section of the pipeline's table */
	/* A disk layout (a top-level `disk` group): no tree of its own, but its partitions'
	 * plan and one composition per partition (composed from its layout, else empty). */
	struct disk_plan *disk;
	struct composition *parts;
	char *output;            /* a disk's own copy of its default output path (the
				  * partitions' layouts reuse image_parse's buffer) */
};

/* Read the layout at PATH, parse every section, apply the plans to a new tree and run
 * the checks on it. EXIT_OK; EXIT_USAGE for layout errors (nothing applied); EXIT_FAILED
 * for host or check problems. Free C with compose_free whatever the result. */
int compose_build(const char *path, const struct compose_opts *o, struct composition *c);
/* compose_build without the checks: the frozen tree and the check options the sections
 * set (for `lsbimg caps LAYOUT`, which runs the caps check alone). */
int compose_prepare(const char *path, const struct compose_opts *o, struct composition *c);
/* Write the composed image (c->img says where and how) and stage a copy when
 * c->img.stage is not "". A disk layout's partitions are written into temporaries beside
 * the output and copied into the disk at their offsets. EXIT_OK or EXIT_FAILED;
 * *staged (malloc'd) names the copy. */
int compose_write(struct composition *c, struct output_result *res, char **staged);
void compose_free(struct composition *c);

#endif
