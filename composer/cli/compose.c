/* lsbimg compose: options, then the pipeline (compose/pipeline.c), then a summary. */
#include "cli/cli.h"
#include "base/diag.h"
#include "compose/pipeline.h"
#include "sections/section.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
	fputs("usage: lsbimg compose [-q|-v] [-o OUTPUT] [--stage DIR|--no-stage]\n"
	      "                     [--caps-cfg FILE] LAYOUT\n"
	      "Write the image LAYOUT describes (docs/layout.md) and stage a copy.\n"
	      "  -o, --output OUTPUT  the image path instead of image.output\n"
	      "                       (default out/images/<name>.img)\n"
	      "  --stage DIR          stage the copy in DIR instead of image.stage\n"
	      "                       (default distribution/images)\n"
	      "  --no-stage           stage no copy\n"
	      "  --caps-cfg FILE      check the units' L4_CAP_* variables against (and record)\n"
	      "                       the ned script FILE instead of systemd.caps_cfg\n"
	      "  -q, --quiet          print errors only\n"
	      "  -v, --verbose        print more detail on stderr\n"
	      "  -h, --help           this text\n"
	      "Exit: 0 ok, 1 failed, 2 usage or layout error.\n",
	      f);
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int cmd_compose(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "stage", required_argument, NULL, 's' },
		{ "no-stage", no_argument, NULL, 'n' },
		{ "caps-cfg", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL, *stage = NULL;
	int no_stage = 0, opt;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:qvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': output = optarg; break;
		case 's': stage = optarg; break;
		case 'n': no_stage = 1; break;
		case 'c': systemd_set_caps_cfg(optarg); break;
		case 'q': diag_verbosity = -1; break;
		case 'v': diag_verbosity = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Empty values usually come from an unset variable: refuse them before composing
	 * rather than fail at the end (-o) or silently not stage (--stage). */
	if (output && !*output) {
		diag_error("-o: the output path is empty");
		return EXIT_USAGE;
	}
	if (stage && !*stage) {
		diag_error("--stage: the directory is empty (--no-stage does not stage)");
		return EXIT_USAGE;
	}

	struct composition c;
	int rc = compose_build(argv[optind], &c);
	if (rc) {
		compose_free(&c);
		return rc;
	}
	struct image_params *p = &c.img;
	if (output)
		p->output = output;
	if (stage)
		p->stage = stage;
	if (no_stage)
		p->stage = "";
	struct output_result res;
	char *staged;
	rc = compose_write(&c, &res, &staged);
	if (rc == EXIT_OK) {
		struct tree_stats st;
		tree_stats(c.tree, &st);
		/* Short lines (under 100 columns for the default paths), one subject each.
		 * Archives have no blocks: what they hold is their entries. */
		diag_info("%s: %s, %.1f MiB, %.2f s", p->output, p->format,
			  (double)res.image_size / (1 << 20), elapsed(&t0));
		diag_info("  content: %zu files, %zu directories, %zu symlinks, %.1f MiB of data",
			  st.files, st.dirs, st.symlinks, (double)res.bytes / (1 << 20));
		if (res.blocks)
			diag_info("  used: %llu/%llu blocks, %llu/%llu inodes",
				  (unsigned long long)res.blocks_used, (unsigned long long)res.blocks,
				  (unsigned long long)res.inodes_used, (unsigned long long)res.inodes);
		else
			diag_info("  inodes: %llu", (unsigned long long)res.inodes);
		if (staged)
			diag_info("  staged: %s", staged);
	}
	free(staged);
	compose_free(&c);
	return rc;
}
