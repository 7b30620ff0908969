/* Fuzz target: archive import (tar in any compression, cpio, .deb) into a tree, then the
 * checks compose runs on every tree (the symlinks check; reports dropped) and writing the
 * tree back out as tar or cpio, which reads every member's data from the spool. */
#include "checks/check.h"
#include "io/archive_in.h"
#include "io/archive_out.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Members may claim sparse sizes far beyond the input; writing such a tree out is slow but
 * not wrong (compose would do the same), so only modest trees are written. */
#define MAX_WRITE_BYTES (64u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = fuzz_file("in", data, size);
	struct tree *t = tree_new(0);
	struct archive_import opt = { .clamp = INT64_MAX, .uid = -1, .gid = -1 };
	archive_import(t, NULL, in, &opt);
	tree_freeze(t);
	struct fsview v;
	fsview_tree_init(&v, t);
	struct check_opts o = { 0 };
	struct check_ctx c = { &o, &v, NULL, t };
	checks_run(&c, NULL, NULL, NULL);
	struct tree_stats st;
	tree_stats(t, &st);
	if (st.bytes <= MAX_WRITE_BYTES) {
		/* The input picks the format, so both writers see every kind of tree. */
		const int tar = size & 1;
		char out[4096];
		snprintf(out, sizeof(out), "%s/out.%s", fuzz_scratch(), tar ? "tar" : "cpio");
		archive_write_view(&v, NULL, out, tar ? ARCHIVE_OUT_TAR : ARCHIVE_OUT_CPIO);
	}
	tree_free(t);
	archive_spool_reset();
	return 0;
}
