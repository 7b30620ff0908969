/* The closure check on trees holding programs built by the real cross compilers (musl for
 * aarch64, armhf, x86_64; glibc for aarch64) and the real Debian runtimes: complete images
 * pass; a removed loader, a foreign machine, an absent library are reported by name. */
#include "formats/closure.h"
#include "base/diag.h"
#include "io/fsview_root.h"
#include "elftest.h"

static const char *msgs;

static int run(struct tree *t, const char *arch, int warn_only)
{
	struct fsview v;
	fsview_tree_init(&v, t);
	tree_freeze(t);
	capture_begin();
	int n = closure_check_view(&v, arch, warn_only ? DIAG_WARNING : DIAG_ERROR);
	msgs = capture_end();
	return n;
}

/* Verbose output (diag_debug) goes to stderr, not through the report sink: captured from
 * the file descriptor. */
static int saved_stderr = -1;

static void stderr_begin(void)
{
	fflush(stderr);
	saved_stderr = dup(2);
	int fd = open("stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || saved_stderr < 0 || dup2(fd, 2) < 0)
		exit(1);
	close(fd);
}

static const char *stderr_end(void)
{
	static char buf[1 << 16];
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	FILE *f = fopen("stderr.txt", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	fputs(buf, stderr);
	return buf;
}

/* A merged-/usr musl image as Debian lays it out, with the test programs. */
static struct tree *musl_image(const char *arch, const char *triplet)
{
	char a[256], b[256], c[256];
	struct tree *t = tree_new(0);
	add_link(t, "/lib", "usr/lib");
	snprintf(a, sizeof(a), "/usr/lib/%s/libc.so", triplet);
	add_host(t, a, a);
	snprintf(b, sizeof(b), "/lib/ld-musl-%s.so.1", arch);
	snprintf(c, sizeof(c), "%s/libc.so", triplet);
	add_link(t, b, c);
	add_host(t, "/usr/bin/main", prog_path(arch, "bin/main"));
	add_host(t, "/usr/bin/plain", prog_path(arch, "bin/plain"));
	add_host(t, "/usr/bin/static", prog_path(arch, "bin/static"));
	add_host(t, "/usr/lib/libfoo.so.1", prog_path(arch, "lib/libfoo.so.1"));
	return t;
}

static void musl_cases(void)
{
	static const char *const arches[][2] = { { "aarch64", "aarch64-linux-musl" },
		{ "armhf", "arm-linux-musleabihf" }, { "x86_64", "x86_64-linux-musl" } };
	for (size_t i = 0; i < 3; i++) {
		struct tree *t = musl_image(arches[i][0], arches[i][1]);
		CHECK(run(t, arches[i][0], 0) == 0, "complete %s image: %s", arches[i][0], msgs);
		CHECK(!*msgs, "complete image reported: %s", msgs);
		/* Verbose: what each program resolved to. */
		diag_verbosity = 1;
		stderr_begin();
		int n = run(t, arches[i][0], 0);
		const char *reports = msgs;
		msgs = stderr_end();
		diag_verbosity = 0;
		CHECK(n == 0 && !*reports, "verbose: %s", reports);
		char want[256];
		snprintf(want, sizeof(want), "/usr/bin/main: interpreter /lib/ld-musl-%s.so.1",
			 arches[i][0]);
		assert_has(want);
		assert_has("/usr/bin/main: libfoo.so.1 => /usr/bin/../lib/libfoo.so.1");
		struct fsview v;
		fsview_tree_init(&v, t);
		const char *guess = closure_guess_arch(&v);
		CHECK(guess && !strcmp(guess, arches[i][0]), "guessed %s", guess ? guess : "NULL");
		tree_free(t);
	}

	/* The loader removed: every dynamic program names it; the static one is fine. */
	struct tree *t = musl_image("aarch64", "aarch64-linux-musl");
	del(t, "/usr/lib/ld-musl-aarch64.so.1");
	CHECK(run(t, "aarch64", 0) == 2, "loader removed: %s", msgs);
	assert_has("/usr/bin/main: interpreter /lib/ld-musl-aarch64.so.1 is missing");
	assert_has("/usr/bin/plain: interpreter /lib/ld-musl-aarch64.so.1 is missing");
	CHECK(!strstr(msgs, "/usr/bin/static"), "static program reported: %s", msgs);
	/* Through a sink, as `lsbimg check` presents them: exactly these reports. */
	CHECK(captured_errors == 2 && captured_warnings == 0, "%u errors, %u warnings",
	      captured_errors, captured_warnings);
	CHECK(!strcmp(msgs, "lsbimg: error: /usr/bin/main: interpreter /lib/ld-musl-aarch64.so.1 "
		      "is missing\nlsbimg: error: /usr/bin/plain: interpreter "
		      "/lib/ld-musl-aarch64.so.1 is missing\n"), "reports: %s", msgs);
	tree_free(t);

	/* An x86_64 program in an aarch64 image: wrong machine, and its loader is absent. */
	t = musl_image("aarch64", "aarch64-linux-musl");
	add_host(t, "/usr/bin/x86", prog_path("x86_64", "bin/plain"));
	add_host(t, "/usr/lib/firmware/x86.elf", prog_path("x86_64", "bin/plain"));
	CHECK(run(t, "aarch64", 0) == 2, "x86_64 program: %s", msgs);
	assert_has("/usr/bin/x86: built for x86-64 64-bit, not aarch64");
	assert_has("/usr/bin/x86: interpreter /lib/ld-musl-x86_64.so.1 is missing");
	tree_free(t);

	/* A soft-float ARM program (its e_flags patched, as readelf then reports) in an armhf
	 * image: same machine, wrong float ABI. */
	sh("cp %s soft && printf '\\000\\002\\000\\005' | dd of=soft bs=1 seek=36 conv=notrunc "
	   "status=none && readelf -h soft | grep -q 'soft-float ABI'", prog_path("armhf", "bin/plain"));
	t = musl_image("armhf", "arm-linux-musleabihf");
	add_host(t, "/usr/bin/soft", "soft");
	CHECK(run(t, "armhf", 0) == 2, "soft-float program: %s", msgs);
	assert_has("/usr/bin/soft: built for soft-float ARM, not armhf");
	assert_has("/usr/bin/soft: interpreter /lib/ld-musl-armhf.so.1 is ARM 32-bit hard-float, "
		   "not ARM 32-bit soft-float");
	tree_free(t);

	/* A missing library, then found through the path file, which replaces the default. */
	t = musl_image("aarch64", "aarch64-linux-musl");
	add_host(t, "/usr/bin/needs-bar", prog_path("aarch64", "bin/needs-bar"));
	add_host(t, "/opt/lib/libbar.so.2", prog_path("aarch64", "tmp/libbar.so.2"));
	CHECK(run(t, "aarch64", 0) == 1, "absent library: %s", msgs);
	assert_has("/usr/bin/needs-bar: needs libbar.so.2, not found in "
		   "/lib:/usr/local/lib:/usr/lib");
	add_text(t, "/etc/ld-musl-aarch64.path", "/usr/lib\n/opt/lib\n");
	CHECK(run(t, "aarch64", 0) == 0, "library through the path file: %s", msgs);
	add_text(t, "/etc/ld-musl-aarch64.path", "/usr/lib:/usr/local/lib\n");
	CHECK(run(t, "aarch64", 0) == 1, "path file without /opt/lib: %s", msgs);
	assert_has("needs libbar.so.2, not found in /usr/lib:/usr/local/lib");
	/* Warnings only: same count, no error counted. */
	unsigned errs = diag_error_count();
	CHECK(run(t, "aarch64", 1) == 1, "warn only: %s", msgs);
	CHECK(diag_error_count() == errs && captured_errors == 0 && strstr(msgs, "warning:"),
	      "warn only: %s", msgs);
	tree_free(t);

	/* musl takes the first file of that name, whatever its machine (no layout arch here,
	 * so only the loader's view counts; the unused x86_64 library's own libc is absent). */
	t = musl_image("aarch64", "aarch64-linux-musl");
	add_host(t, "/usr/bin/needs-bar", prog_path("aarch64", "bin/needs-bar"));
	add_host(t, "/opt/x86/libbar.so.2", prog_path("x86_64", "tmp/libbar.so.2"));
	add_host(t, "/usr/lib/libbar.so.2", prog_path("aarch64", "tmp/libbar.so.2"));
	CHECK(run(t, NULL, 0) == 1, "library in /usr/lib: %s", msgs);
	assert_has("/opt/x86/libbar.so.2: needs libc.so, not found");
	add_text(t, "/etc/ld-musl-aarch64.path", "/opt/x86\n/usr/lib\n");
	CHECK(run(t, NULL, 0) == 2, "foreign library first: %s", msgs);
	assert_has("/usr/bin/needs-bar: needs libbar.so.2, but /opt/x86/libbar.so.2 is x86-64 "
		   "64-bit, not AArch64 64-bit");
	tree_free(t);

	/* RUNPATH $ORIGIN/../lib next to the program, and an absolute RPATH. */
	t = tree_new(0);
	add_host(t, "/lib/aarch64-linux-musl/libc.so", "/usr/lib/aarch64-linux-musl/libc.so");
	add_link(t, "/lib/ld-musl-aarch64.so.1", "aarch64-linux-musl/libc.so");
	add_host(t, "/opt/app/bin/main", prog_path("aarch64", "bin/main"));
	add_host(t, "/opt/app/bin/rpath", prog_path("aarch64", "bin/rpath"));
	CHECK(run(t, "aarch64", 0) == 2, "no libfoo anywhere: %s", msgs);
	assert_has("/opt/app/bin/main: needs libfoo.so.1, not found in "
		   "/opt/app/bin/../lib:/lib:/usr/local/lib:/usr/lib");
	assert_has("/opt/app/bin/rpath: needs libfoo.so.1, not found in "
		   "/opt/foo/lib:/lib:/usr/local/lib:/usr/lib");
	add_host(t, "/opt/app/lib/libfoo.so.1", prog_path("aarch64", "lib/libfoo.so.1"));
	add_link(t, "/opt/foo", "app");
	CHECK(run(t, "aarch64", 0) == 0, "libfoo by $ORIGIN and RPATH: %s", msgs);

	/* A library no program loads is checked on its own. */
	add_host(t, "/usr/lib/libusesbar.so", prog_path("aarch64", "lib/libusesbar.so"));
	CHECK(run(t, "aarch64", 0) == 1, "standalone library: %s", msgs);
	assert_has("/usr/lib/libusesbar.so: needs libbar.so.2, not found");
	tree_free(t);
}

static void glibc_cases(void)
{
	const char *cross = "/usr/aarch64-linux-gnu/lib";
	char a[256], b[256];
	struct tree *t = tree_new(0);
	add_link(t, "/lib", "usr/lib");
	snprintf(a, sizeof(a), "%s/ld-linux-aarch64.so.1", cross);
	add_host(t, "/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", a);
	add_link(t, "/lib/ld-linux-aarch64.so.1", "aarch64-linux-gnu/ld-linux-aarch64.so.1");
	snprintf(b, sizeof(b), "%s/libc.so.6", cross);
	add_host(t, "/usr/lib/aarch64-linux-gnu/libc.so.6", b);
	add_host(t, "/usr/bin/main", prog_path("glibc-aarch64", "bin/main"));
	add_host(t, "/usr/lib/libfoo.so.1", prog_path("glibc-aarch64", "lib/libfoo.so.1"));
	add_host(t, "/usr/bin/needs-bar", prog_path("glibc-aarch64", "bin/needs-bar"));
	/* glibc passes over a library of another machine and keeps looking. */
	add_host(t, "/usr/lib/aarch64-linux-gnu/libbar.so.2", prog_path("glibc-x86_64", "tmp/libbar.so.2"));
	add_host(t, "/usr/local/foo/libbar.so.2", prog_path("glibc-aarch64", "tmp/libbar.so.2"));
	CHECK(run(t, NULL, 0) == 1, "glibc: libbar only in /usr/local/foo: %s", msgs);
	assert_has("/usr/bin/needs-bar: needs libbar.so.2, not found in /lib/aarch64-linux-gnu:"
		   "/usr/lib/aarch64-linux-gnu:/lib:/usr/lib; skipped incompatible "
		   "/lib/aarch64-linux-gnu/libbar.so.2");
	add_text(t, "/etc/ld.so.conf", "# comment\ninclude /etc/ld.so.conf.d/*.conf\n");
	add_text(t, "/etc/ld.so.conf.d/foo.conf", "/usr/local/foo\n");
	CHECK(run(t, NULL, 0) == 0, "glibc with ld.so.conf.d: %s", msgs);
	/* Includes that include each other end: each file read a bounded number of times. */
	for (int i = 0; i < 8; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/etc/ld.so.conf.d/loop%d.conf", i);
		add_text(t, p, "include /etc/ld.so.conf.d/*.conf\ninclude missing/*.conf\n");
	}
	CHECK(run(t, NULL, 0) == 0, "self-including ld.so.conf.d: %s", msgs);
	CHECK(run(t, "aarch64", 0) == 1, "aarch64 layout: %s", msgs);
	assert_has("/usr/lib/aarch64-linux-gnu/libbar.so.2: built for x86-64 64-bit, not aarch64");
	CHECK(run(t, "armhf", 0) > 0, "aarch64 glibc image as armhf: %s", msgs);
	assert_has("/usr/bin/main: built for AArch64 64-bit, not armhf");
	CHECK(run(t, "x86", 0) == -1, "unknown arch accepted");
	struct fsview v;
	fsview_tree_init(&v, t);
	CHECK(closure_guess_arch(&v) == NULL, "arch guessed without loader or init");
	add_host(t, "/bin/sh", prog_path("glibc-aarch64", "bin/plain"));
	const char *guess = closure_guess_arch(&v);
	CHECK(guess && !strcmp(guess, "aarch64"), "guessed %s from /bin/sh", guess ? guess : "NULL");
	tree_free(t);
}

/* A malformed file claiming to be ELF is reported, not skipped. */
static void malformed_case(void)
{
	sh("head -c 100 %s > bad.elf", prog_path("aarch64", "bin/main"));
	struct tree *t = tree_new(0);
	add_host(t, "/usr/bin/bad", "bad.elf");
	CHECK(run(t, "aarch64", 0) == 1, "malformed ELF: %s", msgs);
	assert_has("/usr/bin/bad: malformed ELF file:");
	tree_free(t);
}

static int collect(const char *path, void *arg)
{
	char *list = arg;
	snprintf(list + strlen(list), 1024 - strlen(list), "%s;", path);
	return 0;
}

/* Loader files of a program in a sysroot whose symlinks are absolute: they must resolve
 * inside the sysroot, never on the host (which has its own /lib/ld-musl-aarch64.so.1). */
static void sysroot_case(void)
{
	sh("rm -rf sr && mkdir -p sr/usr/bin sr/usr/lib/aarch64-linux-musl && "
	   "cp %s sr/usr/bin/main && cp %s sr/usr/lib/libfoo.so.1.0 && "
	   "ln -s libfoo.so.1.0 sr/usr/lib/libfoo.so.1 && ln -s /usr/lib sr/lib && "
	   "cp /usr/lib/aarch64-linux-musl/libc.so sr/usr/lib/aarch64-linux-musl/ && "
	   "ln -s /usr/lib/aarch64-linux-musl/libc.so sr/usr/lib/ld-musl-aarch64.so.1",
	   prog_path("aarch64", "bin/main"), prog_path("aarch64", "lib/libfoo.so.1"));
	struct fsview v;
	CHECK(fsview_root_open(&v, "sr") == 0, "open sysroot");
	char list[1024] = "";
	capture_begin();
	int n = closure_program_files(&v, "aarch64", "sr", "/usr/bin/main", NULL, collect, list);
	msgs = capture_end();
	CHECK(n == 0, "sysroot closure: %s", msgs);
	CHECK(!strcmp(list, "/usr/bin/main;/lib/ld-musl-aarch64.so.1;/usr/bin/../lib/libfoo.so.1;"),
	      "files: %s", list);
	sh("rm sr/usr/lib/ld-musl-aarch64.so.1 sr/usr/lib/libfoo.so.1.0");
	list[0] = 0;
	capture_begin();
	n = closure_program_files(&v, "aarch64", "sr", "/usr/bin/main", NULL, collect, list);
	msgs = capture_end();
	CHECK(n == 2, "sysroot without loader and libfoo: %d: %s", n, msgs);
	assert_has("sr: error: /usr/bin/main: interpreter /lib/ld-musl-aarch64.so.1 is missing");
	assert_has("sr: error: /usr/bin/main: needs libfoo.so.1, not found in /usr/bin/../lib:");
	/* An interpreter the caller provides need not be in the sysroot. */
	list[0] = 0;
	capture_begin();
	n = closure_program_files(&v, "aarch64", "sr", "/usr/bin/main",
				  "/lib/ld-musl-aarch64.so.1", collect, list);
	msgs = capture_end();
	CHECK(n == 1 && !strstr(msgs, "interpreter"), "provided loader: %d: %s", n, msgs);
	CHECK(!strcmp(list, "/usr/bin/main;"), "files: %s", list);
	fsview_root_close(&v);
}

int main(void)
{
	build_programs();
	musl_cases();
	glibc_cases();
	malformed_case();
	sysroot_case();
	return harness_done();
}
