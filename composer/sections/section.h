/* A layout section: one top-level group (or, for entries, the lists named entries and
 * entries_*) and the module that gives it meaning, in three phases:
 *   parse  settings -> a plain C plan. No host I/O; every problem is a layout error
 *          (file:line, exit 2).
 *   apply  plan -> tree. Host files are read here; their problems exit 1.
 *   checks what the finished tree must satisfy: the section fills its part of the check
 *          options, and the one check table (checks/check.h) runs them.
 * compose/pipeline.c holds the table of sections and runs the phases in its order. */
#ifndef LSBIMG_SECTION_H
#define LSBIMG_SECTION_H

#include "base/pathfilter.h"
#include "checks/check.h"
#include "layout/conf.h"
#include "layout/schema.h"
#include "model/params.h"
#include "model/tree.h"

/* What apply works on. */
struct section_ctx {
	struct tree *tree;
	const struct image_params *img;
	struct check_opts *checks;   /* apply adds what its checks need */
	const char *caps_cfg;        /* the ned script the systemd section checks the units'
				      * capabilities against and records, instead of
				      * systemd.caps_cfg (compose_opts; NULL: the layout's) */
};

struct section {
	const char *name;
	const struct key *keys;   /* checked before parse; NULL for the entry lists */
	/* S is the section's setting (NULL when the layout has none; then parse may still
	 * make a plan of defaults, or leave *plan NULL to skip the section). 0 and *plan,
	 * or -1 after reporting. */
	int (*parse)(const struct conf *s, const struct image_params *img, void **plan);
	/* 0, or -1 after reporting. */
	int (*apply)(void *plan, struct section_ctx *ctx);
	void (*free)(void *plan);
};

extern const struct section entries_section, musl_section, kmod_section, systemd_section;

/* After every section's apply: the owners and groups entries name (`owner`, `group`),
 * looked up in the image's final /etc/passwd and /etc/group and set on the entries'
 * nodes. PLAN is the entries' (NULL: none). 0, or -1 after reporting. */
int entries_finish(void *plan, struct section_ctx *ctx);

/* The `image` group -> P; LAYOUT names the default output, DIGEST seeds the ids.
 * 0, or -1 after reporting layout errors. */
int image_parse(const struct conf *img, const char *layout, const unsigned char digest[64],
		struct image_params *p);

/* The `image` group of a disk layout (name, size, output, stage, uuid) -> P, with format
 * "disk". 0, or -1 after reporting. */
int image_parse_disk(const struct conf *img, const char *layout,
		     const unsigned char digest[64], struct image_params *p);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" -> 16 bytes: 0, else -1 (no message). */
int image_uuid_parse(const char *text, unsigned char out[16]);
/* A size setting S of group WHAT: integer bytes, "64M" or "auto" (0). 0, or -1 after
 * reporting. */
int section_size(const struct conf *s, const char *what, uint64_t *out);

/* An image path named by setting AT (WHAT names it in messages: "path", "kmods.dest"):
 * absolute, without "." or ".." components, no name longer than ext2's 255 bytes. 0, or
 * -1 after reporting. Repeated and trailing slashes are fine. */
int section_image_path(const struct conf *at, const char *what, const char *path);

/* The `include` and `exclude` patterns of group G into F (initialized; free it with
 * pathfilter_free): 0, or -1 after reporting a pattern that is not a relative path. */
int section_filter_parse(const struct conf *g, struct pathfilter *f);
/* After the import F filtered: a warning at each of G's patterns that matched nothing. */
void section_filter_warn(const struct conf *g, const struct pathfilter *f);

#endif
