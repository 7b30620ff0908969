/* lsbimg cache: the package cache (io/pkgcache.h): its size, pruning, clearing. */
#include "cli/cli.h"
#include "base/diag.h"
#include "io/pkgcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: lsbimg cache info|prune|clear\n"
	      "The package cache: each Debian package's contents unpacked once, in\n"
	      "$XDG_CACHE_HOME/lsbimg (default ~/.cache/lsbimg). info: where it is, its entries\n"
	      "and size and its bound; prune: remove the least recently used entries until it\n"
	      "fits its bound (LSBIMG_CACHE_MAX, bytes or with K, M, G; default 4G), as every\n"
	      "compose does; clear: remove every entry. LSBIMG_CACHE=off disables the cache.\n"
	      "  -h, --help           this text\n"
	      "Exit: 0 ok, 1 failed, 2 usage.\n",
	      f);
}

int cmd_cache(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc != 2 || (strcmp(argv[1], "info") && strcmp(argv[1], "prune") &&
			  strcmp(argv[1], "clear"))) {
		usage(stderr);
		return EXIT_USAGE;
	}
	char *dir = pkgcache_dir();
	if (!dir) {
		diag_error("the package cache is disabled (LSBIMG_CACHE, or no HOME and no "
			   "XDG_CACHE_HOME)");
		return EXIT_FAILED;
	}
	int rc = 0;
	if (!strcmp(argv[1], "prune"))
		rc = pkgcache_prune(-1);
	else if (!strcmp(argv[1], "clear"))
		rc = pkgcache_prune(0);
	size_t n;
	uint64_t bytes, max;
	if (!rc)
		rc = pkgcache_info(&n, &bytes, &max);
	if (!rc)
		printf("%s: %zu packages, %.1f MiB (bound %.1f MiB)\n", dir, n,
		       (double)bytes / (1 << 20), (double)max / (1 << 20));
	free(dir);
	return rc ? EXIT_FAILED : EXIT_OK;
}
