/* The compose pipeline and its table of sections. */
#include "compose/pipeline.h"
#include "base/diag.h"
#include "base/suggest.h"
#include "io/stage.h"
#include "model/fsview.h"
#include "sections/section.h"

#include <stdlib.h>
#include <string.h>

/* Applied in this order: the entries first, systemd last (enabling and the users step
 * read the finished tree). */
static const struct section *const sections[] = {
	&entries_section,
	&musl_section,
	&kmod_section,
	&systemd_section,
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

/* The entry lists are `entries` and `entries_*`. */
static int is_entry_list(const char *name)
{
	return !strcmp(name, "entries") || !strncmp(name, "entries_", 8);
}

static const struct section *find_section(const char *name)
{
	for (size_t i = 0; i < N_SECTIONS; i++)
		if (!strcmp(sections[i]->name, name) ||
		    (sections[i] == &entries_section && is_entry_list(name)))
			return sections[i];
	return NULL;
}

/* Top-level keys: image, the entry lists and the sections' groups, with their keys. */
static int check_top(const struct conf *root)
{
	const char *names[N_SECTIONS + 2] = { "image" };
	int problems = 0;
	for (size_t i = 0; i < N_SECTIONS; i++)
		names[i + 1] = sections[i]->name;
	for (size_t i = 0; i < conf_length(root); i++) {
		const struct conf *c = conf_elem(root, i);
		const struct section *s = find_section(c->name);
		if (!strcmp(c->name, "image") || (s && !s->keys))
			continue;
		if (!s) {
			const char *hint = suggest(c->name, names);
			conf_error(c, "unknown top-level key '%s'%s%s%s", c->name,
				   hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
			problems++;
		} else if (c->type != CONF_GROUP) {
			conf_error(c, "%s must be a group { ... }", c->name);
			problems++;
		} else {
			problems += schema_check(c, s->keys, c->name);
		}
	}
	return problems;
}

/* Every section's plan; the entry lists share one. */
static int parse(struct composition *c)
{
	const struct conf *root = c->layout.root;
	int failed = 0;
	for (size_t i = 0; i < conf_length(root); i++) {
		const struct conf *s = conf_elem(root, i);
		if (is_entry_list(s->name))
			failed |= entries_section.parse(s, &c->img, &c->plans[0]) != 0;
	}
	for (size_t i = 1; i < N_SECTIONS; i++)
		failed |= sections[i]->parse(conf_member(root, sections[i]->name), &c->img,
					     &c->plans[i]) != 0;
	return failed ? -1 : 0;
}

int compose_prepare(const char *path, struct composition *c)
{
	memset(c, 0, sizeof(*c));
	c->plans = xcalloc(N_SECTIONS, sizeof(*c->plans));
	int rc = layout_read(path, &c->layout);
	if (rc)
		return rc;
	const struct conf *root = c->layout.root;
	if (check_top(root) ||
	    image_parse(conf_member(root, "image"), path, c->layout.digest, &c->img) ||
	    parse(c))
		return EXIT_USAGE;

	c->tree = tree_new(0);
	tree_set_mtime(c->tree, c->img.timestamp);
	c->checks.strict = c->img.strict;
	struct section_ctx ctx = { c->tree, &c->img, &c->checks };
	int failed = 0;
	for (size_t i = 0; i < N_SECTIONS; i++)
		if (c->plans[i] && sections[i]->apply(c->plans[i], &ctx))
			failed = 1;
	/* Owners by name: the users and packages are all in now. */
	if (!failed && entries_finish(c->plans[0], &ctx))
		failed = 1;
	if (failed)
		return EXIT_FAILED;
	tree_freeze(c->tree);
	return EXIT_OK;
}

int compose_build(const char *path, struct composition *c)
{
	int rc = compose_prepare(path, c);
	if (rc)
		return rc;
	struct fsview v;
	fsview_tree_init(&v, c->tree);
	struct check_ctx cc = { &c->checks, &v, NULL, c->tree };
	return checks_run(&cc, NULL, NULL, NULL) ? EXIT_FAILED : EXIT_OK;
}

/* The image and its staged copy are both written and fsync'ed before either replaces its
 * predecessor, and then they replace them together or not at all: any failure leaves
 * both previous files as they were. */
int compose_write(struct composition *c, struct output_result *res, char **staged)
{
	const struct image_params *p = &c->img;
	struct outfile out, stage;
	struct outfile *const both[] = { &out, &stage };
	size_t n = *p->stage ? 2 : 1;
	memset(res, 0, sizeof(*res));
	*staged = NULL;
	if (outfile_open(&out, p->output))
		return EXIT_FAILED;
	if (output_find(p->format)->write(c->tree, p, &out, res) || outfile_finish(&out) ||
	    (n == 2 && stage_prepare(&stage, out.fd, p->output, p->stage))) {
		outfile_abort(&out);
		return EXIT_FAILED;
	}
	char *dest = n == 2 ? xstrdup(stage.path) : NULL;
	if (outfile_commit_all(both, n)) {
		free(dest);
		return EXIT_FAILED;
	}
	*staged = dest;
	return EXIT_OK;
}

void compose_free(struct composition *c)
{
	for (size_t i = 0; c->plans && i < N_SECTIONS; i++)
		if (c->plans[i])
			sections[i]->free(c->plans[i]);
	free(c->plans);
	tree_free(c->tree);
	layout_free(&c->layout);
	memset(c, 0, sizeof(*c));
}
