/* check: run every check on an image and summarize; exit 1 when any problem is found. */
#include "check.h"
#include "cli.h"
#include "closure.h"
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

/* Past this many lines per check, only the count grows: a wrecked image stays readable. */
#define MAX_REPORTED 50

void check_problem(struct check_ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (++c->problems > MAX_REPORTED)
		return;
	printf("%s: %s: ", c->image, c->check);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int cmd_check(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: lsbimg check IMAGE");
		return EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fputs("usage: lsbimg check IMAGE\n", stderr);
		return EXIT_USAGE;
	}
	struct fsview view;
	if (fsview_ext2_open(&view, argv[1]) < 0)
		return EXIT_USAGE;
	unsigned total = 0;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		struct check_ctx c = { argv[1], &view, fsview_ext2_image(&view), checks[i].name, 0 };
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
		printf("%s: %u problem%s found\n", argv[1], total, total == 1 ? "" : "s");
	else
		printf("%s: clean\n", argv[1]);
	return total ? EXIT_FAILED : EXIT_OK;
}
