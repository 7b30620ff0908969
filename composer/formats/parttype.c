/* The table of partition types. */
#include "formats/parttype.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static const struct parttype types[] = {
	{ "esp", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", 0xef },
	{ "xbootldr", "BC13C2FF-59E6-4262-A352-B275FD6F7172", 0xea },
	{ "linux-generic", "0FC63DAF-8483-4772-8E79-3D69D8477DE4", 0x83 },
	{ "swap", "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", 0x82 },
	{ "home", "933AC7E1-2EB4-4F13-B844-0E14E2AEF915", 0 },
	{ "srv", "3B8F8425-20E0-4F3B-907F-1A25A76F98E8", 0 },
	{ "var", "4D21B016-B534-45C2-A9FB-5C16E091FD2D", 0 },
	{ "tmp", "7EC6F557-3BC5-4ACA-B293-16EF5DF639D1", 0 },
	{ "linux-lvm", "E6D6D379-F507-44C2-A23C-238F2A3DF928", 0x8e },
	{ "linux-root-arm64", "B921B045-1DF0-41C3-AF44-4C6F280D3FAE", 0 },
	{ "linux-root-arm", "69DAD710-2CE4-4E3C-B16C-21A1D49ABED3", 0 },
	{ "linux-root-x86-64", "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", 0 },
	{ "linux-root-x86", "44479540-F297-41B2-9AF7-D131D5F0458A", 0 },
	{ "linux-root-riscv64", "72EC70A6-CF74-40E6-BD49-4BDA08E8F224", 0 },
	{ "linux-usr-arm64", "B0E01050-EE5F-4390-949A-9101B17104E9", 0 },
	{ "linux-usr-arm", "7D0359A3-02B3-4F0A-865C-654403E70625", 0 },
	{ "linux-usr-x86-64", "8484680C-9521-48C6-9C11-B0720656F69E", 0 },
};
#define N_TYPES (sizeof(types) / sizeof(types[0]))

const struct parttype *parttype_find(const char *name)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

const struct parttype *parttype_lookup(const char *guid, unsigned char mbr)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (guid ? !strcasecmp(types[i].guid, guid) : mbr && types[i].mbr == mbr)
			return &types[i];
	return NULL;
}

const char *const *parttype_names(void)
{
	static const char *names[N_TYPES + 1];
	for (size_t i = 0; i < N_TYPES; i++)
		names[i] = types[i].name;
	return names;
}

int parttype_is_guid(const char *text)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	for (size_t i = 0; i < sizeof(shape); i++)
		if (shape[i] == 'x' ? !isxdigit((unsigned char)text[i]) : text[i] != shape[i])
			return -1;
	return 0;
}
