/* Fuzz target: systemd unit file syntax (unitfile_parse) and what is done with the parsed
 * values: Environment=, the words of each value, unit names and specifiers. */
#include "base/diag.h"
#include "formats/unitfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every value is also tried as a unit name (WantedBy=, Also= and DefaultInstance= are). */
static void names(const char *value)
{
	const char *why;
	enum unit_kind k = unit_name_kind(value);
	if (k == UNIT_INVALID)
		return;
	char *s = unit_specifiers(value, "%n|%N|%p|%i|%j|%%", &why);
	if (!s)
		abort();  /* every specifier in the text is supported */
	free(s);
	if (k == UNIT_INSTANCE) {
		char *t = unit_name_template(value);
		if (!t || unit_name_kind(t) != UNIT_TEMPLATE)
			abort();
		free(t);
	} else if (k == UNIT_TEMPLATE) {
		free(unit_name_instantiate(value, "fuzz"));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unitfile u = { .name = xstrdup("fuzz@instance.service") };
	if (!unitfile_parse(&u, "fuzz.service", (const char *)data, size)) {
		struct unit_env *env;
		int n = unit_environment(&u, &env);
		if (n >= 0)
			unit_env_free(env, n);
		for (size_t i = 0; i < u.n; i++) {
			const struct unit_assign *a = &u.a[i];
			const char *why;
			char **w;
			int nw = unit_words(a->value, &w, &why);
			if (nw >= 0) {
				for (int j = 0; j < nw; j++)
					names(w[j]);
				unit_words_free(w);
			}
			char *x = unit_specifiers(u.name, a->value, &why);
			free(x);
			names(a->value);
			if (unitfile_last(&u, a->section, a->key) == NULL)
				abort();  /* the assignment just seen is there */
			const struct unit_assign **l;
			unitfile_list(&u, a->section, a->key, &l);
			free(l);
		}
	}
	unitfile_free(&u);
	return 0;
}
