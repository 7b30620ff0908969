/* ELF closure: does every dynamic program in an image find its interpreter and every
 * library it needs, inside the image, by the rules of the loader named in its PT_INTERP?
 * musl: RUNPATH/RPATH of the object and those that loaded it ($ORIGIN expanded), then
 * <prefix>/etc/ld-musl-<arch>.path (or /lib:/usr/local/lib:/usr/lib when absent), and
 * libc/libm/libpthread/... are the loader itself. glibc: RPATH chain unless RUNPATH,
 * RUNPATH, the directories of /etc/ld.so.conf (standing in for ld.so.cache), then
 * /lib/<triplet>, /usr/lib/<triplet>, /lib, /usr/lib; objects of another class or machine
 * are skipped as glibc does. Shared objects no program loads are checked on their own.
 * Firmware (/usr/lib/firmware, /lib/firmware) and debug info (/usr/lib/debug) are not
 * checked: nothing on this machine loads them. */
#ifndef LSBIMG_CLOSURE_H
#define LSBIMG_CLOSURE_H

#include "base/diag.h"
#include "model/fsview.h"

/* Check every ELF file of V. ARCH (a layout arch name, or NULL for none) is the machine
 * every executable and shared object must be built for. Each offender is reported once,
 * naming the file and what is missing or wrong, with severity SEV. Returns the number of
 * problems, or -1 when ARCH is unknown or V cannot be walked. */
int closure_check_view(struct fsview *v, const char *arch, enum diag_severity sev);

/* The arch of an existing image, for `lsbimg check`: that of its musl loader
 * (/lib/ld-musl-<arch>.so.1), else of /sbin/init or /bin/sh; NULL when none says. */
const char *closure_guess_arch(struct fsview *v);

/* Call FN with every path the loader opens to run PROGRAM from V: the program itself,
 * its interpreter and each library, as the loader names them (symlinks not resolved), in
 * load order. What cannot be found is reported as an error prefixed by WHERE; an
 * interpreter named PROVIDED (supplied by the caller, may be NULL) need not be in V.
 * Returns the number of problems, or -1 when FN fails or ARCH is unknown. */
int closure_program_files(struct fsview *v, const char *arch, const char *where,
			  const char *program, const char *provided,
			  int (*fn)(const char *path, void *arg), void *arg);

#endif
