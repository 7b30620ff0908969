/* Temporaries. The signal handler only uses async-signal-safe calls (open, getdents64,
 * unlinkat, fchmod, close, raise, and write to erase the progress line) on names
 * registered in advance, and the registry is only changed with those signals blocked. */
#include "base/tempfile.h"
#include "base/diag.h"
#include "base/progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TEMPS 16
#define MARK ".lsbimg."
#define RANDOM_CHARS 6

static struct {
	char *volatile path;
	volatile int dir;
} temps[MAX_TEMPS];

/* SIGPIPE too: `lsbimg journal IMG | head` must not leave the journal copies behind;
 * SIGABRT: libext2fs aborts when it runs out of memory. */
static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGABRT };
#define N_SIGNALS (sizeof(signals) / sizeof(signals[0]))

/* Remove the entries of directory FD that are not directories; return in SUB the name of
 * one that is (empty when none). */
static void clear_files(int fd, char sub[256])
{
	char buf[4096] __attribute__((aligned(8)));
	int retried = 0;
	sub[0] = 0;
	lseek(fd, 0, SEEK_SET);
	for (;;) {
		ssize_t n = getdents64(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			off += d->d_reclen;
			const char *name = d->d_name;
			if (!strcmp(name, ".") || !strcmp(name, ".."))
				continue;
			if (d->d_type != DT_DIR && !unlinkat(fd, name, 0))
				continue;
			if ((errno == EACCES || errno == EPERM) && !retried) {
				/* A directory made read-only (extract sets modes last). */
				retried = 1;
				if (!fchmod(fd, 0700) && !unlinkat(fd, name, 0))
					continue;
			}
			if (!sub[0] && strlen(name) < 256)
				memcpy(sub, name, strlen(name) + 1);
		}
	}
}

/* Remove directory PATH and everything in it, without the heap or recursion: files go
 * at once; the walk descends into a subdirectory until it finds an empty one, which the
 * next pass from the top removes. Stops when a pass removes nothing. */
static void rm_tree(const char *path)
{
	for (int idle = 0; idle < 2;) {
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return;
		char sub[256];
		int top = 1;
		idle++;
		for (;;) {
			clear_files(fd, sub);
			if (!sub[0])
				break;
			if (!unlinkat(fd, sub, AT_REMOVEDIR)) {
				idle = 0;
				continue;
			}
			int next = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0)
				break;
			close(fd);
			fd = next;
			top = 0;
		}
		close(fd);
		if (top && !sub[0]) {
			rmdir(path);
			return;
		}
	}
	rmdir(path);
}

static void remove_one(const char *path, int dir)
{
	if (dir)
		rm_tree(path);
	else
		unlink(path);
}

static void remove_all(void)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (temps[i].path)
			remove_one(temps[i].path, temps[i].dir);
}

static void on_signal(int sig)
{
	remove_all();
	progress_abandon();
	signal(sig, SIG_DFL);
	raise(sig);   /* delivered when the handler returns: the exit status says 128+N */
}

void temp_signals(void)
{
	static int installed;
	if (installed)
		return;
	installed = 1;
	/* exit() on a fatal error (out of memory) with temporaries still registered. */
	atexit(remove_all);
	for (size_t i = 0; i < N_SIGNALS; i++) {
		struct sigaction sa = { .sa_handler = on_signal }, old;
		sigemptyset(&sa.sa_mask);
		for (size_t k = 0; k < N_SIGNALS; k++)
			sigaddset(&sa.sa_mask, signals[k]);
		/* A signal the caller ignores (nohup) stays ignored. */
		if (!sigaction(signals[i], NULL, &old) && old.sa_handler == SIG_IGN)
			continue;
		sigaction(signals[i], &sa, NULL);
	}
}

void temp_hold_signals(int hold)
{
	static int held;
	static sigset_t saved;
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < N_SIGNALS; i++)
		sigaddset(&set, signals[i]);
	if (hold) {
		if (held++ == 0)
			sigprocmask(SIG_BLOCK, &set, &saved);
	} else if (held > 0 && --held == 0) {
		sigprocmask(SIG_SETMASK, &saved, NULL);
	}
}

/* Remove the temporaries of BASE in DIR whose lock nobody holds: their run is gone. Only
 * our own regular files and directories; never through a symlink. */
static void sweep(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	if (!d)
		return;   /* not there yet: nothing stale either */
	char *prefix = xasprintf(".%s" MARK, base);
	size_t plen = strlen(prefix);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, plen) || strlen(de->d_name) != plen + RANDOM_CHARS)
			continue;
		int fd = openat(dirfd(d), de->d_name,
				O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		struct stat st;
		if (fd < 0)
			continue;
		if (fstat(fd, &st) || st.st_uid != geteuid() ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) || flock(fd, LOCK_EX | LOCK_NB)) {
			close(fd);
			continue;
		}
		char *path = xasprintf("%s/%s", dir, de->d_name);
		remove_one(path, S_ISDIR(st.st_mode));
		if (faccessat(dirfd(d), de->d_name, F_OK, AT_SYMLINK_NOFOLLOW))
			diag_warn("removed %s, left behind by an interrupted run", path);
		else
			diag_warn("%s is left behind by an interrupted run and could not be "
				  "removed", path);
		free(path);
		close(fd);
	}
	closedir(d);
	free(prefix);
}

static int track(const char *path, int dir)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (!temps[i].path) {
			temps[i].dir = dir;
			temps[i].path = (char *)path;
			return 0;
		}
	return -1;
}

static void untrack(const char *path)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (temps[i].path == path)
			temps[i].path = NULL;
}

int temp_create(struct tempfile *t, const char *name, int dir)
{
	char *copy = xstrdup(name), *copy2 = xstrdup(name);
	char *parent = dirname(copy), *base = basename(copy2);
	t->path = xasprintf("%s/.%s" MARK "XXXXXX", parent, base);
	t->fd = -1;
	t->dir = dir;
	temp_signals();
	sweep(parent, base);
	free(copy);
	free(copy2);

	temp_hold_signals(1);
	int made, err = 0;
	if (dir) {
		made = mkdtemp(t->path) != NULL;
		if (made)
			t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	} else {
		t->fd = mkostemp(t->path, O_CLOEXEC);
		made = t->fd >= 0;
	}
	if (t->fd < 0)
		err = errno;
	else if (track(t->path, dir))
		err = EMFILE;   /* more temporaries at once than any command makes */
	else
		/* Without a lock (a file system without flock) the temporary only looks
		 * stale to a concurrent run on the same output. */
		(void)flock(t->fd, LOCK_EX | LOCK_NB);
	temp_hold_signals(0);
	if (!err)
		return 0;
	if (made)
		remove_one(t->path, dir);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	diag_error("cannot create %s: %s", t->path, strerror(err));
	free(t->path);
	t->path = NULL;
	return -1;
}

void temp_keep(struct tempfile *t)
{
	if (!t->path)
		return;
	temp_hold_signals(1);
	untrack(t->path);
	temp_hold_signals(0);
	free(t->path);
	t->path = NULL;
}

void temp_remove(struct tempfile *t)
{
	if (t->path) {
		temp_hold_signals(1);
		remove_one(t->path, t->dir);
		untrack(t->path);
		temp_hold_signals(0);
		free(t->path);
		t->path = NULL;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
