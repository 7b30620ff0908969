/* schema_check: unknown keys (with a suggestion when one is close), wrong types, required
 * keys, each reported at its file:line and counted; what KEY_STRINGS and KEY_SIZE accept.
 * suggest(): the closest candidate within a third of the word (at least 2 edits). */
#include "base/suggest.h"
#include "harness.h"
#include "layout/layout.h"
#include "layout/schema.h"

static const struct key keys[] = {
	{ "name", KEY_STRING, 1 },
	{ "count", KEY_INT, 0 },
	{ "flag", KEY_BOOL, 0 },
	{ "grp", KEY_GROUP, 0 },
	{ "lst", KEY_LIST, 0 },
	{ "strs", KEY_STRINGS, 0 },
	{ "size", KEY_SIZE, 0 },
	{ NULL, 0, 0 },
};

static const char *msgs;

/* schema_check of the group `thing` in a layout whose text is BODY (one setting a line,
 * from line 2); returns its count, which must equal the errors reported. */
static int check(const char *body)
{
	struct layout l;
	write_file("s.cfg", "thing = {\n%s\n};\n", body);
	capture_begin();
	int rc = layout_read("s.cfg", &l);
	int n = rc ? -100 : schema_check(conf_member(l.root, "thing"), keys, "thing");
	msgs = capture_end();
	CHECK(rc == EXIT_OK, "layout: %s", msgs);
	CHECK(n < 0 || (unsigned)n == captured_errors, "%d problems, %u errors reported", n,
	      captured_errors);
	CHECK(captured_warnings == 0, "warnings: %s", msgs);
	layout_free(&l);
	return n;
}

static void accepted(void)
{
	static const char *const ok[] = {
		"name = \"a\";",
		"name = \"a\"; count = 5; flag = false; grp = { x = 1; }; lst = ( 1, \"a\" );",
		"name = \"a\"; count = 5000000000L;",
		"name = \"a\"; strs = \"one\";",
		"name = \"a\"; strs = [ \"one\", \"two\" ];",
		"name = \"a\"; strs = ( \"one\", \"two\" );",
		"name = \"a\"; strs = [ ];",
		"name = \"a\"; size = 4096;",
		"name = \"a\"; size = 8589934592L;",
		"name = \"a\"; size = \"64M\";",
		"name = \"a\"; size = \"auto\";",
		"name = \"a\"; grp = { }; lst = ( );",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(check(ok[i]) == 0, "%s: %s", ok[i], msgs);
}

static void refused(void)
{
	static const struct {
		const char *body, *want;
	} bad[] = {
		{ "name = \"a\";\nnmae = \"b\";",
		  "s.cfg:3: error: unknown key 'nmae' in thing (did you mean 'name'?)" },
		{ "name = \"a\";\ncuont = 1;",
		  "s.cfg:3: error: unknown key 'cuont' in thing (did you mean 'count'?)" },
		{ "name = \"a\";\nzzzzzzzz = 1;",
		  "s.cfg:3: error: unknown key 'zzzzzzzz' in thing; valid keys: name, count, flag, "
		  "grp, lst, strs, size\n" },
		{ "name = 1;", "s.cfg:2: error: thing.name must be a string" },
		{ "name = \"a\"; count = \"5\";", "s.cfg:2: error: thing.count must be an integer" },
		{ "name = \"a\"; count = 5.0;", "s.cfg:2: error: thing.count must be an integer" },
		{ "name = \"a\"; flag = 1;", "s.cfg:2: error: thing.flag must be true or false" },
		{ "name = \"a\"; grp = ( 1 );", "s.cfg:2: error: thing.grp must be a group { ... }" },
		{ "name = \"a\"; lst = [ 1 ];", "s.cfg:2: error: thing.lst must be a list ( ... )" },
		{ "name = \"a\"; lst = { };", "s.cfg:2: error: thing.lst must be a list ( ... )" },
		{ "name = \"a\"; strs = [ 1, 2 ];",
		  "s.cfg:2: error: thing.strs must be a string or a list of strings" },
		{ "name = \"a\"; strs = ( \"a\", 1 );",
		  "s.cfg:2: error: thing.strs must be a string or a list of strings" },
		{ "name = \"a\"; strs = ( \"a\", ( \"b\" ) );",
		  "s.cfg:2: error: thing.strs must be a string or a list of strings" },
		{ "name = \"a\"; strs = { x = \"a\"; };",
		  "s.cfg:2: error: thing.strs must be a string or a list of strings" },
		{ "name = \"a\"; size = true;", "s.cfg:2: error: thing.size must be a size" },
		{ "name = \"a\"; size = 1.5;", "s.cfg:2: error: thing.size must be a size" },
		{ "count = 1;", "s.cfg:1: error: thing needs 'name'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(check(bad[i].body) == 1, "%s: not one problem: %s", bad[i].body, msgs);
		assert_has(bad[i].want);
	}
	/* Every problem is reported, not just the first. */
	CHECK(check("nmae = \"a\";\ncount = \"x\";\nflag = 2;\nother = 1;") == 5, "%s", msgs);
	assert_has("s.cfg:2: error: unknown key 'nmae' in thing (did you mean 'name'?)");
	assert_has("s.cfg:3: error: thing.count must be an integer");
	assert_has("s.cfg:4: error: thing.flag must be true or false");
	assert_has("s.cfg:5: error: unknown key 'other' in thing");
	assert_has("s.cfg:1: error: thing needs 'name'");
}

static void suggestions(void)
{
	static const char *const words[] = { "strict", "arch", "source", "prefix", "library_path",
		NULL };
	static const char *const none[] = { NULL };
	const char *s;
	CHECK((s = suggest("strcit", words)) && !strcmp(s, "strict"), "strcit: %s", s ? s : "-");
	CHECK((s = suggest("arhc", words)) && !strcmp(s, "arch"), "arhc: %s", s ? s : "-");
	CHECK((s = suggest("libary_pth", words)) && !strcmp(s, "library_path"), "libary_pth");
	CHECK((s = suggest("strict", words)) && !strcmp(s, "strict"), "exact word");
	/* Too far: more than a third of the word, and more than 1 edit for short words. */
	CHECK(!suggest("zzz", words), "zzz");
	CHECK(!suggest("xyzw", words), "xyzw");
	CHECK((s = suggest("sourcexxx", words)) && !strcmp(s, "source"), "3 edits of 9 letters");
	CHECK(!suggest("sourcexxxx", words), "4 edits of 10 letters");
	CHECK(!suggest("ab", none), "no candidates");
	/* One edit is always close enough, two are not for a word shorter than 6 (so 'tar'
	 * is not taken for 'dir'); a swap of neighbours is one edit; ties go to the first. */
	static const char *const ties[] = { "aaaa", "bbbb", NULL };
	CHECK((s = suggest("aaab", ties)) && !strcmp(s, "aaaa"), "tie: %s", s ? s : "-");
	CHECK(!suggest("abab", ties), "2 edits of 4 letters");
	static const char *const types[] = { "dir", "file", "symlink", NULL };
	CHECK(!suggest("tar", types), "tar is not dir");
	CHECK((s = suggest("dri", types)) && !strcmp(s, "dir"), "dri: %s", s ? s : "-");
	CHECK((s = suggest("smylink", types)) && !strcmp(s, "symlink"), "smylink");
	char *v = suggest_valid("tar", types, "types");
	CHECK(!strcmp(v, "; valid types: dir, file, symlink"), "%s", v);
	free(v);
	v = suggest_valid("fiel", types, "types");
	CHECK(!strcmp(v, " (did you mean 'file'?); valid types: dir, file, symlink"), "%s", v);
	free(v);
	/* Words longer than 64 bytes are never close. */
	char longw[80];
	memset(longw, 'a', 70);
	longw[70] = 0;
	static const char *const longc[] = { "aaaa", NULL };
	CHECK(!suggest(longw, longc), "long word");
}

int main(void)
{
	accepted();
	refused();
	suggestions();
	return harness_done();
}
