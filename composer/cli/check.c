/* lsbimg check: the check table (checks/check.c) on an image, one report line per problem
 * and a summary per check; exit 1 when any problem is found. */
#include "checks/check.h"
#include "cli/cli.h"
#include "base/diag.h"
#include "base/json.h"
#include "io/imgview.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Past this many lines per check, only the count grows: a wrecked image stays readable. */
#define MAX_REPORTED 50

/* One check's outcome, for the JSON "checks" list. */
struct outcome {
	const char *name;
	unsigned errors, warnings;
	int ran;
};

/* How reports look here: "IMAGE: CHECK: [warning: ][ORIGIN: ]MESSAGE" on stdout, or with
 * --json each a member of the "problems" list (all of them). */
struct presenter {
	const char *image;
	const char *check;
	unsigned shown;
	struct json *j;
	struct outcome *out;   /* JSON: one per check run so far */
	size_t n;
	unsigned warnings;
};

static void present(void *arg, enum diag_severity sev, const char *file, int line,
		    const char *msg)
{
	struct presenter *p = arg;
	if (sev == DIAG_WARNING)
		p->warnings++;
	if (p->j) {
		json_object(p->j, NULL);
		json_string(p->j, "check", p->check);
		json_string(p->j, "severity", sev == DIAG_WARNING ? "warning" : "error");
		if (file)
			json_name(p->j, "file", file, strlen(file));
		if (file && line > 0)
			json_int(p->j, "line", line);
		json_string(p->j, "message", msg);
		json_close(p->j);
		return;
	}
	if (++p->shown > MAX_REPORTED)
		return;
	printf("%s: %s: %s", p->image, p->check, sev == DIAG_WARNING ? "warning: " : "");
	if (file && line > 0)
		printf("%s:%d: ", file, line);
	else if (file)
		printf("%s: ", file);
	printf("%s\n", msg);
}

static void begin(const struct check *k, void *arg)
{
	struct presenter *p = arg;
	p->check = k->name;
	p->shown = 0;
	p->warnings = 0;
}

static void end(const struct check *k, unsigned errors, int ran, void *arg)
{
	struct presenter *p = arg;
	if (p->j) {
		p->out[p->n++] = (struct outcome){ k->name, errors, p->warnings, ran };
		return;
	}
	if (p->shown > MAX_REPORTED)
		printf("%s: %s: ... %u more problems\n", p->image, p->check,
		       p->shown - MAX_REPORTED);
	if (!ran)
		printf("%s: %s: could not run\n", p->image, p->check);
	else if (errors)
		printf("%s: %s: %u problem%s\n", p->image, p->check, errors, errors == 1 ? "" : "s");
	else
		printf("%s: %s: ok\n", p->image, p->check);
}

static const char usage[] =
	"usage: lsbimg check [--json] [--strict] [--caps-cfg FILE] IMAGE\n"
	"Checks the file system, the ELF closure, the enabled units and the layout's own, and\n"
	"their L4_CAP_* variables against the ned script the image records (or FILE).\n"
	"  --json           the problems and each check's outcome as one JSON object\n"
	"                   (docs/json.md)\n"
	"  --strict         warnings count as problems\n"
	"  --caps-cfg FILE  check the L4_CAP_* variables against the ned script FILE\n"
	"  -h, --help       this text\n"
	"Exit: 0 clean, 1 problems or a check that could not run, 2 usage or an unreadable\n"
	"image.\n";

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 's' },
		{ "caps-cfg", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct check_opts o = { .elf = 1, .units = 1, .caps = 1 };
	int opt, json = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 's': o.strict = 1; break;
		case 'c': o.caps_cfg = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *image = argv[optind];
	struct imgview iv;
	if (imgview_open(&iv, image) < 0)
		return EXIT_USAGE;
	struct presenter p = { .image = image };
	struct json j;
	if (json) {
		p.j = &j;
		p.out = xcalloc(check_count, sizeof(*p.out));
		json_begin(&j, stdout);
		json_name(&j, "image", image, strlen(image));
		json_bool(&j, "strict", o.strict);
		json_array(&j, "problems");
	}
	const struct diag_sink sink = { present, &p };
	const struct diag_sink *old = diag_set_sink(&sink);
	/* The filesystem check reads ext2 metadata; the others read any kind. */
	struct check_ctx c = { &o, &iv.v, imgview_ext2(&iv), NULL };
	unsigned total = checks_run(&c, begin, end, &p);
	diag_set_sink(old);
	imgview_close(&iv);
	if (json) {
		unsigned warnings = 0, failed = 0;
		json_close(&j);
		json_array(&j, "checks");
		for (size_t i = 0; i < p.n; i++) {
			json_object(&j, NULL);
			json_string(&j, "name", p.out[i].name);
			json_string(&j, "status", !p.out[i].ran ? "not run" :
					 p.out[i].errors ? "problems" : "ok");
			json_uint(&j, "errors", p.out[i].errors);
			json_uint(&j, "warnings", p.out[i].warnings);
			json_close(&j);
			warnings += p.out[i].warnings;
			failed += !p.out[i].ran;
		}
		json_close(&j);
		json_object(&j, "summary");
		json_uint(&j, "errors", total);
		json_uint(&j, "warnings", warnings);
		json_uint(&j, "not_run", failed);
		json_bool(&j, "clean", !total);
		free(p.out);
		if (json_end(&j) || fflush(stdout))
			return EXIT_FAILED;
	} else if (total)
		printf("%s: %u problem%s found\n", image, total, total == 1 ? "" : "s");
	else
		printf("%s: clean\n", image);
	return total ? EXIT_FAILED : EXIT_OK;
}
