/* Stand-ins for layout.c until it lands on main, so the systemd section and `lsbimg caps`
 * build and run alone: weak, so the real definitions replace them. Delete this file when
 * merging. layout_load here reads the file and runs the systemd section only. */
#include "layout.h"
#include "diag.h"
#include "systemd.h"

#include <stdlib.h>
#include <string.h>

__attribute__((weak)) char *layout_host_path(const config_setting_t *s, const char *rel)
{
	const char *file = config_setting_source_file(s);
	const char *slash = file ? strrchr(file, '/') : NULL;
	if (rel[0] == '/' || !slash)
		return xstrdup(rel);
	return xasprintf("%.*s/%s", (int)(slash - file), file, rel);
}

__attribute__((weak)) int layout_load(const char *path, struct layout_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->path = path;
	ctx->cfg = xmalloc(sizeof(*ctx->cfg));
	config_init(ctx->cfg);
	if (!config_read_file(ctx->cfg, path)) {
		diag_error_at(config_error_file(ctx->cfg) ? config_error_file(ctx->cfg) : path,
			      config_error_line(ctx->cfg), "%s", config_error_text(ctx->cfg));
		return EXIT_USAGE;
	}
	ctx->tree = tree_new(0);
	const config_setting_t *s = config_lookup(ctx->cfg, "systemd");
	if (!s)
		return EXIT_OK;
	if (systemd_section.apply(s, ctx))
		return EXIT_FAILED;
	return systemd_section.check(s, ctx) ? EXIT_FAILED : EXIT_OK;
}

__attribute__((weak)) void layout_free(struct layout_ctx *ctx)
{
	if (ctx->tree)
		tree_free(ctx->tree);
	if (ctx->cfg) {
		config_destroy(ctx->cfg);
		free(ctx->cfg);
	}
	memset(ctx, 0, sizeof(*ctx));
}
