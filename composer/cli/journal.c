/* journal: the systemd journal stored in an image (inspect/journal), printed as
 * journalctl prints it: its short format or -o json. */
#include "cli/cli.h"
#include "base/diag.h"
#include "base/json.h"
#include "inspect/journal.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void print_value(const struct journal_field *f)
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
static void print_json(const struct journal_entry *e)
{
	const struct journal_field *f = e->f;
	size_t n = e->n;
	/* journalctl's fields, and the schema version every --json output starts with (field
	 * names are upper case: it cannot clash). */
	printf("{\"version\":%d,\"__CURSOR\":", JSON_VERSION);
	json_str(stdout, e->cursor);
	printf(",\"__REALTIME_TIMESTAMP\":\"%" PRIu64 "\",\"__MONOTONIC_TIMESTAMP\":\"%" PRIu64
	       "\",\"_BOOT_ID\":\"%s\"", e->received, e->monotonic, e->boot);
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
}

/* journalctl's short format: "Mon DD HH:MM:SS host ident[pid]: message". */
static void print_short(const struct journal_entry *e)
{
	uint64_t rt = e->logged;
	time_t t = (time_t)(rt / 1000000);
	struct tm tm;
	char when[64];
	if (!localtime_r(&t, &tm) || !strftime(when, sizeof(when), "%b %d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "%" PRIu64, rt);
	const struct journal_field *host = journal_find(e, "_HOSTNAME");
	const struct journal_field *id = journal_find(e, "SYSLOG_IDENTIFIER");
	const struct journal_field *pid = journal_find(e, "_PID");
	const struct journal_field *msg = journal_find(e, "MESSAGE");
	if (!id)
		id = journal_find(e, "_COMM");
	if (!pid)
		pid = journal_find(e, "SYSLOG_PID");
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
		return;
	}
	const char *v = msg->data + msg->nlen + 1;
	size_t len = msg->len - msg->nlen - 1;
#undef VAL
	if (!printable(v, len)) {
		if (len < 1024)
			printf("[%zuB blob data]\n", len);
		else
			printf("[%zu.%zuK blob data]\n", len / 1024, len * 10 / 1024 % 10);
		return;
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
}

struct shown {
	int json;
	size_t entries;
	char last_boot[33];
};

static int show(const struct journal_entry *e, void *arg)
{
	struct shown *s = arg;
	if (!s->json && s->entries && strcmp(e->boot, s->last_boot))
		printf("-- Boot %s --\n", e->boot);
	memcpy(s->last_boot, e->boot, sizeof(s->last_boot));
	if (s->json)
		print_json(e);
	else
		print_short(e);
	s->entries++;
	return 0;
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
	struct imgview iv;
	if (imgview_open(&iv, argv[optind]) < 0)
		return EXIT_USAGE;
	int rc = EXIT_FAILED;
	struct shown s = { .json = json };
	struct journal *j = journal_open(&iv, unit, boot);
	if (j && !journal_each(j, show, &s)) {
		if (!json && !s.entries)
			puts("-- No entries --");
		rc = fflush(stdout) == EOF ? EXIT_FAILED : EXIT_OK;
	}
	journal_close(j);
	imgview_close(&iv);
	return rc;
}
