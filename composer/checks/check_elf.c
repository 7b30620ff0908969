/* The elf check: every dynamic program and library finds its loader and libraries inside
 * the image, built for the image's machine (formats/closure.c). */
#include "checks/check.h"
#include "base/diag.h"
#include "formats/closure.h"

int check_elf(struct check_ctx *c)
{
	const struct check_opts *o = c->opts;
	const char *arch = o->arch ? o->arch : closure_guess_arch(c->view);
	enum diag_severity sev = o->elf_warn ? DIAG_WARNING : DIAG_ERROR;
	int n = closure_check_view(c->view, arch, sev);
	if (n < 0)
		return -1;
	/* At compose time, one line at the setting that asked for the check. */
	if (n && o->elf_file)
		diag_report(sev, o->elf_file, o->elf_line, "musl: %d ELF closure problem%s in the "
			    "image%s", n, n == 1 ? "" : "s",
			    sev == DIAG_ERROR ? " (strict = false makes them warnings)" : "");
	return 0;
}
