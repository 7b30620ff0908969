/* A kernel module tree (lib/modules/VERSION, after depmod) read through libkmod, to find
 * what modprobe would load for a name: the module or every module an alias names, their
 * dependencies and soft dependencies (pre: and post:, from modules.softdep and the
 * modprobe.d of the tree's root), in modprobe's load order. */
#ifndef LSBIMG_KMODTREE_H
#define LSBIMG_KMODTREE_H

#include <stddef.h>

struct kmodtree_module {
	char *path;       /* relative to the tree */
	int required;     /* a named module or one it depends on; else only a soft dependency
			   * (or one of its dependencies), whose failure modprobe ignores */
};

struct kmodtree {
	struct kmod_ctx *ctx;
	char *dir;        /* the module tree, absolute */
	struct kmodtree_module *order;  /* in load order (malloc'd) */
	size_t norder;
	unsigned builtin; /* names that were built into the kernel */
};

/* Open the tree DIR (absolute); modprobe.d configuration comes from ROOT's etc/, run/,
 * lib/ and usr/lib/ (ROOT NULL: none, never the host's). 0, or -1 with a static reason in
 * *WHY. libkmod also reads /proc/cmdline, which can only blacklist or give options: both
 * unused here. */
int kmodtree_open(struct kmodtree *k, const char *dir, const char *root, const char **why);
void kmodtree_close(struct kmodtree *k);

/* Append what NAME (a module name, '-' and '_' alike, or an alias) needs to k->order,
 * each module once: 0, 1 when NAME names nothing in the tree, or -1 with a static reason
 * in *WHY (a module file outside the tree, an install command). */
int kmodtree_add(struct kmodtree *k, const char *name, const char **why);

/* The module name closest to NAME, for "did you mean" (static until the next call), or
 * NULL. Reads modules.dep. */
const char *kmodtree_closest(struct kmodtree *k, const char *name);

#endif
