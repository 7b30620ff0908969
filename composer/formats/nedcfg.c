/* Tokenizer-level reader of ned Lua scripts: collects declared capability names. */
#include "formats/nedcfg.h"
#include "base/diag.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind { T_NAME, T_STRING, T_NUMBER, T_PUNCT };

struct tok {
	enum tok_kind kind;
	char punct[4];   /* T_PUNCT: the operator */
	char *text;      /* T_NAME, T_STRING: the (decoded) text */
	size_t len;
	int line;
};

struct lexer {
	const char *file, *p, *end;
	int line;
	struct tok *toks;
	size_t n, cap;
};

static int lex_error(struct lexer *lx, int line, const char *what)
{
	diag_error_at(lx->file, line, "%s", what);
	return -1;
}

static struct tok *push_tok(struct lexer *lx, enum tok_kind kind, int line)
{
	if (lx->n == lx->cap) {
		lx->cap = lx->cap ? lx->cap * 2 : 64;
		lx->toks = xrealloc(lx->toks, lx->cap * sizeof(*lx->toks));
	}
	struct tok *t = &lx->toks[lx->n++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->line = line;
	return t;
}

/* At '[': the level of a long bracket "[==[" (number of '='), or -1 if this is a plain
 * '['. "[=" without a second '[' is a syntax error in Lua: -2. */
static int long_open(const struct lexer *lx, const char *p)
{
	const char *q = p + 1;
	while (q < lx->end && *q == '=')
		q++;
	if (q < lx->end && *q == '[')
		return (int)(q - p - 1);
	return q == p + 1 ? -1 : -2;
}

/* Skip a long bracket body of LEVEL after its opener; the contents go to *text when
 * TEXT is non-NULL (Lua drops a first newline). */
static int long_body(struct lexer *lx, int level, const char *what, struct tok *t)
{
	int start = lx->line;
	lx->p += level + 2;
	if (lx->p < lx->end && *lx->p == '\r')
		lx->p++;
	if (lx->p < lx->end && *lx->p == '\n') {
		lx->p++;
		lx->line++;
	}
	const char *body = lx->p;
	for (; lx->p < lx->end; lx->p++) {
		if (*lx->p == '\n') {
			lx->line++;
			continue;
		}
		if (*lx->p != ']')
			continue;
		const char *q = lx->p + 1;
		while (q < lx->end && *q == '=')
			q++;
		if (q < lx->end && *q == ']' && q - lx->p - 1 == level) {
			if (t) {
				t->len = (size_t)(lx->p - body);
				t->text = xmalloc(t->len + 1);
				memcpy(t->text, body, t->len);
				t->text[t->len] = 0;
			}
			lx->p = q + 1;
			return 0;
		}
	}
	char msg[80];
	snprintf(msg, sizeof(msg), "unfinished long %s (starting here)", what);
	return lex_error(lx, start, msg);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static size_t put_utf8(char *out, unsigned long long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	/* Lua 5.4 encodes up to 2^31 with the original 6-byte UTF-8 scheme. */
	size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : cp < 0x200000 ? 4 : cp < 0x4000000 ? 5 : 6;
	static const unsigned char lead[] = { 0, 0, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc };
	for (size_t i = n - 1; i > 0; i--) {
		out[i] = (char)(0x80 | (cp & 0x3f));
		cp >>= 6;
	}
	out[0] = (char)(lead[n] | cp);
	return n;
}

/* A quoted string starting at the quote; decodes Lua escapes. */
static int short_string(struct lexer *lx)
{
	char q = *lx->p++;
	int line = lx->line;
	/* Decoded text is never longer than the source (escapes shrink or stay at most equal:
	 * \u{XXXXXXXX} is 12 source bytes for at most 6). */
	char *out = xmalloc((size_t)(lx->end - lx->p) + 1);
	size_t n = 0;
	for (;;) {
		if (lx->p >= lx->end || *lx->p == '\n' || *lx->p == '\r') {
			free(out);
			return lex_error(lx, line, "unfinished string");
		}
		char c = *lx->p++;
		if (c == q)
			break;
		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		if (lx->p >= lx->end)
			continue; /* reported as unfinished on the next round */
		c = *lx->p++;
		switch (c) {
		case 'a': out[n++] = '\a'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'v': out[n++] = '\v'; break;
		case '\\': case '"': case '\'': out[n++] = c; break;
		case '\r':
			if (lx->p < lx->end && *lx->p == '\n')
				lx->p++;
			out[n++] = '\n';
			lx->line++;
			break;
		case '\n':
			if (lx->p < lx->end && *lx->p == '\r')
				lx->p++;
			out[n++] = '\n';
			lx->line++;
			break;
		case 'z':
			while (lx->p < lx->end && isspace((unsigned char)*lx->p)) {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			break;
		case 'x': {
			int h = lx->end - lx->p >= 2 ? hexval(lx->p[0]) : -1;
			int l = h >= 0 ? hexval(lx->p[1]) : -1;
			if (l < 0) {
				free(out);
				return lex_error(lx, lx->line, "hexadecimal digits expected after '\\x'");
			}
			out[n++] = (char)(h * 16 + l);
			lx->p += 2;
			break;
		}
		case 'u': {
			unsigned long long cp = 0;
			int digits = 0;
			if (lx->p < lx->end && *lx->p == '{') {
				lx->p++;
				while (lx->p < lx->end && hexval(*lx->p) >= 0 && cp <= 0x7fffffffull) {
					cp = cp * 16 + (unsigned long)hexval(*lx->p++);
					digits++;
				}
			}
			if (!digits || cp > 0x7fffffffull || lx->p >= lx->end || *lx->p != '}') {
				free(out);
				return lex_error(lx, lx->line, "malformed '\\u{XXX}' escape");
			}
			lx->p++;
			n += put_utf8(out + n, cp);
			break;
		}
		default:
			if (isdigit((unsigned char)c)) {
				unsigned v = (unsigned)(c - '0');
				for (int i = 0; i < 2 && lx->p < lx->end && isdigit((unsigned char)*lx->p); i++)
					v = v * 10 + (unsigned)(*lx->p++ - '0');
				if (v > 255) {
					free(out);
					return lex_error(lx, lx->line, "decimal escape too large");
				}
				out[n++] = (char)v;
				break;
			}
			free(out);
			return lex_error(lx, lx->line, "invalid escape sequence in string");
		}
	}
	out[n] = 0;
	struct tok *t = push_tok(lx, T_STRING, line);
	t->text = out;
	t->len = n;
	return 0;
}

static int lex(struct lexer *lx)
{
	/* Lua skips a first line starting with '#' (a shebang). */
	if (lx->p < lx->end && *lx->p == '#')
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
	while (lx->p < lx->end) {
		unsigned char c = (unsigned char)*lx->p;
		if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (isspace(c)) {
			lx->p++;
		} else if (c == '-' && lx->end - lx->p >= 2 && lx->p[1] == '-') {
			lx->p += 2;
			int level = lx->p < lx->end && *lx->p == '[' ? long_open(lx, lx->p) : -1;
			if (level >= 0) {
				if (long_body(lx, level, "comment", NULL))
					return -1;
			} else {
				while (lx->p < lx->end && *lx->p != '\n')
					lx->p++;
			}
		} else if (c == '[') {
			int level = long_open(lx, lx->p);
			if (level == -2)
				return lex_error(lx, lx->line, "invalid long string delimiter");
			if (level >= 0) {
				struct tok *t = push_tok(lx, T_STRING, lx->line);
				if (long_body(lx, level, "string", t))
					return -1;
			} else {
				strcpy(push_tok(lx, T_PUNCT, lx->line)->punct, "[");
				lx->p++;
			}
		} else if (c == '"' || c == '\'') {
			if (short_string(lx))
				return -1;
		} else if (isalpha(c) || c == '_') {
			const char *s = lx->p;
			while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_'))
				lx->p++;
			struct tok *t = push_tok(lx, T_NAME, lx->line);
			t->len = (size_t)(lx->p - s);
			t->text = xmalloc(t->len + 1);
			memcpy(t->text, s, t->len);
			t->text[t->len] = 0;
		} else if (isdigit(c) || (c == '.' && lx->end - lx->p >= 2 &&
					  isdigit((unsigned char)lx->p[1]))) {
			/* Digits, hex digits, '.', exponents with their sign: one number. */
			while (lx->p < lx->end) {
				char d = *lx->p;
				if (isalnum((unsigned char)d) || d == '.' || d == '_')
					lx->p++;
				else if ((d == '+' || d == '-') && strchr("eEpP", lx->p[-1]))
					lx->p++;
				else
					break;
			}
			push_tok(lx, T_NUMBER, lx->line);
		} else {
			static const char *const multi[] = { "...", "..", "==", "~=", "<=", ">=",
							      "<<", ">>", "//", "::", NULL };
			static const char single[] = "+-*/%^#&~|<>=(){}[];:,.";
			struct tok *t = NULL;
			for (size_t i = 0; multi[i]; i++) {
				size_t l = strlen(multi[i]);
				if ((size_t)(lx->end - lx->p) >= l && !memcmp(lx->p, multi[i], l)) {
					t = push_tok(lx, T_PUNCT, lx->line);
					memcpy(t->punct, multi[i], l);
					lx->p += l;
					break;
				}
			}
			if (t)
				continue;
			if (!c || !strchr(single, c)) {
				char msg[64];
				snprintf(msg, sizeof(msg), "unexpected character 0x%02x", c);
				return lex_error(lx, lx->line, msg);
			}
			push_tok(lx, T_PUNCT, lx->line)->punct[0] = (char)c;
			lx->p++;
		}
	}
	return 0;
}

static int is_punct(const struct lexer *lx, size_t i, const char *p)
{
	return i < lx->n && lx->toks[i].kind == T_PUNCT && !strcmp(lx->toks[i].punct, p);
}

static int is_kind(const struct lexer *lx, size_t i, enum tok_kind k)
{
	return i < lx->n && lx->toks[i].kind == k;
}

static int is_caps(const struct lexer *lx, size_t i)
{
	return is_kind(lx, i, T_NAME) && !strcmp(lx->toks[i].text, "caps");
}

static int declare(struct nedcfg *c, const char *file, const struct tok *t)
{
	if (memchr(t->text, 0, t->len)) {
		diag_error_at(file, t->line, "capability name contains a NUL byte");
		return -1;
	}
	if (nedcfg_has(c, t->text))
		return 0;
	if (c->n + 1 >= c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->names = xrealloc(c->names, c->cap * sizeof(*c->names));
		c->lines = xrealloc(c->lines, c->cap * sizeof(*c->lines));
	}
	c->lines[c->n] = t->line;
	c->names[c->n++] = xstrdup(t->text);
	c->names[c->n] = NULL;
	return 0;
}

/* `NAME =` or `["NAME"] =` at I: the key token's index, or 0 (never a valid key index
 * here since a key follows at least one token). */
static size_t key_at(const struct lexer *lx, size_t i)
{
	if (is_kind(lx, i, T_NAME) && is_punct(lx, i + 1, "="))
		return i;
	if (is_punct(lx, i, "[") && is_kind(lx, i + 1, T_STRING) && is_punct(lx, i + 2, "]") &&
	    is_punct(lx, i + 3, "="))
		return i + 1;
	return 0;
}

struct open { char ch; int line; int caps, field_start; };

static int collect(struct nedcfg *c, struct lexer *lx)
{
	struct open *st = NULL;
	size_t depth = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; i < lx->n && !rc; i++) {
		const struct tok *t = &lx->toks[i];
		struct open *top = depth ? &st[depth - 1] : NULL;
		if (top && top->field_start) {
			top->field_start = 0;
			size_t k = top->caps ? key_at(lx, i) : 0;
			if (k)
				rc = declare(c, lx->file, &lx->toks[k]);
		}
		/* caps.NAME = ... and caps["NAME"] = ..., unless caps is a method name. */
		if (!rc && is_caps(lx, i) && !(i && is_punct(lx, i - 1, ":"))) {
			size_t k = is_punct(lx, i + 1, ".") ? key_at(lx, i + 2)
				 : is_punct(lx, i + 1, "[") ? key_at(lx, i + 1) : 0;
			if (k)
				rc = declare(c, lx->file, &lx->toks[k]);
		}
		if (rc || t->kind != T_PUNCT)
			continue;
		char ch = t->punct[1] ? 0 : t->punct[0];
		if (ch == '(' || ch == '{' || ch == '[') {
			if (depth == cap) {
				cap = cap ? cap * 2 : 16;
				st = xrealloc(st, cap * sizeof(*st));
			}
			st[depth++] = (struct open){
				.ch = ch, .line = t->line, .field_start = ch == '{',
				.caps = ch == '{' && i >= 2 && is_punct(lx, i - 1, "=") && is_caps(lx, i - 2),
			};
		} else if (ch == ')' || ch == '}' || ch == ']') {
			char want = ch == ')' ? '(' : ch == '}' ? '{' : '[';
			if (!top) {
				diag_error_at(lx->file, t->line, "unexpected '%c'", ch);
				rc = -1;
			} else if (top->ch != want) {
				diag_error_at(lx->file, t->line, "'%c' does not close '%c' opened at line %d",
					      ch, top->ch, top->line);
				rc = -1;
			} else {
				depth--;
			}
		} else if ((ch == ',' || ch == ';') && top && top->ch == '{') {
			top->field_start = 1;
		}
	}
	if (!rc && depth) {
		diag_error_at(lx->file, st[depth - 1].line, "'%c' is never closed", st[depth - 1].ch);
		rc = -1;
	}
	free(st);
	return rc;
}

int nedcfg_parse(struct nedcfg *c, const char *file, const char *buf, size_t len)
{
	struct lexer lx = { .file = file, .p = buf, .end = buf + len, .line = 1 };
	int rc = lex(&lx);
	if (!rc)
		rc = collect(c, &lx);
	for (size_t i = 0; i < lx.n; i++)
		free(lx.toks[i].text);
	free(lx.toks);
	return rc;
}

int nedcfg_load(struct nedcfg *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_error("%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got);
	int bad = ferror(f);
	fclose(f);
	int rc = -1;
	if (bad)
		diag_error("%s: read error", path);
	else
		rc = nedcfg_parse(c, path, buf, len);
	free(buf);
	return rc;
}

int nedcfg_has(const struct nedcfg *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name))
			return 1;
	return 0;
}

void nedcfg_free(struct nedcfg *c)
{
	for (size_t i = 0; i < c->n; i++)
		free((char *)c->names[i]);
	free(c->names);
	free(c->lines);
	memset(c, 0, sizeof(*c));
}
