/* Layout loading: a libconfig file (with @include) becomes image parameters and a tree.
 * Optional top-level sections (musl, systemd, ...) are handled by their own modules,
 * registered in layout.c's section table, each declaring its keys next to its code. */
#ifndef LSBIMG_LAYOUT_H
#define LSBIMG_LAYOUT_H

#include "schema.h"
#include "tree.h"

#include <libconfig.h>
#include <stdint.h>

struct image_params {
	const char *name;        /* output stem */
	uint64_t size;           /* bytes; 0 = auto */
	uint64_t headroom_bytes; /* auto size: extra free space ... */
	unsigned headroom_pct;   /* ... or percent of content */
	unsigned block_size;
	unsigned inode_size;
	uint64_t inodes;         /* 0 = auto */
	char label[17];
	unsigned char uuid[16];
	uint32_t hash_seed[4];
	int64_t timestamp;
	const char *output;      /* image path */
	const char *stage;       /* staging directory, "" = none */
	const char *format;      /* "ext2", "tar", "cpio" */
	int strict;              /* warnings become errors */
};

struct layout_ctx {
	const char *path;          /* the layout file */
	config_t *cfg;
	struct tree *tree;
	struct image_params img;
};

/* A top-level layout section owned by another module. Its KEYS are checked with the
 * image's, so a bad key is a layout error (exit 2). APPLY adds to the tree after the
 * entries; CHECK (optional) validates the finished tree. Both return 0 or -1 after
 * reporting errors. */
struct layout_section {
	const char *name;
	const struct key *keys;
	int (*apply)(const config_setting_t *s, struct layout_ctx *ctx);
	int (*check)(const config_setting_t *s, struct layout_ctx *ctx);
};

/* Load PATH: parse, validate keys, fill img, build the tree, run section checks.
 * Returns EXIT_OK, EXIT_USAGE (syntax/keys/types) or EXIT_FAILED (sources, checks). */
int layout_load(const char *path, struct layout_ctx *ctx);
void layout_free(struct layout_ctx *ctx);

/* "file:line" of S, kept in the tree's memory (for node origins). */
const char *layout_origin(struct layout_ctx *ctx, const config_setting_t *s);
/* A host path named in the layout: relative to the directory of the file holding S. */
char *layout_host_path(const config_setting_t *s, const char *rel);
/* Read key KEY of S as an octal mode string ("0755"); 0 if absent, -1 on error. */
int layout_mode(const config_setting_t *s, const char *key, unsigned *mode);
/* Parse "64M", "1G", "4096" (also integers). 0 on success. */
int layout_parse_size(const char *text, uint64_t *out);

#endif
