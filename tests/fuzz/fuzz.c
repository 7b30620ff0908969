/* Scratch files for the fuzz targets. */
#include "fuzz.h"
#include "base/diag.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void harness_failure(const char *what, const char *path)
{
	fprintf(stderr, "fuzz harness: %s %s: %m\n", what, path);
	abort();
}

const char *fuzz_scratch(void)
{
	static char dir[PATH_MAX];
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/lsbimg-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			harness_failure("cannot create", dir);
	}
	return dir;
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", fuzz_scratch(), name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		harness_failure("cannot create", path);
	while (size) {
		ssize_t w = write(fd, data, size);
		if (w <= 0)
			harness_failure("cannot write", path);
		data += w;
		size -= (size_t)w;
	}
	if (close(fd))
		harness_failure("cannot write", path);
	return path;
}

char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

static void drop(void *arg, enum diag_severity sev, const char *file, int line, const char *msg)
{
	(void)arg, (void)sev, (void)file, (void)line, (void)msg;
}

void fuzz_quiet(void)
{
	static const struct diag_sink quiet = { drop, NULL };
	diag_set_sink(&quiet);
}

/* LeakSanitizer's built-in suppressions, so every run of a target (the driver's, or one by
 * hand) has them; a file would be unreadable once the layout target confines itself.
 * Each names a leak outside lsbimg, shown with the library alone:
 * - libconfig 1.5 (Debian 12) drops string tokens its scanner made when a syntax error
 *   follows them (`key "value";` without '=', or `dir = "x"st = ...`): config_read_string
 *   and config_destroy alone leak them. Both suppressions name scanner functions, which
 *   never run lsbimg code. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}
