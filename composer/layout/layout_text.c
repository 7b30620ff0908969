/* layout_text: we read the layout's files, libconfig parses the result as one string.
 *
 * Why not let libconfig 1.5 (Debian 12) read the files itself:
 * - from a FILE its flex scanner reads 8 KiB at a time and scans the current token again
 *   from its start after each read, so one long token (a comment line, a string, a run
 *   of blanks) costs time quadratic in its length: a 4 MB comment line took 7.5 s. From a
 *   string flex has the whole text at once and the same 16 MB take 0.1 s;
 * - it opens whatever an @include names: a directory makes its scanner exit the process,
 *   a FIFO blocks it;
 * - it wraps integers (atoi: 4294967296 reads as 0, 0xFFFFFFFF as -1, 99999999999999999999
 *   as -1) and drops a \x00 escape from a string ("a\x00b" reads as "ab"), silently;
 * - a file ending inside a comment or an @include name ends the whole parse, silently.
 *   A file's last line may end without a line end (even in a comment, a syntax error for
 *   libconfig).
 * So every file is scanned here with libconfig's own lexical rules (lib/scanner.l of 1.5:
 * comments, strings and their escapes, numbers, names, "@include" at a line start) to
 * refuse all of that with file and line, and each @include line is replaced by the
 * included file's text. The included text begins a line and ends with a line end, so the
 * result lexes as its pieces do; a table of spans maps its lines back to files. */
#include "layout/layout_text.h"
#include "io/hostfile.h"
#include "base/diag.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INCLUDE_DEPTH 10  /* libconfig's MAX_INCLUDE_DEPTH: files below the top one */
/* Includes in all: a file included many times at each of a few levels would otherwise grow
 * the layout exponentially. */
#define INCLUDE_MAX 1024

/* Lines from LINE of the text on come from file FILE, starting at its line FLINE. */
struct layout_span {
	int line;
	size_t file;
	int fline;
};

static void emit(struct layout_text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		while (t->len + n + 1 > t->cap)
			t->cap = t->cap ? t->cap * 2 : 4096;
		t->text = xrealloc(t->text, t->cap);
	}
	memcpy(t->text + t->len, p, n);
	t->len += n;
	t->text[t->len] = 0;
	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
		t->line++;
}

/* A span starts where the text is at a line start; one starting on the same line
 * replaces the previous, which then holds nothing. */
static void span(struct layout_text *t, size_t file, int fline)
{
	if (t->nspans && t->spans[t->nspans - 1].line == t->line) {
		t->spans[t->nspans - 1] = (struct layout_span){ t->line, file, fline };
		return;
	}
	if (t->nspans == t->cap_spans) {
		t->cap_spans = t->cap_spans ? t->cap_spans * 2 : 16;
		t->spans = xrealloc(t->spans, t->cap_spans * sizeof(*t->spans));
	}
	t->spans[t->nspans++] = (struct layout_span){ t->line, file, fline };
}

/* ---- libconfig's number rules ---- */

enum num_kind { NUM_NONE, NUM_FLOAT, NUM_INT, NUM_INT64, NUM_HEX, NUM_HEX64 };

static size_t digits(const char *s, size_t n, size_t j, int hex)
{
	while (j < n && (hex ? isxdigit((unsigned char)s[j]) : isdigit((unsigned char)s[j])))
		j++;
	return j;
}

/* [eE][-+]?[0-9]+ at J: its end, or J. */
static size_t exponent(const char *s, size_t n, size_t j)
{
	if (j >= n || (s[j] != 'e' && s[j] != 'E'))
		return j;
	size_t k = j + 1 + (j + 1 < n && (s[j + 1] == '-' || s[j + 1] == '+'));
	size_t d = digits(s, n, k, 0);
	return d > k ? d : j;
}

static void take(size_t len, enum num_kind kind, size_t *best, enum num_kind *best_kind)
{
	if (len > *best) {
		*best = len;
		*best_kind = kind;
	}
}

/* flex's longest match of libconfig's float, integer, integer64, hex and hex64 rules at S
 * (which starts with one of -+.0-9): the length (0: none) and *KIND. */
static size_t number(const char *s, size_t n, enum num_kind *kind)
{
	size_t best = 0;
	*kind = NUM_NONE;
	size_t j = s[0] == '-' || s[0] == '+';
	size_t d = digits(s, n, j, 0);
	if (d < n && s[d] == '.')  /* [-+]?[0-9]*\.[0-9]*([eE][-+]?[0-9]+)? */
		take(exponent(s, n, digits(s, n, d + 1, 0)), NUM_FLOAT, &best, kind);
	if (d > j) {
		size_t f = d < n && s[d] == '.' ? digits(s, n, d + 1, 0) : d;
		if (exponent(s, n, f) > f)  /* [-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+ */
			take(exponent(s, n, f), NUM_FLOAT, &best, kind);
		take(d, NUM_INT, &best, kind);
		if (d < n && s[d] == 'L')
			take(d + 1 + (d + 1 < n && s[d + 1] == 'L'), NUM_INT64, &best, kind);
	}
	if (!j && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		size_t h = digits(s, n, 2, 1);
		if (h > 2) {
			take(h, NUM_HEX, &best, kind);
			if (h < n && s[h] == 'L')
				take(h + 1 + (h + 1 < n && s[h + 1] == 'L'), NUM_HEX64, &best, kind);
		}
	}
	return best;
}

/* The magnitude of the digits S[J..E) in base 10 or 16; *OVER when it exceeds 64 bits. */
static uint64_t magnitude(const char *s, size_t j, size_t e, int hex, int *over)
{
	uint64_t v = 0, base = hex ? 16 : 10;
	*over = 0;
	for (; j < e; j++) {
		unsigned c = (unsigned char)s[j];
		uint64_t d = isdigit(c) ? c - '0' : (uint64_t)(tolower(c) - 'a' + 10);
		if (v > (UINT64_MAX - d) / base)
			*over = 1;
		v = v * base + d;
	}
	return v;
}

/* The number token S (LEN bytes, KIND) when it holds the value written; else reports at
 * FILE:LINE what libconfig would read instead, and -1. */
static int number_check(const char *s, size_t len, enum num_kind kind, const char *file,
			int line)
{
	int neg = s[0] == '-', over;
	size_t j = neg || s[0] == '+';
	size_t e = len;
	while (e > j && s[e - 1] == 'L')
		e--;
	int hex = kind == NUM_HEX || kind == NUM_HEX64;
	uint64_t m = magnitude(s, hex ? 2 : j, e, hex, &over);
	int wide = kind == NUM_INT64 || kind == NUM_HEX64;
	uint64_t max = wide ? INT64_MAX : INT32_MAX;  /* plus one when negative */
	if (!over && m <= max + (uint64_t)neg)
		return 0;
	int shown = len > 40 ? 40 : (int)len;
	const char *more = len > 40 ? "..." : "";
	if (wide) {
		diag_error_at(file, line, "%.*s%s is beyond a 64-bit integer", shown, s, more);
		return -1;
	}
	/* What libconfig 1.5 reads: atoi (strtol, saturated, then its low 32 bits) for
	 * decimal, strtoul's low 32 bits for hex. */
	int sat = over || (!hex && m > (uint64_t)INT64_MAX + (uint64_t)neg);
	uint64_t low = sat ? (hex ? UINT64_MAX : neg ? (uint64_t)1 << 63 : INT64_MAX) : m;
	if (!sat && neg)
		low = (uint64_t)0 - m;
	int32_t reads = (int32_t)(uint32_t)low;
	if (over || m > (uint64_t)INT64_MAX + (uint64_t)neg)
		diag_error_at(file, line, "%.*s%s is beyond a 64-bit integer (libconfig reads it "
			      "as %" PRId32 ")", shown, s, more, reads);
	else
		diag_error_at(file, line, "%.*s%s is beyond a 32-bit integer (libconfig reads it "
			      "as %" PRId32 "): write %.*s%sL", shown, s, more, reads, shown, s,
			      more);
	return -1;
}

/* ---- the scan ---- */

static int scan_file(struct layout_text *t, size_t fi, const char *s, size_t n, int depth);

/* "^[ \t]*@include[ \t]+\"" at S[I]: its length, or 0. */
static size_t include_open(const char *s, size_t n, size_t i)
{
	size_t j = i;
	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (n - j < 10 || memcmp(s + j, "@include", 8) || (s[j + 8] != ' ' && s[j + 8] != '\t'))
		return 0;
	j += 8;
	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	return j < n && s[j] == '"' ? j + 1 - i : 0;
}

/* Where the @include of NAME in file FROM is opened: NAME when absolute, else NAME in
 * FROM's directory (malloc'd). */
static char *include_path(const char *from, const char *name)
{
	if (name[0] == '/')
		return xstrdup(name);
	const char *slash = strrchr(from, '/');
	if (!slash)
		return xasprintf("./%s", name);
	return xasprintf("%.*s/%s", (int)(slash - from), from, name);
}

/* The @include of NAME at line AT of file FI (nested DEPTH below the top): the file's text
 * in place. */
static int include(struct layout_text *t, size_t fi, int at, const char *name, int depth)
{
	if (depth == INCLUDE_DEPTH) {
		diag_error_at(t->files[fi], at, "@include \"%s\": nested more than %d deep (an "
			      "include cycle?)", name, INCLUDE_DEPTH);
		return -1;
	}
	if (t->nfiles > INCLUDE_MAX) {
		diag_error_at(t->files[fi], at, "@include \"%s\": more than %d includes in all",
			      name, INCLUDE_MAX);
		return -1;
	}
	char *path = include_path(t->files[fi], name), *buf = NULL;
	size_t len = 0;
	int rc = hostfile_read(path, 1, &buf, &len);
	if (rc == -2)
		diag_error_at(t->files[fi], at, "@include \"%s\": %s is not a regular file", name,
			      path);
	else if (rc)
		diag_error_at(t->files[fi], at, "@include \"%s\": %s: %s", name, path,
			      strerror(errno));
	if (!rc) {
		t->files = xrealloc(t->files, (t->nfiles + 1) * sizeof(*t->files));
		t->files[t->nfiles] = xstrdup(path + 2 * !strncmp(path, "./", 2));
		rc = scan_file(t, t->nfiles++, buf, len, depth + 1);
	}
	free(buf);
	free(path);
	return rc ? -1 : 0;
}

/* Scan file FI's text S (N bytes) and add it to T. Integers and escapes libconfig would
 * misread are all reported; anything else ends the scan. */
static int scan_file(struct layout_text *t, size_t fi, const char *s, size_t n, int depth)
{
	const char *file = t->files[fi];
	const char *nul = memchr(s, 0, n);
	if (nul) {
		int line = 1;
		for (const char *p = s; (p = memchr(p, '\n', (size_t)(nul - p))); p++)
			line++;
		diag_error_at(file, line, "a NUL byte: a layout is text");
		return -1;
	}
	span(t, fi, 1);
	size_t i = 0, copied = 0;
	int line = 1, bol = 1, bad = 0;
	while (i < n) {
		size_t k;
		char c = s[i];
		if (bol && (k = include_open(s, n, i))) {
			/* Drop the line up to the name's closing quote; the text of the file goes
			 * where it was, the rest of the line after it. */
			int at = line;
			emit(t, s + copied, i - copied);
			char *name = xmalloc(n - i + 1);
			size_t nn = 0;
			for (i += k; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '\\' || s[i + 1] == '"'))
					i++;
				else if (s[i] == '\\')
					continue;  /* no rule matches: flex echoes it, the name drops it */
				else if (s[i] == '\n')
					line++;
				name[nn++] = s[i];
			}
			name[nn] = 0;
			if (i == n) {
				diag_error_at(file, at, "@include without the closing '\"' of its name");
				free(name);
				return -1;
			}
			int rc = include(t, fi, at, name, depth);
			free(name);
			if (rc)
				return -1;
			copied = ++i;
			span(t, fi, line);
			continue;  /* still at a line start, as the text now is */
		}
		bol = 0;
		if (c == '\n') {
			line++;
			bol = 1;
			i++;
		} else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			int at = line;
			for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
				line += s[i] == '\n';
			if (i + 1 >= n) {
				diag_error_at(file, at, "comment /* without its closing */");
				return -1;
			}
			i += 2;
		} else if (c == '#' || (c == '/' && i + 1 < n && s[i + 1] == '/')) {
			const char *end = memchr(s + i, '\n', n - i);
			i = end ? (size_t)(end - s) : n;
		} else if (c == '"') {
			int at = line;
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\n')
					line++;
				if (s[i] != '\\' || i + 1 == n)
					continue;
				switch (s[i + 1]) {
				case 'n': case 'r': case 't': case 'f': case '\\': case '"':
					i++;
					break;
				case 'x': case 'X':
					if (i + 3 < n && isxdigit((unsigned char)s[i + 2]) &&
					    isxdigit((unsigned char)s[i + 3])) {
						if (s[i + 2] == '0' && s[i + 3] == '0') {
							diag_error_at(file, line, "\\x00 in a string: "
								      "libconfig drops it (a string "
								      "cannot hold a NUL byte)");
							bad++;
						}
						i += 3;
					}
					break;
				}
			}
			if (i == n) {
				diag_error_at(file, at, "string without its closing '\"'");
				return -1;
			}
			i++;
		} else if (isalpha((unsigned char)c) || c == '*') {
			for (i++; i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
					    s[i] == '_' || s[i] == '*'); i++)
				;
		} else if (strchr("-+.0123456789", c)) {
			enum num_kind kind;
			k = number(s + i, n - i, &kind);
			if (kind != NUM_NONE && kind != NUM_FLOAT &&
			    number_check(s + i, k, kind, file, line))
				bad++;
			i += k ? k : 1;
		} else {
			i++;
		}
	}
	emit(t, s + copied, n - copied);
	/* Every file ends a line: what follows an included file starts a new one, and a
	 * comment on a last line without a line end is no syntax error (it is in libconfig,
	 * whose comment rule wants the line end). */
	if (t->len && t->text[t->len - 1] != '\n')
		emit(t, "\n", 1);
	return bad ? -1 : 0;
}

int layout_text_read(const char *path, struct layout_text *t)
{
	memset(t, 0, sizeof(*t));
	t->line = 1;
	t->files = xmalloc(sizeof(*t->files));
	t->files[t->nfiles++] = xstrdup(path);
	emit(t, "", 0);
	char *buf;
	size_t len;
	if (hostfile_read(path, 0, &buf, &len)) {
		diag_error("%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = scan_file(t, 0, buf, len, 0);
	free(buf);
	return rc;
}

size_t layout_text_where(const struct layout_text *t, int line, int *fline)
{
	size_t lo = 0, hi = t->nspans;
	if (!hi || line < 1) {  /* line 0: the root group, which is the top file's */
		*fline = line;
		return 0;
	}
	while (hi - lo > 1) {  /* the last span starting at or before LINE */
		size_t mid = lo + (hi - lo) / 2;
		if (t->spans[mid].line <= line)
			lo = mid;
		else
			hi = mid;
	}
	const struct layout_span *sp = &t->spans[lo];
	*fline = line < sp->line ? line : sp->fline + (line - sp->line);
	return sp->file;
}

void layout_text_free(struct layout_text *t)
{
	for (size_t i = 0; i < t->nfiles; i++)
		free(t->files[i]);
	free(t->files);
	free(t->spans);
	free(t->text);
	memset(t, 0, sizeof(*t));
}
