/* The report sink: a warning reported again with the same origin and message is said once
 * (until diag_forget), errors every time, and strictness turns warnings into errors. */
#include "base/diag.h"
#include "harness.h"

int main(void)
{
	capture_begin();
	diag_warn_at("a.cfg", 3, "image.%s has no effect", "inodes");
	diag_warn_at("a.cfg", 3, "image.%s has no effect", "inodes");
	diag_warn_at("a.cfg", 4, "image.%s has no effect", "inodes");
	diag_warn_at("b.cfg", 3, "image.%s has no effect", "inodes");
	diag_warn("no origin");
	diag_warn("no origin");
	diag_error_at("a.cfg", 3, "bad");
	diag_error_at("a.cfg", 3, "bad");
	const char *msgs = capture_end();
	CHECK(captured_warnings == 4, "%u warnings: %s", captured_warnings, msgs);
	CHECK(captured_errors == 2, "%u errors: %s", captured_errors, msgs);
	CHECK(!strcmp(msgs, "a.cfg:3: warning: image.inodes has no effect\n"
			    "a.cfg:4: warning: image.inodes has no effect\n"
			    "b.cfg:3: warning: image.inodes has no effect\n"
			    "lsbimg: warning: no origin\n"
			    "a.cfg:3: error: bad\n"
			    "a.cfg:3: error: bad\n"), "%s", msgs);

	/* Many distinct warnings (the set grows) are each said once. */
	capture_begin();
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 1000; i++)
			diag_warn_at("m.cfg", i + 1, "w");
	capture_end();
	CHECK(captured_warnings == 1000, "%u of 1000 warnings", captured_warnings);

	/* After diag_forget (a new compose) they are said again; strict ones are errors. */
	capture_begin();
	diag_warn_at("a.cfg", 3, "again");
	diag_forget();
	diag_warn_at("a.cfg", 3, "again");
	int old = diag_set_strict(1);
	diag_warn_at("a.cfg", 3, "strict");
	diag_set_strict(old);
	msgs = capture_end();
	CHECK(captured_warnings == 2 && captured_errors == 1, "%s", msgs);
	return harness_done();
}
