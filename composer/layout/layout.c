/* Reading a layout: libconfig text -> plain settings (struct conf), each with its file,
 * line and the host directory its relative paths start from. */
#include "layout/layout.h"
#include "layout/layout_text.h"
#include "base/diag.h"

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

/* Each file of the layout with the host directory its relative paths start from: the top
 * layout's own; for an included file named relative to the include directory (the top
 * layout's), that one, else (an absolute name) the file's own. */
struct origin {
	const char *file;
	const char *dir;
};

static struct origin *origins(struct mem *m, const struct layout_text *t)
{
	struct origin *o = keep(m, xcalloc(t->nfiles, sizeof(*o)));
	for (size_t i = 0; i < t->nfiles; i++) {
		char *copy = xstrdup(t->files[i]);
		o[i].file = keep_str(m, t->files[i]);
		o[i].dir = keep_str(m, i && copy[0] != '/' ? t->include_dir : dirname(copy));
		free(copy);
	}
	return o;
}

/* libconfig read the layout as one text: its lines map back to files (layout_text). */
static struct conf *convert(struct mem *m, const struct layout_text *t, const struct origin *o,
			    const config_setting_t *s)
{
	struct conf *c = keep(m, xcalloc(1, sizeof(*c)));
	c->name = keep_str(m, config_setting_name(s));
	const struct origin *at = &o[layout_text_where(t, (int)config_setting_source_line(s),
						       &c->line)];
	c->file = at->file;
	c->dir = at->dir;
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
			c->kids[i] = convert(m, t, o, config_setting_get_elem(s, (unsigned)i));
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

	char *dir = xstrdup(path);
	struct layout_text text;
	config_t cfg;
	config_init(&cfg);
	/* Every @include is already in the text; should libconfig still find one, opening it
	 * under /dev/null fails rather than reading a file nobody checked. */
	config_set_include_dir(&cfg, "/dev/null");
	int rc = EXIT_USAGE;
	if (layout_text_read(path, dirname(dir), &text))
		goto out;
	if (!config_read_string(&cfg, text.text)) {
		int line;
		size_t f = layout_text_where(&text, config_error_line(&cfg), &line);
		diag_error_at(text.files[f], line, "%s", config_error_text(&cfg));
		goto out;
	}
	if (digest(&cfg, l->digest))
		goto out;
	l->root = convert(m, &text, origins(m, &text), config_root_setting(&cfg));
	rc = EXIT_OK;
out:
	layout_text_free(&text);
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
