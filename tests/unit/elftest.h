/* Shared by the ELF, closure and musl unit tests: failure counting, shell helpers and the
 * small dynamic programs they build with the real cross compilers. */
#ifndef ELFTEST_H
#define ELFTEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		failures++; \
	} \
} while (0)

/* Run a shell command; a failing one means the test cannot run its oracle: fail. */
__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		exit(1);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0) {
		fprintf(stderr, "FAIL: command failed (%d): %s\n", rc, cmd);
		exit(1);
	}
	free(cmd);
}

/* Toolchains: output directory, compiler. Each directory gets lib/libfoo.so.1 and
 * bin/main (needs libfoo.so.1 through RUNPATH $ORIGIN/../lib), bin/rpath (the same through
 * DT_RPATH), bin/plain (libc only), bin/needs-bar (needs an absent libbar.so.2) and
 * bin/static (no interpreter), and lib/libusesbar.so (a library needing libbar.so.2). */
static const struct toolchain {
	const char *dir, *cc;
} toolchains[] = {
	{ "aarch64", "aarch64-linux-musl-gcc" },
	{ "armhf", "arm-linux-musleabihf-gcc" },
	{ "x86_64", "musl-gcc" },
	{ "glibc-x86_64", "gcc" },
	{ "glibc-aarch64", "aarch64-linux-gnu-gcc" },
};
#define NTOOLCHAINS (sizeof(toolchains) / sizeof(toolchains[0]))

static void build_programs(void)
{
	struct stat st;
	if (!stat("progs/done", &st))
		return;
	sh("mkdir -p progs && cd progs && "
	   "printf 'int foo(void) { return 42; }\\n' > foo.c && "
	   "printf 'int bar(void) { return 7; }\\n' > bar.c && "
	   "printf '#include <stdio.h>\\nint foo(void);\\n"
	   "int main(void) { printf(\"%%d\\\\n\", foo()); return 0; }\\n' > main.c && "
	   "printf 'int bar(void);\\nint main(void) { return bar(); }\\n' > needs-bar.c && "
	   "printf '#include <stdio.h>\\nint main(void) { puts(\"hi\"); return 0; }\\n' > plain.c");
	for (size_t i = 0; i < NTOOLCHAINS; i++) {
		const char *d = toolchains[i].dir, *cc = toolchains[i].cc;
		sh("cd progs && mkdir -p %s/lib %s/bin %s/tmp && "
		   "%s -shared -fPIC -Wl,-soname,libfoo.so.1 -o %s/lib/libfoo.so.1 foo.c && "
		   "%s -shared -fPIC -Wl,-soname,libbar.so.2 -o %s/tmp/libbar.so.2 bar.c && "
		   "%s -shared -fPIC -o %s/lib/libusesbar.so foo.c %s/tmp/libbar.so.2 && "
		   "%s -o %s/bin/main main.c %s/lib/libfoo.so.1 "
		   "-Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags && "
		   "%s -o %s/bin/rpath main.c %s/lib/libfoo.so.1 "
		   "-Wl,-rpath,/opt/foo/lib -Wl,--disable-new-dtags && "
		   "%s -o %s/bin/plain plain.c && "
		   "%s -o %s/bin/needs-bar needs-bar.c %s/tmp/libbar.so.2 && "
		   "%s -static -o %s/bin/static plain.c",
		   d, d, d, cc, d, cc, d, cc, d, d, cc, d, d, cc, d, d, cc, d, cc, d, d, cc, d);
	}
	sh("touch progs/done");
}

#endif
