/* journal: the systemd journal stored in an image (/var/log/journal/<machine-id>/), read
 * through sd-journal from copies in a private temporary directory, removed afterwards;
 * nothing is mounted. */
#include "cli/cli.h"
#include "base/diag.h"
#include "base/tempfile.h"
#include "io/image.h"
#include "base/json.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL_DIR "/var/log/journal"
#define MAX_FILES 4096

/* The journal files copied out of the image into a private temporary directory
 * (sd-journal refuses unlinked files, so memfds will not do). */
struct spool {
	struct tempfile dir;   /* removed on any exit, signals included (base/tempfile) */
	char **paths;
	size_t n, cap;
};

/* Copy regular file INO of the image into the spool. -1 after a message. */
static int copy_out(struct image *im, const char *path, const char *name, ext2_ino_t ino,
		    const struct fsview_stat *st, struct spool *sp)
{
	char *out = xasprintf("%s/%zu-%s", sp->dir.path, sp->n, name);
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		diag_error("%s: %s", out, strerror(errno));
		free(out);
		return -1;
	}
	if (sp->n == sp->cap) {
		sp->cap = sp->cap ? 2 * sp->cap : 16;
		sp->paths = xrealloc(sp->paths, sp->cap * sizeof(*sp->paths));
	}
	sp->paths[sp->n++] = out;
	enum { CHUNK = 1 << 16 };
	static char buf[CHUNK];
	for (uint64_t off = 0; off < st->size;) {
		ssize_t got = image_pread_ino(im, ino, buf, CHUNK, off);
		if (got <= 0 || write(fd, buf, (size_t)got) != got) {
			image_error(im, "%s: cannot copy out: %s", path,
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

static void spool_remove(struct spool *sp)
{
	temp_remove(&sp->dir);
	for (size_t i = 0; i < sp->n; i++)
		free(sp->paths[i]);
	free(sp->paths);
}

struct gather {
	struct image *im;
	struct spool *sp;
};

static int gather(const char *path, const char *name, ext2_ino_t ino,
		  const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct gather *g = arg;
	(void)last;
	if (depth != 2 || st->type != NODE_REG || !is_journal_name(name))
		return 0;
	if (g->sp->n >= MAX_FILES) {
		image_error(g->im, "%s: more than %d journal files", JOURNAL_DIR, MAX_FILES);
		return -1;
	}
	return copy_out(g->im, path, name, ino, st, g->sp);
}

/* Every /var/log/journal/<dir>/<name>.journal of the image, spooled. */
static int spool_files(struct image *im, struct spool *sp)
{
	ext2_ino_t dir;
	if (image_lookup(im, JOURNAL_DIR, 1, &dir) < 0) {
		image_error(im, "%s: %s (layouts that keep the journal create it)", JOURNAL_DIR,
			    strerror(errno));
		return -1;
	}
	const char *tmp = getenv("TMPDIR");
	char *name = xasprintf("%s/lsbimg-journal", tmp && *tmp ? tmp : "/tmp");
	int rc = temp_create(&sp->dir, name, 1);
	free(name);
	if (rc)
		return -1;
	struct gather g = { im, sp };
	if (image_walk(im, dir, JOURNAL_DIR, gather, &g))
		return -1;
	if (!sp->n) {
		image_error(im, "%s: no journal files", JOURNAL_DIR);
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

/* One field of an entry, as sd_journal hands it out ("NAME=value"). */
struct field {
	const char *data;
	size_t len, nlen;   /* whole, and the name's length */
};

/* Printable text as journalctl judges it: valid UTF-8, no control characters but
 * newline and tab. */
static int printable(const char *s, size_t n)
{
	if (!json_is_text(s, n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < ' ' && c != '\n' && c != '\t') || c == 0x7f ||
		    (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0))
			return 0;
	}
	return 1;
}

/* The value of the last NAME field among F, or NULL. */
static const struct field *find(const struct field *f, size_t n, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = n; i-- > 0;)
		if (f[i].nlen == l && !memcmp(f[i].data, name, l))
			return &f[i];
	return NULL;
}

static void print_value(const struct field *f)
{
	const char *v = f->data + f->nlen + 1;
	size_t n = f->len - f->nlen - 1;
	if (printable(v, n)) {
		json_strn(stdout, v, n);
		return;
	}
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned char)v[i]);
	putchar(']');
}

/* journalctl -o json: every field, repeated fields as arrays, binary ones as byte lists. */
static int print_json(sd_journal *j, const struct field *f, size_t n)
{
	char *cursor;
	uint64_t rt, mono;
	sd_id128_t boot;
	int r = sd_journal_get_cursor(j, &cursor);
	if (r < 0 || (r = sd_journal_get_realtime_usec(j, &rt)) < 0 ||
	    (r = sd_journal_get_monotonic_usec(j, &mono, &boot)) < 0)
		return r;
	/* journalctl's fields, and the schema version every --json output starts with (field
	 * names are upper case: it cannot clash). */
	printf("{\"version\":%d,\"__CURSOR\":", JSON_VERSION);
	json_str(stdout, cursor);
	free(cursor);
	printf(",\"__REALTIME_TIMESTAMP\":\"%" PRIu64 "\",\"__MONOTONIC_TIMESTAMP\":\"%" PRIu64
	       "\",\"_BOOT_ID\":\"" SD_ID128_FORMAT_STR "\"", rt, mono, SD_ID128_FORMAT_VAL(boot));
	for (size_t i = 0; i < n; i++) {
		size_t count = 0, first = n;
		for (size_t k = 0; k < n; k++)
			if (f[k].nlen == f[i].nlen && !memcmp(f[k].data, f[i].data, f[i].nlen)) {
				count++;
				if (first == n)
					first = k;
			}
		if (first != i || (f[i].nlen == 8 && !memcmp(f[i].data, "_BOOT_ID", 8)))
			continue;  /* printed with its first occurrence, or above */
		printf(",");
		json_strn(stdout, f[i].data, f[i].nlen);
		putchar(':');
		if (count > 1)
			putchar('[');
		for (size_t k = i, c = 0; k < n; k++)
			if (f[k].nlen == f[i].nlen && !memcmp(f[k].data, f[i].data, f[i].nlen)) {
				if (c++)
					putchar(',');
				print_value(&f[k]);
			}
		if (count > 1)
			putchar(']');
	}
	puts("}");
	return 0;
}

/* The time journalctl shows for an entry: when the source says it logged
 * (_SOURCE_REALTIME_TIMESTAMP, if it is a plausible time), else when journald received it. */
static int entry_time(sd_journal *j, const struct field *f, size_t n, uint64_t *rt)
{
	const struct field *src = find(f, n, "_SOURCE_REALTIME_TIMESTAMP");
	if (src) {
		char buf[32], *end;
		size_t l = src->len - src->nlen - 1;
		if (l > 0 && l < sizeof(buf)) {
			memcpy(buf, src->data + src->nlen + 1, l);
			buf[l] = 0;
			errno = 0;
			unsigned long long v = strtoull(buf, &end, 10);
			/* Before the year 10000, as journalctl requires. */
			if (!errno && !*end && buf[0] != '-' && v > 0 && v < 253402214400000000ULL) {
				*rt = v;
				return 0;
			}
		}
	}
	return sd_journal_get_realtime_usec(j, rt);
}

/* journalctl's short format: "Mon DD HH:MM:SS host ident[pid]: message". */
static int print_short(sd_journal *j, const struct field *f, size_t n)
{
	uint64_t rt;
	int r = entry_time(j, f, n, &rt);
	if (r < 0)
		return r;
	time_t t = (time_t)(rt / 1000000);
	struct tm tm;
	char when[64];
	if (!localtime_r(&t, &tm) || !strftime(when, sizeof(when), "%b %d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "%" PRIu64, rt);
	const struct field *host = find(f, n, "_HOSTNAME"), *id = find(f, n, "SYSLOG_IDENTIFIER");
	const struct field *pid = find(f, n, "_PID"), *msg = find(f, n, "MESSAGE");
	if (!id)
		id = find(f, n, "_COMM");
	if (!pid)
		pid = find(f, n, "SYSLOG_PID");
	int prefix = printf("%s", when);
#define VAL(x) (int)((x)->len - (x)->nlen - 1), (x)->data + (x)->nlen + 1
	if (host)
		prefix += printf(" %.*s", VAL(host));
	if (id)
		prefix += printf(" %.*s", VAL(id));
	if (pid)
		prefix += printf("[%.*s]", VAL(pid));
	prefix += printf(": ");
	if (!msg) {
		putchar('\n');
		return 0;
	}
	const char *v = msg->data + msg->nlen + 1;
	size_t len = msg->len - msg->nlen - 1;
#undef VAL
	if (!printable(v, len)) {
		if (len < 1024)
			printf("[%zuB blob data]\n", len);
		else
			printf("[%zu.%zuK blob data]\n", len / 1024, len * 10 / 1024 % 10);
		return 0;
	}
	while (len && v[len - 1] == '\n')
		len--;
	for (int line = 0;; line++) {
		const char *nl = memchr(v, '\n', len);
		size_t l = nl ? (size_t)(nl - v) : len;
		printf("%*s", line ? prefix : 0, "");
		/* journalctl shows each tab as 8 spaces (kernel messages have them). */
		for (size_t i = 0; i < l; i++) {
			if (v[i] == '\t')
				fputs("        ", stdout);
			else
				putchar(v[i]);
		}
		putchar('\n');
		if (!nl)
			break;
		len -= l + 1;
		v = nl + 1;
	}
	return 0;
}

static int show(sd_journal *j, int json)
{
	struct field *f = NULL;
	size_t cap = 0, entries = 0;
	sd_id128_t last_boot = SD_ID128_NULL;
	int r;
	while ((r = sd_journal_next(j)) > 0) {
		const void *data;
		size_t len, n = 0;
		SD_JOURNAL_FOREACH_DATA(j, data, len) {
			const char *eq = memchr(data, '=', len);
			if (!eq)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 32;
				f = xrealloc(f, cap * sizeof(*f));
			}
			f[n++] = (struct field){ data, len, (size_t)(eq - (const char *)data) };
		}
		sd_id128_t boot;
		uint64_t mono;
		if ((r = sd_journal_get_monotonic_usec(j, &mono, &boot)) < 0)
			break;
		if (!json && entries && !sd_id128_equal(boot, last_boot))
			printf("-- Boot " SD_ID128_FORMAT_STR " --\n", SD_ID128_FORMAT_VAL(boot));
		last_boot = boot;
		if ((r = json ? print_json(j, f, n) : print_short(j, f, n)) < 0)
			break;
		entries++;
	}
	free(f);
	if (!json && !entries && r >= 0)
		puts("-- No entries --");
	return r;
}

int cmd_journal(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "unit", required_argument, NULL, 'u' },
		{ "boot", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage =
		"usage: lsbimg journal [-u UNIT] [-b] [--json] IMAGE\n"
		"Print the persistent journal in IMAGE's /var/log/journal, oldest first, like\n"
		"journalctl -o short (copied to $TMPDIR and read with libsystemd).\n"
		"  -u, --unit UNIT  only the messages of UNIT (a name without a suffix is .service)\n"
		"  -b, --boot       only the last boot\n"
		"  --json           one JSON object per line, journalctl -o json's fields\n"
		"  -h, --help       this text\n"
		"Exit: 0 ok, 1 the journal cannot be read, 2 usage or an unreadable image.\n";
	const char *unit = NULL;
	int json = 0, boot = 0, c;
	while ((c = getopt_long(argc, argv, "u:bh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'u': unit = optarg; break;
		case 'b': boot = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	struct image im;
	struct spool sp = { .dir = { .fd = -1 } };
	sd_journal *j = NULL;
	if (image_open(&im, argv[optind]) < 0)
		return EXIT_USAGE;
	int rc = EXIT_FAILED;
	if (spool_files(&im, &sp) < 0)
		goto out;
	sp.paths = xrealloc(sp.paths, (sp.n + 1) * sizeof(*sp.paths));
	sp.paths[sp.n] = NULL;
	int r = sd_journal_open_files(&j, (const char **)sp.paths, 0);
	if (r < 0) {
		image_error(&im, "%s: not readable as a journal: %s", JOURNAL_DIR, strerror(-r));
		goto out;
	}
	if ((boot && (r = match_last_boot(j)) < 0) || (unit && (r = match_unit(j, unit)) < 0) ||
	    (r = sd_journal_seek_head(j)) < 0 || (r = show(j, json)) < 0) {
		image_error(&im, "%s: reading the journal: %s", JOURNAL_DIR, strerror(-r));
		goto out;
	}
	rc = fflush(stdout) == EOF ? EXIT_FAILED : EXIT_OK;
out:
	if (j)
		sd_journal_close(j);
	spool_remove(&sp);
	image_close(&im);
	return rc;
}
