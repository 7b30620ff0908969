/* Partition types by name, after the Discoverable Partitions Specification
 * (uapi-group.org/specifications/specs/discoverable_partitions_specification): the GPT
 * type GUID and, where one exists, the MBR type byte. Pure data, no I/O. */
#ifndef LSBIMG_PARTTYPE_H
#define LSBIMG_PARTTYPE_H

struct parttype {
	const char *name;   /* "esp", "linux-root-arm64", ... */
	const char *guid;   /* upper-case 8-4-4-4-12 */
	unsigned char mbr;  /* 0: none */
};

/* The type called NAME, or NULL. */
const struct parttype *parttype_find(const char *name);
/* The type with GPT type GUID (any case), or with MBR type byte MBR (GUID NULL); NULL if
 * none. */
const struct parttype *parttype_lookup(const char *guid, unsigned char mbr);
/* Every name, NULL-terminated (for did-you-mean). */
const char *const *parttype_names(void);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (any case) -> 0, else -1. */
int parttype_is_guid(const char *text);

#endif
