/* The `include` and `exclude` keys of the imports (tree and archive entries, systemd's
 * staged tree or packages): lists of patterns (base/pathfilter.h), checked when the
 * layout is parsed, and a warning for each that matched nothing once the import ran. */
#include "sections/section.h"
#include "base/diag.h"

#include <string.h>

struct adding {
	struct pathfilter *f;
	int exclude;
};

static int add_pattern(const struct conf *at, const char *s, void *arg)
{
	struct adding *a = arg;
	const char *bad = NULL;
	if (!*s)
		bad = "is empty";
	else if (s[0] == '/')
		bad = "starts with '/' (patterns are relative to the source's root)";
	for (const char *p = s; !bad && *p;) {
		size_t n = strcspn(p, "/");
		if (!n || (n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2)))
			bad = "has an empty, '.' or '..' component (write paths plainly)";
		p += n + (p[n] == '/');
		if (!bad && p[-1] == '/' && !*p)
			bad = "ends with '/'";
	}
	if (bad) {
		conf_error(at, "%s pattern '%s' %s", a->exclude ? "exclude" : "include", s, bad);
		return -1;
	}
	pathfilter_add(a->f, a->exclude, s);
	return 0;
}

int section_filter_parse(const struct conf *g, struct pathfilter *f)
{
	struct adding in = { f, 0 }, ex = { f, 1 };
	pathfilter_init(f);
	return conf_each_string(conf_member(g, "include"), add_pattern, &in) |
	       conf_each_string(conf_member(g, "exclude"), add_pattern, &ex) ? -1 : 0;
}

struct warning {
	const struct pathfilter *f;
	size_t i;
	const char *key;
};

static int warn_unused(const struct conf *at, const char *s, void *arg)
{
	struct warning *w = arg;
	if (!w->f->hits[w->i++])
		diag_warn_at(at->file, at->line, "%s pattern '%s' matched nothing", w->key, s);
	return 0;
}

void section_filter_warn(const struct conf *g, const struct pathfilter *f)
{
	struct warning w = { f, 0, "include" };
	conf_each_string(conf_member(g, "include"), warn_unused, &w);
	w.key = "exclude";
	conf_each_string(conf_member(g, "exclude"), warn_unused, &w);
}
