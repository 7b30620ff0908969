/* lsbimg command line: dispatch to the subcommand modules. */
#include "cli/cli.h"
#include "base/diag.h"
#include "base/tempfile.h"

#include <stdio.h>
#include <string.h>

/* SUMMARY is the line of 'lsbimg --help'; a command without one is not listed. */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "compose", cmd_compose, "compose LAYOUT: write the image a layout describes" },
	{ "ls", cmd_ls, "ls [-l] [-R] [-L] [--json] IMAGE [PATH]: list a directory" },
	{ "cat", cmd_cat, "cat [--json] IMAGE PATH: print a file" },
	{ "stat", cmd_stat, "stat [-L] [--json] IMAGE PATH: show an inode" },
	{ "tree", cmd_tree, "tree [-a] [-d] [-l] [-L LEVEL] [--json] IMAGE [PATH]: show a directory tree" },
	{ "info", cmd_info, "info [--json] IMAGE: show the filesystem's superblock" },
	{ "diff", cmd_diff, "diff [--json] A.img B.img: added, removed, changed paths" },
	{ "check", cmd_check, "check [--json] [--strict] [--caps-cfg FILE] IMAGE: file system, ELF closure, units, capabilities" },
	{ "journal", cmd_journal, "journal [-u UNIT] [-b] [--json] IMAGE: the image's journal" },
	{ "extract", cmd_extract, "extract [--path DIR] SRC DEST: copy an archive's, package's or image's files out" },
	{ "caps", cmd_caps, "caps [--json] [--strict] [--caps-cfg FILE] LAYOUT|IMAGE: units' L4_CAP_* variables and capabilities" },
	{ "__complete", cmd_complete, NULL },
};

static void usage(FILE *f)
{
	fputs("usage: lsbimg [-h|--help] [-V|--version] COMMAND [ARGS]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].summary)
			fprintf(f, "  %s\n", commands[i].summary);
	fputs("\noptions:\n"
	      "  -h, --help     this text\n"
	      "  -V, --version  print lsbimg's version\n"
	      "\n'lsbimg COMMAND --help' describes each; see lsbimg(1).\n", f);
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
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		/* LSBIMG_VERSION comes from the Makefile: git describe, or the VERSION file. */
		puts("lsbimg " LSBIMG_VERSION);
		return EXIT_OK;
	}
	/* Every command ends on SIGINT/SIGTERM/SIGHUP the same way: its temporaries
	 * removed, exit status 128+N (base/tempfile). */
	temp_signals();
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	diag_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
