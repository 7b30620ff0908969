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
	      "                     [--caps-cfg FILE] [-D NAME=VALUE]... LAYOUT\n"
	      "Write the image LAYOUT describes (default out/images/<name>.img) and stage a\n"
	      "copy (default in distribution/images). --caps-cfg: check the units' L4_CAP_*\n"
	      "variables against (and record) the ned script FILE instead of systemd.caps_cfg.\n"
	      "-D: ${NAME} in the layout's strings is VALUE (over the environment's NAME).\n"
	      "Exit: 0 ok, 1 failed, 2 usage/layout.\n",
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
		{ "define", required_argument, NULL, 'D' },
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
	while ((opt = getopt_long(argc, argv, "o:qvhD:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': output = optarg; break;
		case 's': stage = optarg; break;
		case 'n': no_stage = 1; break;
		case 'c': systemd_set_caps_cfg(optarg); break;
		case 'D':
			if (layout_define(optarg))
				return EXIT_USAGE;
			break;
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
		/* Archives have no blocks: what they hold is their entries. */
		char what[96];
		if (res.blocks)
			snprintf(what, sizeof(what), "%llu/%llu blocks, %llu/%llu inodes used",
				 (unsigned long long)res.blocks_used, (unsigned long long)res.blocks,
				 (unsigned long long)res.inodes_used, (unsigned long long)res.inodes);
		else
			snprintf(what, sizeof(what), "%s, %llu inodes", p->format,
				 (unsigned long long)res.inodes);
		diag_info("%s: %zu files, %zu directories, %zu symlinks, %.1f MiB of data; "
			  "image %.1f MiB (%s)%s%s; %.2f s", p->output, st.files, st.dirs,
			  st.symlinks, (double)res.bytes / (1 << 20),
			  (double)res.image_size / (1 << 20), what, staged ? "; staged " : "",
			  staged ? staged : "", elapsed(&t0));
	}
	free(staged);
	compose_free(&c);
	return rc;
}
