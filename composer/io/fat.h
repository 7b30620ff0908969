/* The FAT on-disk format, shared by the vfat writer and reader (Microsoft's FAT
 * specification, "FAT32 File System Specification" 1.03). Little-endian throughout. */
#ifndef LSBIMG_FAT_H
#define LSBIMG_FAT_H

#include <stdint.h>
#include <string.h>

#define FAT_SECTOR 512u
#define FAT_DIRENT 32u
#define FAT12_MAX_CLUSTERS 4084u    /* fewer than 4085 clusters: FAT12 */
#define FAT16_MAX_CLUSTERS 65524u   /* fewer than 65525: FAT16, else FAT32 */
#define FAT32_MAX_CLUSTERS 0x0FFFFFF5u
#define FAT_MAX_FILE 0xFFFFFFFFull  /* sizes are 32 bits */
#define FAT_MAX_DIR_ENTRIES 65536u  /* a directory is at most 2 MiB of entries */
#define FAT_LFN_MAX 255u            /* UTF-16 units in a long name */

#define FAT_ATTR_RO 0x01
#define FAT_ATTR_HIDDEN 0x02
#define FAT_ATTR_SYSTEM 0x04
#define FAT_ATTR_VOLUME 0x08
#define FAT_ATTR_DIR 0x10
#define FAT_ATTR_ARCHIVE 0x20
#define FAT_ATTR_LFN 0x0F

static inline void fat_put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void fat_put32(unsigned char *p, uint32_t v)
{
	fat_put16(p, v & 0xffff);
	fat_put16(p + 2, v >> 16);
}

static inline unsigned fat_get16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static inline uint32_t fat_get32(const unsigned char *p)
{
	return fat_get16(p) | (uint32_t)fat_get16(p + 2) << 16;
}

/* The checksum of an 11-byte short name that its long-name entries carry. */
static inline unsigned char fat_lfn_checksum(const unsigned char *shortname)
{
	unsigned char sum = 0;
	for (int i = 0; i < 11; i++)
		sum = (unsigned char)(((sum & 1) << 7) + (sum >> 1) + shortname[i]);
	return sum;
}

/* Where the 13 UTF-16 units of a long-name entry lie. */
static const unsigned char fat_lfn_offsets[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };

#endif
