/* Fuzz target: composing a layout (compose_build: reading it, parsing every section, the
 * entries, musl, kmod and systemd applied to a tree, then the check table) on a layout
 * written next to links to the files in tests/fuzz/fixtures/layout, which the seeds name
 * as sources. The result must be one of the documented exit codes, with a tree exactly
 * when the layout was valid (a layout error applies nothing).
 *
 * A layout names host paths, and a mutated one names any path: "/" as a tree source would
 * import the whole host. So the process confines itself with Landlock before fuzzing:
 * directories may be listed only in the fixtures, the scratch directory and libFuzzer's
 * corpus directories (and /proc/self/task, for LeakSanitizer); files may be read only
 * there and under /usr, /etc and /proc (the musl runtime, and what the sanitizers'
 * symbolizer needs); nothing may be written outside the scratch, corpus and artifact
 * directories. Without Landlock the target refuses to run rather than fuzz unconfined. */
#include "base/diag.h"
#include "compose/pipeline.h"
#include "fuzz.h"
#include "io/archive_in.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FS_FILE (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		 LANDLOCK_ACCESS_FS_READ_FILE)
#define FS_ALL (FS_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
		LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR | \
		LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
		LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | \
		LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)
#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE (FS_ALL & ~(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
			     LANDLOCK_ACCESS_FS_READ_DIR))

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fuzz layout: %s%s%s: %m\n", what, path ? " " : "", path ? path : "");
	abort();
}

/* Allow ACCESS beneath PATH (only its file rights when PATH is a file). */
static void allow(int ruleset, const char *path, uint64_t access)
{
	struct stat st;
	struct landlock_path_beneath_attr rule = { .allowed_access = access };
	rule.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (rule.parent_fd < 0 || fstat(rule.parent_fd, &st))
		die("cannot open", path);
	if (!S_ISDIR(st.st_mode))
		rule.allowed_access &= FS_FILE;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0))
		die("landlock_add_rule", path);
	close(rule.parent_fd);
}

/* The directory libFuzzer writes artifacts with PREFIX into. */
static void allow_prefix(int ruleset, const char *prefix)
{
	size_t n = strlen(prefix);
	char *copy = strdup(prefix);
	if (!copy)
		die("out of memory", NULL);
	allow(ruleset, n && prefix[n - 1] == '/' ? copy : dirname(copy), FS_WRITE);
	free(copy);
}

static void confine(int argc, char **argv, const char *fixtures)
{
	struct landlock_ruleset_attr attr = { .handled_access_fs = FS_ALL };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		die("Landlock is not available (needs Linux 5.13 with landlock in its LSM list)",
		    NULL);
	allow(rs, fuzz_scratch(), FS_ALL);
	allow(rs, fixtures, FS_READ);
	allow(rs, "/usr", LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE);
	allow(rs, "/etc", LANDLOCK_ACCESS_FS_READ_FILE);
	allow(rs, "/proc", LANDLOCK_ACCESS_FS_READ_FILE);
	allow(rs, "/dev/null", LANDLOCK_ACCESS_FS_WRITE_FILE);  /* -close_fd_mask */
	allow(rs, "/proc/self/exe", LANDLOCK_ACCESS_FS_READ_FILE);  /* symbolizer */
	allow(rs, "/proc/self/task", LANDLOCK_ACCESS_FS_READ_DIR);  /* LeakSanitizer */
	allow(rs, ".", FS_WRITE);  /* default artifact prefix */
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "-artifact_prefix=", 17))
			allow_prefix(rs, argv[i] + 17);
		else if (!strncmp(argv[i], "-exact_artifact_path=", 21))
			allow_prefix(rs, argv[i] + 21);
		else if (argv[i][0] != '-')
			allow(rs, argv[i], FS_ALL);  /* corpus directories, inputs to run */
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_landlock_restrict_self, rs, 0))
		die("landlock_restrict_self", NULL);
	close(rs);
}

/* Link every fixture into the scratch directory, where the layout is written. */
static void link_fixtures(const char *fixtures)
{
	DIR *d = opendir(fixtures);
	if (!d)
		die("cannot read", fixtures);
	struct dirent *e;
	char from[PATH_MAX], to[PATH_MAX];
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/%s", fixtures, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", fuzz_scratch(), e->d_name);
		if (symlink(from, to))
			die("cannot link", to);
	}
	closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* The archive spool goes to $TMPDIR: keep it in the scratch directory too. */
	if (setenv("TMPDIR", fuzz_scratch(), 1))
		die("setenv", NULL);
	link_fixtures(FUZZ_FIXTURES);
	confine(*argc, *argv, FUZZ_FIXTURES);
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("layout.cfg", data, size);
	struct composition c;
	int rc = compose_build(path, NULL, &c);
	if ((rc != EXIT_OK && rc != EXIT_FAILED && rc != EXIT_USAGE) ||
	    (rc == EXIT_OK && !c.tree) || (rc == EXIT_USAGE && c.tree))
		abort();
	compose_free(&c);
	archive_spool_reset();
	return 0;
}
