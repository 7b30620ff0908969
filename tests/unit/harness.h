/* The unit tests' harness: checks counted with their file and line, messages of the report
 * sink captured, and the summary line every test ends with.
 *
 *   CHECK(cond, fmt, ...)   count a check; on failure print "FILE:LINE: FAIL: cond: why"
 *                           and count a failure. The message arguments are evaluated only
 *                           on failure. The value is cond's truth (0 or 1).
 *   capture_begin()         reports (base/diag.h) are collected from now on, warnings
 *                           earlier cases saw said again ...
 *   capture_end()           ... until this, which returns them (static buffer), each line
 *                           as the default sink prints it ("FILE:LINE: error: MSG"), and
 *                           echoes them to stderr for the log.
 *   write_file(path, fmt)   a scratch file (layouts, units); the test fails when it cannot.
 *   return harness_done();  print "N checks, N failed"; 0 when none failed, else 1. */
#ifndef HARNESS_H
#define HARNESS_H

#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((unused)) static unsigned harness_checks, harness_failed;

__attribute__((unused)) static int harness_pass(void)
{
	harness_checks++;
	return 1;
}

__attribute__((unused, format(printf, 4, 5))) static int
harness_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;
	harness_checks++;
	harness_failed++;
	fprintf(stderr, "%s:%d: FAIL: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 0;
}

#define CHECK(cond, ...) \
	((cond) ? harness_pass() : harness_fail(__FILE__, __LINE__, #cond, __VA_ARGS__))

__attribute__((unused)) static int harness_done(void)
{
	fflush(stdout);
	fprintf(stderr, "%u checks, %u failed\n", harness_checks, harness_failed);
	return harness_failed ? 1 : 0;
}

/* ---- captured reports ---- */

#define HARNESS_CAPTURE_MAX (1 << 16)

__attribute__((unused)) static struct {
	char buf[HARNESS_CAPTURE_MAX];
	size_t len;
	unsigned errors, warnings;
	const struct diag_sink *old;
	int on;
} harness_cap;

__attribute__((unused)) static void harness_emit(void *arg, enum diag_severity sev,
						  const char *file, int line, const char *msg)
{
	(void)arg;
	const char *kind = sev == DIAG_ERROR ? "error" : "warning";
	char *b = harness_cap.buf + harness_cap.len;
	size_t room = sizeof(harness_cap.buf) - harness_cap.len;
	int n;
	if (sev == DIAG_ERROR)
		harness_cap.errors++;
	else
		harness_cap.warnings++;
	if (file && line > 0)
		n = snprintf(b, room, "%s:%d: %s: %s\n", file, line, kind, msg);
	else if (file)
		n = snprintf(b, room, "%s: %s: %s\n", file, kind, msg);
	else
		n = snprintf(b, room, "lsbimg: %s: %s\n", kind, msg);
	if (n > 0)
		harness_cap.len += (size_t)n < room ? (size_t)n : room - 1;
}

__attribute__((unused)) static const struct diag_sink harness_sink = { harness_emit, NULL };

/* Errors and warnings reported since capture_begin. */
#define captured_errors (harness_cap.errors)
#define captured_warnings (harness_cap.warnings)

__attribute__((unused)) static void capture_begin(void)
{
	if (harness_cap.on)
		diag_set_sink(harness_cap.old);
	harness_cap.len = 0;
	harness_cap.buf[0] = 0;
	harness_cap.errors = harness_cap.warnings = 0;
	diag_forget();  /* a warning an earlier case saw is said again */
	harness_cap.old = diag_set_sink(&harness_sink);
	harness_cap.on = 1;
}

__attribute__((unused)) static const char *capture_end(void)
{
	if (harness_cap.on)
		diag_set_sink(harness_cap.old);
	harness_cap.on = 0;
	fputs(harness_cap.buf, stderr);
	return harness_cap.buf;
}

/* The captured text MSGS (a variable in the test) contains S. */
#define assert_has(s) CHECK(strstr(msgs, (s)) != NULL, "no '%s' in: %s", (s), msgs)
#define assert_lacks(s) CHECK(strstr(msgs, (s)) == NULL, "'%s' in: %s", (s), msgs)

__attribute__((unused, format(printf, 2, 3))) static void write_file(const char *path,
								  const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f)) {
		perror(path);
		exit(1);
	}
}

#endif
