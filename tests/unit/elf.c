/* elf_read against readelf (the independent oracle) on programs built by the real cross
 * compilers and on the host's own libraries; then hand-broken and randomly mutated files
 * must be rejected cleanly (run under ASan by make check-asan). */
#include "formats/elf.h"
#include "base/diag.h"
#include "elftest.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

static ssize_t fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return pread(*(int *)ctx, buf, len, (off_t)off);
}

struct mem {
	const unsigned char *p;
	size_t n;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct mem *m = ctx;
	if (off >= m->n)
		return 0;
	if (len > m->n - off)
		len = m->n - off;
	memcpy(buf, m->p + off, len);
	return (ssize_t)len;
}

/* The value after KEY in LINE up to the closing "]": "KEY [value]" or "[KEY value]". */
static char *bracket(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	if (!p)
		return NULL;
	p += strlen(key);
	p += strspn(p, " ");
	p += *p == '[';
	const char *e = strrchr(p, ']');
	return e ? strndup(p, (size_t)(e - p)) : NULL;
}

static const char *machine_as_readelf(unsigned m)
{
	switch (m) {
	case ELF_EM_AARCH64: return "AArch64";
	case ELF_EM_ARM: return "ARM";
	case ELF_EM_X86_64: return "Advanced Micro Devices X86-64";
	case ELF_EM_386: return "Intel 80386";
	}
	return "?";
}

static void compare(const char *path)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "%s", path);
	if (fd < 0)
		return;
	struct elf_info e;
	const char *why;
	int rc = elf_read(fd_read, &fd, (uint64_t)lseek(fd, 0, SEEK_END), &e, &why);
	close(fd);
	CHECK(rc == ELF_OK, "%s: %s", path, why ? why : "not ELF");
	if (rc != ELF_OK)
		return;

	char *cmd = xasprintf("readelf -hldW '%s'", path);
	FILE *f = popen(cmd, "r");
	free(cmd);
	if (!CHECK(f != NULL, "popen readelf %s", path))
		return;
	char line[4096], *interp = NULL, *runpath = NULL, *rpath = NULL, *soname = NULL;
	char machine[128] = "", cls[16] = "", type[16] = "";
	unsigned long flags = 0;
	size_t nneeded = 0;
	int data_be = -1;
	while (fgets(line, sizeof(line), f)) {
		char *v;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, " Class: %15s", cls) == 1)
			continue;
		if (strstr(line, "Data:"))
			data_be = strstr(line, "big endian") != NULL;
		if (sscanf(line, " Type: %15s", type) == 1)
			continue;
		if (!strncmp(line, "  Machine:", 10)) {
			snprintf(machine, sizeof(machine), "%s", line + 10 + strspn(line + 10, " "));
			continue;
		}
		if (sscanf(line, " Flags: %lx", &flags) == 1)
			continue;
		if ((v = bracket(line, "Requesting program interpreter:"))) {
			interp = v;
		} else if (strstr(line, "(NEEDED)") && (v = bracket(line, "Shared library:"))) {
			CHECK(nneeded < e.nneeded && !strcmp(e.needed[nneeded], v),
			      "%s: NEEDED #%zu: readelf says %s, we say %s", path, nneeded, v,
			      nneeded < e.nneeded ? e.needed[nneeded] : "(none)");
			nneeded++;
			free(v);
		} else if (strstr(line, "(RUNPATH)")) {
			runpath = bracket(line, "runpath:");
		} else if (strstr(line, "(RPATH)")) {
			rpath = bracket(line, "rpath:");
		} else if (strstr(line, "(SONAME)")) {
			soname = bracket(line, "soname:");
		}
	}
	CHECK(pclose(f) == 0, "readelf failed on %s", path);
	CHECK(!strcmp(cls, e.bits == 64 ? "ELF64" : "ELF32"), "%s: class %s vs %d", path, cls,
	      e.bits);
	CHECK(data_be == e.big_endian, "%s: byte order", path);
	CHECK(!strcmp(type, e.type == 2 ? "EXEC" : e.type == 3 ? "DYN" : "REL"), "%s: type %s",
	      path, type);
	CHECK(!strcmp(machine, machine_as_readelf(e.machine)), "%s: machine '%s' vs %u", path,
	      machine, e.machine);
	CHECK(flags == e.flags, "%s: flags %lx vs %x", path, flags, e.flags);
	CHECK(nneeded == e.nneeded, "%s: %zu NEEDED vs %zu", path, nneeded, e.nneeded);
#define SAME(a, b) CHECK((!(a) && !(b)) || ((a) && (b) && !strcmp((a), (b))), \
			 "%s: %s: readelf '%s', we '%s'", path, #b, (a) ? (a) : "-", (b) ? (b) : "-")
	SAME(interp, e.interp);
	SAME(runpath, e.runpath);
	SAME(rpath, e.rpath);
	SAME(soname, e.soname);
	free(interp);
	free(runpath);
	free(rpath);
	free(soname);
	elf_info_free(&e);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL, "%s", path);
	if (!f)
		exit(1);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	rewind(f);
	unsigned char *p = xmalloc(*n);
	CHECK(fread(p, 1, *n, f) == *n, "%s", path);
	fclose(f);
	return p;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static int parse_mem(const unsigned char *p, size_t n, const char **why)
{
	struct mem m = { p, n };
	struct elf_info e;
	int rc = elf_read(mem_read, &m, n, &e, why);
	if (rc == ELF_OK)
		elf_info_free(&e);
	return rc;
}

/* Mutations aimed at the fields the reader trusts least: header words, program headers,
 * the dynamic section, and truncation. Nothing may crash, leak or read out of bounds. */
static void fuzz(const char *path)
{
	size_t n;
	unsigned char *orig = slurp(path, &n), *buf = xmalloc(n);
	int bad = 0, ok = 0;
	const char *why;
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(buf, orig, n);
		size_t len = n;
		int flips = 1 + (int)(rnd() % 8);
		for (int k = 0; k < flips; k++) {
			size_t span = rnd() % 3 == 0 ? n : (n < 4096 ? n : 4096);
			size_t at = rnd() % span;
			switch (rnd() % 4) {
			case 0: buf[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
			case 1: buf[at] = (unsigned char)rnd(); break;
			case 2: memset(buf + at, 0xff, at + 8 < n ? 8 : n - at); break;
			case 3: len = rnd() % n; break;
			}
		}
		buf[0] = 0x7f;  /* keep the magic so the parser gets past it */
		memcpy(buf + 1, "ELF", len > 4 ? 3 : 0);
		int rc = parse_mem(buf, len, &why);
		if (rc == ELF_BAD) {
			bad++;
			CHECK(why != NULL, "ELF_BAD without a reason");
		} else if (rc == ELF_OK) {
			ok++;
		}
	}
	CHECK(bad > 0 && ok > 0, "%s: fuzzing found %d bad and %d ok variants", path, bad, ok);
	free(orig);
	free(buf);
}

static void put(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Hand-broken headers, each rejected with a reason. */
static void broken(const char *path)
{
	size_t n;
	unsigned char *orig = slurp(path, &n), *b = xmalloc(n);
	const char *why;
	struct { const char *what; size_t off; uint64_t val; int width; } cases[] = {
		{ "class 7", 4, 7, 1 },
		{ "byte order 3", 5, 3, 1 },
		{ "phoff past the end", 32, (uint64_t)n, 8 },
		{ "phoff overflowing", 32, UINT64_MAX - 8, 8 },
		{ "phentsize 12", 54, 12, 2 },
		{ "phnum 65535", 56, 65535, 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(b, orig, n);
		put(b + cases[i].off, cases[i].val, cases[i].width);
		CHECK(parse_mem(b, n, &why) == ELF_BAD && why, "%s accepted", cases[i].what);
	}
	CHECK(parse_mem(orig, 40, &why) == ELF_BAD, "truncated header accepted");
	CHECK(parse_mem((const unsigned char *)"#!/bin/sh\n", 10, &why) == ELF_NOT_ELF,
	      "a script taken for ELF");
	CHECK(parse_mem(orig, 3, &why) == ELF_NOT_ELF, "3 bytes taken for ELF");
	CHECK(parse_mem(orig, n, &why) == ELF_OK, "the unbroken file rejected: %s", why);
	free(orig);
	free(b);
}

int main(void)
{
	build_programs();
	const char *progs[] = { "lib/libfoo.so.1", "bin/main", "bin/rpath", "bin/plain",
				"bin/needs-bar", "bin/static" };
	for (size_t t = 0; t < NTOOLCHAINS; t++)
		for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
			char *p = xasprintf("progs/%s/%s", toolchains[t].dir, progs[i]);
			compare(p);
			free(p);
		}
	const char *host[] = { "/usr/lib/aarch64-linux-musl/libc.so",
			       "/usr/lib/arm-linux-musleabihf/libc.so",
			       "/usr/lib/x86_64-linux-musl/libc.so",
			       "/lib/x86_64-linux-gnu/libc.so.6", "/bin/ls",
			       "/usr/bin/aarch64-linux-gnu-ld.bfd" };
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
		compare(host[i]);
	broken("progs/aarch64/bin/main");
	fuzz("progs/aarch64/bin/main");
	fuzz("progs/armhf/bin/main");
	fuzz("progs/glibc-x86_64/lib/libfoo.so.1");
	return harness_done();
}
