/* check: run every check on an image and summarize; exit 1 when any problem is found. */
#include "check.h"
#include "cli.h"
#include "closure.h"
#include "diag.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_DEFAULT_CAPS_CFG "cfg/bash.cfg"

static void closure_problem(const char *msg, void *arg)
{
	check_problem(arg, "%s", msg);
}

/* Every dynamic program finds its loader and libraries inside the image. */
static void check_closure(struct check_ctx *c)
{
	struct closure_report r = { closure_problem, c, 0 };
	if (closure_check_view(c->view, closure_guess_arch(c->view), &r) < 0)
		check_problem(c, "cannot walk the image's files");
}

/* Each check reports through check_problem; add new ones here. */
static const struct check {
	const char *name;
	void (*run)(struct check_ctx *c);
} checks[] = {
	{ "filesystem", check_filesystem },
	{ "elf", check_closure },
	{ "units", check_units },
	{ "caps", check_caps },
};

/* Past this many lines per check, only the count grows: a wrecked image stays readable. */
#define MAX_REPORTED 50

static void report(struct check_ctx *c, const char *kind, const char *fmt, va_list ap)
{
	printf("%s: %s: %s", c->image, c->check, kind);
	vprintf(fmt, ap);
	putchar('\n');
}

void check_problem(struct check_ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (++c->problems > MAX_REPORTED)
		return;
	va_start(ap, fmt);
	report(c, "", fmt, ap);
	va_end(ap);
}

void check_warning(struct check_ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->opts->strict && ++c->problems > MAX_REPORTED)
		return;
	va_start(ap, fmt);
	report(c, c->opts->strict ? "" : "warning: ", fmt, ap);
	va_end(ap);
}

static const char usage[] =
	"usage: lsbimg check [--strict] [--caps-cfg FILE] IMAGE\n"
	"Checks the file system, the ELF closure, the enabled units and their L4_CAP_*\n"
	"variables (against FILE, default cfg/bash.cfg when it exists). Exit 1 on problems.\n";

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "caps-cfg", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct check_opts o = { NULL, 0 };
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
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
	/* Run from a checkout, the project's ned script is the natural reference. */
	if (!o.caps_cfg && !access(CHECK_DEFAULT_CAPS_CFG, R_OK))
		o.caps_cfg = CHECK_DEFAULT_CAPS_CFG;
	struct fsview view;
	if (fsview_ext2_open(&view, image) < 0)
		return EXIT_USAGE;
	unsigned total = 0;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		struct check_ctx c = { image, &o, &view, fsview_ext2_image(&view), checks[i].name, 0 };
		checks[i].run(&c);
		if (c.problems > MAX_REPORTED)
			printf("%s: %s: ... %u more problems\n", c.image, c.check,
			       c.problems - MAX_REPORTED);
		printf("%s: %s: %s", c.image, c.check, c.problems ? "" : "ok\n");
		if (c.problems)
			printf("%u problem%s\n", c.problems, c.problems == 1 ? "" : "s");
		total += c.problems;
	}
	fsview_ext2_close(&view);
	if (total)
		printf("%s: %u problem%s found\n", image, total, total == 1 ? "" : "s");
	else
		printf("%s: clean\n", image);
	return total ? EXIT_FAILED : EXIT_OK;
}
