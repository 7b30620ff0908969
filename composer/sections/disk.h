/* The `disk` group of a disk layout: the partition table and its partitions, each a
 * layout, a host file or empty. Parse only (no host I/O): the pipeline composes the
 * partitions' layouts and io/disk writes the disk. */
#ifndef LSBIMG_SECTIONS_DISK_H
#define LSBIMG_SECTIONS_DISK_H

#include "io/disk.h"
#include "layout/conf.h"

struct disk_plan_part {
	const struct conf *at;   /* the partition's group */
	char *layout;            /* host path of its layout, or NULL */
	char *source;            /* host path of a file copied as it is, or NULL */
	const char *sel;         /* how inspect commands name it: its name, else its number */
	int esp;                 /* type esp: the content must be FAT */
};

struct disk_plan {
	struct disk_spec spec;   /* contents not yet set */
	struct disk_plan_part *parts;
};

/* Parse group DISK (NULL: none, an error) with the disk layout's DIGEST seeding the
 * partition GUIDs and GUID its disk GUID. 0 and *OUT, or -1 after reporting. */
int disk_parse(const struct conf *disk, const unsigned char digest[64],
	       const unsigned char guid[16], struct disk_plan **out);
void disk_plan_free(struct disk_plan *d);

#endif
