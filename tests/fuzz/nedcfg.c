/* Fuzz target: the ned cfg capability reader (nedcfg_parse) on arbitrary bytes. */
#include "base/diag.h"
#include "formats/nedcfg.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nedcfg c = { 0 };
	if (!nedcfg_parse(&c, "fuzz.cfg", (const char *)data, size)) {
		/* What the header promises: a NULL-terminated list, each name findable. */
		if (c.n && c.names[c.n])
			abort();
		for (size_t i = 0; i < c.n; i++)
			if (!nedcfg_has(&c, c.names[i]) || c.lines[i] < 1)
				abort();
	}
	nedcfg_free(&c);
	return 0;
}
