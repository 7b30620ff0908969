/* Path filters: shell patterns a component at a time with `**` for any number of
 * components (none included), and the include/exclude verdicts with their hit counts.
 * Oracle for the one-component cases: fnmatch(3) itself. */
#include "harness.h"
#include "base/pathfilter.h"

#include <fnmatch.h>

static void m(const char *pattern, const char *path, int want)
{
	int got = pathfilter_match(pattern, path);
	CHECK(got == want, "'%s' on '%s': %d, want %d", pattern, path, got, want);
}

int main(void)
{
	/* One component: as fnmatch, a '*' matching dot files too. */
	const char *pats[] = { "*.a", "lib?.so", "[a-c]x", "*", ".*", "a\\*" };
	const char *names[] = { "x.a", ".a", "libz.so", "bx", "dx", ".hidden", "a*", "ab" };
	for (size_t i = 0; i < sizeof(pats) / sizeof(*pats); i++)
		for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++)
			m(pats[i], names[k], !fnmatch(pats[i], names[k], 0));

	/* '*' stays within a component; '**' spans any number, none included. */
	m("*.a", "usr/x.a", 0);
	m("usr/*", "usr/lib/x", 0);
	m("**/*.a", "x.a", 1);
	m("**/*.a", "usr/lib/x/y/x.a", 1);
	m("**/*.a", "usr/lib/x.so", 0);
	m("usr/include/**", "usr/include", 1);
	m("usr/include/**", "usr/include/sys/types.h", 1);
	m("usr/include/**", "usr/includes", 0);
	m("usr/**/man", "usr/man", 1);
	m("usr/**/man", "usr/share/local/man", 1);
	m("usr/**/man", "usr/share/man/x", 0);
	m("**", "a/b/c", 1);
	m("**/**/c", "c", 1);
	m("a/**/b/**/c", "a/x/b/y/z/c", 1);
	m("a/**/b/**/c", "a/x/c", 0);
	m("usr", "usr/lib", 0);

	struct pathfilter f;
	pathfilter_init(&f);
	CHECK(!pathfilter_any(&f), "no patterns");
	CHECK(pathfilter_test(&f, "any/thing", 0) == PATH_IN, "no patterns: all in");
	pathfilter_add(&f, 1, "usr/include");
	pathfilter_add(&f, 0, "usr/lib/**/*.so*");
	pathfilter_add(&f, 1, "nothing");
	pathfilter_add(&f, 0, "etc");
	CHECK(pathfilter_any(&f), "patterns");
	CHECK(pathfilter_test(&f, "", 1) == PATH_IN, "the root is always in");
	CHECK(pathfilter_test(&f, "usr/include/a.h", 0) == PATH_OUT, "below an excluded dir");
	CHECK(pathfilter_test(&f, "usr/lib/x/libz.so.1", 0) == PATH_IN, "included");
	CHECK(pathfilter_test(&f, "usr/lib", 1) == PATH_BELOW, "a directory on the way");
	CHECK(pathfilter_test(&f, "usr/lib/libz.a", 0) == PATH_OUT, "not included");
	CHECK(pathfilter_test(&f, "etc/a/b", 0) == PATH_IN, "below an included dir");
	/* hits: include patterns first, in the order added, then the exclude ones */
	CHECK(f.hits[0] == 1 && f.hits[1] == 1 && f.hits[2] == 1 && f.hits[3] == 0,
	      "hits %zu %zu %zu %zu", f.hits[0], f.hits[1], f.hits[2], f.hits[3]);
	pathfilter_free(&f);
	return harness_done();
}
