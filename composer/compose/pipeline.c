/* The compose pipeline and its table of sections. */
#include "compose/pipeline.h"
#include "base/diag.h"
#include "base/progress.h"
#include "base/suggest.h"
#include "io/imgview.h"
#include "io/stage.h"
#include "model/fsview.h"
#include "sections/disk.h"
#include "sections/section.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Applied in this order: the entries first, systemd last (enabling and the users step
 * read the finished tree). */
static const struct section *const sections[] = {
	&entries_section,
	&musl_section,
	&kmod_section,
	&systemd_section,
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

/* The entry lists are `entries` and `entries_*`. */
static int is_entry_list(const char *name)
{
	return !strcmp(name, "entries") || !strncmp(name, "entries_", 8);
}

static const struct section *find_section(const char *name)
{
	for (size_t i = 0; i < N_SECTIONS; i++)
		if (!strcmp(sections[i]->name, name) ||
		    (sections[i] == &entries_section && is_entry_list(name)))
			return sections[i];
	return NULL;
}

/* Top-level keys: image, the entry lists and the sections' groups, with their keys. */
static int check_top(const struct conf *root)
{
	const char *names[N_SECTIONS + 2] = { "image" };
	int problems = 0;
	for (size_t i = 0; i < N_SECTIONS; i++)
		names[i + 1] = sections[i]->name;
	for (size_t i = 0; i < conf_length(root); i++) {
		const struct conf *c = conf_elem(root, i);
		const struct section *s = find_section(c->name);
		if (!strcmp(c->name, "image") || (s && !s->keys))
			continue;
		if (!s) {
			char *valid = suggest_valid(c->name, names, "keys");
			conf_error(c, "unknown top-level key '%s'%s", c->name, valid);
			free(valid);
			problems++;
		} else if (c->type != CONF_GROUP) {
			conf_error(c, "%s must be a group { ... }", c->name);
			problems++;
		} else {
			problems += schema_check(c, s->keys, c->name);
		}
	}
	return problems;
}

/* Every section's plan; the entry lists share one. */
static int parse(struct composition *c)
{
	const struct conf *root = c->layout.root;
	int failed = 0;
	for (size_t i = 0; i < conf_length(root); i++) {
		const struct conf *s = conf_elem(root, i);
		if (is_entry_list(s->name))
			failed |= entries_section.parse(s, &c->img, &c->plans[0]) != 0;
	}
	for (size_t i = 1; i < N_SECTIONS; i++)
		failed |= sections[i]->parse(conf_member(root, sections[i]->name), &c->img,
					     &c->plans[i]) != 0;
	return failed ? -1 : 0;
}

/* Read and parse the layout at PATH: no host I/O beyond the layout's files. O: what the
 * command line adds (NULL: nothing). */
static int parse_layout(const char *path, const struct compose_opts *o, struct composition *c)
{
	memset(c, 0, sizeof(*c));
	if (o)
		c->opts = *o;
	diag_forget();   /* each composition says its warnings once */
	c->plans = xcalloc(N_SECTIONS, sizeof(*c->plans));
	int rc = layout_read(path, &c->layout);
	if (rc)
		return rc;
	const struct conf *root = c->layout.root;
	if (conf_member(root, "disk"))
		return EXIT_USAGE;  /* the caller tells disk layouts apart first */
	if (check_top(root) ||
	    image_parse(conf_member(root, "image"), path, c->layout.digest, &c->img) ||
	    parse(c))
		return EXIT_USAGE;
	return EXIT_OK;
}

/* Apply the parsed plans to a new tree and freeze it. */
static int apply_layout(struct composition *c)
{
	c->tree = tree_new(0);
	tree_set_mtime(c->tree, c->img.timestamp);
	c->checks.strict = c->img.strict;
	struct section_ctx ctx = { c->tree, &c->img, &c->checks, c->opts.caps_cfg };
	int failed = 0;
	progress_phase("scanning", 0, 0);
	for (size_t i = 0; i < N_SECTIONS; i++)
		if (c->plans[i] && sections[i]->apply(c->plans[i], &ctx))
			failed = 1;
	/* Owners by name: the users and packages are all in now. */
	if (!failed && entries_finish(c->plans[0], &ctx))
		failed = 1;
	progress_end();
	if (failed)
		return EXIT_FAILED;
	tree_freeze(c->tree);
	return EXIT_OK;
}

static int is_format(const struct image_params *p, const char *name)
{
	return !strcmp(p->format, name);
}

/* What a partition's layout must be, known once it is parsed: a file system that fits
 * the partition (FAT for an ESP). A layout of size "auto" in a partition of fixed size
 * fills it (squashfs keeps its own size). */
static int check_part_layout(const struct disk_plan_part *pp, struct disk_part *dp,
			     struct composition *sub)
{
	struct image_params *p = &sub->img;
	const struct conf *at = conf_member(pp->at, "layout");
	if (!is_format(p, "ext2") && !is_format(p, "ext4") && !is_format(p, "vfat") &&
	    !is_format(p, "squashfs")) {
		conf_error(at, "%s: format \"%s\" is not a file system: a partition holds "
			   "\"ext2\", \"ext4\", \"vfat\" or \"squashfs\"", pp->layout, p->format);
		return -1;
	}
	if (pp->esp && !is_format(p, "vfat")) {
		conf_error(at, "an ESP holds a FAT file system: %s has format \"%s\", not "
			   "\"vfat\"", pp->layout, p->format);
		return -1;
	}
	if (dp->size && p->size > dp->size) {
		conf_error(at, "%s: image.size %llu is larger than the partition's size %llu",
			   pp->layout, (unsigned long long)p->size, (unsigned long long)dp->size);
		return -1;
	}
	if (dp->size && !p->size && !is_format(p, "squashfs"))
		p->size = dp->size;
	return 0;
}

/* A disk layout: the image and disk groups, every partition's layout parsed (a layout
 * error in any stops here, exit 2), the fixed placement checked, then every partition
 * layout applied. */
static int prepare_disk(const char *path, struct composition *c)
{
	const struct conf *root = c->layout.root;
	int problems = 0;
	for (size_t i = 0; i < conf_length(root); i++) {
		const struct conf *k = conf_elem(root, i);
		if (strcmp(k->name, "image") && strcmp(k->name, "disk")) {
			conf_error(k, "a disk layout holds image and disk only: '%s' belongs in a "
				   "partition's layout", k->name);
			problems++;
		}
	}
	if (problems ||
	    image_parse_disk(conf_member(root, "image"), path, c->layout.digest, &c->img) ||
	    disk_parse(conf_member(root, "disk"), c->layout.digest, c->img.uuid, &c->disk))
		return EXIT_USAGE;
	c->img.output = c->output = xstrdup(c->img.output);
	struct disk_plan *d = c->disk;
	c->parts = xcalloc(d->spec.n, sizeof(*c->parts));
	int rc = EXIT_OK;
	for (size_t i = 0; i < d->spec.n; i++) {
		struct disk_plan_part *pp = &d->parts[i];
		if (!pp->layout)
			continue;
		struct composition *sub = &c->parts[i];
		int r = parse_layout(pp->layout, &c->opts, sub);
		if (r == EXIT_USAGE && sub->layout.root && conf_member(sub->layout.root, "disk"))
			conf_error(conf_member(pp->at, "layout"), "%s is a disk layout: a partition "
				   "holds a file system", pp->layout);
		if (!r && check_part_layout(pp, &d->spec.parts[i], sub))
			r = EXIT_USAGE;
		if (r && rc != EXIT_USAGE)
			rc = r;
	}
	if (rc)
		return rc;
	/* Placement with what the layout fixes (contents still unknown): overlaps and
	 * partitions beyond a given disk size are layout errors. */
	d->spec.size = c->img.size;
	const struct conf *size = conf_member(conf_member(root, "image"), "size");
	if (size) {
		d->spec.file = size->file;
		d->spec.line = size->line;
	}
	struct disk_spec fixed = d->spec;
	fixed.parts = xcalloc(d->spec.n, sizeof(*fixed.parts));
	memcpy(fixed.parts, d->spec.parts, d->spec.n * sizeof(*fixed.parts));
	int bad = disk_place(&fixed);
	free(fixed.parts);
	if (bad)
		return EXIT_USAGE;
	for (size_t i = 0; i < d->spec.n; i++)
		if (d->parts[i].layout && (rc = apply_layout(&c->parts[i])))
			return rc;
	return EXIT_OK;
}

int compose_prepare(const char *path, const struct compose_opts *o, struct composition *c)
{
	int rc = parse_layout(path, o, c);
	if (rc == EXIT_USAGE && c->layout.root && conf_member(c->layout.root, "disk"))
		return prepare_disk(path, c);
	return rc ? rc : apply_layout(c);
}

static int run_checks(struct composition *c)
{
	struct fsview v;
	fsview_tree_init(&v, c->tree);
	struct check_ctx cc = { &c->checks, &v, NULL, c->tree };
	progress_phase("checking", 0, 0);
	unsigned problems = checks_run(&cc, NULL, NULL, NULL);
	progress_end();
	return problems ? EXIT_FAILED : EXIT_OK;
}

int compose_build(const char *path, const struct compose_opts *o, struct composition *c)
{
	int rc = compose_prepare(path, o, c);
	if (rc || !c->disk)
		return rc ? rc : run_checks(c);
	for (size_t i = 0; i < c->disk->spec.n; i++)
		if (c->parts[i].tree && (rc = run_checks(&c->parts[i])))
			return rc;
	return EXIT_OK;
}

/* A source file copied into partition PP as it is (an ESP's must be FAT). */
static int open_source(const struct disk_plan_part *pp, struct disk_part *dp)
{
	struct stat st;
	int fd = open(pp->source, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		diag_error_at(pp->source, 0, "cannot open: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	const char *kind = S_ISREG(st.st_mode) ? imgview_sniff(pp->source) : "";
	if (!S_ISREG(st.st_mode) || (pp->esp && (!kind || strcmp(kind, "vfat")))) {
		diag_error_at(pp->at->file, pp->at->line, "%s: %s", pp->source,
			      S_ISREG(st.st_mode) ? "an ESP holds a FAT file system, and this is "
			      "none" : "not a regular file");
		close(fd);
		return -1;
	}
	dp->fd = fd;
	dp->content_size = (uint64_t)st.st_size;
	dp->content = pp->source;
	return 0;
}

/* A disk: each partition layout's file system written into a temporary beside the disk
 * (named DISK:PARTITION in messages), each source opened, then placed and copied in. */
static int write_disk(struct composition *c, struct outfile *out, struct output_result *res)
{
	struct disk_plan *d = c->disk;
	size_t n = d->spec.n;
	struct outfile *tmp = xcalloc(n, sizeof(*tmp));
	char **names = xcalloc(n, sizeof(*names));
	int failed = 0;
	for (size_t i = 0; i < n && !failed; i++) {
		struct disk_plan_part *pp = &d->parts[i];
		struct disk_part *dp = &d->spec.parts[i];
		struct composition *sub = &c->parts[i];
		struct output_result r;
		struct stat st;
		names[i] = xasprintf("%s:%s", c->img.output, pp->sel);
		dp->content = names[i];
		if (pp->source) {
			failed = open_source(pp, dp);
			continue;
		}
		if (!pp->layout)
			continue;
		sub->img.output = names[i];
		memset(&r, 0, sizeof(r));
		if (outfile_open(&tmp[i], c->img.output)) {
			failed = 1;
			continue;
		}
		failed = output_find(sub->img.format)->write(sub->tree, &sub->img, &tmp[i], &r) ||
			 fstat(tmp[i].fd, &st);
		if (failed)
			continue;
		dp->fd = tmp[i].fd;
		dp->content_size = (uint64_t)st.st_size;
		res->bytes += r.bytes;
	}
	if (!failed)
		failed = disk_place(&d->spec) || disk_write(&d->spec, out);
	res->image_size = d->spec.size;
	for (size_t i = 0; i < n; i++) {
		if (d->parts[i].source && d->spec.parts[i].fd >= 0)
			close(d->spec.parts[i].fd);
		if (tmp[i].tmp)
			outfile_abort(&tmp[i]);
		d->spec.parts[i].fd = -1;
		c->parts[i].img.output = NULL;
		free(names[i]);
	}
	free(names);
	free(tmp);
	return failed ? -1 : 0;
}

/* The image and its staged copy are both written and fsync'ed before either replaces its
 * predecessor, and then they replace them together or not at all: any failure leaves
 * both previous files as they were. */
int compose_write(struct composition *c, struct output_result *res, char **staged)
{
	const struct image_params *p = &c->img;
	struct outfile out, stage;
	struct outfile *const both[] = { &out, &stage };
	size_t n = *p->stage ? 2 : 1;
	memset(res, 0, sizeof(*res));
	*staged = NULL;
	if (outfile_open(&out, p->output))
		return EXIT_FAILED;
	struct tree_stats st = { 0 };
	if (c->tree)
		tree_stats(c->tree, &st);
	progress_phase("writing", st.files, st.bytes);
	int rc = c->disk ? write_disk(c, &out, res) :
			   output_find(p->format)->write(c->tree, p, &out, res);
	if (!rc) {
		progress_phase("syncing", 0, 0);
		rc = outfile_finish(&out);
	}
	if (!rc && n == 2) {
		progress_phase("staging", 0, 0);
		rc = stage_prepare(&stage, out.fd, p->output, p->stage);
	}
	progress_end();
	if (rc) {
		outfile_abort(&out);
		return EXIT_FAILED;
	}
	char *dest = n == 2 ? xstrdup(stage.path) : NULL;
	if (outfile_commit_all(both, n)) {
		free(dest);
		return EXIT_FAILED;
	}
	*staged = dest;
	return EXIT_OK;
}

void compose_free(struct composition *c)
{
	for (size_t i = 0; c->parts && i < c->disk->spec.n; i++)
		compose_free(&c->parts[i]);
	free(c->parts);
	free(c->output);
	disk_plan_free(c->disk);
	for (size_t i = 0; c->plans && i < N_SECTIONS; i++)
		if (c->plans[i])
			sections[i]->free(c->plans[i]);
	free(c->plans);
	tree_free(c->tree);
	layout_free(&c->layout);
	memset(c, 0, sizeof(*c));
}
