/* The one report sink, and allocation helpers shared by every module.
 *
 * Every problem found anywhere (layout, host files, checks, images) is reported here with
 * a severity and an origin: a layout file and line, a host path or an image path (line 0),
 * or none. By default a report is printed as "ORIGIN: error: MESSAGE" on stderr; a
 * command may install its own presentation (lsbimg check prints per check on stdout).
 * Strictness is applied here and only here: when strict, a warning is reported and
 * counted as an error. Error convention: a function that fails reports through this
 * sink and returns -1 (or NULL); its caller only passes the failure on, and the command
 * turns it into an exit code. */
#ifndef LSBIMG_DIAG_H
#define LSBIMG_DIAG_H

#include <stdarg.h>
#include <stddef.h>

/* Documented exit codes (README "Exit codes"). */
enum {
	EXIT_OK = 0,        /* success; for diff/check: no differences, no problems */
	EXIT_FAILED = 1,    /* compose/check failed, or diff found differences */
	EXIT_USAGE = 2,     /* bad command line or layout (syntax, keys, types, values) */
};

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct diag_sink {
	/* FILE may be NULL; LINE 0 when it names no line. */
	void (*emit)(void *arg, enum diag_severity sev, const char *file, int line,
		     const char *msg);
	void *arg;
};

/* Install SINK (NULL: the default, stderr); returns the previous one. */
const struct diag_sink *diag_set_sink(const struct diag_sink *sink);
/* Warnings become errors while STRICT is set; returns the previous setting. */
int diag_set_strict(int strict);
__attribute__((format(printf, 4, 5))) void diag_report(enum diag_severity sev, const char *file,
							int line, const char *fmt, ...);

/* -1 quiet (the default sink prints errors only), 0 normal, 1 verbose. A warning
 * reported again with the same origin and message is dropped. */
extern int diag_verbosity;

/* Shorthands of diag_report for the common cases. */
#define diag_error(...) diag_report(DIAG_ERROR, NULL, 0, __VA_ARGS__)
#define diag_warn(...) diag_report(DIAG_WARNING, NULL, 0, __VA_ARGS__)
#define diag_error_at(file, line, ...) diag_report(DIAG_ERROR, file, line, __VA_ARGS__)
#define diag_warn_at(file, line, ...) diag_report(DIAG_WARNING, file, line, __VA_ARGS__)
/* Progress and detail on stdout (not with -q) and stderr (-v); not problems. */
__attribute__((format(printf, 1, 2))) void diag_info(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void diag_debug(const char *fmt, ...);
/* Forget the warnings said so far: the next compose (or test case) says them again. */
void diag_forget(void);
/* Number of errors (strict warnings included) reported so far. */
unsigned diag_error_count(void);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);
__attribute__((format(printf, 1, 0))) char *xvasprintf(const char *fmt, va_list ap);

#endif
