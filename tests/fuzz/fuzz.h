/* Shared by the libFuzzer targets (tests/fuzz/<target>.c, docs/fuzz.md). Harness
 * failures (a scratch file that cannot be written) abort: they must not pass as clean runs. */
#ifndef LSBIMG_FUZZ_H
#define LSBIMG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* A private directory for this process under $TMPDIR (the driver points it at
 * out/fuzz/tmp/<target>), made on first use. */
const char *fuzz_scratch(void);

/* Write DATA to NAME in the scratch directory, replacing it, for the APIs that read a
 * path. Returns the path (static storage, overwritten by the next call). */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/* A NUL-terminated copy of DATA (malloc'd), for the APIs that take strings. */
char *fuzz_string(const uint8_t *data, size_t size);

/* Install a report sink (base/diag.h) that drops every report: the targets feed bad
 * input on purpose, and formatting thousands of messages only slows them down. Reports
 * are still counted (diag_error_count). */
void fuzz_quiet(void);

#endif
