/* The supported target architectures. */
#include "formats/arch.h"

#include <stdio.h>
#include <string.h>

static const struct arch arches[] = {
	{ "aarch64", ELF_EM_AARCH64, 64, 0, "aarch64-linux-musl", "aarch64-linux-gnu", "arm64" },
	{ "armhf", ELF_EM_ARM, 32, ELF_ARM_HARD, "arm-linux-musleabihf", "arm-linux-gnueabihf",
	  "armhf" },
	{ "arm", ELF_EM_ARM, 32, ELF_ARM_SOFT, "arm-linux-musleabi", "arm-linux-gnueabi", "armel" },
	{ "x86_64", ELF_EM_X86_64, 64, 0, "x86_64-linux-musl", "x86_64-linux-gnu", "amd64" },
};
#define NARCH (sizeof(arches) / sizeof(arches[0]))
static const char *names[NARCH + 1];

const char *const *arch_list(void)
{
	for (size_t i = 0; i < NARCH; i++)
		names[i] = arches[i].name;
	return names;
}

const struct arch *arch_find(const char *name)
{
	for (size_t i = 0; i < NARCH; i++)
		if (!strcmp(arches[i].name, name))
			return &arches[i];
	return NULL;
}

const struct arch *arch_of_elf(const struct elf_info *e)
{
	for (size_t i = 0; i < NARCH; i++) {
		const struct arch *a = &arches[i];
		if (a->machine != e->machine || a->bits != e->bits)
			continue;
		uint32_t fl = e->flags & (ELF_ARM_HARD | ELF_ARM_SOFT);
		if (!a->float_abi || fl == a->float_abi || (!fl && a->float_abi == ELF_ARM_HARD))
			return a;
	}
	return NULL;
}

const char *arch_names(void)
{
	static char buf[128];
	if (!buf[0])
		for (size_t i = 0; i < NARCH; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? ", " : "",
				 arches[i].name);
	return buf;
}

const char *arch_mismatch(const struct arch *a, const struct elf_info *e, char *buf,
			  size_t len)
{
	if (e->machine != a->machine || e->bits != a->bits || e->big_endian) {
		snprintf(buf, len, "%s %d-bit%s, not %s", elf_machine_name(e->machine), e->bits,
			 e->big_endian ? " big-endian" : "", a->name);
		return buf;
	}
	uint32_t fl = e->flags & (ELF_ARM_HARD | ELF_ARM_SOFT);
	if (a->float_abi && fl && fl != a->float_abi) {
		snprintf(buf, len, "%s-float ARM, not %s", fl == ELF_ARM_HARD ? "hard" : "soft",
			 a->name);
		return buf;
	}
	return NULL;
}
