/* The check table and its runner. */
#include "checks/check.h"
#include "base/diag.h"

static int want_elf(const struct check_ctx *c)
{
	return c->opts->elf;
}

static int want_units(const struct check_ctx *c)
{
	return c->opts->units;
}

static int want_caps(const struct check_ctx *c)
{
	return c->opts->caps;
}

static int want_filesystem(const struct check_ctx *c)
{
	return c->img != NULL;
}

static int units_strict(const struct check_opts *o)
{
	return o->units_strict;
}

/* In report order. */
const struct check check_table[] = {
	{ "filesystem", check_filesystem, want_filesystem, NULL },
	{ "elf", check_elf, want_elf, NULL },
	{ "symlinks", check_symlinks, NULL, NULL },
	{ "units", check_units, want_units, units_strict },
	{ "caps", check_caps, want_caps, NULL },
};
const size_t check_count = sizeof(check_table) / sizeof(check_table[0]);

unsigned checks_run(struct check_ctx *c, void (*begin)(const struct check *k, void *arg),
		    void (*end)(const struct check *k, unsigned errors, int ran, void *arg),
		    void *arg)
{
	unsigned total = 0;
	for (size_t i = 0; i < check_count; i++) {
		const struct check *k = &check_table[i];
		if (k->wanted && !k->wanted(c))
			continue;
		if (begin)
			begin(k, arg);
		int strict = diag_set_strict(c->opts->strict || (k->strict && k->strict(c->opts)));
		unsigned before = diag_error_count();
		int ran = k->run(c) >= 0;
		if (!ran && diag_error_count() == before)
			diag_error("%s: the check could not run", k->name);
		unsigned errors = diag_error_count() - before;
		diag_set_strict(strict);
		if (end)
			end(k, errors, ran, arg);
		total += errors;
	}
	return total;
}
