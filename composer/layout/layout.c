/* Reading a layout: libconfig text -> plain settings (struct conf), each with its file,
 * line and the host directory its relative paths start from. */
#include "layout/layout.h"
#include "layout/layout_include.h"
#include "base/diag.h"

#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything a layout allocates, freed together. */
struct mem {
	void **p;
	size_t n, cap;
};

static void *keep(struct mem *m, void *p)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->p = xrealloc(m->p, m->cap * sizeof(*m->p));
	}
	m->p[m->n++] = p;
	return p;
}

static const char *keep_str(struct mem *m, const char *s)
{
	return s ? keep(m, xstrdup(s)) : NULL;
}

/* libconfig names an included file as the @include line wrote it, relative to the
 * include directory (the top layout's); the top layout comes first in its list. Paths in
 * a file named that way are relative to the include directory, else to the file's own. */
static const char *host_dir(struct mem *m, const config_t *cfg, const char *file)
{
	if (!file)
		return NULL;
	char *copy = xstrdup(file);
	const char *dir = cfg->num_filenames && strcmp(file, cfg->filenames[0]) &&
			  file[0] != '/' && config_get_include_dir(cfg) ?
			  config_get_include_dir(cfg) : dirname(copy);
	const char *kept = keep_str(m, dir);
	free(copy);
	return kept;
}

static struct conf *convert(struct mem *m, const config_t *cfg, const config_setting_t *s)
{
	struct conf *c = keep(m, xcalloc(1, sizeof(*c)));
	c->name = keep_str(m, config_setting_name(s));
	c->file = config_setting_source_file(s);
	c->line = (int)config_setting_source_line(s);
	c->dir = host_dir(m, cfg, c->file);
	c->file = keep_str(m, c->file);
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP: c->type = CONF_GROUP; break;
	case CONFIG_TYPE_LIST: c->type = CONF_LIST; break;
	case CONFIG_TYPE_ARRAY: c->type = CONF_ARRAY; break;
	case CONFIG_TYPE_STRING:
		c->type = CONF_STRING;
		c->str = keep_str(m, config_setting_get_string(s));
		break;
	case CONFIG_TYPE_INT:
		c->type = CONF_INT;
		c->num = config_setting_get_int(s);
		break;
	case CONFIG_TYPE_INT64:
		c->type = CONF_INT;
		c->num = config_setting_get_int64(s);
		c->wide = 1;
		break;
	case CONFIG_TYPE_BOOL:
		c->type = CONF_BOOL;
		c->num = config_setting_get_bool(s);
		break;
	default:
		c->type = CONF_FLOAT;
		c->real = config_setting_get_float(s);
		break;
	}
	if (c->type == CONF_GROUP || c->type == CONF_LIST || c->type == CONF_ARRAY) {
		c->nkids = (size_t)config_setting_length(s);
		c->kids = keep(m, xcalloc(c->nkids, sizeof(*c->kids)));
		for (size_t i = 0; i < c->nkids; i++)
			c->kids[i] = convert(m, cfg, config_setting_get_elem(s, (unsigned)i));
	}
	return c;
}

/* The settings as libconfig writes them back, hashed: the same for equal layouts
 * whatever their spacing, comments or include structure. */
static int digest(config_t *cfg, unsigned char out[64])
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		diag_error("out of memory");
		return -1;
	}
	config_write(cfg, f);
	fclose(f);
	ext2fs_sha512((const unsigned char *)text, len, out);
	free(text);
	return 0;
}

int layout_read(const char *path, struct layout *l)
{
	memset(l, 0, sizeof(*l));
	l->path = path;
	struct mem *m = xcalloc(1, sizeof(*m));
	l->mem = m;

	FILE *f = fopen(path, "r");
	if (!f) {
		diag_error("%s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	fclose(f);
	config_t cfg;
	config_init(&cfg);
	char *dir = xstrdup(path);
	config_set_include_dir(&cfg, dirname(dir));
	int rc = EXIT_USAGE;
	if (layout_includes_check(path, config_get_include_dir(&cfg)))
		goto out;
	if (!config_read_file(&cfg, path)) {
		const char *file = config_error_file(&cfg);
		diag_error_at(file ? file : path, config_error_line(&cfg), "%s",
			      config_error_text(&cfg));
		goto out;
	}
	if (digest(&cfg, l->digest))
		goto out;
	l->root = convert(m, &cfg, config_root_setting(&cfg));
	rc = EXIT_OK;
out:
	config_destroy(&cfg);
	free(dir);
	return rc;
}

void layout_free(struct layout *l)
{
	struct mem *m = l->mem;
	if (m) {
		for (size_t i = 0; i < m->n; i++)
			free(m->p[i]);
		free(m->p);
		free(m);
	}
	memset(l, 0, sizeof(*l));
}
