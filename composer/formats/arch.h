/* Target architectures: what an ELF for each looks like, and the names musl and Debian
 * give its loader and library directories. */
#ifndef LSBIMG_ARCH_H
#define LSBIMG_ARCH_H

#include "formats/elf.h"

struct arch {
	const char *name;          /* layout name, also musl's LDSO_ARCH: "aarch64", "armhf" */
	unsigned machine;          /* e_machine */
	int bits;
	uint32_t float_abi;        /* ARM: ELF_ARM_HARD or ELF_ARM_SOFT; 0 elsewhere */
	const char *musl_triplet;  /* Debian multiarch directory of musl: "aarch64-linux-musl" */
	const char *gnu_triplet;   /* ... and of glibc: "aarch64-linux-gnu" */
	const char *debian_arch;   /* dpkg architecture, for "install musl:arm64" hints */
};

/* The arch named NAME, or NULL. */
const struct arch *arch_find(const char *name);
/* The arch an ELF is built for (for ARM, by its float-ABI flag), or NULL. */
const struct arch *arch_of_elf(const struct elf_info *e);
/* The names, NULL-terminated (for suggestions), and comma-separated (for messages). */
const char *const *arch_list(void);
const char *arch_names(void);
/* Why E cannot run on A ("x86-64 64-bit, not AArch64"), in BUF; NULL when it can.
 * ARM objects without a float-ABI flag are accepted on either ARM arch. */
const char *arch_mismatch(const struct arch *a, const struct elf_info *e, char *buf,
			  size_t len);

#endif
