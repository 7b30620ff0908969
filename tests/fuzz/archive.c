/* Fuzz target: archive import (tar in any compression, cpio, .deb) into a tree, then the
 * symlink check compose runs and writing the tree back out as tar or cpio, which reads
 * every member's data from the spool. */
#include "io/archive_in.h"
#include "io/archive_out.h"
#include "fuzz.h"
#include "checks/treecheck.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Members may claim sparse sizes far beyond the input; writing such a tree out is slow but
 * not wrong (compose would do the same), so only modest trees are written. */
#define MAX_WRITE_BYTES (64u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = fuzz_file("in", data, size);
	struct tree *t = tree_new(0);
	struct archive_import opt = { NULL, INT64_MAX, -1, -1, 0 };
	archive_import(t, NULL, in, &opt);
	tree_freeze(t);
	treecheck_symlinks(t, 0);
	struct tree_stats st;
	tree_stats(t, &st);
	if (st.bytes <= MAX_WRITE_BYTES) {
		struct fsview v;
		fsview_tree_init(&v, t);
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
