/* Compose progress on a terminal: one line on stderr, rewritten in place with \r at most
 * every PROGRESS_INTERVAL and erased at the end, so the summary and any message start on a
 * clean line. Off unless a command enables it (compose: stderr is a terminal, no -q, no
 * --json); then every call is a counter update, and the clock (CLOCK_MONOTONIC_COARSE) is
 * read only every PROGRESS_CALLS calls or PROGRESS_BYTES bytes. */
#ifndef LSBIMG_PROGRESS_H
#define LSBIMG_PROGRESS_H

#include <stdint.h>

void progress_enable(int on);
/* Start phase WHAT ("scanning", "checking", "writing", "staging"), with totals for percent,
 * rate and ETA; 0 totals: only the counts done are shown. Draws the line at once. */
void progress_phase(const char *what, uint64_t files_total, uint64_t bytes_total);
/* FILES and BYTES more done in the current phase. */
void progress_add(uint64_t files, uint64_t bytes);
/* A file of SIZE bytes is done: what its data added falls short of SIZE (holes, which
 * need no copying) counts as done too. */
void progress_file_done(uint64_t size);
/* Erase the line (it comes back at the next update). */
void progress_clear(void);
/* Erase the line and end the phase. */
void progress_end(void);

#endif
