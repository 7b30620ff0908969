/* The elf check: every dynamic program and library finds its loader and libraries inside
 * the image, built for the image's machine (formats/closure.c). */
#include "checks/check.h"
#include "base/diag.h"
#include "formats/closure.h"

int check_elf(struct check_ctx *c)
{
	const char *arch = c->opts->arch ? c->opts->arch : closure_guess_arch(c->view);
	return closure_check_view(c->view, arch, c->opts->elf_warn ? DIAG_WARNING : DIAG_ERROR)
	       < 0 ? -1 : 0;
}
