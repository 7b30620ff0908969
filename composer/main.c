/* lsbimg command line: dispatch to the subcommand modules. */
#include "cli.h"
#include "diag.h"

#include <stdio.h>
#include <string.h>

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "compose", cmd_compose, "compose LAYOUT: write the image a layout describes" },
	{ "caps", cmd_caps, "caps [--json] LAYOUT|IMAGE: units' L4_CAP_* variables and capabilities" },
};

static void usage(FILE *f)
{
	fputs("usage: lsbimg COMMAND [ARGS]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].summary);
	fputs("\n'lsbimg COMMAND --help' describes each; see lsbimg(1).\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	diag_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
