/* systemd unit file syntax, unit names and drop-in lookup. */
#include "formats/unitfile.h"
#include "base/diag.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const unit_search_path[] = {
	"/etc/systemd/system.control",
	"/run/systemd/system.control",
	"/run/systemd/transient",
	"/etc/systemd/system",
	"/etc/systemd/system.attached",
	"/run/systemd/system",
	"/run/systemd/system.attached",
	"/usr/local/lib/systemd/system",
	"/usr/lib/systemd/system",
	NULL,
};

static char *own(struct unitfile *u, char *s)
{
	u->strs = xrealloc(u->strs, (u->nstrs + 1) * sizeof(*u->strs));
	u->strs[u->nstrs++] = s;
	return s;
}

static char *strip(char *s)
{
	while (*s && strchr(" \t\n\r", *s))
		s++;
	size_t n = strlen(s);
	while (n && strchr(" \t\n\r", s[n - 1]))
		s[--n] = 0;
	return s;
}

static void add(struct unitfile *u, const char *section, const char *file, int line,
		char *logical)
{
	char *eq = strchr(logical, '=');
	if (!eq) {
		diag_warn_at(file, line, "missing '=', line ignored (as systemd does)");
		return;
	}
	if (!section) {
		diag_warn_at(file, line, "assignment outside of a section, ignored (as systemd does)");
		return;
	}
	*eq = 0;
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 32;
		u->a = xrealloc(u->a, u->cap * sizeof(*u->a));
	}
	u->a[u->n++] = (struct unit_assign){
		.section = section, .key = own(u, xstrdup(strip(logical))),
		.value = own(u, xstrdup(strip(eq + 1))), .file = file, .line = line,
	};
}

int unitfile_parse(struct unitfile *u, const char *file, const char *buf, size_t len)
{
	if (memchr(buf, 0, len)) {
		diag_error_at(file, 0, "unit file contains a NUL byte");
		return -1;
	}
	file = own(u, xstrdup(file));
	const char *section = NULL;
	char *cont = NULL;     /* a logical line continued by a trailing backslash */
	int cont_line = 0, line = 0, rc = 0;
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
		if (cont) {
			l = xasprintf("%s%s", cont, raw);
			free(raw);
			free(cont);
			cont = NULL;
		} else {
			cont_line = line;
		}
		int escaped = 0;
		size_t ln = strlen(l);
		for (size_t i = 0; i < ln; i++)
			escaped = escaped ? 0 : l[i] == '\\';
		if (escaped) {
			l[ln - 1] = ' ';
			cont = l;
			continue;
		}
		char *s = strip(l);
		if (!*s) {
			/* blank */
		} else if (*s == '[') {
			size_t sl = strlen(s);
			if (s[sl - 1] != ']') {
				diag_error_at(file, cont_line, "invalid section header '%s'", s);
				rc = -1;
			} else {
				s[sl - 1] = 0;
				section = own(u, xstrdup(s + 1));
			}
		} else {
			add(u, section, file, cont_line, s);
		}
		free(l);
	}
	if (cont && !rc) {
		/* A backslash on the last line: systemd parses what it has. */
		char *s = strip(cont);
		if (*s)
			add(u, section, file, cont_line, s);
	}
	free(cont);
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
	size_t nw = 0;
	*words = xcalloc(1, sizeof(**words));
	const char *p = value;
	for (;;) {
		p += strspn(p, " \t\n\r");
		if (!*p)
			return (int)nw;
		/* Escapes never grow: \U0010ffff is 10 bytes for 4. */
		char *w = xmalloc(strlen(p) + 1);
		size_t n = 0;
		char quote = 0;
		for (; *p; p++) {
			if (*p == '\\') {
				size_t used = p[1] ? cunescape_one(p + 1, w, &n) : 0;
				if (!used) {
					*why = p[1] ? "invalid escape sequence" : "trailing backslash";
					free(w);
					unit_words_free(*words);
					*words = NULL;
					return -1;
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
			free(w);
			unit_words_free(*words);
			*words = NULL;
			return -1;
		}
		w[n] = 0;
		*words = xrealloc(*words, (nw + 2) * sizeof(**words));
		(*words)[nw++] = w;
		(*words)[nw] = NULL;
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
	}
	free(env);
}

int unit_environment(const struct unitfile *u, struct unit_env **env)
{
	int n = 0, bad = 0;
	*env = NULL;
	for (size_t s = 0; exec_sections[s]; s++) {
		const struct unit_assign **as;
		size_t na = unitfile_list(u, exec_sections[s], "Environment", &as);
		for (size_t i = 0; i < na; i++) {
			char **words;
			const char *why;
			char *val = unit_specifiers(u->name ? u->name : "", as[i]->value, &why);
			int nw = val ? unit_words(val, &words, &why) : -1;
			free(val);
			if (nw < 0) {
				diag_error_at(as[i]->file, as[i]->line, "Environment=: %s", why);
				bad = 1;
				continue;
			}
			for (int w = 0; w < nw; w++) {
				char *eq = strchr(words[w], '=');
				if (!eq || !env_name_valid(words[w], (size_t)(eq - words[w]))) {
					diag_error_at(as[i]->file, as[i]->line,
						      "Environment=: invalid assignment '%s'", words[w]);
					bad = 1;
					continue;
				}
				*eq = 0;
				int k = 0;
				while (k < n && strcmp((*env)[k].var, words[w]))
					k++;
				if (k == n) {
					*env = xrealloc(*env, (size_t)(n + 1) * sizeof(**env));
					(*env)[n++].var = xstrdup(words[w]);
				} else {
					free((*env)[k].value);
				}
				(*env)[k].value = xstrdup(eq + 1);
				(*env)[k].at = as[i];
			}
			unit_words_free(words);
		}
		free(as);
	}
	if (bad) {
		unit_env_free(*env, n);
		*env = NULL;
		return -1;
	}
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

static int collect(const char *path, const struct fsview_stat *st, void *arg)
{
	struct unitdb *db = arg;
	(void)st;
	for (size_t i = 0; unit_search_path[i]; i++) {
		size_t l = strlen(unit_search_path[i]);
		if (!strncmp(path, unit_search_path[i], l) && path[l] == '/') {
			if (db->n == db->cap) {
				db->cap = db->cap ? db->cap * 2 : 256;
				db->paths = xrealloc(db->paths, db->cap * sizeof(*db->paths));
			}
			db->paths[db->n++] = xstrdup(path);
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
	if (v->walk(v->ctx, collect, db)) {
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
	memset(db, 0, sizeof(*db));
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
		for (size_t i = 0; unit_search_path[i] && !hit; i++) {
			char *p = xasprintf("%s/%s", unit_search_path[i], names[k]);
			hit = db_has(db, p);
			free(p);
		}
	free(tmpl);
	if (masked)
		*masked = hit && is_masked(db, hit);
	return hit;
}

/* Read an image file whole (NUL-terminated in *buf); 0 or -1 with errno. */
static int unitdb_read(const struct unitdb *db, const char *path, char **buf, size_t *len)
{
	struct fsview_stat st;
	if (db->v->stat(db->v->ctx, path, 1, &st))
		return -1;
	if (st.type != NODE_REG || st.size > 16u << 20) {
		errno = st.type != NODE_REG ? EINVAL : EFBIG;
		return -1;
	}
	*buf = xmalloc((size_t)st.size + 1);
	size_t got = 0;
	while (got < st.size) {
		ssize_t r = db->v->pread(db->v->ctx, path, *buf + got, (size_t)st.size - got, got);
		if (r <= 0) {
			free(*buf);
			*buf = NULL;
			if (!r)
				errno = EIO;
			return -1;
		}
		got += (size_t)r;
	}
	(*buf)[got] = 0;
	*len = got;
	return 0;
}

static int parse_image_file(const struct unitdb *db, struct unitfile *u, const char *path)
{
	char *buf;
	size_t len;
	if (unitdb_read(db, path, &buf, &len)) {
		diag_error("%s: cannot read from the image: %s", path, strerror(errno));
		return -1;
	}
	int rc = unitfile_parse(u, path, buf, len);
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
	for (size_t i = 0; unit_search_path[i]; i++)
		for (size_t k = 0; dirs[k]; k++) {
			char *dir = xasprintf("%s/%s/", unit_search_path[i], dirs[k]);
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
