/* Minimal JSON output for the --json modes of the inspection commands. */
#ifndef LSBIMG_JSON_H
#define LSBIMG_JSON_H

#include <stddef.h>
#include <stdio.h>

/* S as a quoted JSON string; bytes that are not valid UTF-8 become U+FFFD. */
void json_str(FILE *f, const char *s);
void json_strn(FILE *f, const char *s, size_t n);
/* "KEY": as an object member, preceded by a comma unless FIRST. */
void json_key(FILE *f, const char *key, int first);
/* Whether BUF is NUL-free valid UTF-8, i.e. can go out as a JSON string unchanged. */
int json_is_text(const void *buf, size_t n);
/* BUF base64-encoded as a quoted JSON string. */
void json_base64(FILE *f, const void *buf, size_t n);

#endif
