/* Compose progress on a terminal: one line on stderr, fitted to the terminal's width,
 * rewritten in place with \r at most every 250 ms (LSBIMG_PROGRESS_MS) and erased before
 * any message (diag) and at the end, so the summary and messages start on a clean line.
 * Off unless a command enables it (compose: stderr is a terminal, no -q, no --json); even
 * then a call is a counter update, and the clock (CLOCK_MONOTONIC_COARSE) is read only
 * every 32 calls or 4 MiB. */
#ifndef LSBIMG_PROGRESS_H
#define LSBIMG_PROGRESS_H

#include <stdint.h>

/* ON: show progress from now on; reads LSBIMG_PROGRESS_MS. */
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
/* Erase the line from a signal handler (async-signal-safe), so a killed compose leaves
 * the shell a clean line. */
void progress_abandon(void);

#endif
