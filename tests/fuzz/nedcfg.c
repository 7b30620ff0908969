/* Fuzz target: ned scripts evaluated by Lua in the sandbox (nedcfg_eval) on arbitrary bytes,
 * with small limits so slow inputs stop early. */
#include "base/diag.h"
#include "formats/nedcfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ned_limits lim = { 2 * 1000 * 1000, 16 << 20 };
	struct nedcfg c;
	nedcfg_eval(&c, "fuzz.cfg", (const char *)data, size, &lim);
	/* What the header promises, whatever the script did: tasks with a program, caps sorted,
	 * the init task's names NULL-terminated and findable. */
	if (c.init >= (long)c.ntasks)
		abort();
	for (size_t i = 0; i < c.ntasks; i++) {
		const struct ned_task *t = &c.tasks[i];
		if (!t->argv || !t->argv[0] || t->line < 0)
			abort();
		for (size_t k = 1; k < t->ncaps; k++)
			if (strcmp(t->caps[k - 1].name, t->caps[k].name) > 0)
				abort();
	}
	if (c.init >= 0) {
		const struct ned_task *t = &c.tasks[c.init];
		if (!t->runs_init || c.init_names[t->ncaps])
			abort();
		for (size_t k = 0; k < t->ncaps; k++)
			if (nedcfg_init_cap(&c, c.init_names[k]) != &t->caps[k])
				abort();
	}
	nedcfg_free(&c);
	return 0;
}
