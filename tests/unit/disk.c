/* io/disk placement and formats/parttype: where partitions land (the first MiB kept free,
 * alignment, auto sizes from the content, the GPT's 33-sector backup in an auto disk
 * size), and what is refused with the partition's line: overlaps, a start inside the
 * first MiB, content larger than its partition, an end beyond the disk, an MBR disk of
 * 2^32 sectors or more (2^32 - 1 is the last that fits). The placements are checked
 * against numbers worked out by hand; the type table against sfdisk's GUIDs. */
#include "formats/parttype.h"
#include "io/disk.h"
#include "harness.h"

#define MiB (1ull << 20)

static struct disk_part parts[4];

/* A disk of N partitions of SIZES (0: auto) with CONTENT bytes each, aligned to 1 MiB. */
static struct disk_spec spec(enum disk_table t, size_t n, const uint64_t *sizes,
			     const uint64_t *content)
{
	memset(parts, 0, sizeof(parts));
	for (size_t i = 0; i < n; i++) {
		parts[i] = (struct disk_part){ .file = "d.cfg", .line = (int)i + 10,
					       .size = sizes[i], .align = MiB, .fd = -1,
					       .content_size = content[i], .content = "fs" };
	}
	return (struct disk_spec){ .file = "d.cfg", .line = 1, .table = t, .align = MiB,
				   .parts = parts, .n = n };
}

int main(void)
{
	/* Auto placement: 1 MiB, then each after the previous, auto sizes rounded up. */
	uint64_t sizes[] = { 64 * MiB, 0, 0 }, content[] = { 0, 5 * MiB + 1, 100 };
	struct disk_spec d = spec(DISK_GPT, 3, sizes, content);
	CHECK(disk_place(&d) == 0, "auto placement failed");
	CHECK(parts[0].offset == MiB, "first at %llu", (unsigned long long)parts[0].offset);
	CHECK(parts[1].offset == 65 * MiB && parts[1].size == 6 * MiB, "second at %llu, %llu",
	      (unsigned long long)parts[1].offset, (unsigned long long)parts[1].size);
	CHECK(parts[2].offset == 71 * MiB && parts[2].size == MiB, "third at %llu, %llu",
	      (unsigned long long)parts[2].offset, (unsigned long long)parts[2].size);
	/* 72 MiB of partitions and the backup's 33 sectors, rounded up to 73 MiB. */
	CHECK(d.size == 73 * MiB, "auto disk size %llu", (unsigned long long)d.size);

	/* An MBR needs no backup: the disk ends with the last partition. */
	d = spec(DISK_MBR, 3, sizes, content);
	CHECK(disk_place(&d) == 0 && d.size == 72 * MiB, "mbr size %llu", (unsigned long long)d.size);

	/* Overlap, a start inside the first MiB, content too large: each with its line. */
	uint64_t s2[] = { 4 * MiB, 4 * MiB }, c2[] = { 0, 0 };
	d = spec(DISK_GPT, 2, s2, c2);
	parts[1].offset = 4 * MiB;
	capture_begin();
	CHECK(disk_place(&d) == -1, "overlap accepted");
	CHECK(strstr(capture_end(), "d.cfg:11: error: partition 2 (bytes 4194304 to 8388608) "
		     "overlaps partition 1 (d.cfg:10, bytes 1048576 to 5242880)"), "overlap message");
	d = spec(DISK_GPT, 2, s2, c2);
	parts[0].offset = 4096;
	parts[1].content_size = 4 * MiB + 1;
	capture_begin();
	CHECK(disk_place(&d) == -1, "start in the table accepted");
	const char *msg = capture_end();
	CHECK(strstr(msg, "d.cfg:10: error: partition 1 starts at byte 4096, inside"), "start: %s", msg);
	CHECK(strstr(msg, "d.cfg:11: error: partition 2: fs is 4194305 bytes"), "content: %s", msg);

	/* Beyond a given size: the GPT's backup counts. */
	uint64_t s3[] = { 7 * MiB }, c3[] = { 0 };
	d = spec(DISK_GPT, 1, s3, c3);
	d.size = 8 * MiB;
	capture_begin();
	CHECK(disk_place(&d) == -1, "partition over the backup accepted");
	CHECK(strstr(capture_end(), "d.cfg:10: error: partition 1 ends at byte 8388608"), "beyond");
	d = spec(DISK_MBR, 1, s3, c3);
	d.size = 8 * MiB;
	CHECK(disk_place(&d) == 0, "mbr: a partition to the disk's end refused");

	/* MBR: 2^32 - 1 sectors fit, one more does not (reported at the disk's line). */
	d = spec(DISK_MBR, 1, s3, c3);
	d.size = DISK_MBR_MAX_BYTES;
	CHECK(disk_place(&d) == 0, "mbr of 2^32 - 1 sectors refused");
	d = spec(DISK_MBR, 1, s3, c3);
	d.size = DISK_MBR_MAX_BYTES + DISK_SECTOR;
	capture_begin();
	CHECK(disk_place(&d) == -1, "mbr of 2^32 sectors accepted");
	CHECK(strstr(capture_end(), "d.cfg:1: error: a disk of 2199023255552 bytes is larger "
		     "than an MBR describes"), "mbr message");

	/* Types: names, GUIDs (any case) and MBR bytes, as sfdisk lists them. */
	const struct parttype *t = parttype_find("linux-root-arm64");
	CHECK(t && !strcmp(t->guid, "B921B045-1DF0-41C3-AF44-4C6F280D3FAE"), "root-arm64");
	CHECK(parttype_lookup("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", 0) == parttype_find("esp"),
	      "esp by lower-case GUID");
	CHECK(parttype_lookup(NULL, 0x82) == parttype_find("swap"), "swap by MBR byte");
	CHECK(!parttype_lookup(NULL, 0), "MBR byte 0 is no type");
	CHECK(!parttype_find("root-arm64"), "an unknown name");
	CHECK(!parttype_is_guid("B921B045-1DF0-41C3-AF44-4C6F280D3FAE"), "a GUID");
	CHECK(parttype_is_guid("B921B045-1DF0-41C3-AF44-4C6F280D3FA") &&
	      parttype_is_guid("B921B045-1DF0-41C3-AF44-4C6F280D3FAE0") &&
	      parttype_is_guid("B921B045x1DF0-41C3-AF44-4C6F280D3FAE"), "not GUIDs");
	return harness_done();
}
