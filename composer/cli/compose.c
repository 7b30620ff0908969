/* lsbimg compose: options, then the pipeline (compose/pipeline.c), then a summary. */
#include "cli/cli.h"
#include "base/diag.h"
#include "base/json.h"
#include "base/progress.h"
#include "compose/pipeline.h"
#include "sections/disk.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: lsbimg compose [-q|-v] [--json] [-o OUTPUT] [--stage DIR|--no-stage]\n"
	      "                     [--caps-cfg FILE] [-D NAME=VALUE]... LAYOUT\n"
	      "Write the image LAYOUT describes (docs/layout.md) and stage a copy.\n"
	      "  -o, --output OUTPUT  the image path instead of image.output\n"
	      "                       (default out/images/<name>.img)\n"
	      "  --stage DIR          stage the copy in DIR instead of image.stage\n"
	      "                       (default distribution/images)\n"
	      "  --no-stage           stage no copy\n"
	      "  --caps-cfg FILE      check the units' L4_CAP_* variables against (and record)\n"
	      "                       the ned script FILE instead of systemd.caps_cfg\n"
	      "  -D, --define NAME=VALUE  ${NAME} in the layout's strings is VALUE (over the\n"
	      "                       environment's NAME)\n"
	      "  --json               the outcome and all problems as one JSON object on stdout\n"
	      "                       (docs/json.md)\n"
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

/* --json: reports become members of the "problems" list instead of stderr lines. */
struct json_sink {
	struct json j;
	unsigned warnings;
};

static void json_report(void *arg, enum diag_severity sev, const char *file, int line,
			const char *msg)
{
	struct json_sink *s = arg;
	s->warnings += sev == DIAG_WARNING;
	json_object(&s->j, NULL);
	json_string(&s->j, "severity", sev == DIAG_WARNING ? "warning" : "error");
	if (file)
		json_name(&s->j, "file", file, strlen(file));
	if (file && line > 0)
		json_int(&s->j, "line", line);
	json_string(&s->j, "message", msg);
	json_close(&s->j);
}

/* The rest of the --json object once the compose ended with RC: what was written. */
static int json_result(struct json_sink *s, int rc, const struct composition *c,
		       const struct output_result *res, const char *staged, double seconds)
{
	struct json *j = &s->j;
	json_close(j);   /* problems */
	diag_set_sink(NULL);
	json_int(j, "exit", rc);
	json_uint(j, "errors", diag_error_count());
	json_uint(j, "warnings", s->warnings);
	if (rc == EXIT_OK) {
		const struct image_params *p = &c->img;
		struct tree_stats st = { 0 };   /* a disk has no tree of its own */
		if (c->tree)
			tree_stats(c->tree, &st);
		json_array(j, "outputs");
		json_object(j, NULL);
		json_string(j, "role", "image");
		json_name(j, "path", p->output, strlen(p->output));
		json_close(j);
		if (staged) {
			json_object(j, NULL);
			json_string(j, "role", "staged");
			json_name(j, "path", staged, strlen(staged));
			json_close(j);
		}
		json_close(j);
		json_string(j, "format", p->format);
		json_uint(j, "size", res->image_size);
		if (!strncmp(p->format, "ext", 3)) {
			const unsigned char *u = p->uuid;
			char uuid[40];
			snprintf(uuid, sizeof(uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
				 "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
				 u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
			json_string(j, "uuid", uuid);
		}
		json_object(j, "counts");
		json_uint(j, "files", st.files);
		json_uint(j, "directories", st.dirs);
		json_uint(j, "symlinks", st.symlinks);
		json_uint(j, "others", st.others);
		json_uint(j, "data_bytes", res->bytes);
		json_uint(j, "inodes", res->inodes);
		json_uint(j, "inodes_used", res->inodes_used);
		json_uint(j, "blocks", res->blocks);
		json_uint(j, "blocks_used", res->blocks_used);
		json_close(j);
	}
	json_real(j, "seconds", seconds);
	return json_end(j) || fflush(stdout) ? EXIT_FAILED : rc;
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
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL, *stage = NULL;
	struct compose_opts copts = { 0 };
	int no_stage = 0, json = 0, opt;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:qvhD:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': output = optarg; break;
		case 's': stage = optarg; break;
		case 'n': no_stage = 1; break;
		case 'c': copts.caps_cfg = optarg; break;
		case 'D':
			if (layout_define(optarg))
				return EXIT_USAGE;
			break;
		case 'q': diag_verbosity = -1; break;
		case 'v': diag_verbosity = 1; break;
		case 'j': json = 1; break;
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

	/* A progress line where someone watches: on a terminal, not quiet, not for scripts. */
	progress_enable(!json && diag_verbosity >= 0 && isatty(STDERR_FILENO));
	/* stdout is the JSON object's alone. */
	struct json_sink js = { 0 };
	const struct diag_sink sink = { json_report, &js };
	if (json) {
		diag_verbosity = -1;
		diag_set_sink(&sink);
		json_begin(&js.j, stdout);
		json_name(&js.j, "layout", argv[optind], strlen(argv[optind]));
		json_array(&js.j, "problems");
	}
	struct composition c;
	struct output_result res;
	char *staged = NULL;
	int rc = compose_build(argv[optind], &copts, &c);
	if (rc) {
		if (json)
			rc = json_result(&js, rc, &c, &res, staged, elapsed(&t0));
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
	rc = compose_write(&c, &res, &staged);
	if (json) {
		rc = json_result(&js, rc, &c, &res, staged, elapsed(&t0));
	} else if (rc == EXIT_OK && c.disk) {
		diag_info("%s: %s disk, %zu partitions, %.1f MiB of data; image %.1f MiB%s%s; "
			  "%.2f s", p->output, c.disk->spec.table == DISK_GPT ? "GPT" : "MBR",
			  c.disk->spec.n, (double)res.bytes / (1 << 20),
			  (double)res.image_size / (1 << 20), staged ? "; staged " : "",
			  staged ? staged : "", elapsed(&t0));
	} else if (rc == EXIT_OK) {
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
