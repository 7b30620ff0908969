/* outfile and tempfile: several outputs put in place all or none (the undo path is made to
 * run by removing a temporary before the commit), stale temporaries of killed runs removed
 * while live ones stay, and temporary directories removed with their contents. */
#include "base/diag.h"
#include "base/outfile.h"
#include "base/tempfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* The contents of PATH ("" when missing). */
static const char *get(const char *path)
{
	static char buf[64];
	buf[0] = 0;
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	return buf;
}

/* Entries of DIR besides . and .. */
static int entries(const char *dir)
{
	char *cmd = xasprintf("test $(ls -A %s | wc -l) -eq 0", dir);
	int empty = system(cmd) == 0;
	free(cmd);
	return !empty;
}

static void prepare(struct outfile *o, const char *path, const char *text)
{
	CHECK(!outfile_open(o, path));
	CHECK(write(o->fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(!outfile_finish(o));
}

int main(void)
{
	char tmpl[] = "outfile-test.XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	char *a = xasprintf("%s/a.img", dir), *b = xasprintf("%s/b.img", dir);
	struct outfile oa, ob;
	struct outfile *const both[] = { &oa, &ob };

	/* Both in place. */
	put(a, "oldA");
	prepare(&oa, a, "newA");
	prepare(&ob, b, "newB");
	CHECK(!outfile_commit_all(both, 2));
	CHECK(!strcmp(get(a), "newA"));
	CHECK(!strcmp(get(b), "newB"));
	CHECK(entries(dir));

	/* The second cannot be put in place: the first is exchanged back. */
	prepare(&oa, a, "nextA");
	prepare(&ob, b, "nextB");
	CHECK(!unlink(ob.tmp));
	CHECK(outfile_commit_all(both, 2) == -1);
	CHECK(!strcmp(get(a), "newA"));
	CHECK(!strcmp(get(b), "newB"));

	/* The same when the first had no previous file: it is gone again. */
	CHECK(!unlink(a));
	prepare(&oa, a, "nextA");
	prepare(&ob, b, "nextB");
	CHECK(!unlink(ob.tmp));
	CHECK(outfile_commit_all(both, 2) == -1);
	CHECK(access(a, F_OK) && errno == ENOENT);
	CHECK(!strcmp(get(b), "newB"));
	CHECK(!unlink(b));
	CHECK(!entries(dir));

	/* Unfinished outputs are never put in place. */
	CHECK(!outfile_open(&oa, a));
	CHECK(outfile_commit_all(both, 1) == -1);
	CHECK(!entries(dir));

	/* Stale temporaries (unlocked) go, with a warning; a live one (locked) stays, and
	 * so does a look-alike of another output. */
	char *stale = xasprintf("%s/.a.img.lsbimg.AAAAAA", dir);
	char *live = xasprintf("%s/.a.img.lsbimg.BBBBBB", dir);
	char *other = xasprintf("%s/.b.img.lsbimg.CCCCCC", dir);
	char *staledir = xasprintf("%s/.a.img.lsbimg.DDDDDD", dir);
	char *mid = xasprintf("%s/x", staledir), *deep = xasprintf("%s/x/y", staledir);
	put(stale, "s");
	put(live, "l");
	put(other, "o");
	CHECK(!mkdir(staledir, 0700));
	CHECK(!mkdir(mid, 0700));
	CHECK(!mkdir(deep, 0500));
	int lfd = open(live, O_RDONLY);
	CHECK(lfd >= 0 && !flock(lfd, LOCK_EX));
	unsigned warned = diag_error_count();
	CHECK(!outfile_open(&oa, a));
	CHECK(diag_error_count() == warned);
	CHECK(access(stale, F_OK) && errno == ENOENT);
	CHECK(access(staledir, F_OK) && errno == ENOENT);
	CHECK(!access(live, F_OK));
	CHECK(!access(other, F_OK));
	outfile_abort(&oa);
	close(lfd);
	unlink(live);
	unlink(other);

	/* A temporary directory goes with everything in it. */
	struct tempfile t;
	CHECK(!temp_create(&t, a, 1));
	char *f1 = xasprintf("%s/f", t.path), *d1 = xasprintf("%s/d", t.path);
	char *d2 = xasprintf("%s/d/e", t.path), *f2 = xasprintf("%s/d/e/g", t.path);
	put(f1, "1");
	CHECK(!mkdir(d1, 0700) && !mkdir(d2, 0700));
	put(f2, "2");
	CHECK(!chmod(d2, 0500));
	temp_remove(&t);
	CHECK(!entries(dir));

	CHECK(!rmdir(dir));
	free(a);
	free(b);
	free(stale);
	free(live);
	free(other);
	free(staledir);
	free(mid);
	free(deep);
	free(f1);
	free(d1);
	free(d2);
	free(f2);
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
