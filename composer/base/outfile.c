/* Atomic outputs. The signal handler only calls unlink(2) on names prepared in advance,
 * which is async-signal-safe. */
#include "base/outfile.h"
#include "base/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PENDING 8

static char *volatile pending[MAX_PENDING];

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i])
			unlink(pending[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void track(char *tmp)
{
	static int installed;
	if (!installed) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		installed = 1;
	}
	for (int i = 0; i < MAX_PENDING; i++)
		if (!pending[i]) {
			pending[i] = tmp;
			return;
		}
}

static void untrack(const char *tmp)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i] == tmp)
			pending[i] = NULL;
}

static int mkdirs(const char *dir)
{
	struct stat st;
	if (!stat(dir, &st))
		return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
	char *copy = xstrdup(dir);
	char *parent = dirname(copy);
	int rc = strcmp(parent, dir) ? mkdirs(parent) : 0;
	free(copy);
	if (rc)
		return -1;
	return mkdir(dir, 0777) && errno != EEXIST ? -1 : 0;
}

int outfile_open(struct outfile *o, const char *path)
{
	struct stat st;
	o->path = o->tmp = NULL;
	o->fd = -1;
	/* The rename would put a regular file in place of a device, FIFO or directory (or
	 * of a link to one, such as /dev/stdout): `compose -o /dev/null` replaced the host's
	 * /dev/null. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		diag_error("%s exists and is not a regular file; not replacing it", path);
		return -1;
	}
	char *copy = xstrdup(path);
	char *dir = xstrdup(dirname(copy));
	free(copy);
	copy = xstrdup(path);
	o->path = xstrdup(path);
	o->tmp = xasprintf("%s/.%s.XXXXXX", dir, basename(copy));
	free(copy);
	if (mkdirs(dir)) {
		diag_error("cannot create directory %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd >= 0)
		track(o->tmp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (o->fd < 0) {
		diag_error("cannot create %s: %s", o->tmp, strerror(errno));
		return -1;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int outfile_commit(struct outfile *o)
{
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) || fsync(o->fd)) {
		diag_error("%s: %s", o->tmp, strerror(errno));
		outfile_abort(o);
		return -1;
	}
	if (close(o->fd)) {
		o->fd = -1;
		diag_error("%s: %s", o->tmp, strerror(errno));
		outfile_abort(o);
		return -1;
	}
	o->fd = -1;
	if (rename(o->tmp, o->path)) {
		diag_error("cannot rename %s to %s: %s", o->tmp, o->path, strerror(errno));
		outfile_abort(o);
		return -1;
	}
	untrack(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	if (fsync_dir(o->path))
		diag_warn("could not sync the directory of %s: %s", o->path, strerror(errno));
	free(o->path);
	o->path = NULL;
	return 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp) {
		unlink(o->tmp);
		untrack(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	free(o->path);
	o->path = NULL;
}
