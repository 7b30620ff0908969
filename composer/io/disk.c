/* Partitioned disks through libfdisk. */
#include "io/disk.h"
#include "base/datacopy.h"
#include "base/diag.h"
#include "formats/parttype.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdisk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* V rounded up to a multiple of A; UINT64_MAX when that does not fit. */
static uint64_t round_up(uint64_t v, uint64_t a)
{
	uint64_t r = v % a;
	return !r ? v : v > UINT64_MAX - (a - r) ? UINT64_MAX : v + (a - r);
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1 << 20);
}

int disk_place(struct disk_spec *d)
{
	const int gpt = d->table == DISK_GPT;
	const uint64_t first = DISK_FIRST_BYTE, tail = gpt ? DISK_GPT_TAIL : 0;
	uint64_t pos = first, end = first;
	int problems = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct disk_part *p = &d->parts[i];
		if (!p->offset)
			p->offset = round_up(pos, p->align);
		if (!p->size)
			p->size = round_up(p->content_size ? p->content_size : 1, p->align);
		if (p->offset < first) {
			diag_error_at(p->file, p->line, "partition %zu starts at byte %" PRIu64
				      ", inside the partition table's first MiB (the first usable byte is %"
				      PRIu64 ")", i + 1, p->offset, first);
			problems++;
		} else if (p->size > UINT64_MAX - p->offset) {
			diag_error_at(p->file, p->line, "partition %zu does not fit in 64 bits",
				      i + 1);
			problems++;
			continue;
		}
		if (p->content_size > p->size) {
			diag_error_at(p->file, p->line, "partition %zu: %s is %" PRIu64 " bytes "
				      "(%.1f MiB), larger than the partition's %" PRIu64 " (%.1f MiB)",
				      i + 1, p->content, p->content_size, mib(p->content_size),
				      p->size, mib(p->size));
			problems++;
		}
		for (size_t j = 0; j < i; j++) {
			const struct disk_part *q = &d->parts[j];
			if (p->offset < q->offset + q->size && q->offset < p->offset + p->size) {
				diag_error_at(p->file, p->line, "partition %zu (bytes %" PRIu64
					      " to %" PRIu64 ") overlaps partition %zu (%s:%d, bytes %"
					      PRIu64 " to %" PRIu64 ")", i + 1, p->offset,
					      p->offset + p->size, j + 1, q->file, q->line, q->offset,
					      q->offset + q->size);
				problems++;
			}
		}
		pos = p->offset + p->size;
		if (pos > end)
			end = pos;
	}
	if (problems)
		return -1;
	if (!d->size) {
		d->size = round_up(end > UINT64_MAX - tail ? UINT64_MAX : end + tail, d->align);
	} else {
		for (size_t i = 0; i < d->n; i++) {
			const struct disk_part *p = &d->parts[i];
			if (p->offset + p->size > d->size - tail || d->size < tail) {
				diag_error_at(p->file, p->line, "partition %zu ends at byte %" PRIu64
					      ", beyond the disk's last usable byte %" PRIu64 " (a disk "
					      "of %" PRIu64 " bytes%s)", i + 1, p->offset + p->size,
					      d->size < tail ? 0 : d->size - tail, d->size,
					      gpt ? " less the GPT's backup" : "");
				problems++;
			}
		}
	}
	if (!gpt && d->size > DISK_MBR_MAX_BYTES) {
		diag_error_at(d->file, d->line, "a disk of %" PRIu64 " bytes is larger than an MBR "
			      "describes (2^32 sectors of 512 bytes: 2 TiB less 512 bytes); use "
			      "table = \"gpt\"", d->size);
		problems++;
	}
	return problems ? -1 : 0;
}

/* ---- writing ---- */

struct copy_at {
	int in, out;
	uint64_t at;
};

static int copy_segment(uint64_t start, uint64_t end, void *arg)
{
	struct copy_at *c = arg;
	return copy_bytes(c->in, start, c->out, c->at + start, end - start);
}

static int fdisk_failed(const char *output, const char *what, int rc)
{
	diag_error_at(output, 0, "cannot %s: %s", what, strerror(rc < 0 ? -rc : EIO));
	return -1;
}

static void uuid_text(const unsigned char u[16], char out[37])
{
	snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

/* Partition I of D into the label of CXT. */
static int add_part(struct fdisk_context *cxt, const struct disk_spec *d, size_t i,
		    const char *output)
{
	const struct disk_part *p = &d->parts[i];
	struct fdisk_label *lb = fdisk_get_label(cxt, NULL);
	char type[37], uuid[37];
	if (d->table == DISK_GPT)
		snprintf(type, sizeof(type), "%s", p->type);
	else
		snprintf(type, sizeof(type), "%02x", p->mbr_type);
	struct fdisk_parttype *t = fdisk_label_parse_parttype(lb, type);
	struct fdisk_partition *pa = fdisk_new_partition();
	if (!t || !pa) {
		fdisk_unref_parttype(t);
		fdisk_unref_partition(pa);
		return fdisk_failed(output, "describe a partition", -ENOMEM);
	}
	int rc = fdisk_partition_set_partno(pa, i);
	if (!rc)
		rc = fdisk_partition_set_start(pa, p->offset / DISK_SECTOR);
	if (!rc)
		rc = fdisk_partition_set_size(pa, p->size / DISK_SECTOR);
	if (!rc)
		rc = fdisk_partition_set_type(pa, t);
	if (!rc && d->table == DISK_GPT) {
		uuid_text(p->uuid, uuid);
		rc = fdisk_partition_set_uuid(pa, uuid);
		if (!rc && *p->label)
			rc = fdisk_partition_set_name(pa, p->label);
	}
	if (!rc)
		rc = fdisk_add_partition(cxt, pa, NULL);
	if (!rc && d->table == DISK_GPT && p->attrs)
		rc = fdisk_gpt_set_partition_attrs(cxt, i, p->attrs);
	if (!rc && d->table == DISK_MBR && (p->attrs & DISK_ATTR_LEGACY_BOOT))
		rc = fdisk_toggle_partition_flag(cxt, i, DOS_FLAG_ACTIVE);
	fdisk_unref_parttype(t);
	fdisk_unref_partition(pa);
	if (rc) {
		diag_error_at(p->file, p->line, "%s: cannot add partition %zu: %s", output, i + 1,
			      strerror(rc < 0 ? -rc : EINVAL));
		return -1;
	}
	return 0;
}

/* The table, written by libfdisk through its own descriptor on the temporary file. */
static int write_table(const struct disk_spec *d, struct outfile *o)
{
	struct fdisk_context *cxt = fdisk_new_context();
	char id[40];
	if (!cxt)
		return fdisk_failed(o->path, "start libfdisk", -ENOMEM);
	int rc = fdisk_assign_device(cxt, o->tmp, 0);
	if (rc) {
		fdisk_unref_context(cxt);
		return fdisk_failed(o->path, "open the disk for its partition table", rc);
	}
	if (d->table == DISK_GPT)
		uuid_text(d->guid, id);
	else
		snprintf(id, sizeof(id), "0x%02x%02x%02x%02x", d->guid[3], d->guid[2], d->guid[1],
			 d->guid[0]);
	rc = fdisk_create_disklabel(cxt, d->table == DISK_GPT ? "gpt" : "dos");
	if (!rc)
		rc = fdisk_set_disklabel_id_from_string(cxt, id);
	if (rc) {
		fdisk_deassign_device(cxt, 1);
		fdisk_unref_context(cxt);
		return fdisk_failed(o->path, "create the partition table", rc);
	}
	int failed = 0;
	for (size_t i = 0; i < d->n && !failed; i++)
		failed = add_part(cxt, d, i, o->path);
	if (!failed && (rc = fdisk_write_disklabel(cxt)))
		failed = fdisk_failed(o->path, "write the partition table", rc);
	if ((rc = fdisk_deassign_device(cxt, failed)) && !failed)
		failed = fdisk_failed(o->path, "write the partition table", rc);
	fdisk_unref_context(cxt);
	return failed ? -1 : 0;
}

int disk_write(const struct disk_spec *d, struct outfile *o)
{
	if (ftruncate(o->fd, (off_t)d->size)) {
		diag_error_at(o->path, 0, "cannot size the disk to %" PRIu64 " bytes: %s", d->size,
			      strerror(errno));
		return -1;
	}
	if (write_table(d, o))
		return -1;
	for (size_t i = 0; i < d->n; i++) {
		const struct disk_part *p = &d->parts[i];
		struct copy_at c = { p->fd, o->fd, p->offset };
		int rc = p->fd < 0 ? 0 : data_segments(p->fd, 0, p->content_size, copy_segment, &c);
		if (rc) {
			diag_error_at(o->path, 0, "partition %zu: cannot copy %s: %s", i + 1,
				      p->content, rc == COPY_EWRITE ? strerror(errno) :
				      "the source cannot be read");
			return -1;
		}
	}
	return 0;
}

/* ---- reading ---- */

const char *disk_sniff(const char *path)
{
	unsigned char b[1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = pread(fd, b, sizeof(b), 0);
	close(fd);
	if (n < 512 || b[510] != 0x55 || b[511] != 0xaa)
		return NULL;
	if (n >= 520 && !memcmp(b + 512, "EFI PART", 8))
		return "gpt";
	/* A FAT or NTFS boot sector also ends in 55 aa; it starts with a jump. */
	if (b[0] == 0xeb || b[0] == 0xe9)
		return NULL;
	/* An MBR: four entries whose status byte is 0x00 or 0x80, at least one in use. */
	int used = 0;
	for (int i = 0; i < 4; i++) {
		const unsigned char *e = b + 446 + 16 * i;
		if (e[0] & 0x7f)
			return NULL;
		used |= e[4] != 0;
	}
	return used ? "mbr" : NULL;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static int read_entries(struct fdisk_context *cxt, struct disk_info *di, const char *path)
{
	struct fdisk_table *tb = NULL;
	struct fdisk_iter *it = fdisk_new_iter(FDISK_ITER_FORWARD);
	struct fdisk_partition *pa;
	const unsigned long ss = fdisk_get_sector_size(cxt);
	int gpt = fdisk_is_label(cxt, GPT);
	if (!it || fdisk_get_partitions(cxt, &tb)) {
		fdisk_free_iter(it);
		diag_error_at(path, 0, "cannot read the partition table");
		return -1;
	}
	di->e = xcalloc(fdisk_table_get_nents(tb) + 1, sizeof(*di->e));
	while (!fdisk_table_next_partition(tb, it, &pa)) {
		struct disk_entry *e = &di->e[di->n++];
		struct fdisk_parttype *t = fdisk_partition_get_type(pa);
		e->num = (unsigned)fdisk_partition_get_partno(pa) + 1;
		e->offset = (uint64_t)fdisk_partition_get_start(pa) * ss;
		e->size = (uint64_t)fdisk_partition_get_size(pa) * ss;
		if (gpt) {
			copy_str(e->type, sizeof(e->type), t ? fdisk_parttype_get_string(t) : NULL);
			e->type_name = parttype_lookup(e->type, 0) ? parttype_lookup(e->type, 0)->name : NULL;
			copy_str(e->name, sizeof(e->name), fdisk_partition_get_name(pa));
			copy_str(e->uuid, sizeof(e->uuid), fdisk_partition_get_uuid(pa));
			copy_str(e->attrs, sizeof(e->attrs), fdisk_partition_get_attrs(pa));
		} else {
			unsigned code = t ? fdisk_parttype_get_code(t) : 0;
			snprintf(e->type, sizeof(e->type), "0x%02x", code & 0xff);
			const struct parttype *pt = parttype_lookup(NULL, (unsigned char)code);
			e->type_name = pt ? pt->name : NULL;
			copy_str(e->attrs, sizeof(e->attrs),
				 fdisk_partition_is_bootable(pa) ? "bootable" : NULL);
		}
	}
	fdisk_free_iter(it);
	fdisk_unref_table(tb);
	return 0;
}

int disk_read(const char *path, struct disk_info *di)
{
	memset(di, 0, sizeof(*di));
	struct fdisk_context *cxt = fdisk_new_context();
	if (!cxt)
		return fdisk_failed(path, "start libfdisk", -ENOMEM);
	int rc = fdisk_assign_device(cxt, path, 1);
	if (rc) {
		fdisk_unref_context(cxt);
		return fdisk_failed(path, "open", rc);
	}
	if (!fdisk_has_label(cxt)) {
		fdisk_deassign_device(cxt, 1);
		fdisk_unref_context(cxt);
		diag_error_at(path, 0, "no partition table");
		return -1;
	}
	char *id = NULL;
	copy_str(di->table, sizeof(di->table), fdisk_is_label(cxt, GPT) ? "gpt" : "dos");
	if (!fdisk_get_disklabel_id(cxt, &id))
		copy_str(di->id, sizeof(di->id), id);
	free(id);
	di->size = (uint64_t)fdisk_get_nsectors(cxt) * fdisk_get_sector_size(cxt);
	rc = read_entries(cxt, di, path);
	fdisk_deassign_device(cxt, 1);
	fdisk_unref_context(cxt);
	if (rc)
		disk_info_free(di);
	return rc;
}

void disk_info_free(struct disk_info *di)
{
	free(di->e);
	memset(di, 0, sizeof(*di));
}

const struct disk_entry *disk_find(const struct disk_info *di, const char *sel)
{
	char *end;
	unsigned long num = strtoul(sel, &end, 10);
	for (size_t i = 0; i < di->n; i++)
		if ((*sel >= '0' && *sel <= '9' && !*end) ? di->e[i].num == num :
		    !strcmp(di->e[i].name, sel))
			return &di->e[i];
	return NULL;
}

int disk_resolve(const char *path, char **file, uint64_t *off, uint64_t *len)
{
	struct stat st;
	const char *colon = strrchr(path, ':');
	*off = *len = 0;
	if (!colon || !stat(path, &st)) {
		*file = xstrdup(path);
		return 0;
	}
	char *disk = xstrdup(path);
	disk[colon - path] = 0;
	struct disk_info di;
	if (stat(disk, &st) || !disk_sniff(disk)) {
		free(disk);
		*file = xstrdup(path);  /* not a partition: the caller says what is missing */
		return 0;
	}
	if (disk_read(disk, &di)) {
		free(disk);
		return -1;
	}
	const struct disk_entry *e = disk_find(&di, colon + 1);
	if (!e) {
		diag_error_at(path, 0, "%s has no partition '%s' (%zu partitions: name one by its "
			      "number or GPT name; lsbimg info %s lists them)", disk, colon + 1,
			      di.n, disk);
		disk_info_free(&di);
		free(disk);
		return -1;
	}
	*off = e->offset;
	*len = e->size;
	*file = disk;
	disk_info_free(&di);
	return 0;
}
