/* LD_PRELOAD shim for the fault tests (tests/t_fault_*.sh, built by tests/lib.sh
 * fault_shim): at the Nth call of a watched kind, do something to the process or to a
 * file, deterministically standing in for a signal or another process racing lsbimg.
 *
 *   FAULT_CALL  open (default): open, openat, their *64 and fortified names and openat2
 *               (syscall) of a path whose last component is FAULT_NAME; fchmod: any
 *               fchmod (lsbimg makes an output's mode just before syncing it, when it is
 *               complete); rename: any rename or renameat2
 *   FAULT_AT    which matching call triggers (default 1)
 *   FAULT_DO    signal:N        send signal N to the process (a number)
 *               sleep:MS        pause the process for MS milliseconds (a slow source)
 *               symlink:TARGET  the file becomes a symlink to TARGET
 *               fifo            the file becomes a FIFO
 *               replace         another regular file of the same size takes its place
 *               grow / shrink   the same file gets longer / shorter
 *               dirlink:TARGET  the directory becomes a symlink to TARGET (the directory
 *                               itself is kept as DIR.fault-old)
 *   FAULT_LOG   a file that gets one line per matching call
 * The change happens before the call itself runs. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int seen;

static void die(const char *what)
{
	fprintf(stderr, "fault shim: %s: %s\n", what, strerror(errno));
	_exit(99);
}

/* PATH relative to DFD as a path from the cwd (the tests use a tree under the cwd). */
static void full_path(int dfd, const char *path, char *out, size_t len)
{
	if (path[0] == '/' || dfd == AT_FDCWD) {
		snprintf(out, len, "%s", path);
		return;
	}
	char link[64], dir[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dfd);
	ssize_t n = readlink(link, dir, sizeof(dir) - 1);
	if (n < 0)
		die("readlink");
	dir[n] = 0;
	snprintf(out, len, "%s/%s", dir, path);
}

static void change(const char *path)
{
	const char *what = getenv("FAULT_DO");
	char tmp[4300];
	struct stat st;
	if (!strncmp(what, "signal:", 7)) {
		kill(getpid(), atoi(what + 7));
		return;
	}
	if (!strncmp(what, "sleep:", 6)) {
		usleep((useconds_t)atoi(what + 6) * 1000);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.fault-new", path);
	if (stat(path, &st))
		die(path);
	if (!strncmp(what, "symlink:", 8)) {
		if (symlink(what + 8, tmp) || rename(tmp, path))
			die("symlink");
	} else if (!strcmp(what, "fifo")) {
		if (mkfifo(tmp, 0644) || rename(tmp, path))
			die("fifo");
	} else if (!strcmp(what, "replace")) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || ftruncate(fd, st.st_size) ||
		    pwrite(fd, "REPLACED", 8, 0) != 8 || close(fd) || rename(tmp, path))
			die("replace");
	} else if (!strcmp(what, "grow") || !strcmp(what, "shrink")) {
		if (truncate(path, st.st_size + (what[0] == 'g' ? 4096 : -1)))
			die("truncate");
	} else if (!strncmp(what, "dirlink:", 8)) {
		char moved[4300];
		snprintf(moved, sizeof(moved), "%s.fault-old", path);
		if (rename(path, moved) || symlink(what + 8, path))
			die("dirlink");
	} else {
		errno = EINVAL;
		die("FAULT_DO");
	}
}

/* A matching call: log it, and act when it is the FAULT_AT-th. */
static void hit(const char *kind, int dfd, const char *path)
{
	const char *log = getenv("FAULT_LOG");
	if (log) {
		int fd = (int)syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (fd >= 0) {
			dprintf(fd, "%s %d %s\n", kind, seen + 1, path ? path : "");
			close(fd);
		}
	}
	const char *at = getenv("FAULT_AT");
	if (++seen != (at ? atoi(at) : 1) || !getenv("FAULT_DO"))
		return;
	char full[4200] = "";
	if (path)
		full_path(dfd, path, full, sizeof(full));
	change(full);
}

static void before_open(int dfd, const char *path)
{
	const char *name = getenv("FAULT_NAME");
	const char *call = getenv("FAULT_CALL");
	if (!name || !path || (call && strcmp(call, "open")))
		return;
	const char *last = strrchr(path, '/');
	last = last ? last + 1 : path;
	if (!strcmp(last, name))
		hit("open", dfd, path);
}

/* A call of kind KIND, which FAULT_CALL may name. */
static void call_hit(const char *kind)
{
	const char *call = getenv("FAULT_CALL");
	if (call && !strcmp(call, kind))
		hit(kind, AT_FDCWD, NULL);
}

int fchmod(int fd, mode_t mode)
{
	static int (*real)(int, mode_t);
	if (!real)
		real = (int (*)(int, mode_t))dlsym(RTLD_NEXT, "fchmod");
	call_hit("fchmod");
	return real(fd, mode);
}

int rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	if (!real)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	call_hit("rename");
	return real(from, to);
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
	static int (*real)(int, const char *, int, const char *, unsigned);
	if (!real)
		real = (int (*)(int, const char *, int, const char *, unsigned))dlsym(RTLD_NEXT,
										"renameat2");
	call_hit("rename");
	return real(fd1, from, fd2, to, flags);
}

/* open and openat, and the open64/openat64 that _FILE_OFFSET_BITS=64 callers use. */
#define WRAP_OPEN(name)                                                             \
	int name(const char *path, int flags, ...)                                  \
	{                                                                           \
		static int (*real)(const char *, int, ...);                         \
		va_list ap;                                                         \
		va_start(ap, flags);                                                \
		mode_t mode = (mode_t)va_arg(ap, int);                              \
		va_end(ap);                                                         \
		if (!real)                                                          \
			real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name); \
		before_open(AT_FDCWD, path);                                        \
		return real(path, flags, mode);                                     \
	}
#define WRAP_OPENAT(name)                                                           \
	int name(int dfd, const char *path, int flags, ...)                         \
	{                                                                           \
		static int (*real)(int, const char *, int, ...);                    \
		va_list ap;                                                         \
		va_start(ap, flags);                                                \
		mode_t mode = (mode_t)va_arg(ap, int);                              \
		va_end(ap);                                                         \
		if (!real)                                                          \
			real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, #name); \
		before_open(dfd, path);                                             \
		return real(dfd, path, flags, mode);                                \
	}
WRAP_OPEN(open)
WRAP_OPEN(open64)
WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)

/* What _FORTIFY_SOURCE builds (libext2fs) call for an open without a mode. */
#define WRAP_OPEN2(name)                                                            \
	int name(const char *path, int flags)                                       \
	{                                                                           \
		static int (*real)(const char *, int);                              \
		if (!real)                                                          \
			real = (int (*)(const char *, int))dlsym(RTLD_NEXT, #name); \
		before_open(AT_FDCWD, path);                                        \
		return real(path, flags);                                           \
	}
#define WRAP_OPENAT2(name)                                                          \
	int name(int dfd, const char *path, int flags)                              \
	{                                                                           \
		static int (*real)(int, const char *, int);                         \
		if (!real)                                                          \
			real = (int (*)(int, const char *, int))dlsym(RTLD_NEXT, #name); \
		before_open(dfd, path);                                             \
		return real(dfd, path, flags);                                      \
	}
WRAP_OPEN2(__open_2)
WRAP_OPEN2(__open64_2)
WRAP_OPENAT2(__openat_2)
WRAP_OPENAT2(__openat64_2)

long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	va_list ap;
	va_start(ap, nr);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (nr == SYS_openat2)
		before_open((int)a[0], (const char *)a[1]);
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
