/* journal: the image's journal files spooled into a temporary directory and read through
 * sd-journal with journalctl's matches. */
#include "inspect/journal.h"
#include "base/diag.h"
#include "base/tempfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#define MAX_FILES 4096

struct journal {
	struct imgview *iv;
	struct tempfile dir;   /* removed on any exit, signals included (base/tempfile) */
	char **paths;          /* NULL-terminated once spooled */
	size_t n, cap;
	sd_journal *j;
};

/* Copy regular file H of the image into the spool. -1 after a message. */
static int copy_out(struct journal *jn, const char *path, const char *name, img_handle h,
		    const struct fsview_stat *st)
{
	char *out = xasprintf("%s/%zu-%s", jn->dir.path, jn->n, name);
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		diag_error("%s: %s", out, strerror(errno));
		free(out);
		return -1;
	}
	if (jn->n + 1 >= jn->cap) {
		jn->cap = jn->cap ? 2 * jn->cap : 16;
		jn->paths = xrealloc(jn->paths, jn->cap * sizeof(*jn->paths));
	}
	jn->paths[jn->n++] = out;
	jn->paths[jn->n] = NULL;
	enum { CHUNK = 1 << 16 };
	static char buf[CHUNK];
	for (uint64_t off = 0; off < st->size;) {
		ssize_t got = imgview_pread(jn->iv, h, buf, CHUNK, off);
		if (got <= 0 || write(fd, buf, (size_t)got) != got) {
			diag_error_at(jn->iv->path, 0, "%s: cannot copy out: %s", path,
				      got < 0 ? strerror(errno) : "short file or write");
			close(fd);
			return -1;
		}
		off += (uint64_t)got;
	}
	if (close(fd) < 0) {
		diag_error("%s: %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

static int is_journal_name(const char *name)
{
	size_t n = strlen(name);
	return (n > 8 && !strcmp(name + n - 8, ".journal")) ||
	       (n > 9 && !strcmp(name + n - 9, ".journal~"));
}

static int gather(const char *path, const char *name, img_handle h,
		  const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct journal *jn = arg;
	(void)last;
	if (depth != 2 || st->type != NODE_REG || !is_journal_name(name))
		return 0;
	if (jn->n >= MAX_FILES) {
		diag_error_at(jn->iv->path, 0, "%s: more than %d journal files", JOURNAL_DIR,
			      MAX_FILES);
		return -1;
	}
	return copy_out(jn, path, name, h, st);
}

/* Every /var/log/journal/<dir>/<name>.journal of the image, spooled. */
static int spool_files(struct journal *jn)
{
	img_handle dir;
	struct fsview_stat st;
	if (imgview_lookup(jn->iv, JOURNAL_DIR, 1, &dir, &st) < 0 ||
	    (st.type != NODE_DIR && (errno = ENOTDIR))) {
		diag_error_at(jn->iv->path, 0, "%s: %s (layouts that keep the journal create it)",
			      JOURNAL_DIR, strerror(errno));
		return -1;
	}
	const char *tmp = getenv("TMPDIR");
	char *name = xasprintf("%s/lsbimg-journal", tmp && *tmp ? tmp : "/tmp");
	int rc = temp_create(&jn->dir, name, 1);
	free(name);
	if (rc || imgview_walk(jn->iv, dir, JOURNAL_DIR, 1, gather, jn))
		return -1;
	if (!jn->n) {
		diag_error_at(jn->iv->path, 0, "%s: no journal files", JOURNAL_DIR);
		return -1;
	}
	return 0;
}

/* Restrict to entries of the boot that logged last. */
static int match_last_boot(sd_journal *j)
{
	sd_id128_t boot;
	uint64_t usec;
	char m[64];
	int r = sd_journal_seek_tail(j);
	if (r >= 0)
		r = sd_journal_previous(j);
	if (r == 0)
		return 0;  /* empty: nothing to restrict */
	if (r > 0)
		r = sd_journal_get_monotonic_usec(j, &usec, &boot);
	if (r < 0)
		return r;
	snprintf(m, sizeof(m), "_BOOT_ID=" SD_ID128_FORMAT_STR, SD_ID128_FORMAT_VAL(boot));
	r = sd_journal_add_match(j, m, 0);
	return r < 0 ? r : sd_journal_add_conjunction(j);
}

/* Entries of UNIT: its own processes, and what PID 1 logged about it (as journalctl -u). */
static int match_unit(sd_journal *j, const char *unit)
{
	char *u = strchr(unit, '.') ? xstrdup(unit) : xasprintf("%s.service", unit);
	char *m1 = xasprintf("_SYSTEMD_UNIT=%s", u), *m2 = xasprintf("UNIT=%s", u);
	char *m3 = xasprintf("OBJECT_SYSTEMD_UNIT=%s", u);
	int r = sd_journal_add_match(j, m1, 0);
	if (r >= 0)
		r = sd_journal_add_disjunction(j);
	if (r >= 0)
		r = sd_journal_add_match(j, "_PID=1", 0);
	if (r >= 0)
		r = sd_journal_add_match(j, m2, 0);
	if (r >= 0)
		r = sd_journal_add_disjunction(j);
	if (r >= 0)
		r = sd_journal_add_match(j, "_UID=0", 0);
	if (r >= 0)
		r = sd_journal_add_match(j, m3, 0);
	free(u);
	free(m1);
	free(m2);
	free(m3);
	return r;
}

struct journal *journal_open(struct imgview *iv, const char *unit, int last_boot)
{
	struct journal *jn = xcalloc(1, sizeof(*jn));
	jn->iv = iv;
	jn->dir.fd = -1;
	if (spool_files(jn) < 0) {
		journal_close(jn);
		return NULL;
	}
	int r = sd_journal_open_files(&jn->j, (const char **)jn->paths, 0);
	if (r < 0) {
		jn->j = NULL;
		diag_error_at(iv->path, 0, "%s: not readable as a journal: %s", JOURNAL_DIR,
			      strerror(-r));
	} else if ((last_boot && (r = match_last_boot(jn->j)) < 0) ||
		   (unit && (r = match_unit(jn->j, unit)) < 0) ||
		   (r = sd_journal_seek_head(jn->j)) < 0) {
		diag_error_at(iv->path, 0, "%s: reading the journal: %s", JOURNAL_DIR,
			      strerror(-r));
	}
	if (r < 0) {
		journal_close(jn);
		return NULL;
	}
	return jn;
}

const struct journal_field *journal_find(const struct journal_entry *e, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = e->n; i-- > 0;)
		if (e->f[i].nlen == l && !memcmp(e->f[i].data, name, l))
			return &e->f[i];
	return NULL;
}

/* The time journalctl shows for an entry: when the source says it logged
 * (_SOURCE_REALTIME_TIMESTAMP, if it is a plausible time), else when journald received it. */
static uint64_t logged_time(const struct journal_entry *e)
{
	const struct journal_field *src = journal_find(e, "_SOURCE_REALTIME_TIMESTAMP");
	if (src) {
		char buf[32], *end;
		size_t l = src->len - src->nlen - 1;
		if (l > 0 && l < sizeof(buf)) {
			memcpy(buf, src->data + src->nlen + 1, l);
			buf[l] = 0;
			errno = 0;
			unsigned long long v = strtoull(buf, &end, 10);
			/* Before the year 10000, as journalctl requires. */
			if (!errno && !*end && buf[0] != '-' && v > 0 && v < 253402214400000000ULL)
				return v;
		}
	}
	return e->received;
}

int journal_each(struct journal *jn, int (*fn)(const struct journal_entry *e, void *arg),
		 void *arg)
{
	struct journal_field *f = NULL;
	size_t cap = 0;
	char *cursor = NULL;
	int r;
	while ((r = sd_journal_next(jn->j)) > 0) {
		const void *data;
		size_t len;
		struct journal_entry e = { 0 };
		SD_JOURNAL_FOREACH_DATA(jn->j, data, len) {
			const char *eq = memchr(data, '=', len);
			if (!eq)
				continue;
			if (e.n == cap) {
				cap = cap ? 2 * cap : 32;
				f = xrealloc(f, cap * sizeof(*f));
			}
			f[e.n++] = (struct journal_field){ data, len,
							   (size_t)(eq - (const char *)data) };
		}
		e.f = f;
		sd_id128_t boot;
		free(cursor);
		cursor = NULL;
		if ((r = sd_journal_get_cursor(jn->j, &cursor)) < 0 ||
		    (r = sd_journal_get_realtime_usec(jn->j, &e.received)) < 0 ||
		    (r = sd_journal_get_monotonic_usec(jn->j, &e.monotonic, &boot)) < 0)
			break;
		e.cursor = cursor;
		e.logged = logged_time(&e);
		sd_id128_to_string(boot, e.boot);
		if ((r = fn(&e, arg)) < 0)
			break;
	}
	free(cursor);
	free(f);
	if (r < 0) {
		diag_error_at(jn->iv->path, 0, "%s: reading the journal: %s", JOURNAL_DIR,
			      strerror(-r));
		return -1;
	}
	return 0;
}

void journal_close(struct journal *jn)
{
	if (!jn)
		return;
	if (jn->j)
		sd_journal_close(jn->j);
	temp_remove(&jn->dir);
	for (size_t i = 0; i < jn->n; i++)
		free(jn->paths[i]);
	free(jn->paths);
	free(jn);
}
