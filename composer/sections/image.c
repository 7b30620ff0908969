/* The `image` group: what to write and how. Parse only: it makes the image parameters
 * every writer reads (model/params.h). */
#include "sections/section.h"
#include "base/diag.h"
#include "io/output.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fixed, non-zero default: tools read a zero creation time as "none". */
#define DEFAULT_TIMESTAMP 1700000000

/* ext2 without the 64bit feature counts blocks in 32 bits (libext2fs refuses 2^32 and
 * wraps larger counts); the writer makes no file system under 64 blocks. */
#define EXT2_MAX_BLOCKS 4294967295ull
#define EXT2_MIN_BLOCKS 64
/* ext2 counts inodes in 32 bits. */
#define EXT2_MAX_INODES 4294967295ull
/* Times: the superblock's are unsigned 32-bit seconds (to 2106-02-07 06:28:15 UTC), as
 * are cpio's (8 hex digits); a 128-byte inode's are signed 32-bit (to 2038-01-19 03:14:07
 * UTC), larger inodes add two epoch bits (to 2446). */
#define MAX_TIME 4294967295LL
#define MAX_TIME_SMALL_INODE 2147483647LL
/* FAT's dates count years from 1980 in 7 bits; its sizes sectors in 32 bits. */
#define MIN_TIME_FAT 315532800LL
#define MAX_TIME_FAT 4354819199LL
#define FAT_MAX_BYTES (4294967295ull * 512)
/* The largest headroom percentage. */
#define MAX_HEADROOM_PCT 1000

static const struct key image_keys[] = {
	{ "name", KEY_STRING, 0 },
	{ "size", KEY_SIZE, 0 },
	{ "headroom", KEY_SIZE, 0 },
	{ "block_size", KEY_INT, 0 },
	{ "inode_size", KEY_INT, 0 },
	{ "inodes", KEY_SIZE, 0 },
	{ "journal_size", KEY_SIZE, 0 },
	{ "compressor", KEY_STRING, 0 },
	{ "label", KEY_STRING, 0 },
	{ "uuid", KEY_STRING, 0 },
	{ "hash_seed", KEY_STRING, 0 },
	{ "timestamp", KEY_INT, 0 },
	{ "output", KEY_STRING, 0 },
	{ "stage", KEY_STRING, 0 },
	{ "format", KEY_STRING, 0 },
	{ "strict", KEY_BOOL, 0 },
	{ NULL, 0, 0 }
};

/* "64M", "1G", "4096" -> bytes. 0 on success. */
static int parse_size(const char *text, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*text))
		return -1;  /* strtoull would take blanks and a sign: "-1" is 2^64 - 1 */
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text)
		return -1;
	uint64_t mult = 1;
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'K': mult = 1ull << 10; end++; break;
	case 'M': mult = 1ull << 20; end++; break;
	case 'G': mult = 1ull << 30; end++; break;
	case 'T': mult = 1ull << 40; end++; break;
	default: return -1;
	}
	if (*end == 'i' && mult > 1)
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (v && mult > UINT64_MAX / v))
		return -1;
	*out = v * mult;
	return 0;
}

/* A size setting: integer bytes, "64M", "N%" (when PCT is non-NULL) or "auto" (0). WHAT
 * names its group in messages. */
static int get_size_in(const struct conf *s, const char *what, uint64_t *out, unsigned *pct)
{
	if (s->type != CONF_STRING) {
		if (s->num < 0) {
			conf_error(s, "%s.%s must not be negative", what, s->name);
			return -1;
		}
		*out = (uint64_t)s->num;
		return 0;
	}
	const char *t = s->str;
	size_t n = strlen(t);
	if (!strcmp(t, "auto")) {
		*out = 0;
		return 0;
	}
	if (pct && n > 1 && t[n - 1] == '%') {
		char *end;
		errno = 0;
		unsigned long v = strtoul(t, &end, 10);
		if (end == t + n - 1 && isdigit((unsigned char)*t)) {
			if (errno || v > MAX_HEADROOM_PCT) {
				conf_error(s, "%s.%s: '%s' is more than %d%%", what, s->name, t,
					   MAX_HEADROOM_PCT);
				return -1;
			}
			*pct = (unsigned)v;
			*out = 0;
			return 0;
		}
	}
	if (parse_size(t, out)) {
		conf_error(s, "%s.%s: '%s' is not a size (bytes below 2^64: a number, or one "
			   "with K, M, G or T%s)", what, s->name, t, pct ? ", or a percentage" : "");
		return -1;
	}
	return 0;
}

static int get_size(const struct conf *s, uint64_t *out, unsigned *pct)
{
	return get_size_in(s, "image", out, pct);
}

int section_size(const struct conf *s, const char *what, uint64_t *out)
{
	return get_size_in(s, what, out, NULL);
}

static int is_auto(const struct conf *c)
{
	return c->type == CONF_STRING && !strcmp(c->str, "auto");
}

/* How setting C wrote its value, for messages (static buffer). */
static const char *written(const struct conf *c)
{
	static char buf[64];
	if (c->type == CONF_STRING)
		snprintf(buf, sizeof(buf), "\"%.40s\"", c->str);
	else
		snprintf(buf, sizeof(buf), "%lld", (long long)c->num);
	return buf;
}

/* A count of bytes as the largest binary unit dividing it ("16T", "4095K"). */
static const char *human(uint64_t v)
{
	static char buf[32];
	const char *units = "KMGTPE";
	int u = -1;
	while (v && !(v & 1023) && u < 5) {
		v >>= 10;
		u++;
	}
	snprintf(buf, sizeof(buf), "%llu%.*s", (unsigned long long)v, u >= 0, u >= 0 ? units + u : "");
	return buf;
}

/* The settings check_limits looks at: each NULL when absent or already reported. */
struct limited {
	const struct conf *size, *headroom, *inodes, *timestamp;
	const char *env;          /* SOURCE_DATE_EPOCH when it is a number */
};

/* The limits that depend on more than one setting: ext2's and ext4's on sizes and counts
 * for the block size (ext4's 64bit lifts the 2^32 blocks), the time range of the format
 * and inode size. */
static int check_limits(const struct limited *l, const struct image_params *p)
{
	int problems = 0;
	int ext2 = !strcmp(p->format, "ext2"), ext = ext2 || !strcmp(p->format, "ext4");
	int vfat = !strcmp(p->format, "vfat");
	const struct conf *c, *ts = l->timestamp;
	const char *env = l->env;
	uint64_t bs = p->block_size;
	if (ext && (c = l->size) && !is_auto(c) && p->size / bs < EXT2_MIN_BLOCKS) {
		conf_error(c, "image.size %s is less than %d blocks of %llu bytes (%s), the smallest "
			   "file system lsbimg writes", written(c), EXT2_MIN_BLOCKS,
			   (unsigned long long)bs, human(EXT2_MIN_BLOCKS * bs));
		problems++;
	}
	if (ext2 && (c = l->size) && p->size / bs > EXT2_MAX_BLOCKS) {
		conf_error(c, "image.size %s is more than ext2 holds with %llu-byte blocks: at most "
			   "2^32 - 1 blocks, %llu bytes (%s less one block)", written(c),
			   (unsigned long long)bs, (unsigned long long)(EXT2_MAX_BLOCKS * bs),
			   human((EXT2_MAX_BLOCKS + 1) * bs));
		problems++;
	}
	if (ext2 && (c = l->headroom) && p->headroom_bytes / bs > EXT2_MAX_BLOCKS) {
		conf_error(c, "image.headroom %s is more than ext2 holds with %llu-byte blocks "
			   "(%s less one block)", written(c), (unsigned long long)bs,
			   human((EXT2_MAX_BLOCKS + 1) * bs));
		problems++;
	}
	if (ext && (c = l->inodes) && p->inodes > EXT2_MAX_INODES) {
		conf_error(c, "image.inodes %s is more than %s counts: at most 2^32 - 1",
			   written(c), p->format);
		problems++;
	}
	if (vfat && (c = l->size) && !is_auto(c) && p->size > FAT_MAX_BYTES) {
		conf_error(c, "image.size %s is more than FAT holds: 2^32 sectors of 512 bytes (2T)",
			   written(c));
		problems++;
	}
	int small = ext && p->inode_size == 128;
	long long min = vfat ? MIN_TIME_FAT : 0;
	long long max = small ? MAX_TIME_SMALL_INODE : vfat ? MAX_TIME_FAT : MAX_TIME;
	const char *why = small ? "1970-01-01 to 2038-01-19 03:14:07 UTC: 128-byte inodes "
				  "store signed 32-bit seconds; inode_size 256 reaches 2106" :
			  vfat ? "1980-01-01 to 2107-12-31 23:59:59 UTC, what FAT's dates hold" :
			  !strcmp(p->format, "ext4") ? "1970-01-01 to 2106-02-07 06:28:15 UTC, "
				  "what ext4's superblock stores" :
			  !strcmp(p->format, "squashfs") ? "1970-01-01 to 2106-02-07 06:28:15 UTC, "
				  "what squashfs stores" :
				  "1970-01-01 to 2106-02-07 06:28:15 UTC, what ext2's superblock and "
				  "cpio store";
	if (ts && (ts->num < min || ts->num > max)) {
		conf_error(ts, "image.timestamp %lld is out of range: %lld to %lld (%s)",
			   (long long)ts->num, min, max, why);
		problems++;
	}
	if (env && (p->timestamp < min || p->timestamp > max)) {
		diag_error("SOURCE_DATE_EPOCH='%s' is out of range: %lld to %lld (%s)", env, min,
			   max, why);
		problems++;
	}
	return problems;
}

int image_uuid_parse(const char *text, unsigned char out[16])
{
	size_t n = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '-')
			continue;
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) || n == 16)
			return -1;
		char byte[3] = { p[0], p[1], 0 };
		out[n++] = (unsigned char)strtoul(byte, NULL, 16);
		p++;
	}
	return n == 16 ? 0 : -1;
}

/* UUID and hash seed from the layout's digest, so equal layouts give equal images. */
static int derive_ids(struct image_params *p, const unsigned char digest[64],
		      const struct conf *img)
{
	memcpy(p->uuid, digest, 16);
	p->uuid[6] = (p->uuid[6] & 0x0f) | 0x80;  /* RFC 9562 version 8 */
	p->uuid[8] = (p->uuid[8] & 0x3f) | 0x80;
	memcpy(p->hash_seed, digest + 16, 16);

	const char *uuid = NULL, *seed = NULL;
	conf_lookup_string(img, "uuid", &uuid);
	conf_lookup_string(img, "hash_seed", &seed);
	if (uuid && strcmp(uuid, "auto") && image_uuid_parse(uuid, p->uuid)) {
		conf_error(conf_member(img, "uuid"),
			   "image.uuid: '%s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", uuid);
		return -1;
	}
	if (seed && strcmp(seed, "auto") && image_uuid_parse(seed, (unsigned char *)p->hash_seed)) {
		conf_error(conf_member(img, "hash_seed"), "image.hash_seed: '%s' is not a UUID", seed);
		return -1;
	}
	return 0;
}

/* jbd2's smallest journal and mke2fs's largest, in blocks. */
#define JOURNAL_MIN_BLOCKS 1024
#define JOURNAL_MAX_BLOCKS 10240000

/* image.journal_size: ext4 only, "auto" or a size within jbd2's limits. */
static int image_parse_journal(const struct conf *c, struct image_params *p)
{
	if (strcmp(p->format, "ext4")) {
		conf_error(c, "image.journal_size applies to format \"ext4\" only");
		return -1;
	}
	if (get_size(c, &p->journal_size, NULL))
		return -1;
	uint64_t blocks = p->journal_size / p->block_size;
	if (p->journal_size && (blocks < JOURNAL_MIN_BLOCKS || blocks > JOURNAL_MAX_BLOCKS)) {
		conf_error(c, "image.journal_size must be \"auto\" or from %lluK to %lluK "
			   "(1024 to 10240000 blocks of %u bytes)",
			   (unsigned long long)JOURNAL_MIN_BLOCKS * p->block_size / 1024,
			   (unsigned long long)JOURNAL_MAX_BLOCKS * p->block_size / 1024,
			   p->block_size);
		return -1;
	}
	return 0;
}

static int is_squashfs(const struct image_params *p)
{
	return !strcmp(p->format, "squashfs");
}

static int is_vfat(const struct image_params *p)
{
	return !strcmp(p->format, "vfat");
}

static int is_ext(const struct image_params *p)
{
	return !strcmp(p->format, "ext2") || !strcmp(p->format, "ext4");
}

/* image.block_size: what a block is depends on the format. */
static int parse_block_size(const struct conf *c, struct image_params *p)
{
	int64_t v = c->num;
	int pow2 = v > 0 && !(v & (v - 1));
	if (is_squashfs(p)) {
		if (!pow2 || v < 4096 || v > 1048576) {
			conf_error(c, "image.block_size for squashfs must be a power of two from "
				   "4096 to 1048576");
			return -1;
		}
	} else if (is_vfat(p)) {
		if (!pow2 || v < 512 || v > 32768) {
			conf_error(c, "image.block_size for vfat is the cluster size: a power of two "
				   "from 512 to 32768");
			return -1;
		}
	} else if (v != 1024 && v != 2048 && v != 4096) {
		conf_error(c, "image.block_size must be 1024, 2048 or 4096");
		return -1;
	}
	p->block_size = (unsigned)v;
	return 0;
}

static int parse_compressor(const struct conf *c, struct image_params *p)
{
	if (!is_squashfs(p)) {
		conf_error(c, "image.compressor applies to format \"squashfs\" only");
		return -1;
	}
	if (strcmp(c->str, "gzip") && strcmp(c->str, "xz") && strcmp(c->str, "zstd")) {
		conf_error(c, "image.compressor must be \"gzip\", \"xz\" or \"zstd\"");
		return -1;
	}
	p->compressor = c->str;
	return 0;
}

/* Keys the format has no use for: squashfs has no fixed size (an explicit one is an
 * error); the rest only warn, so a layout shared between formats keeps its ext2 keys. */
static int format_keys(const struct conf *img, const struct image_params *p)
{
	static const char *const ext_only[] = { "inodes", "inode_size", "hash_seed", "headroom",
						"label", "uuid", NULL };
	const struct conf *c;
	if (is_ext(p) || !img)
		return 0;
	/* vfat has a size, a label and a volume id (from the UUID). */
	size_t n = is_vfat(p) ? 3 : 6;
	if (is_squashfs(p) && (c = conf_member(img, "size")) &&
	    !(c->type == CONF_STRING && !strcmp(c->str, "auto"))) {
		conf_error(c, "image.size must be \"auto\" for squashfs: its size follows "
			   "its content");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if ((c = conf_member(img, ext_only[i])))
			diag_warn_at(c->file, c->line, "image.%s has no effect on format \"%s\"",
				     ext_only[i], p->format);
	return 0;
}

/* The output stem when the layout names none: the layout file's, without extension.
 * Static, like the default output path below: one layout is parsed at a time. */
static const char *default_name(const char *layout)
{
	static char stem[256];
	char *base = xstrdup(layout);
	char *b = basename(base);
	char *dot = strrchr(b, '.');
	if (dot && dot != b)
		*dot = 0;
	snprintf(stem, sizeof(stem), "%s", b);
	free(base);
	return stem;
}

/* An image group IMG (when present) is a group of KEYS; WHAT names it. 0, or -1 after
 * reporting. */
static int check_group(const struct conf *img, const struct key *keys, const char *what)
{
	if (img && img->type != CONF_GROUP) {
		conf_error(img, "image must be a group { ... }");
		return -1;
	}
	return img && schema_check(img, keys, what) ? -1 : 0;
}

/* out/images/<name>.EXT. Static, like default_name: one layout is parsed at a time. */
static void default_output(struct image_params *p, const char *ext)
{
	static char out[4096];
	snprintf(out, sizeof(out), "out/images/%s.%s", p->name, ext);
	p->output = out;
}

int image_parse(const struct conf *img, const char *layout, const unsigned char digest[64],
		struct image_params *p)
{
	const char *s;
	const struct conf *c;
	int problems = 0;

	memset(p, 0, sizeof(*p));
	p->name = default_name(layout);
	p->headroom_pct = 10;
	p->block_size = 4096;
	p->inode_size = 256;
	p->timestamp = DEFAULT_TIMESTAMP;
	p->stage = "distribution/images";
	p->format = "ext2";

	if (check_group(img, image_keys, "image"))
		return -1;

	/* First: what the other keys mean and allow depends on it. */
	if (conf_lookup_string(img, "format", &s)) {
		if (!output_find(s)) {
			conf_error(conf_member(img, "format"), "image.format must be %s",
				   output_names());
			problems++;
		}
		p->format = s;
	}
	if (is_squashfs(p)) {
		p->block_size = 131072;   /* mksquashfs's */
		p->compressor = "gzip";
	}
	if (is_vfat(p))
		p->block_size = 0;        /* clusters sized by the image size */
	if (conf_lookup_string(img, "name", &s)) {
		if (!*s || strchr(s, '/')) {
			conf_error(conf_member(img, "name"), "image.name must be a plain file name");
			problems++;
		}
		p->name = s;
	}
	struct limited lim = { 0 };
	if ((c = conf_member(img, "size"))) {
		if (get_size(c, &p->size, NULL))
			problems++;
		else
			lim.size = c;
	}
	if ((c = conf_member(img, "headroom"))) {
		p->headroom_pct = 0;
		if (get_size(c, &p->headroom_bytes, &p->headroom_pct))
			problems++;
		else
			lim.headroom = c;
	}
	if ((c = conf_member(img, "inodes"))) {
		if (get_size(c, &p->inodes, NULL)) {
			problems++;
		} else if (!p->inodes && !is_auto(c)) {
			conf_error(c, "image.inodes 0: there is always the root directory (or "
				   "\"auto\")");
			problems++;
		} else {
			lim.inodes = c;
		}
	}
	/* An invalid block or inode size is reported and the default kept, so the checks
	 * below divide by a valid one. */
	if ((c = conf_member(img, "block_size")) && parse_block_size(c, p))
		problems++;
	if ((c = conf_member(img, "inode_size"))) {
		int64_t v = c->num;
		if (v < 128 || v > (int64_t)p->block_size || (v & (v - 1))) {
			conf_error(c, "image.inode_size must be a power of two from 128 to the block size");
			problems++;
		} else {
			p->inode_size = (unsigned)v;
		}
	}
	if ((c = conf_member(img, "journal_size")) && image_parse_journal(c, p))
		problems++;
	if ((c = conf_member(img, "compressor")) && parse_compressor(c, p))
		problems++;
	problems += format_keys(img, p);
	if ((lim.timestamp = conf_member(img, "timestamp")))
		p->timestamp = lim.timestamp->num;
	if (conf_lookup_string(img, "output", &p->output) && !*p->output) {
		conf_error(conf_member(img, "output"), "image.output is empty (leave it out for "
			   "out/images/<name>.<format's extension>)");
		problems++;
	}
	conf_lookup_string(img, "stage", &p->stage);
	conf_lookup_bool(img, "strict", &p->strict);
	const char *env = getenv("SOURCE_DATE_EPOCH");
	if (env && *env) {
		char *end;
		errno = 0;
		long long v = strtoll(env, &end, 10);
		if (!isdigit((unsigned char)env[*env == '-']) || *end) {
			diag_error("SOURCE_DATE_EPOCH='%s' is not a number of seconds", env);
			problems++;
		} else {
			if (errno)
				v = -1;  /* beyond 64 bits: check_limits reports it out of range */
			lim.env = env;
		}
		p->timestamp = v;
	}
	/* The name the layout sets, never the layout file's: the image's bytes must not
	 * depend on what the file is called. */
	const char *label = conf_member(img, "name") ? p->name : "";
	if (conf_lookup_string(img, "label", &s)) {
		if (strlen(s) > 16) {
			conf_error(conf_member(img, "label"), "image.label is longer than 16 bytes");
			problems++;
		} else if (is_vfat(p) && (strlen(s) > 11 ||
					  strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
						 "!#$%&'()-@^_`{}~") != strlen(s))) {
			conf_error(conf_member(img, "label"), "image.label for vfat: at most 11 "
				   "upper-case letters, digits, spaces or !#$%%&'()-@^_`{}~");
			problems++;
		}
		label = s;
	}
	snprintf(p->label, sizeof(p->label), "%s", label);
	if (!p->output && output_find(p->format))
		default_output(p, output_find(p->format)->extension);
	if (derive_ids(p, digest, img))
		problems++;
	problems += check_limits(&lim, p);
	return problems ? -1 : 0;
}

/* A disk layout's image: its name, where it goes and its GUID; the rest belongs to the
 * partitions' layouts. */
static const struct key disk_image_keys[] = {
	{ "name", KEY_STRING, 0 },
	{ "size", KEY_SIZE, 0 },
	{ "output", KEY_STRING, 0 },
	{ "stage", KEY_STRING, 0 },
	{ "uuid", KEY_STRING, 0 },
	{ NULL, 0, 0 }
};

int image_parse_disk(const struct conf *img, const char *layout,
		     const unsigned char digest[64], struct image_params *p)
{
	const char *s;
	const struct conf *c;
	int problems = 0;
	memset(p, 0, sizeof(*p));
	p->name = default_name(layout);
	p->stage = "distribution/images";
	p->format = "disk";
	if (check_group(img, disk_image_keys, "disk layout's image"))
		return -1;
	if (conf_lookup_string(img, "name", &s)) {
		if (!*s || strchr(s, '/')) {
			conf_error(conf_member(img, "name"), "image.name must be a plain file name");
			problems++;
		}
		p->name = s;
	}
	if ((c = conf_member(img, "size")) && get_size(c, &p->size, NULL))
		problems++;
	if (conf_lookup_string(img, "output", &p->output) && !*p->output) {
		conf_error(conf_member(img, "output"), "image.output is empty (leave it out for "
			   "out/images/<name>.img)");
		problems++;
	}
	conf_lookup_string(img, "stage", &p->stage);
	if (!p->output)
		default_output(p, "img");
	if (derive_ids(p, digest, img))
		problems++;
	return problems ? -1 : 0;
}
