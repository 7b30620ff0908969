/* Partitioned disks: placing partitions, writing the partition table through libfdisk
 * (GPT or MBR) and each partition's content at its offset, and reading a disk's table
 * back for the inspect commands. The partition contents come ready-made (a file system
 * the pipeline wrote to a temporary file, or a host file); nothing here knows layouts. */
#ifndef LSBIMG_DISK_H
#define LSBIMG_DISK_H

#include "base/outfile.h"

#include <stddef.h>
#include <stdint.h>

#define DISK_SECTOR 512u
/* MBR counts sectors in 32 bits: a disk of at most 2 TiB less one sector. */
#define DISK_MBR_MAX_BYTES (4294967295ull * DISK_SECTOR)
/* What a GPT keeps at the end of the disk: 128 entries of 128 bytes and the backup header. */
#define DISK_GPT_TAIL (33ull * DISK_SECTOR)
/* The first byte a partition may use, on GPT and MBR alike: libfdisk keeps the first MiB
 * (the table and the alignment grain) free. */
#define DISK_FIRST_BYTE (1ull << 20)

enum disk_table { DISK_GPT, DISK_MBR };

/* GPT attribute bits (UEFI 2.10 5.3.3; 59-63 from the Discoverable Partitions Spec). */
#define DISK_ATTR_REQUIRED    (1ull << 0)
#define DISK_ATTR_LEGACY_BOOT (1ull << 2)
#define DISK_ATTR_GROWFS      (1ull << 59)
#define DISK_ATTR_READ_ONLY   (1ull << 60)
#define DISK_ATTR_NO_AUTO     (1ull << 63)

struct disk_part {
	const char *file;        /* layout file and line of the partition, for messages */
	int line;
	const char *label;       /* GPT partition name ("" none) */
	char type[37];           /* GPT type GUID */
	unsigned char mbr_type;  /* MBR type byte */
	unsigned char uuid[16];  /* GPT partition GUID */
	uint64_t attrs;          /* GPT attribute bits; on MBR only LEGACY_BOOT (active) */
	uint64_t offset;         /* bytes from the disk's start; 0: after the previous one */
	uint64_t size;           /* bytes; 0: the content's, rounded up to align */
	uint64_t align;          /* offset and size multiple, bytes */
	/* The content, set before disk_place: a file FD of CONTENT_SIZE bytes copied to the
	 * partition's start (holes kept), or FD -1 for an empty partition. NAME says what
	 * it is in messages. */
	int fd;
	uint64_t content_size;
	const char *content;
};

struct disk_spec {
	const char *file;        /* layout file and line of the disk's size, for messages */
	int line;
	enum disk_table table;
	unsigned char guid[16];  /* GPT disk GUID; MBR: the first 4 bytes are the disk id */
	uint64_t size;           /* bytes; 0: the end of the last partition (and the GPT's
				  * backup), rounded up to align */
	uint64_t align;
	struct disk_part *parts;
	size_t n;
};

/* Fill in offsets and sizes left to be worked out, and check that every partition lies
 * inside the disk, after the table and before the GPT's backup, with no two
 * overlapping and every content within its partition. Messages name the partition's
 * layout line (the disk's for its size). 0, or -1 after reporting. */
int disk_place(struct disk_spec *d);
/* Write placed disk D into O (sized, the table through libfdisk, each content at its
 * offset with holes kept). 0, or -1 after reporting. */
int disk_write(const struct disk_spec *d, struct outfile *o);

/* One partition as read back from a disk. */
struct disk_entry {
	unsigned num;            /* from 1, as Linux numbers them */
	char type[40];           /* GPT type GUID or MBR type as "0xNN" */
	const char *type_name;   /* formats/parttype name, or NULL */
	char name[80];           /* GPT partition name (UTF-8) */
	char uuid[40];           /* GPT partition GUID, "" for MBR */
	uint64_t offset, size;   /* bytes */
	char attrs[64];          /* libfdisk's words for the attribute bits, "" none */
};

struct disk_info {
	char table[8];           /* "gpt" or "dos" */
	char id[40];             /* disk GUID or MBR id "0x..." */
	uint64_t size;
	struct disk_entry *e;
	size_t n;
};

/* Whether the first sectors of PATH hold a GPT or an MBR partition table: "gpt", "mbr",
 * or NULL. No messages. */
const char *disk_sniff(const char *path);
/* Read PATH's partition table into *DI (free with disk_info_free). 0, or -1 after a
 * message naming PATH. */
int disk_read(const char *path, struct disk_info *di);
void disk_info_free(struct disk_info *di);
/* The partition of DI that SEL names: its number ("2") or its GPT name ("root"). NULL
 * if none. */
const struct disk_entry *disk_find(const struct disk_info *di, const char *sel);

/* What the inspect commands open for PATH: the file itself when PATH exists, else, for
 * DISK:SEL where DISK exists, partition SEL of DISK (disk_find). *FILE (malloc'd) is the
 * host file, *OFF and *LEN the byte range (*LEN 0: to the end of the file). 0, or -1
 * after a message (a disk without such a partition). */
int disk_resolve(const char *path, char **file, uint64_t *off, uint64_t *len);

#endif
