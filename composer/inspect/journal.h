/* The systemd journal stored in an image (/var/log/journal/<machine-id>/): the library
 * side of `lsbimg journal`. The files are copied into a private temporary directory
 * (sd-journal refuses unlinked files, so memfds will not do), read through sd-journal and
 * removed afterwards; nothing is mounted. */
#ifndef LSBIMG_INSPECT_JOURNAL_H
#define LSBIMG_INSPECT_JOURNAL_H

#include "io/imgview.h"

#include <stddef.h>
#include <stdint.h>

#define JOURNAL_DIR "/var/log/journal"

/* One field of an entry, as sd-journal hands it out ("NAME=value"). */
struct journal_field {
	const char *data;
	size_t len, nlen;   /* whole, and the name's length */
};

struct journal_entry {
	const struct journal_field *f;
	size_t n;
	const char *cursor;
	uint64_t received;   /* when journald received it (realtime, µs) */
	uint64_t logged;     /* the time journalctl shows: the source's, if plausible */
	uint64_t monotonic;
	char boot[33];       /* the boot id, 32 hex digits */
};

struct journal;

/* The journal of IV: only entries of the last boot with LAST_BOOT, of UNIT when not NULL
 * (its own processes and what PID 1 logged about it, as journalctl -u). NULL after a
 * message naming the image (no journal directory, no files, unreadable ones). */
struct journal *journal_open(struct imgview *iv, const char *unit, int last_boot);
/* FN for every entry, oldest first; FN's negative return stops and is returned. 0, or -1
 * after a message. */
int journal_each(struct journal *j, int (*fn)(const struct journal_entry *e, void *arg),
		 void *arg);
/* The value of the last NAME field of E, or NULL. */
const struct journal_field *journal_find(const struct journal_entry *e, const char *name);
/* Close J and remove its copies. */
void journal_close(struct journal *j);

#endif
