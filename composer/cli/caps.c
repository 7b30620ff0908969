/* lsbimg caps LAYOUT|IMAGE [--json]: which unit passes which L4 capability, and how. */
#include "cli/cli.h"
#include "base/diag.h"
#include "checks/caps.h"
#include "compose/pipeline.h"
#include "io/image.h"
#include "io/imgview.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int caps_show(struct fsview *v, int json)
{
	struct cap_use *uses;
	int n = caps_collect(v, &uses);
	if (n < 0)
		return EXIT_FAILED;
	caps_print(stdout, uses, n, json);
	caps_free(uses, n);
	return fflush(stdout) ? EXIT_FAILED : EXIT_OK;
}

int cmd_caps(int argc, char **argv)
{
	int json = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			puts("usage: lsbimg caps [--json] LAYOUT|IMAGE\n"
			     "Print unit -> variable -> capability for every L4_CAP_* variable of the\n"
			     "units (with drop-ins) the layout installs or the image holds.");
			return EXIT_OK;
		} else if (argv[i][0] == '-' || path) {
			diag_error("caps: unexpected argument '%s' (see lsbimg caps --help)", argv[i]);
			return EXIT_USAGE;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		diag_error("caps: which layout or image? (see lsbimg caps --help)");
		return EXIT_USAGE;
	}
	if (access(path, R_OK)) {
		diag_error("%s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	if (imgview_sniff(path)) {   /* an image or archive, not a layout */
		struct imgview iv;
		if (imgview_open(&iv, path))
			return EXIT_USAGE;
		int rc = caps_show(&iv.v, json);
		imgview_close(&iv);
		return rc;
	}
	struct composition c;
	int rc = compose_build(path, &c);
	if (rc == EXIT_OK) {
		struct fsview v;
		fsview_tree_init(&v, c.tree);
		rc = caps_show(&v, json);
	}
	compose_free(&c);
	return rc;
}
