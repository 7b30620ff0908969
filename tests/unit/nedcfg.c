/* nedcfg: the capability names of ned scripts, for every syntax the reader must handle,
 * and file:line errors for broken scripts. The expected names are written out by hand.
 *   nedcfg FILE   print FILE's names one a line (tests/t_nedcfg.sh holds them against
 *                 what real Lua passes as caps); exit 1 on a syntax error */
#include "base/diag.h"
#include "harness.h"
#include "formats/nedcfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* NAMES: space-separated expected names in first-seen order. */
static void expect(const char *what, const char *src, const char *names)
{
	struct nedcfg c = { 0 };
	int rc = nedcfg_parse(&c, what, src, strlen(src));
	CHECK(rc == 0, "%s: parse failed", what);
	char got[1024] = "";
	for (size_t i = 0; i < c.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
			 c.names[i]);
	CHECK(!strcmp(got, names), "%s: got '%s', want '%s'", what, got, names);
	nedcfg_free(&c);
}

/* A broken script fails; the error line is checked through the count of errors and the
 * output (tests/t_nedcfg.sh checks the text). */
static void expect_error(const char *what, const char *src, size_t len)
{
	struct nedcfg c = { 0 };
	unsigned before = diag_error_count();
	int rc = nedcfg_parse(&c, what, src, len);
	CHECK(rc == -1 && diag_error_count() == before + 1, "%s: want exactly one error", what);
	nedcfg_free(&c);
}

int main(int argc, char **argv)
{
	if (argc == 2) {
		struct nedcfg c = { 0 };
		int rc = nedcfg_load(&c, argv[1]);
		for (size_t i = 0; i < c.n; i++)
			printf("%s\n", c.names[i]);
		nedcfg_free(&c);
		return rc ? 1 : 0;
	}
	expect("plain", "caps = { a = 1, b = 2 }", "a b");
	expect("semicolons", "caps = { a = 1; b = 2; }", "a b");
	expect("mixed separators, trailing", "caps={a=1;b=2,c=3,}", "a b c");
	expect("bracket keys", "caps = { [\"x-y\"] = 1, ['z'] = 2, [ [[long]] ] = 3 }", "x-y z long");
	expect("positional ignored", "caps = { 'pos', 42, k = v, {nested = 1}, }", "k");
	expect("nested values", "caps = { a = { b = { c = 1 } }, d = f({ e = 1 }, [[x]]), g = t[1] }",
	       "a d g");
	expect("nested caps table", "l:start({ caps = { inner = x }, log = { 'a', 'b' } }, 'rom/x')",
	       "inner");
	expect("field and index assignments", "caps.one = 1\ncaps['two'] = 2\ncaps[ \"three\" ] = 3\n",
	       "one two three");
	expect("comparisons are not assignments", "if caps.x == 1 then end\ncaps = 1 == { y = 1 }", "");
	expect("method named caps", "o:caps.x = 1; p = o:caps { z = 1 }", "");
	expect("name after caps (fuzz regression)", "local y = caps\nx = 1", "");
	expect("line comment", "-- caps = { no = 1 }\ncaps = { yes = 1 } -- , also_no = 2 }", "yes");
	expect("long comment", "--[[ caps = { no = 1 }\n]] caps = { yes = 1 }", "yes");
	expect("level-2 long comment", "--[==[ ]] ]=] caps = { no = 1 } ]==] caps = { yes = 1 }",
	       "yes");
	expect("long string", "s = [[ caps = { no = 1 } ]] caps = { yes = [=[ ]] ]=] }", "yes");
	expect("quoted strings with escapes",
	       "s = \"caps = { no = 1 }\\\" }\" t = 'it\\'s \\\\' caps = { yes = \"\\x41\\65\\u{263a}\\z\n  \" }",
	       "yes");
	expect("escaped newline in string", "s = 'a\\\nb' caps = { yes = 1 }", "yes");
	expect("shebang", "#!/usr/bin/ned\ncaps = { a = 1 }", "a");
	expect("duplicates once", "caps = { a = 1 } caps.a = 2 caps = { b = 1, a = 3 }", "a b");
	expect("numbers", "caps = { a = 0x1F, b = 1e-3, c = .5, d = 3.0e+2 }", "a b c d");
	expect("operators", "x = a .. b ~= c // 2 << 1; caps = { z = #t, w = -1 }", "z w");
	expect("caps as a value", "local caps = { a = 1 }\nl:start({ caps = caps })", "a");

	expect_error("unclosed table", "caps = { a = 1,\n b = 2\n", 22);
	expect_error("mismatched bracket", "f(a = { 1 )", 11);
	expect_error("stray closer", "x = 1 }", 7);
	expect_error("unfinished string", "s = 'abc\ncaps = {}", 18);
	expect_error("unfinished long string", "s = [==[ abc ]=]", 16);
	expect_error("unfinished long comment", "--[[ abc", 8);
	expect_error("bad escape", "s = '\\q'", 8);
	expect_error("bad hex escape", "s = '\\xg0'", 10);
	expect_error("bad unicode escape", "s = '\\u{110000000}'", 19);
	expect_error("decimal escape too large", "s = '\\256'", 10);
	expect_error("bad long delimiter", "s = [= x", 8);
	expect_error("NUL byte", "caps = { a = 1 }\0", 17);
	expect_error("NUL in a key", "caps = { ['a\\0b'] = 1 }", 23);
	expect_error("string at EOF after backslash", "s = 'abc\\", 9);

	/* The project's script declares exactly the twelve capabilities of issue 4. */
	struct nedcfg c = { 0 };
	const char *top = getenv("TOP");
	char *path = xasprintf("%s/cfg/bash.cfg", top ? top : ".");
	CHECK(!nedcfg_load(&c, path), "%s: load failed", path);
	static const char *const want[] = { "global_fs", "global_net", "global_epoll", "global_fd",
		"global_aio", "lsb_root", "virtio_blk", "virtio_blk_irq", "virtio_net",
		"virtio_net_irq", "iomem", "scheduler", NULL };
	for (size_t i = 0; want[i]; i++)
		CHECK(nedcfg_has(&c, want[i]), "cfg/bash.cfg does not declare %s", want[i]);
	/* io's own caps table (sigma0, icu, vbus) counts too: it is a caps table. */
	CHECK(c.n == 15, "cfg/bash.cfg: %zu names", c.n);
	nedcfg_free(&c);
	free(path);

	return harness_done();
}
