/* Reading a layout: libconfig text -> plain settings (struct conf), each with its file,
 * line and the host directory its relative paths start from. */
#include "layout/layout.h"
#include "layout/layout_text.h"
#include "base/diag.h"

#include <ctype.h>
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

/* Each file of the layout with the host directory its relative paths start from: the
 * file's own. */
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
		o[i].dir = keep_str(m, dirname(copy));
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

/* The top-level groups `override` and `override_*`, in file order: a layout that includes
 * another changes what it brought without repeating a name (libconfig refuses a
 * duplicate). Each member of one replaces the setting of the same name, a group member by
 * member, anything else (a string, a number, a list) whole; a name not yet there is
 * added. They apply after everything else is read, in file order; the setting keeps its
 * place, the value its file and line. */
static int is_override(const char *name)
{
	return !strcmp(name, "override") || !strncmp(name, "override_", 9);
}

static void merge(struct mem *m, struct conf *g, const struct conf *ov)
{
	for (size_t i = 0; i < ov->nkids; i++) {
		struct conf *k = ov->kids[i], **old = NULL;
		for (size_t j = 0; j < g->nkids && !old; j++)
			if (!strcmp(g->kids[j]->name, k->name))
				old = &g->kids[j];
		if (old && (*old)->type == CONF_GROUP && k->type == CONF_GROUP) {
			merge(m, *old, k);
		} else if (old) {
			*old = k;
		} else {
			struct conf **kids = keep(m, xcalloc(g->nkids + 1, sizeof(*kids)));
			if (g->nkids)
				memcpy(kids, g->kids, g->nkids * sizeof(*kids));
			kids[g->nkids++] = k;
			g->kids = kids;
		}
	}
}

static int apply_overrides(struct mem *m, struct conf *root)
{
	struct conf **ovs = xcalloc(root->nkids + 1, sizeof(*ovs));
	size_t n = 0, nov = 0;
	int bad = 0;
	for (size_t i = 0; i < root->nkids; i++) {
		struct conf *c = root->kids[i];
		if (!is_override(c->name))
			root->kids[n++] = c;
		else if (c->type == CONF_GROUP)
			ovs[nov++] = c;
		else {
			conf_error(c, "%s must be a group { image = { ... }; ... }", c->name);
			bad = 1;
		}
	}
	root->nkids = n;
	for (size_t i = 0; i < nov; i++)
		merge(m, root, ovs[i]);
	free(ovs);
	return bad ? -1 : 0;
}

/* ---- variables: ${NAME}, ${NAME:-DEFAULT}, $${ for a literal ${ ---- */

static char **defines;   /* "NAME=VALUE"; of several for one name, the last counts */
static size_t ndefines;

static size_t name_len(const char *s)
{
	size_t n = 0;
	if (isalpha((unsigned char)*s) || *s == '_')
		for (n = 1; isalnum((unsigned char)s[n]) || s[n] == '_'; n++)
			;
	return n;
}

int layout_define(const char *assignment)
{
	size_t n = name_len(assignment);
	if (!n || assignment[n] != '=') {
		diag_error("-D %s: not NAME=VALUE (NAME: letters, digits and '_', not starting "
			   "with a digit)", assignment);
		return -1;
	}
	defines = xrealloc(defines, (ndefines + 1) * sizeof(*defines));
	defines[ndefines++] = xstrdup(assignment);
	return 0;
}

/* NAME (N bytes) as -D defines it, else as the environment has it, else NULL. */
static const char *var_value(const char *name, size_t n)
{
	for (size_t i = ndefines; i-- > 0;)
		if (!strncmp(defines[i], name, n) && defines[i][n] == '=')
			return defines[i] + n + 1;
	char *copy = xasprintf("%.*s", (int)n, name);
	const char *v = getenv(copy);
	free(copy);
	return v;
}

/* S with its variables replaced (malloc'd), or NULL after reporting at FILE:LINE. */
static char *expand(const char *s, const char *file, int line)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f) {
		diag_error("out of memory");
		return NULL;
	}
	int bad = 0;
	while (*s && !bad) {
		if (!strncmp(s, "$${", 3)) {
			fputs("${", f);
			s += 3;
			continue;
		}
		if (strncmp(s, "${", 2)) {
			fputc(*s++, f);
			continue;
		}
		const char *name = s + 2, *def = NULL;
		size_t n = name_len(name);
		const char *end = name + n;
		if (n && !strncmp(end, ":-", 2)) {
			def = end + 2;
			end = strchr(def, '}');
		}
		if (!n || !end || *end != '}') {
			diag_error_at(file, line, "'%.20s%s': a variable is ${NAME} or "
				      "${NAME:-DEFAULT} (write $${ for a literal ${)", s,
				      strlen(s) > 20 ? "..." : "");
			bad = 1;
			break;
		}
		const char *v = var_value(name, n);
		if (def && (!v || !*v))
			fwrite(def, 1, (size_t)(end - def), f);
		else if (v)
			fputs(v, f);
		else {
			diag_error_at(file, line, "${%.*s} is not set (set it in the environment "
				      "or with -D %.*s=VALUE, or write ${%.*s:-DEFAULT})", (int)n,
				      name, (int)n, name, (int)n, name);
			bad = 1;
		}
		s = end + 1;
	}
	fclose(f);
	if (bad) {
		free(out);
		return NULL;
	}
	return out;
}

/* Every string value of S and below with its variables replaced, before the digest: the
 * ids derive from the values the image is made of. The number of errors reported. */
static int expand_all(const struct layout_text *t, config_setting_t *s)
{
	if (config_setting_is_aggregate(s)) {
		int bad = 0;
		for (int i = 0; i < config_setting_length(s); i++)
			bad += expand_all(t, config_setting_get_elem(s, (unsigned)i));
		return bad;
	}
	const char *str = config_setting_get_string(s);
	if (!str || !strstr(str, "${"))
		return 0;
	int line;
	size_t file = layout_text_where(t, (int)config_setting_source_line(s), &line);
	char *v = expand(str, t->files[file], line);
	int rc = v && config_setting_set_string(s, v) == CONFIG_TRUE ? 0 : 1;
	free(v);
	return rc;
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

	struct layout_text text;
	config_t cfg;
	config_init(&cfg);
	/* Every @include is already in the text; should libconfig still find one, opening it
	 * under /dev/null fails rather than reading a file nobody checked. */
	config_set_include_dir(&cfg, "/dev/null");
	int rc = EXIT_USAGE;
	if (layout_text_read(path, &text))
		goto out;
	if (!config_read_string(&cfg, text.text)) {
		int line;
		size_t f = layout_text_where(&text, config_error_line(&cfg), &line);
		const char *why = config_error_text(&cfg);
		/* A name an included file set, set again: say how to change it instead. */
		diag_error_at(text.files[f], line, "%s%s", why, strcmp(why, "duplicate setting name")
			      ? "" : " (to change a setting an included file makes, put it in "
			      "an override = { ... } group)");
		goto out;
	}
	if (expand_all(&text, config_root_setting(&cfg)) || digest(&cfg, l->digest))
		goto out;
	struct conf *root = convert(m, &text, origins(m, &text), config_root_setting(&cfg));
	if (apply_overrides(m, root))
		goto out;
	l->root = root;
	rc = EXIT_OK;
out:
	layout_text_free(&text);
	config_destroy(&cfg);
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
