/* Diagnostics: one format for every message, counted so callers can fail late. */
#include "base/diag.h"
#include "base/progress.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int diag_verbosity;
static unsigned errors;
static int strict;
static const struct diag_sink *sink;

static void print(void *arg, enum diag_severity sev, const char *file, int line, const char *msg)
{
	(void)arg;
	if (sev == DIAG_WARNING && diag_verbosity < 0)
		return;  /* -q: errors only */
	progress_clear();
	const char *kind = sev == DIAG_ERROR ? "error" : "warning";
	if (file && line > 0)
		fprintf(stderr, "%s:%d: %s: %s\n", file, line, kind, msg);
	else if (file)
		fprintf(stderr, "%s: %s: %s\n", file, kind, msg);
	else
		fprintf(stderr, "lsbimg: %s: %s\n", kind, msg);
}

const struct diag_sink *diag_set_sink(const struct diag_sink *s)
{
	const struct diag_sink *old = sink;
	sink = s;
	return old;
}

int diag_set_strict(int s)
{
	int old = strict;
	strict = s;
	return old;
}

/* Whether this warning was reported before: a warning found twice (a key two sections
 * read, a file two checks look at) is said once. An open-addressing set of 64-bit FNV-1a
 * hashes of origin and message. */
/* The set of warnings said: FNV-1a hashes, 0 a free slot. */
static uint64_t *set;
static size_t cap, n;

void diag_forget(void)
{
	free(set);
	set = NULL;
	cap = n = 0;
}

static int seen_before(const char *file, int line, const char *msg)
{
	uint64_t h = 1469598103934665603u;
	char num[16];
	snprintf(num, sizeof(num), ":%d:", line);
	const char *parts[] = { file ? file : "", num, msg };
	for (size_t i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211u;
	h |= 1;  /* 0 marks a free slot */
	if (2 * (n + 1) > cap) {
		size_t ncap = cap ? 2 * cap : 64;
		uint64_t *ns = xcalloc(ncap, sizeof(*ns));
		for (size_t i = 0; i < cap; i++)
			if (set[i])
				for (size_t j = set[i] & (ncap - 1);; j = (j + 1) & (ncap - 1))
					if (!ns[j]) {
						ns[j] = set[i];
						break;
					}
		free(set);
		set = ns;
		cap = ncap;
	}
	size_t j = h & (cap - 1);
	for (; set[j]; j = (j + 1) & (cap - 1))
		if (set[j] == h)
			return 1;
	set[j] = h;
	n++;
	return 0;
}

static void report(enum diag_severity sev, const char *file, int line, const char *fmt,
		   va_list ap)
{
	if (strict)
		sev = DIAG_ERROR;
	if (sev == DIAG_ERROR)
		errors++;
	char *msg = xvasprintf(fmt, ap);
	if (sev == DIAG_WARNING && seen_before(file, line, msg)) {
		free(msg);
		return;
	}
	if (sink)
		sink->emit(sink->arg, sev, file, line, msg);
	else
		print(NULL, sev, file, line, msg);
	free(msg);
}

void diag_report(enum diag_severity sev, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(sev, file, line, fmt, ap);
	va_end(ap);
}

void diag_info(const char *fmt, ...)
{
	va_list ap;
	if (diag_verbosity < 0)
		return;
	progress_clear();
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
}

void diag_debug(const char *fmt, ...)
{
	va_list ap;
	if (diag_verbosity < 1)
		return;
	progress_clear();
	va_start(ap, fmt);
	fputs("lsbimg: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

unsigned diag_error_count(void)
{
	return errors;
}

static void oom(void)
{
	fputs("lsbimg: error: out of memory\n", stderr);
	exit(EXIT_FAILED);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}
