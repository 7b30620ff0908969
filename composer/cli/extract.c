/* extract: the files of an archive, a .deb or an image (inspect/extract), written as an
 * archive or into a host directory. */
#include "cli/cli.h"
#include "base/diag.h"
#include "inspect/extract.h"

#include <getopt.h>
#include <stdio.h>

static void usage(FILE *f)
{
	fputs("usage: lsbimg extract [--path DIR] SRC DEST\n"
	      "Copy the files of SRC out, owners, modes, times and holes kept (devices only as\n"
	      "root), atomically: DEST appears whole or not at all.\n"
	      "  SRC   a tar or cpio archive (any compression), a Debian .deb, or an image\n"
	      "        (ext2/3/4, squashfs, vfat)\n"
	      "  DEST  DEST.tar, .tar.gz, .tgz, .cpio or .cpio.gz writes an archive; any other\n"
	      "        name a directory (which must not exist or be empty)\n"
	      "  -p, --path DIR  only the directory DIR of SRC, as the top of DEST\n"
	      "  -h, --help      this text\n"
	      "Exit: 0 ok, 1 failed, 2 usage.\n", f);
}

int cmd_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub = "/";
	int c;
	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			sub = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || sub[0] != '/') {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *src = argv[optind], *dest = argv[optind + 1];
	struct imgview iv;
	if (extract_open(&iv, src))
		return EXIT_FAILED;
	int rc = extract_image(&iv, sub, dest);
	imgview_close(&iv);
	return rc ? EXIT_FAILED : EXIT_OK;
}
