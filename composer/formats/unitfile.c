/* systemd unit file syntax, unit names and drop-in lookup. */
#include "formats/unitfile.h"
#include "base/diag.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The largest unit file read from an image. */
#define UNIT_MAX (16u << 20)

const char *const unit_search_path[] = {
	"/etc/systemd/system.control",
	"/run/systemd/system.control",
	"/run/systemd/transient",
	"/run/systemd/generator.early",
	"/etc/systemd/system",
	"/etc/systemd/system.attached",
	"/run/systemd/system",
	"/run/systemd/system.attached",
	"/run/systemd/generator",
	"/usr/local/lib/systemd/system",
	"/lib/systemd/system",
	"/usr/lib/systemd/system",
	"/run/systemd/generator.late",
	NULL,
};

/* ---- reports: each once per process, however often a file is parsed ---- */

static char **reported;
static size_t nreported;

void unitfile_reports_reset(void)
{
	for (size_t i = 0; i < nreported; i++)
		free(reported[i]);
	free(reported);
	reported = NULL;
	nreported = 0;
}

__attribute__((format(printf, 5, 6)))
static void report(int error, int quiet, const char *file, int line, const char *fmt, ...)
{
	if (quiet && !error)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *key = xasprintf("%d:%s:%d:%s", error, file ? file : "", line, msg);
	size_t i = 0;
	while (i < nreported && strcmp(reported[i], key))
		i++;
	if (i < nreported) {
		free(key);
	} else {
		if (nreported < 100000) {
			reported = xrealloc(reported, (nreported + 1) * sizeof(*reported));
			reported[nreported++] = key;
		} else {
			free(key);
		}
		if (error)
			diag_error_at(file, line, "%s", msg);
		else
			diag_warn_at(file, line, "%s", msg);
	}
	free(msg);
}

static char *own(struct unitfile *u, char *s)
{
	u->strs = xrealloc(u->strs, (u->nstrs + 1) * sizeof(*u->strs));
	u->strs[u->nstrs++] = s;
	return s;
}

static const char *skip_space(const char *s)
{
	while (*s && strchr(" \t\n\r", *s))
		s++;
	return s;
}

static size_t trimmed_len(const char *s, size_t n)
{
	while (n && strchr(" \t\n\r", s[n - 1]))
		n--;
	return n;
}

/* The raw lines a logical line is made of: their offsets in it and their numbers. */
struct segs {
	struct unit_seg *v;
	size_t n;
};

static void add(struct unitfile *u, const char *section, const char *file, int quiet,
		const char *l, const struct segs *sg)
{
	int line = sg->v[0].line;
	const char *s = skip_space(l);
	const char *eq = strchr(s, '=');
	if (!eq) {
		report(0, quiet, file, line, "missing '=', line ignored (as systemd does)");
		return;
	}
	if (!section) {
		report(0, quiet, file, line,
		       "assignment outside of a section, ignored (as systemd does)");
		return;
	}
	const char *v = skip_space(eq + 1);
	size_t voff = (size_t)(v - l);
	/* The value's lines: the one it starts on, then each later one. */
	struct unit_seg *vs = xmalloc((sg->n + 1) * sizeof(*vs));
	size_t nv = 0;
	vs[nv++] = (struct unit_seg){ 0, line };
	for (size_t i = 0; i < sg->n; i++) {
		if (sg->v[i].off <= voff)
			vs[0].line = sg->v[i].line;
		else
			vs[nv++] = (struct unit_seg){ sg->v[i].off - voff, sg->v[i].line };
	}
	own(u, (char *)vs);
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 32;
		u->a = xrealloc(u->a, u->cap * sizeof(*u->a));
	}
	u->a[u->n++] = (struct unit_assign){
		.section = section,
		.key = own(u, xasprintf("%.*s", (int)trimmed_len(s, (size_t)(eq - s)), s)),
		.value = own(u, xasprintf("%.*s", (int)trimmed_len(v, strlen(v)), v)),
		.file = file, .line = line, .segs = vs, .nsegs = nv,
	};
}

int unit_assign_line(const struct unit_assign *a, size_t off)
{
	int line = a->line;
	for (size_t i = 0; i < a->nsegs && a->segs[i].off <= off; i++)
		line = a->segs[i].line;
	return line;
}

int unitfile_parse(struct unitfile *u, const char *file, const char *buf, size_t len)
{
	return unitfile_parse_quiet(u, file, buf, len, 0);
}

int unitfile_parse_quiet(struct unitfile *u, const char *file, const char *buf, size_t len,
			 int quiet)
{
	if (memchr(buf, 0, len)) {
		report(1, quiet, file, 0, "unit file contains a NUL byte");
		return -1;
	}
	file = own(u, xstrdup(file));
	const char *section = NULL;
	char *cont = NULL;     /* a logical line continued by a trailing backslash */
	struct segs sg = { NULL, 0 };
	int line = 0, rc = 0;
	const char *p = buf, *end = buf + len;
	if (end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		line++;
		char *raw = xmalloc(n + 1);
		memcpy(raw, p, n);
		raw[n] = 0;
		p = nl ? nl + 1 : end;

		const char *first = raw + strspn(raw, " \t\r");
		if (*first == '#' || *first == ';') {
			/* Comments are skipped even in the middle of a continued line. */
			free(raw);
			continue;
		}
		char *l = raw;
		size_t off = 0;
		if (cont) {
			off = strlen(cont);
			l = xasprintf("%s%s", cont, raw);
			free(raw);
			free(cont);
			cont = NULL;
		} else {
			sg.n = 0;
		}
		sg.v = xrealloc(sg.v, (sg.n + 1) * sizeof(*sg.v));
		sg.v[sg.n++] = (struct unit_seg){ off, line };
		int escaped = 0;
		size_t ln = strlen(l);
		for (size_t i = 0; i < ln; i++)
			escaped = escaped ? 0 : l[i] == '\\';
		if (escaped) {
			l[ln - 1] = ' ';
			cont = l;
			continue;
		}
		const char *s = skip_space(l);
		if (!*s) {
			/* blank */
		} else if (*s == '[') {
			size_t sl = trimmed_len(s, strlen(s));
			if (s[sl - 1] != ']') {
				report(1, quiet, file, sg.v[0].line, "invalid section header '%.*s'",
				       (int)sl, s);
				rc = -1;
			} else {
				section = own(u, xasprintf("%.*s", (int)sl - 2, s + 1));
			}
		} else {
			add(u, section, file, quiet, l, &sg);
		}
		free(l);
	}
	if (cont && !rc && *skip_space(cont))
		/* A backslash on the last line: systemd parses what it has. */
		add(u, section, file, quiet, cont, &sg);
	free(cont);
	free(sg.v);
	return rc;
}

size_t unitfile_list(const struct unitfile *u, const char *section, const char *key,
		     const struct unit_assign ***out)
{
	size_t n = 0;
	*out = NULL;
	for (size_t i = 0; i < u->n; i++) {
		const struct unit_assign *a = &u->a[i];
		if (strcmp(a->section, section) || strcmp(a->key, key))
			continue;
		if (!*a->value) {
			n = 0;
			continue;
		}
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = a;
	}
	return n;
}

const struct unit_assign *unitfile_last(const struct unitfile *u, const char *section,
					const char *key)
{
	for (size_t i = u->n; i-- > 0;)
		if (!strcmp(u->a[i].section, section) && !strcmp(u->a[i].key, key))
			return &u->a[i];
	return NULL;
}

void unitfile_free(struct unitfile *u)
{
	for (size_t i = 0; i < u->nstrs; i++)
		free(u->strs[i]);
	free(u->strs);
	free(u->a);
	free(u->name);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

static int hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static size_t utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	static const unsigned char lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	for (size_t i = n - 1; i > 0; i--) {
		out[i] = (char)(0x80 | (cp & 0x3f));
		cp >>= 6;
	}
	out[0] = (char)(lead[n] | cp);
	return n;
}

/* One C escape at P (after the backslash), systemd's table: appends to OUT, returns the
 * number of source bytes used, or 0 if invalid. NUL results are refused as systemd does. */
static size_t cunescape_one(const char *p, char *out, size_t *n)
{
	static const char plain[] = "abfnrtv\\\"'s";
	static const char value[] = "\a\b\f\n\r\t\v\\\"' ";
	const char *c = *p ? strchr(plain, *p) : NULL;
	if (c) {
		out[(*n)++] = value[c - plain];
		return 1;
	}
	unsigned long v = 0;
	size_t digits = 0, used;
	if (*p == 'x') {
		digits = 2;
	} else if (*p == 'u') {
		digits = 4;
	} else if (*p == 'U') {
		digits = 8;
	} else if (*p >= '0' && *p <= '7') {
		for (size_t i = 0; i < 3; i++) {
			if (p[i] < '0' || p[i] > '7')
				return 0;
			v = v * 8 + (unsigned long)(p[i] - '0');
		}
		if (!v || v > 255)
			return 0;
		out[(*n)++] = (char)v;
		return 3;
	} else {
		return 0;
	}
	for (used = 1; used <= digits; used++) {
		int h = hexdigit(p[used]);
		if (h < 0)
			return 0;
		v = v * 16 + (unsigned long)h;
	}
	if (!v || (*p != 'x' && (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))))
		return 0;
	if (*p == 'x')
		out[(*n)++] = (char)v;
	else
		*n += utf8(out + *n, v);
	return used;
}

void unit_words_free(char **words)
{
	for (size_t i = 0; words && words[i]; i++)
		free(words[i]);
	free(words);
}

int unit_words(const char *value, char ***words, const char **why)
{
	size_t errpos;
	return unit_words_pos(value, words, NULL, why, &errpos);
}

int unit_words_pos(const char *value, char ***words, size_t **pos, const char **why,
		   size_t *errpos)
{
	size_t nw = 0;
	*words = xcalloc(1, sizeof(**words));
	if (pos)
		*pos = NULL;
	const char *p = value;
	for (;;) {
		p += strspn(p, " \t\n\r");
		if (!*p)
			return (int)nw;
		const char *start = p;
		*errpos = (size_t)(start - value);
		/* Escapes never grow: \U0010ffff is 10 bytes for 4. */
		char *w = xmalloc(strlen(p) + 1);
		size_t n = 0;
		char quote = 0;
		for (; *p; p++) {
			if (*p == '\\') {
				size_t used = p[1] ? cunescape_one(p + 1, w, &n) : 0;
				if (!used) {
					*why = p[1] ? "invalid escape sequence" : "trailing backslash";
					goto fail;
				}
				p += used;
			} else if (quote) {
				if (*p == quote)
					quote = 0;
				else
					w[n++] = *p;
			} else if (*p == '"' || *p == '\'') {
				quote = *p;
			} else if (strchr(" \t\n\r", *p)) {
				break;
			} else {
				w[n++] = *p;
			}
		}
		if (quote) {
			*why = "unterminated quote";
			goto fail;
		}
		w[n] = 0;
		*words = xrealloc(*words, (nw + 2) * sizeof(**words));
		if (pos) {
			*pos = xrealloc(*pos, (nw + 1) * sizeof(**pos));
			(*pos)[nw] = (size_t)(start - value);
		}
		(*words)[nw++] = w;
		(*words)[nw] = NULL;
		continue;
	fail:
		free(w);
		unit_words_free(*words);
		*words = NULL;
		if (pos) {
			free(*pos);
			*pos = NULL;
		}
		return -1;
	}
}

static int env_name_valid(const char *s, size_t n)
{
	if (!n || isdigit((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static const char *const exec_sections[] = { "Service", "Socket", "Mount", "Swap", NULL };

void unit_env_free(struct unit_env *env, int n)
{
	for (int i = 0; i < n; i++) {
		free(env[i].var);
		free(env[i].value);
		free(env[i].file);
	}
	free(env);
}

/* Set VAR to VALUE in *ENV (N entries): a later setting replaces an earlier one. */
static void env_set(struct unit_env **env, int *n, const char *var, size_t varlen,
		    const char *value, const struct unit_assign *at, const char *file, int line)
{
	int k = 0;
	while (k < *n && (strlen((*env)[k].var) != varlen || memcmp((*env)[k].var, var, varlen)))
		k++;
	if (k == *n) {
		*env = xrealloc(*env, (size_t)(*n + 1) * sizeof(**env));
		(*env)[(*n)++].var = xasprintf("%.*s", (int)varlen, var);
	} else {
		free((*env)[k].value);
		free((*env)[k].file);
	}
	(*env)[k].value = xstrdup(value);
	(*env)[k].at = at;
	(*env)[k].file = xstrdup(file);
	(*env)[k].line = line;
}

/* Environment=, in systemd's order: each assignment is split into words, then each word's
 * specifiers are expanded. What systemd ignores is reported as an error and left out. */
static void environment(const struct unitfile *u, struct unit_env **env, int *n, int quiet)
{
	for (size_t s = 0; exec_sections[s]; s++) {
		const struct unit_assign **as;
		size_t na = unitfile_list(u, exec_sections[s], "Environment", &as);
		for (size_t i = 0; i < na; i++) {
			char **words;
			size_t *pos, errpos;
			const char *why;
			int nw = unit_words_pos(as[i]->value, &words, &pos, &why, &errpos);
			if (nw < 0) {
				report(1, quiet, as[i]->file, unit_assign_line(as[i], errpos),
				       "Environment=: %s", why);
				continue;
			}
			for (int w = 0; w < nw; w++) {
				int line = unit_assign_line(as[i], pos[w]);
				char *x = unit_specifiers(u->name ? u->name : "", words[w], &why);
				char *eq = x ? strchr(x, '=') : NULL;
				if (!x)
					report(1, quiet, as[i]->file, line, "Environment=%s: %s", words[w],
					       why);
				else if (!eq || !env_name_valid(x, (size_t)(eq - x)))
					report(1, quiet, as[i]->file, line,
					       "Environment=: invalid assignment '%s'", words[w]);
				else
					env_set(env, n, x, (size_t)(eq - x), eq + 1, as[i], as[i]->file, line);
				free(x);
			}
			unit_words_free(words);
			free(pos);
		}
		free(as);
	}
}

int unit_environment(const struct unitfile *u, struct unit_env **env)
{
	int n = 0;
	*env = NULL;
	environment(u, env, &n, 0);
	return n;
}

static const char *const unit_types[] = { "service", "socket", "target", "device", "mount",
	"automount", "swap", "timer", "path", "slice", "scope", NULL };

enum unit_kind unit_name_kind(const char *name)
{
	size_t len = strlen(name);
	const char *dot = strrchr(name, '.');
	if (!len || len >= 256 || !dot || dot == name)
		return UNIT_INVALID;
	int typed = 0;
	for (size_t i = 0; unit_types[i]; i++)
		typed |= !strcmp(dot + 1, unit_types[i]);
	if (!typed)
		return UNIT_INVALID;
	const char *at = NULL;
	for (const char *c = name; c < dot; c++) {
		if (*c == '@' && !at) {
			at = c;
			continue;
		}
		if (!isalnum((unsigned char)*c) && !strchr(":-_.\\", *c) && !(at && *c == '@'))
			return UNIT_INVALID;
	}
	if (!at)
		return UNIT_PLAIN;
	if (at == name)
		return UNIT_INVALID;
	return at + 1 == dot ? UNIT_TEMPLATE : UNIT_INSTANCE;
}

char *unit_name_template(const char *name)
{
	if (unit_name_kind(name) != UNIT_INSTANCE)
		return NULL;
	const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
	return xasprintf("%.*s%s", (int)(at - name + 1), name, dot);
}

char *unit_name_instantiate(const char *template, const char *instance)
{
	const char *at = strchr(template, '@');
	return xasprintf("%.*s%s%s", (int)(at - template + 1), template, instance, at + 1);
}

char *unit_specifiers(const char *name, const char *text, const char **why)
{
	/* NAME is a valid unit name in every caller; a missing suffix is still handled. */
	const char *dot = strrchr(name, '.'), *at = strchr(name, '@');
	if (!dot)
		dot = name + strlen(name);
	size_t prefix = (size_t)((at && at < dot ? at : dot) - name);
	const char *inst = at && at < dot ? at + 1 : dot;
	size_t cap = strlen(text) + 1, n = 0;
	char *out = xmalloc(cap);
	for (const char *p = text; *p; p++) {
		const char *add = p;
		size_t len = 1;
		if (*p == '%') {
			p++;
			switch (*p) {
			case '%': add = "%"; len = 1; break;
			case 'n': add = name; len = strlen(name); break;
			case 'N': add = name; len = (size_t)(dot - name); break;
			case 'p': add = name; len = prefix; break;
			case 'i': add = inst; len = (size_t)(dot - inst); break;
			case 'j': {
				/* The part of the prefix after its last dash. */
				const char *d = memrchr(name, '-', prefix);
				add = d ? d + 1 : name;
				len = (size_t)(name + prefix - add);
				break;
			}
			default:
				*why = *p ? "unsupported specifier (only %n %N %p %i %j %% are known offline)"
					  : "'%' at the end";
				free(out);
				return NULL;
			}
		}
		if (n + len + 1 > cap) {
			cap = (n + len + 1) * 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = 0;
	return out;
}

struct walk {
	struct unitdb *db;
	char **canon;       /* each search directory's real path */
};

static int collect(const char *path, const struct fsview_stat *st, void *arg)
{
	struct walk *w = arg;
	struct unitdb *db = w->db;
	(void)st;
	for (size_t i = 0; i < db->nsearch; i++) {
		size_t l = strlen(w->canon[i]);
		if (!strncmp(path, w->canon[i], l) && path[l] == '/') {
			if (db->n == db->cap) {
				db->cap = db->cap ? db->cap * 2 : 256;
				db->paths = xrealloc(db->paths, db->cap * sizeof(*db->paths));
			}
			db->paths[db->n++] = xasprintf("%s%s", db->search[i], path + l);
			break;
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int unitdb_init(struct unitdb *db, struct fsview *v)
{
	memset(db, 0, sizeof(*db));
	db->v = v;
	/* The search path as systemd reduces it: directories that exist, the first of those
	 * that are one directory. */
	struct walk w = { db, xcalloc(sizeof(unit_search_path) / sizeof(*unit_search_path),
				      sizeof(char *)) };
	uint64_t ids[sizeof(unit_search_path) / sizeof(*unit_search_path)];
	db->search = xcalloc(sizeof(unit_search_path) / sizeof(*unit_search_path), sizeof(char *));
	for (size_t i = 0; unit_search_path[i]; i++) {
		struct fsview_stat st;
		if (v->stat(v->ctx, unit_search_path[i], 1, &st) || st.type != NODE_DIR)
			continue;
		size_t k = 0;
		while (k < db->nsearch && ids[k] != st.id)
			k++;
		char *canon = k == db->nsearch ? fsview_realpath(v, unit_search_path[i], NULL, NULL, NULL, NULL) : NULL;
		if (!canon)
			continue;
		ids[db->nsearch] = st.id;
		w.canon[db->nsearch] = canon;
		db->search[db->nsearch++] = xstrdup(unit_search_path[i]);
	}
	int rc = v->walk(v->ctx, collect, &w);
	for (size_t i = 0; i < db->nsearch; i++)
		free(w.canon[i]);
	free(w.canon);
	if (rc) {
		unitdb_free(db);  /* a walk that fails part way has collected paths already */
		return -1;
	}
	if (db->n)
		qsort(db->paths, db->n, sizeof(*db->paths), cmp_str);
	return 0;
}

void unitdb_free(struct unitdb *db)
{
	for (size_t i = 0; i < db->n; i++)
		free(db->paths[i]);
	free(db->paths);
	for (size_t i = 0; i < db->nsearch; i++)
		free(db->search[i]);
	free(db->search);
	memset(db, 0, sizeof(*db));
}

int unitdb_in_search_path(const struct unitdb *db, const char *path)
{
	const char *slash = strrchr(path, '/');
	for (size_t i = 0; slash && i < db->nsearch; i++)
		if (strlen(db->search[i]) == (size_t)(slash - path) &&
		    !strncmp(path, db->search[i], (size_t)(slash - path)))
			return 1;
	return 0;
}

static const char *db_has(const struct unitdb *db, const char *path)
{
	char *const *hit = db->n ? bsearch(&path, db->paths, db->n, sizeof(*db->paths), cmp_str)
				 : NULL;
	return hit ? *hit : NULL;
}

static int is_masked(const struct unitdb *db, const char *path)
{
	char target[4096];
	return !db->v->readlink(db->v->ctx, path, target, sizeof(target)) &&
	       !strcmp(target, "/dev/null");
}

const char *unitdb_find(const struct unitdb *db, const char *name, int *masked)
{
	char *tmpl = unit_name_template(name);
	const char *names[] = { name, tmpl, NULL };
	const char *hit = NULL;
	for (size_t k = 0; names[k] && !hit; k++)
		for (size_t i = 0; i < db->nsearch && !hit; i++) {
			char *p = xasprintf("%s/%s", db->search[i], names[k]);
			hit = db_has(db, p);
			free(p);
		}
	free(tmpl);
	if (masked)
		*masked = hit && is_masked(db, hit);
	return hit;
}

static int parse_image_file(const struct unitdb *db, struct unitfile *u, const char *path)
{
	char *buf;
	size_t len;
	if (fsview_read_all(db->v, path, UNIT_MAX, &buf, &len)) {
		diag_error("%s: cannot read from the image: %s", path, strerror(errno));
		return -1;
	}
	int rc = unitfile_parse_quiet(u, path, buf, len, db->quiet);
	free(buf);
	return rc;
}

/* The drop-in directory names of NAME, most specific first: name.d, template.d, the
 * dash prefixes ("a-b-.service.d", "a-.service.d") and the type ("service.d"). */
static char **dropin_dirs(const char *name)
{
	size_t n = 0;
	char **d = xcalloc(4 + strlen(name), sizeof(*d));
	d[n++] = xasprintf("%s.d", name);
	char *tmpl = unit_name_template(name);
	if (tmpl)
		d[n++] = xasprintf("%s.d", tmpl);
	const char *base = tmpl ? tmpl : name;
	const char *dot = strrchr(base, '.');
	for (const char *c = dot; c-- > base;)
		if (*c == '-' && c > base)
			d[n++] = xasprintf("%.*s%s.d", (int)(c - base + 1), base, dot);
	d[n++] = xasprintf("%s.d", dot + 1);
	free(tmpl);
	return d;
}

int unitdb_load(const struct unitdb *db, const char *name, struct unitfile *u)
{
	int masked;
	const char *frag = unitdb_find(db, name, &masked);
	memset(u, 0, sizeof(*u));
	u->name = xstrdup(name);
	if (!frag || masked)
		return 1;
	u->path = xstrdup(frag);
	if (parse_image_file(db, u, frag))
		return -1;

	/* Collect drop-ins by file name; the first (highest priority) one of a name wins. */
	char **dirs = dropin_dirs(name);
	const char **found = NULL;
	size_t nf = 0;
	for (size_t i = 0; i < db->nsearch; i++)
		for (size_t k = 0; dirs[k]; k++) {
			char *dir = xasprintf("%s/%s/", db->search[i], dirs[k]);
			size_t dl = strlen(dir);
			/* Entries under DIR sort together from the first path >= DIR. */
			size_t j = 0, hi = db->n;
			while (j < hi) {
				size_t mid = j + (hi - j) / 2;
				if (strcmp(db->paths[mid], dir) < 0)
					j = mid + 1;
				else
					hi = mid;
			}
			for (; j < db->n && !strncmp(db->paths[j], dir, dl); j++) {
				const char *f = db->paths[j] + dl;
				size_t fl = strlen(f);
				if (strchr(f, '/') || fl < 6 || strcmp(f + fl - 5, ".conf"))
					continue;
				int dup = 0;
				for (size_t m = 0; m < nf; m++)
					dup |= !strcmp(strrchr(found[m], '/') + 1, f);
				if (!dup) {
					found = xrealloc(found, (nf + 1) * sizeof(*found));
					found[nf++] = db->paths[j];
				}
			}
			free(dir);
		}
	for (size_t k = 0; dirs[k]; k++)
		free(dirs[k]);
	free(dirs);

	/* Apply in file-name order. */
	for (size_t a = 1; a < nf; a++)
		for (size_t b = a; b > 0 && strcmp(strrchr(found[b - 1], '/'),
						   strrchr(found[b], '/')) > 0; b--) {
			const char *t = found[b];
			found[b] = found[b - 1];
			found[b - 1] = t;
		}
	int rc = 0;
	for (size_t i = 0; i < nf && !rc; i++)
		if (!is_masked(db, found[i]))
			rc = parse_image_file(db, u, found[i]);
	free(found);
	return rc;
}

/* ---- EnvironmentFile= ---- */

/* An environment file as systemd 252 reads it (parse_env_file): KEY=VALUE lines, comments
 * from '#' or ';' at a line's start, whitespace around the key and before the value
 * skipped, '...' taken literally, "..." with \" \\ \` \$ and backslash-newline, unquoted
 * values with backslash escapes and continuation and their trailing whitespace dropped.
 * Calls FN for each assignment with the line it starts on. */
static void env_file(const char *buf, size_t len,
		     void (*fn)(const char *key, const char *value, int line, void *arg), void *arg)
{
	enum { PRE_KEY, KEY, PRE_VALUE, VALUE, VALUE_ESC, SQ, DQ, DQ_ESC, COMMENT, COMMENT_ESC }
		state = PRE_KEY;
	char *key = xmalloc(len + 1), *val = xmalloc(len + 1);
	size_t nk = 0, nv = 0, keyws = 0, valws = 0;
	int line = 1, start = 1;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? buf[i] : '\n';
		int nl = c == '\n' || c == '\r';
		switch (state) {
		case PRE_KEY:
			if (c == '#' || c == ';')
				state = COMMENT;
			else if (!strchr(" \t\n\r", c)) {
				state = KEY;
				nk = keyws = 0;
				start = line;
				key[nk++] = c;
			}
			break;
		case KEY:
			if (nl) {
				state = PRE_KEY;     /* no '=': systemd ignores the line */
			} else if (c == '=') {
				state = PRE_VALUE;
				nk -= keyws;
				nv = valws = 0;
			} else {
				keyws = strchr(" \t", c) ? keyws + 1 : 0;
				key[nk++] = c;
			}
			break;
		case PRE_VALUE:
		case VALUE:
			if (nl) {
				key[nk] = 0;
				val[nv - (state == VALUE ? valws : 0)] = 0;
				fn(key, val, start, arg);
				state = PRE_KEY;
			} else if (c == '\'' && state == PRE_VALUE) {
				state = SQ;
			} else if (c == '"' && state == PRE_VALUE) {
				state = DQ;
			} else if (c == '\\') {
				state = VALUE_ESC;
			} else if (state == PRE_VALUE && strchr(" \t", c)) {
				/* skipped */
			} else {
				state = VALUE;
				valws = strchr(" \t", c) ? valws + 1 : 0;
				val[nv++] = c;
			}
			break;
		case VALUE_ESC:
			state = VALUE;
			if (!nl) {
				val[nv++] = c;
				valws = 0;
			}
			break;
		case SQ:
			if (c == '\'')
				state = PRE_VALUE;
			else
				val[nv++] = c;
			break;
		case DQ:
			if (c == '"')
				state = PRE_VALUE;
			else if (c == '\\')
				state = DQ_ESC;
			else
				val[nv++] = c;
			break;
		case DQ_ESC:
			state = DQ;
			if (strchr("\"\\`$", c) && c) {
				val[nv++] = c;
			} else if (c != '\n') {
				val[nv++] = '\\';
				val[nv++] = c;
			}
			break;
		case COMMENT:
			if (c == '\\')
				state = COMMENT_ESC;
			else if (nl)
				state = PRE_KEY;
			break;
		case COMMENT_ESC:
			state = COMMENT;
			break;
		}
		if (i < len && c == '\n')
			line++;
	}
	free(key);
	free(val);
}

struct env_file_ctx {
	struct unit_env **env;
	int *n;
	const struct unit_assign *at;
	const char *file;
	int quiet;
};

static void env_file_entry(const char *key, const char *value, int line, void *arg)
{
	struct env_file_ctx *e = arg;
	if (!env_name_valid(key, strlen(key))) {
		report(0, e->quiet, e->file, line, "invalid environment assignment '%s=%s', ignored "
		       "(as systemd does)", key, value);
		return;
	}
	env_set(e->env, e->n, key, strlen(key), value, e->at, e->file, line);
}

int unit_environment_all(const struct unitdb *db, const struct unitfile *u,
			 struct unit_env **env)
{
	int n = 0;
	*env = NULL;
	environment(u, env, &n, db->quiet);
	for (size_t s = 0; exec_sections[s]; s++) {
		const struct unit_assign **as;
		size_t na = unitfile_list(u, exec_sections[s], "EnvironmentFile", &as);
		for (size_t i = 0; i < na; i++) {
			const char *why, *v = as[i]->value;
			int optional = *v == '-';
			char *path = unit_specifiers(u->name ? u->name : "", v + optional, &why);
			char *buf;
			size_t len;
			if (!path) {
				report(0, db->quiet, as[i]->file, as[i]->line, "EnvironmentFile=%s: %s",
				       v, why);
			} else if (path[0] != '/') {
				report(0, db->quiet, as[i]->file, as[i]->line, "EnvironmentFile=%s: the "
				       "path is not absolute, ignored (as systemd does)", v);
			} else if (strpbrk(path, "*?[")) {
				report(0, db->quiet, as[i]->file, as[i]->line, "EnvironmentFile=%s: "
				       "wildcards are not followed: its variables are not checked", v);
			} else if (fsview_read_all(db->v, path, UNIT_MAX, &buf, &len)) {
				if (!optional)
					report(0, db->quiet, as[i]->file, as[i]->line,
					       "EnvironmentFile=%s: %s in the image; systemd fails to start "
					       "%s unless it exists at run time (a '-' prefix makes it "
					       "optional)", path, errno == ENOENT ? "not" : strerror(errno),
					       u->name ? u->name : "the unit");
			} else {
				struct env_file_ctx e = { env, &n, as[i], path, db->quiet };
				env_file(buf, len, env_file_entry, &e);
				free(buf);
			}
			free(path);
		}
		free(as);
	}
	return n;
}
