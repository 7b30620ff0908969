/* A reader for the ELF headers the dynamic loader looks at: identification, machine,
 * PT_INTERP and the dynamic section's DT_NEEDED, DT_RPATH, DT_RUNPATH and DT_SONAME.
 * It reads through a callback so it works on host files and image views alike, never
 * maps or runs anything, and treats every offset and count in the file as hostile. */
#ifndef LSBIMG_ELF_H
#define LSBIMG_ELF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read up to LEN bytes at OFF; the count read (short only at end of file) or -1. */
typedef ssize_t (*elf_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

/* Caps that keep a hostile file from costing more than a real one ever would. */
#define ELF_MAX_PHDRS   4096
#define ELF_MAX_DYN     65536   /* dynamic entries scanned */
#define ELF_MAX_NEEDED  1024
#define ELF_MAX_STR     4096    /* interpreter path, library names, search paths */

/* e_machine values used by the arch table (elf.h names them too; kept here so the
 * reader does not depend on the host's <elf.h> being complete). */
#define ELF_EM_386      3
#define ELF_EM_ARM      40
#define ELF_EM_X86_64   62
#define ELF_EM_AARCH64  183
/* ARM e_flags: float ABI of an EABI v5 object. */
#define ELF_ARM_HARD    0x400
#define ELF_ARM_SOFT    0x200

struct elf_info {
	int bits;             /* 32 or 64 */
	int big_endian;
	unsigned type;        /* e_type: 1 REL, 2 EXEC, 3 DYN, 4 CORE */
	unsigned machine;     /* e_machine */
	uint32_t flags;       /* e_flags */
	int dynamic;          /* has PT_DYNAMIC */
	char *interp;         /* PT_INTERP, or NULL */
	char **needed;        /* DT_NEEDED in file order */
	size_t nneeded;
	char *rpath, *runpath, *soname;  /* or NULL */
};

enum { ELF_OK = 0, ELF_NOT_ELF = 1, ELF_BAD = -1 };

/* Parse the file of SIZE bytes read by RD. ELF_OK fills *info (free with elf_info_free);
 * ELF_NOT_ELF when it does not start with the ELF magic; ELF_BAD when it claims to be ELF
 * but is malformed or unreadable, with the reason in *why (static text). */
int elf_read(elf_read_fn rd, void *ctx, uint64_t size, struct elf_info *info,
	     const char **why);
void elf_info_free(struct elf_info *info);

/* "AArch64", "ARM", "x86-64", or "machine N" (static buffer for unknown ones). */
const char *elf_machine_name(unsigned machine);

#endif
