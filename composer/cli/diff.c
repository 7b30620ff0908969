/* diff: which paths two images add, remove or change (inspect/diff), and what changed
 * about each, as lines or JSON. */
#include "cli/cli.h"
#include "base/diag.h"
#include "io/image.h"
#include "io/imgview.h"
#include "inspect/diff.h"
#include "base/json.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	int json, first, status;
};

/* Begin one report line or JSON object for PATH. */
static void report(struct out *o, char what, const char *path)
{
	const char *words = what == '+' ? "added" : what == '-' ? "removed" : "changed";
	if (o->json) {
		printf("%s{\"path\":", o->first ? "" : ",");
		json_str(stdout, path);
		printf(",\"change\":\"%s\"", words);
	} else {
		printf("%c %s", what, path);
	}
	o->first = 0;
	if (o->status == EXIT_OK)
		o->status = EXIT_FAILED;
}

/* One aspect that changed: "mode 0644 -> 0755" or {"mode":["0644","0755"]}. */
static void aspect(struct out *o, int *n, const char *name, const char *from, const char *to)
{
	if (o->json) {
		json_key(stdout, name, 0);
		if (from) {
			putchar('[');
			json_str(stdout, from);
			putchar(',');
			json_str(stdout, to);
			putchar(']');
		} else {
			fputs("true", stdout);
		}
	} else {
		printf("%s%s", (*n)++ ? ", " : ": ", name);
		if (from)
			printf(" %s -> %s", from, to);
	}
}

static void end(struct out *o)
{
	fputs(o->json ? "}" : "\n", stdout);
}

/* One difference, as a line or a JSON object. */
static void show(const struct diff_item *d, void *arg)
{
	struct out *o = arg;
	char f[32], t[32];
	int n = 0;
	report(o, d->what, d->path);
	if (d->what != '~') {
		const struct fsview_stat *st = d->a ? d->a : d->b;
		if (o->json)
			printf(",\"type\":\"%s\"", image_type_word(st->type));
		else
			printf(" (%s)", image_type_word(st->type));
		end(o);
		return;
	}
	const struct fsview_stat *x = d->a, *y = d->b;
	if (d->changed & DIFF_TYPE)
		aspect(o, &n, "type", image_type_word(x->type), image_type_word(y->type));
	else if (d->changed & DIFF_TARGET)
		aspect(o, &n, "target", d->target_a, d->target_b);
	else if (d->changed & DIFF_CONTENT)
		aspect(o, &n, "content", NULL, NULL);
	if (d->changed & DIFF_MODE) {
		snprintf(f, sizeof(f), "%04o", x->mode);
		snprintf(t, sizeof(t), "%04o", y->mode);
		aspect(o, &n, "mode", f, t);
	}
	if (d->changed & DIFF_OWNER) {
		snprintf(f, sizeof(f), "%u:%u", x->uid, x->gid);
		snprintf(t, sizeof(t), "%u:%u", y->uid, y->gid);
		aspect(o, &n, "owner", f, t);
	}
	if (d->changed & DIFF_DEVICE) {
		snprintf(f, sizeof(f), "%u,%u", x->major, x->minor);
		snprintf(t, sizeof(t), "%u,%u", y->major, y->minor);
		aspect(o, &n, "device", f, t);
	}
	end(o);
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = "usage: lsbimg diff [--json] A.img B.img\n";
	struct out o = { .first = 1 };
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'j') {
			o.json = 1;
		} else {
			fputs(usage, c == 'h' ? stdout : stderr);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *na = argv[optind], *nb = argv[optind + 1];
	struct imgview ia, ib;
	if (imgview_open(&ia, na) < 0)
		return EXIT_USAGE;
	if (imgview_open(&ib, nb) < 0) {
		imgview_close(&ia);
		return EXIT_USAGE;
	}
	if (o.json)
		putchar('[');
	int rc = diff_images(&ia, &ib, show, &o);
	if (!rc && o.json)
		puts("]");
	imgview_close(&ia);
	imgview_close(&ib);
	if (fflush(stdout) == EOF) {
		diag_error("writing output: %s", strerror(errno));
		return EXIT_USAGE;
	}
	return rc < 0 ? EXIT_USAGE : o.status;
}
