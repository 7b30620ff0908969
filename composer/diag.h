/* Diagnostics and allocation helpers shared by every module. */
#ifndef LSBIMG_DIAG_H
#define LSBIMG_DIAG_H

#include <stdarg.h>
#include <stddef.h>

/* Documented exit codes (README "Exit codes"). */
enum {
	EXIT_OK = 0,        /* success; for diff/check: no differences, no problems */
	EXIT_FAILED = 1,    /* compose/check failed, or diff found differences */
	EXIT_USAGE = 2,     /* bad command line or layout (syntax, keys, types) */
	EXIT_SIGNAL = 3,    /* interrupted by SIGINT/SIGTERM; outputs untouched */
};

/* -1 quiet, 0 normal, 1 verbose. */
extern int diag_verbosity;

__attribute__((format(printf, 1, 2))) void diag_error(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void diag_warn(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void diag_info(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void diag_debug(const char *fmt, ...);
/* "FILE:LINE: error: ..." (line 0 prints just FILE). */
__attribute__((format(printf, 3, 4))) void diag_error_at(const char *file, int line,
							  const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void diag_warn_at(const char *file, int line,
							 const char *fmt, ...);
/* Number of errors reported so far. */
unsigned diag_error_count(void);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);
__attribute__((format(printf, 1, 0))) char *xvasprintf(const char *fmt, va_list ap);

#endif
