/* The `disk` group. */
#include "sections/disk.h"
#include "base/diag.h"
#include "base/sha256.h"
#include "base/suggest.h"
#include "formats/parttype.h"
#include "layout/schema.h"
#include "sections/section.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ALIGN (1u << 20)
/* GPT stores 128 entries; MBR four primary partitions (no extended ones). */
#define GPT_MAX_PARTS 128
#define MBR_MAX_PARTS 4
/* A GPT partition name is 36 UTF-16 units. */
#define GPT_NAME_MAX 36

static const struct key disk_keys[] = {
	{ "table", KEY_STRING, 1 },
	{ "align", KEY_SIZE, 0 },
	{ "partitions", KEY_LIST, 1 },
	{ NULL, 0, 0 }
};

static const struct key part_keys[] = {
	{ "name", KEY_STRING, 0 },
	{ "type", KEY_STRING, 1 },
	{ "layout", KEY_STRING, 0 },
	{ "source", KEY_STRING, 0 },
	{ "size", KEY_SIZE, 0 },
	{ "offset", KEY_SIZE, 0 },
	{ "align", KEY_SIZE, 0 },
	{ "uuid", KEY_STRING, 0 },
	{ "attributes", KEY_STRINGS, 0 },
	{ NULL, 0, 0 }
};

static const struct {
	const char *name;
	uint64_t bit;
	int mbr;        /* also on an MBR disk */
} attr_names[] = {
	{ "required", DISK_ATTR_REQUIRED, 0 },
	{ "bootable", DISK_ATTR_LEGACY_BOOT, 1 },
	{ "growfs", DISK_ATTR_GROWFS, 0 },
	{ "read-only", DISK_ATTR_READ_ONLY, 0 },
	{ "no-auto", DISK_ATTR_NO_AUTO, 0 },
};
#define N_ATTRS (sizeof(attr_names) / sizeof(attr_names[0]))

struct attr_ctx {
	struct disk_part *p;
	enum disk_table table;
};

static int parse_attr(const struct conf *at, const char *s, void *arg)
{
	struct attr_ctx *a = arg;
	const char *names[N_ATTRS + 1] = { NULL };
	for (size_t i = 0; i < N_ATTRS; i++) {
		names[i] = attr_names[i].name;
		if (strcmp(s, attr_names[i].name))
			continue;
		if (a->table == DISK_MBR && !attr_names[i].mbr) {
			conf_error(at, "attribute '%s' needs a GPT: an MBR partition has only "
				   "\"bootable\"", s);
			return 1;
		}
		a->p->attrs |= attr_names[i].bit;
		return 0;
	}
	const char *hint = suggest(s, names);
	conf_error(at, "unknown partition attribute '%s' (%s%s%s)", s,
		   hint ? "did you mean '" : "\"required\", \"bootable\", \"growfs\", "
		   "\"read-only\" or \"no-auto\"", hint ? hint : "", hint ? "'?" : "");
	return 1;
}

/* type: a name from formats/parttype, a GPT type GUID or an MBR type byte "0xNN". */
static int parse_type(const struct conf *c, enum disk_table table, struct disk_part *p,
		      int *esp)
{
	const char *s = c->str;
	const struct parttype *t = parttype_find(s);
	if (t) {
		*esp = !strcmp(t->name, "esp");
		if (table == DISK_MBR && !t->mbr) {
			conf_error(c, "partition type '%s' has no MBR type byte: give one as "
				   "\"0xNN\", or use table = \"gpt\"", s);
			return -1;
		}
		snprintf(p->type, sizeof(p->type), "%s", t->guid);
		p->mbr_type = t->mbr;
		return 0;
	}
	if (!parttype_is_guid(s)) {
		if (table == DISK_MBR) {
			conf_error(c, "a type GUID needs a GPT: an MBR type is a byte \"0xNN\"");
			return -1;
		}
		for (size_t i = 0; i < sizeof(p->type) - 1; i++)
			p->type[i] = (char)toupper((unsigned char)s[i]);
		*esp = parttype_lookup(p->type, 0) == parttype_find("esp");
		return 0;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2]) &&
	    isxdigit((unsigned char)s[3]) && !s[4]) {
		unsigned v = (unsigned)strtoul(s + 2, NULL, 16);
		if (table == DISK_GPT) {
			conf_error(c, "an MBR type byte needs table = \"mbr\": a GPT type is a name "
				   "or a GUID");
			return -1;
		}
		if (!v || v == 0x05 || v == 0x0f || v == 0x85) {
			conf_error(c, "MBR type %s is %s", s, v ? "an extended partition, which "
				   "lsbimg does not write" : "an unused entry");
			return -1;
		}
		p->mbr_type = (unsigned char)v;
		*esp = v == 0xef;
		return 0;
	}
	const char *hint = suggest(s, parttype_names());
	conf_error(c, "unknown partition type '%s' (%s%s%s)", s,
		   hint ? "did you mean '" : "a name such as \"esp\" or \"linux-root-arm64\", a "
		   "GUID, or on MBR \"0xNN\"", hint ? hint : "", hint ? "'?" : "");
	return -1;
}

/* A byte count that must be a multiple of the sector; ALIGN also a power of two. */
static int parse_bytes(const struct conf *c, const char *what, int pow2, uint64_t *out)
{
	if (section_size(c, what, out))
		return -1;
	if (*out % DISK_SECTOR || (pow2 && (!*out || (*out & (*out - 1))))) {
		conf_error(c, "%s.%s must be %s of 512 bytes", what, c->name,
			   pow2 ? "a power-of-two multiple" : "a multiple");
		return -1;
	}
	return 0;
}

static int parse_name(const struct conf *c, struct disk_part *p)
{
	const char *s = c->str;
	size_t n = strlen(s);
	int digits = n && strspn(s, "0123456789") == n;
	for (const char *q = s; *q; q++)
		if (*q < 0x20 || *q > 0x7e || *q == ':') {
			conf_error(c, "partition name '%s': printable ASCII without ':' only "
				   "(DISK:NAME names it)", s);
			return -1;
		}
	if (!n || n > GPT_NAME_MAX || digits) {
		conf_error(c, "partition name '%s' must be 1 to %d characters, not all digits "
			   "(DISK:N names partition N)", s, GPT_NAME_MAX);
		return -1;
	}
	p->label = s;
	return 0;
}

/* The partition GUID: SHA-256 of the disk layout's digest and the partition number. */
static void derive_uuid(const unsigned char digest[64], size_t i, unsigned char out[16])
{
	unsigned char buf[64 + 8];
	char hex[65];
	memcpy(buf, digest, 64);
	memcpy(buf + 64, "part", 4);
	buf[68] = (unsigned char)i;
	buf[69] = buf[70] = buf[71] = 0;
	sha256_hex(buf, sizeof(buf), hex);
	for (int k = 0; k < 16; k++) {
		char b[3] = { hex[2 * k], hex[2 * k + 1], 0 };
		out[k] = (unsigned char)strtoul(b, NULL, 16);
	}
	out[6] = (out[6] & 0x0f) | 0x80;  /* RFC 9562 version 8 */
	out[8] = (out[8] & 0x3f) | 0x80;
}

static int parse_part(const struct conf *c, size_t i, struct disk_plan *d,
		      const unsigned char digest[64])
{
	struct disk_part *p = &d->spec.parts[i];
	struct disk_plan_part *pp = &d->parts[i];
	const struct conf *m;
	const char *s;
	int problems = 0;
	static char nums[GPT_MAX_PARTS][4];
	p->file = c->file;
	p->line = c->line;
	p->label = "";
	p->align = d->spec.align;
	p->fd = -1;
	pp->at = c;
	snprintf(nums[i], sizeof(nums[i]), "%zu", i + 1);
	pp->sel = nums[i];
	if (c->type != CONF_GROUP) {
		conf_error(c, "a partition must be a group { ... }");
		return 1;
	}
	if (schema_check(c, part_keys, "partition"))
		return 1;
	if ((m = conf_member(c, "name"))) {
		if (parse_name(m, p))
			problems++;
		else
			pp->sel = p->label;
		for (size_t j = 0; j < i && !problems; j++)
			if (!strcmp(d->spec.parts[j].label, p->label)) {
				conf_error(m, "partition name '%s' is also partition %zu's (%s:%d)",
					   p->label, j + 1, d->spec.parts[j].file,
					   d->spec.parts[j].line);
				problems++;
			}
	}
	if (parse_type(conf_member(c, "type"), d->spec.table, p, &pp->esp))
		problems++;
	if ((m = conf_member(c, "align")) && parse_bytes(m, "partition", 1, &p->align))
		problems++;
	if ((m = conf_member(c, "size")) && parse_bytes(m, "partition", 0, &p->size))
		problems++;
	if ((m = conf_member(c, "offset")) && parse_bytes(m, "partition", 0, &p->offset))
		problems++;
	if (p->offset && p->offset % p->align) {
		conf_error(m, "partition.offset %llu is not a multiple of its alignment %llu",
			   (unsigned long long)p->offset, (unsigned long long)p->align);
		problems++;
	}
	if (conf_lookup_string(c, "uuid", &s)) {
		if (d->spec.table == DISK_MBR) {
			conf_error(conf_member(c, "uuid"), "partition.uuid needs a GPT");
			problems++;
		} else if (image_uuid_parse(s, p->uuid)) {
			conf_error(conf_member(c, "uuid"), "partition.uuid: '%s' is not a UUID", s);
			problems++;
		}
	} else {
		derive_uuid(digest, i, p->uuid);
	}
	struct attr_ctx a = { p, d->spec.table };
	problems += conf_each_string(conf_member(c, "attributes"), parse_attr, &a);
	const char *layout = NULL, *source = NULL;
	conf_lookup_string(c, "layout", &layout);
	conf_lookup_string(c, "source", &source);
	if (layout && source) {
		conf_error(conf_member(c, "source"), "a partition holds a layout or a source "
			   "file, not both");
		problems++;
	} else if (!layout && !source && !p->size) {
		conf_error(c, "an empty partition (no layout or source) needs a size");
		problems++;
	}
	if (layout)
		pp->layout = conf_host_path(conf_member(c, "layout"), layout);
	if (source)
		pp->source = conf_host_path(conf_member(c, "source"), source);
	if (pp->esp && !layout && !source) {
		conf_error(c, "an ESP must hold a FAT file system: give it a layout with "
			   "format \"vfat\" or a source file");
		problems++;
	}
	return problems;
}

int disk_parse(const struct conf *disk, const unsigned char digest[64],
	       const unsigned char guid[16], struct disk_plan **out)
{
	const struct conf *c;
	*out = NULL;
	if (disk->type != CONF_GROUP) {
		conf_error(disk, "disk must be a group { ... }");
		return -1;
	}
	if (schema_check(disk, disk_keys, "disk"))
		return -1;
	struct disk_plan *d = xcalloc(1, sizeof(*d));
	int problems = 0;
	d->spec.file = disk->file;
	d->spec.line = disk->line;
	d->spec.align = DEFAULT_ALIGN;
	memcpy(d->spec.guid, guid, 16);
	c = conf_member(disk, "table");
	if (!strcmp(c->str, "mbr")) {
		d->spec.table = DISK_MBR;
	} else if (strcmp(c->str, "gpt")) {
		conf_error(c, "disk.table must be \"gpt\" or \"mbr\"");
		problems++;
	}
	if ((c = conf_member(disk, "align")) && parse_bytes(c, "disk", 1, &d->spec.align))
		problems++;
	c = conf_member(disk, "partitions");
	size_t n = conf_length(c), max = d->spec.table == DISK_MBR ? MBR_MAX_PARTS : GPT_MAX_PARTS;
	if (!n || n > max) {
		conf_error(c, "disk.partitions: %zu partitions; a%s holds 1 to %zu", n,
			   d->spec.table == DISK_MBR ? "n MBR" : " GPT", max);
		problems++;
		n = 0;
	}
	d->spec.parts = xcalloc(n + 1, sizeof(*d->spec.parts));
	d->parts = xcalloc(n + 1, sizeof(*d->parts));
	d->spec.n = n;
	for (size_t i = 0; i < n; i++)
		problems += parse_part(conf_elem(c, i), i, d, digest);
	*out = d;
	return problems ? -1 : 0;
}

void disk_plan_free(struct disk_plan *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->spec.n; i++) {
		free(d->parts[i].layout);
		free(d->parts[i].source);
	}
	free(d->parts);
	free(d->spec.parts);
	free(d);
}
