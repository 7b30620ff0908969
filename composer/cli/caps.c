/* lsbimg caps [--json] [--strict] [--caps-cfg FILE] LAYOUT|IMAGE: which unit passes which
 * L4 capability, whether the ned script gives it to /sbin/init, and where. The caps check
 * of compose and `lsbimg check` (caps_evaluate), with the whole table printed. */
#include "cli/cli.h"
#include "base/diag.h"
#include "checks/caps.h"
#include "compose/pipeline.h"
#include "io/image.h"
#include "io/imgview.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: lsbimg caps [--json] [--strict] [--caps-cfg FILE] [-D NAME=VALUE]...\n"
	"                   LAYOUT|IMAGE\n"
	"Check every L4_CAP_* variable of the units (with drop-ins and environment files) the\n"
	"layout installs or the image holds against the ned script (the image's recorded one,\n"
	"the layout's systemd.caps_cfg, or FILE) and print unit -> variable -> capability ->\n"
	"where the script gives it to /sbin/init, or why the units do not get it. Writes no\n"
	"image.\n"
	"  --json               the table as a JSON array\n"
	"  --strict             warnings count as problems\n"
	"  --caps-cfg FILE      check against the ned script FILE\n"
	"  -D, --define NAME=VALUE  ${NAME} in the layout's strings is VALUE, as for compose\n"
	"  -h, --help           this text\n"
	"Exit: 0 ok, 1 a capability is not given or the check could not run, 2 usage.\n";

/* Run the caps check on C and print the table. */
static int check_and_print(struct check_ctx *c, int json)
{
	unsigned before = diag_error_count();
	struct caps_result r;
	int rc = caps_evaluate(c, &r);
	if (r.n >= 0)
		caps_print(stdout, r.uses, r.n, json);
	caps_result_free(&r);
	if (fflush(stdout))
		return EXIT_FAILED;
	return rc < 0 || diag_error_count() != before ? EXIT_FAILED : EXIT_OK;
}

int cmd_caps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 's' },
		{ "caps-cfg", required_argument, NULL, 'c' },
		{ "define", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int json = 0, strict = 0, opt;
	const char *cfg = NULL;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hD:", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 's': strict = 1; break;
		case 'c': cfg = optarg; break;
		case 'D':
			if (layout_define(optarg))
				return EXIT_USAGE;
			break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	if (access(path, R_OK)) {
		diag_error("%s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	if (imgview_sniff(path)) {   /* an image or archive, not a layout */
		struct imgview iv;
		if (imgview_open(&iv, path))
			return EXIT_USAGE;
		struct check_opts o = { .strict = strict, .caps = 1, .caps_cfg = cfg };
		struct check_ctx c = { &o, &iv.v, imgview_ext2(&iv), NULL };
		int old = diag_set_strict(strict);
		int rc = check_and_print(&c, json);
		diag_set_strict(old);
		imgview_close(&iv);
		return rc;
	}
	/* A layout: composed as compose does, up to the checks; then the caps check alone. */
	struct composition comp;
	struct compose_opts copts = { .caps_cfg = cfg };
	int rc = compose_prepare(path, &copts, &comp);
	if (rc == EXIT_OK && comp.disk) {
		diag_error_at(path, 0, "a disk layout: name one of its partitions' layouts");
		rc = EXIT_USAGE;
	} else if (rc == EXIT_OK) {
		struct fsview v;
		fsview_tree_init(&v, comp.tree);
		comp.checks.strict |= strict;
		if (cfg) {
			comp.checks.caps_cfg = cfg;
			comp.checks.caps_at = NULL;
		}
		struct check_ctx c = { &comp.checks, &v, NULL, comp.tree };
		int old = diag_set_strict(comp.checks.strict);
		rc = check_and_print(&c, json);
		diag_set_strict(old);
	}
	compose_free(&comp);
	return rc;
}
