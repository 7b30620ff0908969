/* The one JSON emitter of every --json output (docs/json.md has the schema).
 *
 * Each output is one compact JSON object on one line, opened by json_begin with the
 * schema version as its first member; members and elements are written in order, so an
 * output of any size is streamed, never held. Strings keep every byte: text that is not
 * valid UTF-8 goes out with U+FFFD in place of the bad bytes, and json_name adds a
 * KEY_base64 twin with the exact bytes. */
#ifndef LSBIMG_JSON_H
#define LSBIMG_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* docs/json.md: raised only when a key changes meaning or is removed; new keys may appear
 * in any version. */
#define JSON_VERSION 1

/* Objects and arrays open at once: tree nests two per directory level. */
#define JSON_MAX_DEPTH 1024

struct json {
	FILE *f;
	unsigned depth;
	unsigned char level[JSON_MAX_DEPTH];  /* per open level: JSON_ARRAY, JSON_MORE bits */
};

/* Start one output on F: {"version":JSON_VERSION */
void json_begin(struct json *j, FILE *f);
/* Close what is still open and end the line. 0, or -1 when F had a write error. */
int json_end(struct json *j);

/* Every value below is written as member KEY of the open object, or as the next element
 * of the open array when KEY is NULL. */
void json_object(struct json *j, const char *key);
void json_array(struct json *j, const char *key);
/* Close the innermost open object or array. */
void json_close(struct json *j);
/* S, or null when S is NULL. */
void json_string(struct json *j, const char *key, const char *s);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_int(struct json *j, const char *key, int64_t v);
void json_bool(struct json *j, const char *key, int v);
/* V with three decimals (seconds, MiB/s). */
void json_real(struct json *j, const char *key, double v);
/* S (N bytes) as KEY; when it is not valid UTF-8, also KEY_base64 with the exact bytes.
 * KEY is required. */
void json_name(struct json *j, const char *key, const char *s, size_t n);
/* BUF as a base64 string. */
void json_base64(struct json *j, const char *key, const void *buf, size_t n);

/* The string primitives, for output that follows another format's rules (journal). */
/* S as a quoted JSON string; bytes that are not valid UTF-8 become U+FFFD. */
void json_str(FILE *f, const char *s);
void json_strn(FILE *f, const char *s, size_t n);
/* Whether BUF is NUL-free valid UTF-8, i.e. can go out as a JSON string unchanged. */
int json_is_text(const void *buf, size_t n);

#endif
