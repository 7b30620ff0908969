/* Capability names declared by a ned (Lua) configuration such as cfg/bash.cfg.
 * This is a tokenizer-level reader, not a Lua interpreter: it collects the keys of every
 * `caps = { ... }` table constructor and every `caps.NAME = ...` / `caps["NAME"] = ...`
 * assignment, which is how ned scripts hand capabilities to the programs they start. */
#ifndef LSBIMG_NEDCFG_H
#define LSBIMG_NEDCFG_H

#include <stddef.h>

struct nedcfg {
	const char **names;   /* declared capability names, NULL-terminated, first-seen order */
	int *lines;           /* line of each name's first declaration */
	size_t n, cap;
};

/* Parse BUF (LEN bytes; need not be NUL-terminated) from FILE (for messages). Syntax
 * problems are reported as "FILE:LINE: error: ..."; returns 0, or -1 after reporting. */
int nedcfg_parse(struct nedcfg *c, const char *file, const char *buf, size_t len);
/* Read and parse the host file PATH. */
int nedcfg_load(struct nedcfg *c, const char *path);
/* Non-zero if NAME is declared. */
int nedcfg_has(const struct nedcfg *c, const char *name);
void nedcfg_free(struct nedcfg *c);

#endif
