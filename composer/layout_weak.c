/* Weak stand-ins for two layout.c helpers so this branch links before layout.c exists;
 * layout.c's definitions take precedence. Delete this file once layout.c is merged. */
#include "layout.h"
#include "diag.h"
#include "schema.h"

#include <string.h>

__attribute__((weak)) const char *layout_origin(struct layout_ctx *ctx,
						const config_setting_t *s)
{
	return tree_strdup(ctx->tree, schema_where(s));
}

__attribute__((weak)) char *layout_host_path(const config_setting_t *s, const char *rel)
{
	const char *file = config_setting_source_file(s);
	const char *slash = file ? strrchr(file, '/') : NULL;
	if (rel[0] == '/' || !slash)
		return xstrdup(rel);
	return xasprintf("%.*s/%s", (int)(slash - file), file, rel);
}
