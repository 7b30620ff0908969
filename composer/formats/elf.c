/* ELF header reader. Every offset, size and count comes from an untrusted file: each is
 * checked against the file size before use, sums are overflow-checked, and counts are
 * capped (elf.h) so a fuzzed file costs no more than a large real one. */
#include "formats/elf.h"
#include "base/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PT_LOAD_ = 1, PT_DYNAMIC_ = 2, PT_INTERP_ = 3 };
enum { DT_NULL_ = 0, DT_NEEDED_ = 1, DT_STRTAB_ = 5, DT_STRSZ_ = 10, DT_SONAME_ = 14,
       DT_RPATH_ = 15, DT_RUNPATH_ = 29 };

struct reader {
	elf_read_fn rd;
	void *ctx;
	uint64_t size;
	int bits, be;
	const char *why;
};

static uint64_t get(const struct reader *r, const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[r->be ? n - 1 - i : i] << (8 * i);
	return v;
}

/* Word-sized field: 4 bytes in 32-bit files, 8 in 64-bit ones. */
static uint64_t word(const struct reader *r, const unsigned char *p)
{
	return get(r, p, r->bits / 8);
}

static int in_file(const struct reader *r, uint64_t off, uint64_t len)
{
	return off <= r->size && len <= r->size - off;
}

/* Read exactly LEN bytes at OFF, which the caller has bounds-checked. */
static int read_at(struct reader *r, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = r->rd(r->ctx, (char *)buf + done, len - done, off + done);
		if (n <= 0) {
			r->why = n < 0 ? "read error" : "file shorter than its size";
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* A NUL-terminated string of at most ELF_MAX_STR bytes starting at OFF, not reading past
 * LIMIT (the end of its table). */
static char *read_str(struct reader *r, uint64_t off, uint64_t limit)
{
	if (limit > r->size)
		limit = r->size;
	if (off >= limit) {
		r->why = "string offset outside the file";
		return NULL;
	}
	size_t len = limit - off < ELF_MAX_STR ? (size_t)(limit - off) : ELF_MAX_STR;
	char *s = xmalloc(len + 1);
	if (read_at(r, s, len, off)) {
		free(s);
		return NULL;
	}
	if (!memchr(s, 0, len)) {
		free(s);
		r->why = "unterminated or overlong string";
		return NULL;
	}
	return s;
}

struct phdr {
	uint64_t type, offset, vaddr, filesz;
};

static void parse_phdr(const struct reader *r, const unsigned char *p, struct phdr *ph)
{
	ph->type = get(r, p, 4);
	if (r->bits == 64) {
		ph->offset = get(r, p + 8, 8);
		ph->vaddr = get(r, p + 16, 8);
		ph->filesz = get(r, p + 32, 8);
	} else {
		ph->offset = get(r, p + 4, 4);
		ph->vaddr = get(r, p + 8, 4);
		ph->filesz = get(r, p + 16, 4);
	}
}

/* File offset of virtual address ADDR through the PT_LOAD segments, and how many file
 * bytes follow it in that segment; -1 when no segment maps it from the file. */
static int vaddr_to_off(const struct phdr *ph, size_t n, uint64_t addr, uint64_t *off,
			uint64_t *avail)
{
	for (size_t i = 0; i < n; i++) {
		if (ph[i].type != PT_LOAD_ || addr < ph[i].vaddr ||
		    addr - ph[i].vaddr >= ph[i].filesz)
			continue;
		uint64_t delta = addr - ph[i].vaddr;
		if (ph[i].offset > UINT64_MAX - delta)
			continue;
		*off = ph[i].offset + delta;
		*avail = ph[i].filesz - delta;
		return 0;
	}
	return -1;
}

static int parse_dynamic(struct reader *r, const struct phdr *ph, size_t nph,
			 const struct phdr *dyn, struct elf_info *info)
{
	size_t esz = r->bits == 64 ? 16 : 8;
	if (!in_file(r, dyn->offset, dyn->filesz)) {
		r->why = "dynamic section outside the file";
		return -1;
	}
	uint64_t count = dyn->filesz / esz;
	if (count > ELF_MAX_DYN)
		count = ELF_MAX_DYN;
	unsigned char *buf = xmalloc(count * esz + 1);
	if (read_at(r, buf, count * esz, dyn->offset)) {
		free(buf);
		return -1;
	}
	/* Collect string offsets first: DT_STRTAB may come after the entries naming it. */
	uint64_t strtab = 0, strsz = 0, *needed = NULL;
	uint64_t rpath = UINT64_MAX, runpath = UINT64_MAX, soname = UINT64_MAX;
	int have_strtab = 0, have_strsz = 0;
	size_t nneeded = 0;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t tag = word(r, buf + i * esz), val = word(r, buf + i * esz + esz / 2);
		if (tag == DT_NULL_)
			break;
		switch (tag) {
		case DT_NEEDED_:
			if (nneeded == ELF_MAX_NEEDED) {
				free(buf);
				free(needed);
				r->why = "too many DT_NEEDED entries";
				return -1;
			}
			if (!needed)
				needed = xmalloc(ELF_MAX_NEEDED * sizeof(*needed));
			needed[nneeded++] = val;
			break;
		case DT_STRTAB_: strtab = val; have_strtab = 1; break;
		case DT_STRSZ_: strsz = val; have_strsz = 1; break;
		case DT_SONAME_: soname = val; break;
		case DT_RPATH_: rpath = val; break;
		case DT_RUNPATH_: runpath = val; break;
		}
	}
	free(buf);

	int rc = 0;
	int any = nneeded || rpath != UINT64_MAX || runpath != UINT64_MAX || soname != UINT64_MAX;
	uint64_t stroff = 0, avail = 0;
	if (any && (!have_strtab || !have_strsz ||
		    vaddr_to_off(ph, nph, strtab, &stroff, &avail))) {
		r->why = "dynamic string table missing or not in a loaded segment";
		rc = -1;
	}
	if (!rc && strsz > avail)
		strsz = avail;  /* never read past the segment that holds the table */
	if (strsz > UINT64_MAX - stroff)
		strsz = UINT64_MAX - stroff;
	uint64_t end = stroff + strsz;
	if (!rc && nneeded) {
		info->needed = xcalloc(nneeded, sizeof(*info->needed));
		for (size_t i = 0; i < nneeded && !rc; i++) {
			if (needed[i] >= strsz) {
				r->why = "DT_NEEDED outside the string table";
				rc = -1;
			} else if (!(info->needed[info->nneeded] =
					     read_str(r, stroff + needed[i], end))) {
				rc = -1;
			} else {
				info->nneeded++;
			}
		}
	}
	struct { uint64_t val; char **dst; } strs[] = {
		{ rpath, &info->rpath }, { runpath, &info->runpath }, { soname, &info->soname },
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]) && !rc; i++) {
		if (strs[i].val == UINT64_MAX)
			continue;
		if (strs[i].val >= strsz) {
			r->why = "dynamic string outside the string table";
			rc = -1;
		} else if (!(*strs[i].dst = read_str(r, stroff + strs[i].val, end))) {
			rc = -1;
		}
	}
	free(needed);
	return rc;
}

static int parse(struct reader *r, struct elf_info *info)
{
	unsigned char eh[64];
	if (r->size < 52 || read_at(r, eh, 52, 0)) {
		r->why = "truncated ELF header";
		return -1;
	}
	if (eh[4] != 1 && eh[4] != 2) {
		r->why = "unknown ELF class";
		return -1;
	}
	if (eh[5] != 1 && eh[5] != 2) {
		r->why = "unknown ELF byte order";
		return -1;
	}
	if (eh[6] != 1) {
		r->why = "unknown ELF version";
		return -1;
	}
	r->bits = info->bits = eh[4] == 2 ? 64 : 32;
	r->be = info->big_endian = eh[5] == 2;
	if (r->bits == 64 && (r->size < 64 || read_at(r, eh + 52, 12, 52))) {
		r->why = "truncated ELF header";
		return -1;
	}
	info->type = (unsigned)get(r, eh + 16, 2);
	info->machine = (unsigned)get(r, eh + 18, 2);
	uint64_t phoff;
	unsigned phentsize, phnum;
	if (r->bits == 64) {
		phoff = get(r, eh + 32, 8);
		info->flags = (uint32_t)get(r, eh + 48, 4);
		phentsize = (unsigned)get(r, eh + 54, 2);
		phnum = (unsigned)get(r, eh + 56, 2);
	} else {
		phoff = get(r, eh + 28, 4);
		info->flags = (uint32_t)get(r, eh + 36, 4);
		phentsize = (unsigned)get(r, eh + 42, 2);
		phnum = (unsigned)get(r, eh + 44, 2);
	}
	if (phnum == 0)
		return 0;
	/* The kernel and the loaders insist on the native entry size; so do we. */
	if (phentsize != (r->bits == 64 ? 56u : 32u)) {
		r->why = "unexpected program header size";
		return -1;
	}
	if (phnum > ELF_MAX_PHDRS) {
		r->why = "too many program headers";
		return -1;
	}
	if (!in_file(r, phoff, (uint64_t)phnum * phentsize)) {
		r->why = "program headers outside the file";
		return -1;
	}
	unsigned char *raw = xmalloc((size_t)phnum * phentsize);
	struct phdr *ph = xmalloc(phnum * sizeof(*ph));
	int rc = read_at(r, raw, (size_t)phnum * phentsize, phoff);
	for (unsigned i = 0; i < phnum && !rc; i++)
		parse_phdr(r, raw + (size_t)i * phentsize, &ph[i]);
	free(raw);
	const struct phdr *dyn = NULL;
	for (unsigned i = 0; i < phnum && !rc; i++) {
		if (ph[i].type == PT_INTERP_ && !info->interp) {
			if (!in_file(r, ph[i].offset, ph[i].filesz) || ph[i].filesz == 0) {
				r->why = "PT_INTERP outside the file";
				rc = -1;
			} else if (!(info->interp = read_str(r, ph[i].offset,
							     ph[i].offset + ph[i].filesz))) {
				rc = -1;
			} else if (!info->interp[0]) {
				r->why = "empty PT_INTERP";
				rc = -1;
			}
		} else if (ph[i].type == PT_DYNAMIC_ && !dyn) {
			dyn = &ph[i];
		}
	}
	if (!rc && dyn) {
		info->dynamic = 1;
		rc = parse_dynamic(r, ph, phnum, dyn, info);
	}
	free(ph);
	return rc;
}

int elf_read(elf_read_fn rd, void *ctx, uint64_t size, struct elf_info *info,
	     const char **why)
{
	struct reader r = { .rd = rd, .ctx = ctx, .size = size };
	unsigned char magic[4];
	memset(info, 0, sizeof(*info));
	*why = NULL;
	if (size < 4)
		return ELF_NOT_ELF;
	if (read_at(&r, magic, 4, 0)) {
		*why = r.why;
		return ELF_BAD;
	}
	if (memcmp(magic, "\177ELF", 4))
		return ELF_NOT_ELF;
	if (parse(&r, info)) {
		elf_info_free(info);
		*why = r.why;
		return ELF_BAD;
	}
	return ELF_OK;
}

void elf_info_free(struct elf_info *info)
{
	free(info->interp);
	for (size_t i = 0; i < info->nneeded; i++)
		free(info->needed[i]);
	free(info->needed);
	free(info->rpath);
	free(info->runpath);
	free(info->soname);
	memset(info, 0, sizeof(*info));
}

const char *elf_machine_name(unsigned machine)
{
	static char buf[32];
	switch (machine) {
	case ELF_EM_386: return "i386";
	case ELF_EM_ARM: return "ARM";
	case ELF_EM_X86_64: return "x86-64";
	case ELF_EM_AARCH64: return "AArch64";
	}
	snprintf(buf, sizeof(buf), "machine %u", machine);
	return buf;
}
