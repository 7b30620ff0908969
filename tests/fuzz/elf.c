/* Fuzz target: the ELF reader (elf_read) on arbitrary bytes, then the ELF closure check
 * on a tree holding them as a program, its libc and every musl loader name, so
 * interpreters, DT_NEEDED, RUNPATH and $ORIGIN from the input are all followed. */
#include "base/diag.h"
#include "formats/arch.h"
#include "formats/closure.h"
#include "formats/elf.h"
#include "model/fsview.h"
#include "model/tree.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct buf {
	const uint8_t *data;
	size_t size;
};

static ssize_t buf_read(void *ctx, void *out, size_t len, uint64_t off)
{
	const struct buf *b = ctx;
	if (off >= b->size)
		return 0;
	if (len > b->size - off)
		len = b->size - (size_t)off;
	memcpy(out, b->data + off, len);
	return (ssize_t)len;
}

static void reader(const uint8_t *data, size_t size)
{
	struct buf b = { data, size };
	struct elf_info e;
	const char *why = NULL;
	int rc = elf_read(buf_read, &b, size, &e, &why);
	if (rc == ELF_BAD && !why)
		abort();  /* a malformed file always says why */
	if (rc != ELF_OK)
		return;
	if ((e.bits != 32 && e.bits != 64) || e.nneeded > ELF_MAX_NEEDED ||
	    (e.interp && strlen(e.interp) >= ELF_MAX_STR))
		abort();
	for (size_t i = 0; i < e.nneeded; i++)
		if (strlen(e.needed[i]) >= ELF_MAX_STR)
			abort();
	elf_machine_name(e.machine);
	arch_of_elf(&e);
	elf_info_free(&e);
}

static void add(struct tree *t, const char *path, struct node *n)
{
	const char *why;
	if (tree_add(t, NULL, path, n, 0, &why)) {
		fprintf(stderr, "fuzz harness: %s: %s\n", path, why);
		abort();
	}
}

static void closure(const uint8_t *data, size_t size)
{
	struct tree *t = tree_new(0);
	struct node *n = tree_node_new(t, NODE_REG, "fuzz");
	n->u.reg.size = size;
	n->src = size ? SRC_MEM : SRC_EMPTY;
	char *copy = tree_alloc(t, size + 1);
	memcpy(copy, data, size);
	n->u.reg.mem = copy;
	n->mode = 0755;
	add(t, "/bin/sh", n);
	add(t, "/lib/libc.so", n);
	for (const char *const *a = arch_list(); *a; a++) {
		char path[64];
		snprintf(path, sizeof(path), "/lib/ld-musl-%s.so.1", *a);
		struct node *l = tree_node_new(t, NODE_SYMLINK, "fuzz");
		l->u.lnk.target = "libc.so";
		add(t, path, l);
	}
	tree_freeze(t);
	struct fsview v;
	fsview_tree_init(&v, t);
	/* The input picks the severity, as musl.strict does. */
	closure_check_view(&v, closure_guess_arch(&v), size & 1 ? DIAG_WARNING : DIAG_ERROR);
	tree_free(t);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader(data, size);
	closure(data, size);
	return 0;
}
