/* Deterministic benchmark trees: the same seed gives the same names, sizes, bytes, holes
 * and links on every machine, so lsbimg, mke2fs -d and genext2fs see identical input.
 * usage: gen --version | gen TREE DIR   (TREE: rootfs bigdir wide large tiny; DIR must not
 * exist) */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when any tree's content changes, so stale trees are regenerated. */
#define GEN_VERSION "lsbimg-bench-gen 1"
#define SEED 0x6c7362696d67ull   /* "lsbimg" */
#define BUFSZ (1u << 20)

static uint64_t rng = SEED;
static unsigned char *buf;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	va_end(ap);
	exit(1);
}

/* splitmix64: tiny, fast, and identical everywhere. */
static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

static uint64_t between(uint64_t lo, uint64_t hi)
{
	return lo + below(hi - lo + 1);
}

static void fill(size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = next();
		memcpy(buf + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* A pronounceable lowercase word of LEN letters. */
static void word(char *out, size_t len)
{
	static const char cons[] = "bcdfghklmnprstvz", vow[] = "aeiou";
	for (size_t i = 0; i < len; i++)
		out[i] = i & 1 ? vow[below(5)] : cons[below(16)];
	out[len] = 0;
}

static void pwrite_all(int fd, const void *p, size_t n, off_t off, const char *path)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0)
			die("%s", path);
		p = (const char *)p + w;
		n -= (size_t)w;
		off += w;
	}
}

/* A file of SIZE pseudo-random bytes. */
static void mkfile(const char *path, uint64_t size, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd < 0)
		die("%s", path);
	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < BUFSZ ? (size_t)(size - off) : BUFSZ;
		fill(n);
		pwrite_all(fd, buf, n, (off_t)off, path);
		off += n;
	}
	if (fchmod(fd, mode) || close(fd))
		die("%s", path);
}

/* A file of SIZE bytes holding data only in NSEG segments of SEGLEN bytes, spaced evenly
 * from FIRST; everything else is a hole. */
static void mksparse(const char *path, uint64_t size, uint64_t first, unsigned nseg,
		     uint64_t seglen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)size))
		die("%s", path);
	uint64_t step = nseg > 1 ? (size - first - seglen) / (nseg - 1) & ~4095ull : 0;
	for (unsigned s = 0; s < nseg; s++) {
		uint64_t at = first + s * step;
		for (uint64_t done = 0; done < seglen;) {
			size_t n = seglen - done < BUFSZ ? (size_t)(seglen - done) : BUFSZ;
			fill(n);
			pwrite_all(fd, buf, n, (off_t)(at + done), path);
			done += n;
		}
	}
	if (close(fd))
		die("%s", path);
}

static void mkdir_or_die(const char *path)
{
	if (mkdir(path, 0755))
		die("%s", path);
}

static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

/* ---- rootfs: a system-like tree ---- */

#define RF_DIRS 1200
#define RF_FILES 16000
#define RF_SYMLINKS 1500
#define RF_HARDLINKS 400
#define RF_SPARSE 12

/* File sizes shaped like a distribution's: mostly small, a long tail (about 300 MB). */
static uint64_t rootfs_size(void)
{
	uint64_t r = below(1000);
	if (r < 30)
		return 0;
	if (r < 750)
		return between(1, 4095);
	if (r < 950)
		return between(4096, 32767);
	if (r < 995)
		return between(32768, 262143);
	return between(262144, 2097151);
}

static void gen_rootfs(const char *top)
{
	char **dirs = calloc(RF_DIRS, sizeof(*dirs));
	char **files = calloc(RF_FILES, sizeof(*files));
	char w[32];
	if (!dirs || !files)
		die("out of memory");
	dirs[0] = strdup(top);
	mkdir_or_die(top);
	for (unsigned i = 1; i < RF_DIRS; i++) {
		/* The smaller of two picks favours early (shallow) parents. */
		uint64_t a = below(i), b = below(i);
		word(w, between(2, 10));
		dirs[i] = fmt("%s/%s%u", dirs[a < b ? a : b], w, i);
		mkdir_or_die(dirs[i]);
	}
	static const char *const ext[] = { "", ".so", ".conf", ".h", ".py", ".txt", ".gz", ".1" };
	for (unsigned i = 0; i < RF_FILES; i++) {
		/* A third of the files crowd into ten big directories, like /usr/lib. */
		unsigned d = below(3) ? (unsigned)below(RF_DIRS) : 1 + (unsigned)below(10);
		word(w, between(2, 14));
		files[i] = fmt("%s/%s-%u%s", dirs[d], w, i, ext[below(8)]);
		uint64_t m = below(10);
		mkfile(files[i], rootfs_size(), m < 3 ? 0755 : m < 4 ? 0600 : 0644);
	}
	for (unsigned i = 0; i < RF_SPARSE; i++) {
		char *p = fmt("%s/sparse-%u.img", dirs[below(RF_DIRS)], i);
		uint64_t size = between(1, 16) << 20;
		mksparse(p, size, below(2) ? 0 : 4096 * between(1, 64), (unsigned)between(1, 4),
			 4096 * between(1, 32));
		free(p);
	}
	for (unsigned i = 0; i < RF_SYMLINKS; i++) {
		char *p = fmt("%s/link%u", dirs[below(RF_DIRS)], i);
		const char *t = files[below(RF_FILES)] + strlen(top);
		char *target;
		uint64_t kind = below(10);
		if (kind < 5)   /* absolute, often longer than the 60 bytes an inode holds */
			target = fmt("%s", t);
		else if (kind < 9)
			target = fmt("..%s", strrchr(t, '/'));
		else
			target = fmt("../../missing/%u", i);   /* dangling */
		if (symlink(target, p))
			die("%s", p);
		free(target);
		free(p);
	}
	for (unsigned i = 0; i < RF_HARDLINKS; i++) {
		char *p = fmt("%s/hard%u", dirs[below(RF_DIRS)], i);
		if (link(files[below(RF_FILES)], p))
			die("%s", p);
		free(p);
	}
	for (unsigned i = 0; i < RF_FILES; i++)
		free(files[i]);
	for (unsigned i = 0; i < RF_DIRS; i++)
		free(dirs[i]);
	free(files);
	free(dirs);
}

/* ---- bigdir: one directory of 100,000 small files ---- */

static void gen_bigdir(const char *top)
{
	char w[32];
	mkdir_or_die(top);
	for (unsigned i = 0; i < 100000; i++) {
		word(w, between(3, 20));
		char *p = fmt("%s/%s-%u", top, w, i);
		mkfile(p, below(2049), 0644);
		free(p);
	}
}

/* ---- wide: 1,000,000 small files in 10,000 directories ----
 * 100 top directories of 99 subdirectories each; every directory holds 100 files, so any
 * ten top directories are the same shape at a tenth of the size. */

static void gen_wide(const char *top)
{
	mkdir_or_die(top);
	for (unsigned t = 0; t < 100; t++) {
		for (unsigned s = 0; s < 100; s++) {
			char *d = s ? fmt("%s/t%02u/s%02u", top, t, s) : fmt("%s/t%02u", top, t);
			mkdir_or_die(d);
			for (unsigned f = 0; f < 100; f++) {
				char *p = fmt("%s/f%03u.dat", d, f);
				mkfile(p, below(513), 0644);
				free(p);
			}
			free(d);
		}
	}
}

/* ---- large: a few multi-hundred-MB files, two of them sparse ---- */

static void large_file(const char *top, const char *name, uint64_t size)
{
	char *p = fmt("%s/%s", top, name);
	mkfile(p, size, 0644);
	free(p);
}

static void large_sparse(const char *top, const char *name, uint64_t size, uint64_t first,
			 unsigned nseg, uint64_t seglen)
{
	char *p = fmt("%s/%s", top, name);
	mksparse(p, size, first, nseg, seglen);
	free(p);
}

static void gen_large(const char *top)
{
	mkdir_or_die(top);
	large_file(top, "dense-384M.bin", 384ull << 20);
	large_file(top, "dense-256M.bin", 256ull << 20);
	/* 16 data segments of 4 MiB spread over 768 MiB. */
	large_sparse(top, "sparse-768M.img", 768ull << 20, 0, 16, 4ull << 20);
	/* 128 MiB of data in the middle of 512 MiB: holes at both ends. */
	large_sparse(top, "sparse-512M.img", 512ull << 20, 192ull << 20, 1, 128ull << 20);
	large_file(top, "README", 1234);
}

/* ---- tiny: 300 files in 10 directories and a few links, for a quick run of the bench ---- */

static void gen_tiny(const char *top)
{
	char w[32];
	mkdir_or_die(top);
	for (unsigned d = 0; d < 10; d++) {
		char *dir = fmt("%s/d%u", top, d);
		mkdir_or_die(dir);
		for (unsigned f = 0; f < 30; f++) {
			word(w, between(2, 12));
			char *p = fmt("%s/%s-%u", dir, w, f);
			mkfile(p, below(9000), f % 3 ? 0644 : 0755);
			free(p);
		}
		char *l = fmt("%s/link", dir);
		if (symlink("../d0", l))
			die("%s", l);
		free(l);
		free(dir);
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(const char *top);
	} trees[] = { { "rootfs", gen_rootfs }, { "bigdir", gen_bigdir }, { "wide", gen_wide },
		      { "large", gen_large }, { "tiny", gen_tiny } };
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		puts(GEN_VERSION);
		return 0;
	}
	if (argc != 3) {
		fputs("usage: gen --version | gen rootfs|bigdir|wide|large|tiny DIR\n", stderr);
		return 2;
	}
	umask(0);
	if (!(buf = malloc(BUFSZ)))
		die("out of memory");
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		if (strcmp(argv[1], trees[i].name))
			continue;
		/* Each tree has its own stream, so generating one never shifts another. */
		rng = SEED + i;
		trees[i].fn(argv[2]);
		free(buf);
		return 0;
	}
	fprintf(stderr, "gen: unknown tree %s\n", argv[1]);
	return 2;
}
