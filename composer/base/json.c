/* The JSON emitter: strings escaped (control characters as \u escapes, invalid UTF-8
 * replaced, with a base64 twin where the bytes matter), so output stays valid JSON
 * whatever bytes an image holds. */
#include "base/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { JSON_ARRAY = 1, JSON_MORE = 2 };

/* Length of the valid UTF-8 sequence at S (at most N bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min, cp;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0) {
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	} else if (s[0] < 0xf0) {
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	} else {
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void json_strn(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else if (c >= 0x80) {
			size_t l = utf8_len(s + i, n - i);
			if (l) {
				fwrite(s + i, 1, l, f);
				i += l;
				continue;
			}
			fputs("\\ufffd", f);
		} else {
			fputc(c, f);
		}
		i++;
	}
	fputc('"', f);
}

void json_str(FILE *f, const char *s)
{
	json_strn(f, s, strlen(s));
}

int json_is_text(const void *buf, size_t n)
{
	const unsigned char *s = buf;
	for (size_t i = 0; i < n;) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t l = utf8_len(s + i, n - i);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

static void put_base64(FILE *f, const void *buf, size_t n)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = buf;
	fputc('"', f);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		fputc(a[v >> 18], f);
		fputc(a[v >> 12 & 63], f);
		fputc(i + 1 < n ? a[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? a[v & 63] : '=', f);
	}
	fputc('"', f);
}

/* Separator and key before a value at the current level. */
static void member(struct json *j, const char *key)
{
	unsigned char *l = &j->level[j->depth - 1];
	if (*l & JSON_MORE)
		fputc(',', j->f);
	*l |= JSON_MORE;
	if (key) {
		json_str(j->f, key);
		fputc(':', j->f);
	}
}

static void open_level(struct json *j, const char *key, int array)
{
	member(j, key);
	fputc(array ? '[' : '{', j->f);
	/* Deeper than any image lsbimg reads; past it the output would be wrong, so stop. */
	if (j->depth == JSON_MAX_DEPTH) {
		fputs("lsbimg: error: JSON nesting too deep\n", stderr);
		abort();
	}
	j->level[j->depth++] = array ? JSON_ARRAY : 0;
}

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 1;
	j->level[0] = 0;
	fputc('{', f);
	json_uint(j, "version", JSON_VERSION);
}

int json_end(struct json *j)
{
	while (j->depth)
		json_close(j);
	fputc('\n', j->f);
	return ferror(j->f) ? -1 : 0;
}

void json_object(struct json *j, const char *key)
{
	open_level(j, key, 0);
}

void json_array(struct json *j, const char *key)
{
	open_level(j, key, 1);
}

void json_close(struct json *j)
{
	fputc(j->level[--j->depth] & JSON_ARRAY ? ']' : '}', j->f);
}

void json_string(struct json *j, const char *key, const char *s)
{
	member(j, key);
	if (s)
		json_str(j->f, s);
	else
		fputs("null", j->f);
}

void json_uint(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_int(struct json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_real(struct json *j, const char *key, double v)
{
	member(j, key);
	fprintf(j->f, "%.3f", v);
}

void json_name(struct json *j, const char *key, const char *s, size_t n)
{
	member(j, key);
	json_strn(j->f, s, n);
	if (!json_is_text(s, n)) {
		member(j, NULL);
		fputc('"', j->f);
		fputs(key, j->f);
		fputs("_base64\":", j->f);
		put_base64(j->f, s, n);
	}
}

void json_base64(struct json *j, const char *key, const void *buf, size_t n)
{
	member(j, key);
	put_base64(j->f, buf, n);
}
