/* The record of the checks compose ran, in the image (record.h). */
#include "checks/record.h"
#include "base/diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *check_record_text(const char *script, const char *sha256, const char *const *own_units,
			size_t n_own_units)
{
	char *t = xasprintf(
		"# Written by lsbimg compose: what its checks of this image used, so that\n"
		"# `lsbimg check` and `lsbimg caps` check it the same way (docs/systemd.md).\n");
	char *n;
	if (script) {
		n = xasprintf("%s# The ned script the units' L4_CAP_* values were validated against,"
			      " and its copy:\nned_script=%s\nned_script_sha256=%s\nned_script_copy="
			      CHECK_RECORD_SCRIPT "\n", t, script, sha256);
		free(t);
		t = n;
	}
	n = xasprintf("%s# The layout's own units (their sanity is checked as the enabled ones'):\n"
		      "own_units=", t);
	free(t);
	t = n;
	for (size_t i = 0; i < n_own_units; i++) {
		n = xasprintf("%s%s%s", t, i ? " " : "", own_units[i]);
		free(t);
		t = n;
	}
	n = xasprintf("%s\n", t);
	free(t);
	return n;
}

static int bad(const char *what, int line)
{
	diag_error_at(CHECK_RECORD, line, "%s", what);
	return -1;
}

int check_record_read(struct fsview *v, struct check_record *r)
{
	memset(r, 0, sizeof(*r));
	r->own_units = xcalloc(1, sizeof(*r->own_units));
	char *buf;
	size_t len;
	if (fsview_read_all(v, CHECK_RECORD, RECORD_MAX, &buf, &len)) {
		int err = errno;
		check_record_free(r);
		if (err == ENOENT || err == ENOTDIR)
			return 1;
		diag_error("%s: cannot read the image's record of its checks: %s", CHECK_RECORD,
			   strerror(err));
		return -1;
	}
	int rc = 0, line = 0;
	for (char *p = buf, *nl; p < buf + len && !rc; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = buf + len;
		*nl = 0;
		line++;
		if (!*p || *p == '#')
			continue;
		char *eq = strchr(p, '=');
		if (!eq) {
			rc = bad("malformed line (KEY=VALUE expected)", line);
			continue;
		}
		*eq = 0;
		const char *val = eq + 1;
		if (!strcmp(p, "ned_script")) {
			free(r->script);
			r->script = xstrdup(val);
		} else if (!strcmp(p, "ned_script_sha256")) {
			if (strlen(val) != 64 || strspn(val, "0123456789abcdef") != 64)
				rc = bad("ned_script_sha256 is not 64 hex digits", line);
			free(r->sha256);
			r->sha256 = xstrdup(val);
		} else if (!strcmp(p, "ned_script_copy")) {
			free(r->copy);
			r->copy = xstrdup(val);
		} else if (!strcmp(p, "own_units")) {
			for (const char *w = val; *w;) {
				size_t l = strcspn(w, " ");
				if (l) {
					r->own_units = xrealloc(r->own_units,
						(r->n_own_units + 2) * sizeof(*r->own_units));
					r->own_units[r->n_own_units++] = xasprintf("%.*s", (int)l, w);
					r->own_units[r->n_own_units] = NULL;
				}
				w += l + (w[l] == ' ');
			}
		}
		/* Other keys are for later versions: ignored. */
	}
	if (!rc && r->script && (!r->sha256 || !r->copy))
		rc = bad("ned_script without ned_script_sha256 or ned_script_copy", 0);
	free(buf);
	if (rc)
		check_record_free(r);
	return rc;
}

void check_record_free(struct check_record *r)
{
	free(r->script);
	free(r->sha256);
	free(r->copy);
	for (size_t i = 0; i < r->n_own_units; i++)
		free(r->own_units[i]);
	free(r->own_units);
	memset(r, 0, sizeof(*r));
}
