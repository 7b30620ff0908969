/* /init of lsbimg's initramfs: load the kernel modules listed in /etc/modules.order, mount
 * the root device and hand over to its init. Built static against musl; runs as PID 1.
 *
 * Kernel command line (all optional): root=/dev/vda  rootfstype=ext4  ro|rw
 *   rootwait=SECONDS (10)  init=/sbin/init
 * Any failure is reported on the console and the machine powers off: PID 1 must not exit,
 * and a hung or panicking guest would only cost the caller its timeout. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NEWROOT "/newroot"
/* finit_module flag (linux/module.h): the kernel decompresses .ko.xz/.ko.zst itself. */
#define MODULE_INIT_COMPRESSED_FILE 4

static void say(const char *fmt, ...)
{
	va_list ap;
	fputs("init: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	fputs("init: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\ninit: powering off\n", stderr);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/* 1 loaded (or already there), 0 failed when OPTIONAL, else the end. */
static int load_module(const char *path, int optional)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	int flags = has_suffix(path, ".ko") ? 0 : MODULE_INIT_COMPRESSED_FILE;
	int ok = syscall(SYS_finit_module, fd, "", flags) == 0 || errno == EEXIST;
	if (!ok && !optional)
		die("load module %s: %s", path, strerror(errno));
	if (!ok)   /* a soft dependency, as modprobe lets it fail: e.g. a CPU-specific driver */
		say("optional module %s not loaded: %s", path, strerror(errno));
	close(fd);
	return ok;
}

/* One module path per line, dependencies first (written by lsbimg's kmods section); '?'
 * before the path: a soft dependency, which may fail. */
static void load_modules(void)
{
	FILE *f = fopen("/etc/modules.order", "re");
	if (!f) {
		if (errno == ENOENT)
			return;
		die("/etc/modules.order: %s", strerror(errno));
	}
	char line[4096];
	unsigned n = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		n += load_module(line + (line[0] == '?'), line[0] == '?');
	}
	if (ferror(f))
		die("/etc/modules.order: read error");
	fclose(f);
	say("loaded %u modules", n);
}

struct options {
	char root[256], fstype[32], init[256];
	unsigned long flags;
	unsigned wait;
};

/* Copy the value of KEY= from word W into DST if W starts with it. */
static int opt(const char *w, const char *key, char *dst, size_t size)
{
	size_t n = strlen(key);
	if (strncmp(w, key, n) || w[n] != '=')
		return 0;
	snprintf(dst, size, "%s", w + n + 1);
	return 1;
}

static void parse_cmdline(struct options *o)
{
	snprintf(o->root, sizeof(o->root), "/dev/vda");
	snprintf(o->fstype, sizeof(o->fstype), "ext4");
	snprintf(o->init, sizeof(o->init), "/sbin/init");
	o->flags = MS_RDONLY;
	o->wait = 10;

	char buf[4096];
	FILE *f = fopen("/proc/cmdline", "re");
	if (!f)
		die("/proc/cmdline: %s", strerror(errno));
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	char num[16];
	for (char *save, *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		if (!strcmp(w, "rw"))
			o->flags &= ~(unsigned long)MS_RDONLY;
		else if (!strcmp(w, "ro"))
			o->flags |= MS_RDONLY;
		else if (opt(w, "rootwait", num, sizeof(num)))
			o->wait = (unsigned)strtoul(num, NULL, 10);
		else if (!opt(w, "root", o->root, sizeof(o->root)) &&
			 !opt(w, "rootfstype", o->fstype, sizeof(o->fstype)))
			opt(w, "init", o->init, sizeof(o->init));
	}
}

static void mount_or_die(const char *src, const char *dst, const char *type, unsigned long fl)
{
	if (mkdir(dst, 0755) != 0 && errno != EEXIST)
		die("mkdir %s: %s", dst, strerror(errno));
	if (mount(src, dst, type, fl, NULL) != 0)
		die("mount %s on %s (%s): %s", src, dst, type, strerror(errno));
}

/* The root device appears asynchronously once its driver probes; devtmpfs makes the node. */
static void wait_for(const char *dev, unsigned seconds)
{
	struct stat st;
	for (unsigned i = 0; i <= seconds * 10; i++) {
		if (stat(dev, &st) == 0 && S_ISBLK(st.st_mode))
			return;
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	die("root device %s did not appear within %u s", dev, seconds);
}

/* Move the API filesystems into the new root, make it "/", and exec its init. The
 * initramfs stays in memory: it is small and nothing here needs the space back. */
static _Noreturn void switch_root(const struct options *o)
{
	static const char *const keep[] = { "/dev", "/proc", "/sys" };
	char path[512];
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		snprintf(path, sizeof(path), NEWROOT "%s", keep[i]);
		if (mount(keep[i], path, NULL, MS_MOVE, NULL) != 0) {
			say("warning: cannot move %s into the new root: %s", keep[i], strerror(errno));
			umount2(keep[i], MNT_DETACH);
		}
	}
	if (chdir(NEWROOT) != 0)
		die("chdir " NEWROOT ": %s", strerror(errno));
	if (mount(".", "/", NULL, MS_MOVE, NULL) != 0)
		die("move " NEWROOT " to /: %s", strerror(errno));
	if (chroot(".") != 0 || chdir("/") != 0)
		die("chroot " NEWROOT ": %s", strerror(errno));
	say("starting %s", o->init);
	char *argv[] = { (char *)o->init, NULL };
	char *envp[] = { "HOME=/", "TERM=linux", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	execve(o->init, argv, envp);
	/* ENOENT for an existing file means its ELF interpreter (the loader) is missing. */
	die("exec %s: %s", o->init, strerror(errno));
}

int main(void)
{
	mount_or_die("devtmpfs", "/dev", "devtmpfs", MS_NOSUID);
	/* Without /dev/console in the archive the kernel started us with no stdio. */
	if (fcntl(2, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);
		if (fd >= 0 && (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0))
			return 1;
	}
	mount_or_die("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_or_die("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	struct options o;
	parse_cmdline(&o);
	load_modules();
	wait_for(o.root, o.wait);
	mount_or_die(o.root, NEWROOT, o.fstype, o.flags);
	say("mounted %s on / (%s, %s)", o.root, o.fstype, o.flags & MS_RDONLY ? "ro" : "rw");
	switch_root(&o);
}
