/* unitfile: systemd.syntax(7) parsing, words, names, specifiers and drop-in lookup over a
 * tree. Expected values are written out from the systemd documentation. */
#include "base/diag.h"
#include "model/fsview.h"
#include "formats/unitfile.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *env_of(struct unit_env *e, int n, const char *var, int *line)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(e[i].var, var)) {
			if (line)
				*line = e[i].at->line;
			return e[i].value;
		}
	return NULL;
}

static void syntax(void)
{
	const char *src =
		"\xef\xbb\xbf# comment\n"
		"; another\n"
		"[Unit]\n"
		"Description = spaced value  \n"
		"Wants=a.service \\\n"
		"# a comment inside the continuation is skipped\n"
		"   b.service\n"
		"\n"
		"[Service]\n"
		"Environment=\"A=1 2\" B=3 'C=x\\ty' D=\\x41\\101\n"
		"Environment=E=\"mid quoted\" F=%n G=%i H=%p I=%%\n"
		"ExecStart=/bin/x \\\\\n"
		"Environment=A=override\n"
		"NoEquals\n"
		"Trailing=x \\";
	struct unitfile u = { .name = xstrdup("t@inst.service") };
	CHECK(unitfile_parse(&u, "t.service", src, strlen(src)) == 0, "parse");
	const struct unit_assign *a = unitfile_last(&u, "Unit", "Description");
	CHECK(a && !strcmp(a->value, "spaced value") && a->line == 4, "Description");
	const struct unit_assign **l;
	size_t n = unitfile_list(&u, "Unit", "Wants", &l);
	CHECK(n == 1 && !strcmp(l[0]->value, "a.service     b.service") && l[0]->line == 5,
	      "continuation: '%s'", n ? l[0]->value : "");
	free(l);
	a = unitfile_last(&u, "Service", "ExecStart");
	CHECK(a && !strcmp(a->value, "/bin/x \\\\"), "escaped backslash is no continuation");
	a = unitfile_last(&u, "Service", "Trailing");
	CHECK(a && !strcmp(a->value, "x"), "backslash at end of file");
	struct unit_env *e;
	int ne = unit_environment(&u, &e), line = 0;
	CHECK(ne == 9, "env count %d", ne);
	CHECK(ne > 0 && !strcmp(env_of(e, ne, "A", &line), "override") && line == 13, "A");
	CHECK(ne > 0 && !strcmp(env_of(e, ne, "B", NULL), "3"), "B");
	CHECK(ne > 0 && !strcmp(env_of(e, ne, "C", NULL), "x\ty"), "C");
	CHECK(ne > 0 && !strcmp(env_of(e, ne, "D", NULL), "AA"), "D");
	CHECK(ne > 0 && !strcmp(env_of(e, ne, "E", NULL), "mid quoted"), "E");
	CHECK(ne > 0 && !strcmp(env_of(e, ne, "F", NULL), "t@inst.service"), "F");
	CHECK(ne > 0 && !strcmp(env_of(e, ne, "G", NULL), "inst"), "G");
	CHECK(ne > 0 && !strcmp(env_of(e, ne, "H", NULL), "t"), "H");
	CHECK(ne > 0 && !strcmp(env_of(e, ne, "I", NULL), "%"), "I");
	if (ne > 0)
		unit_env_free(e, ne);
	unitfile_free(&u);

	/* An empty assignment resets a list. */
	const char *reset = "[Service]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n";
	u = (struct unitfile){ .name = xstrdup("r.service") };
	CHECK(!unitfile_parse(&u, "r", reset, strlen(reset)), "parse reset");
	ne = unit_environment(&u, &e);
	CHECK(ne == 1 && !strcmp(e[0].var, "B"), "reset");
	if (ne > 0)
		unit_env_free(e, ne);
	unitfile_free(&u);

	const char *bad[] = { "[Unit\nA=1\n", "[Unit]\nA=\0\n" };
	size_t badlen[] = { 10, 11 };
	for (size_t i = 0; i < 2; i++) {
		u = (struct unitfile){ .name = xstrdup("b.service") };
		CHECK(unitfile_parse(&u, "b", bad[i], badlen[i]) == -1, "bad %zu", i);
		unitfile_free(&u);
	}
	const char *badenv[] = { "[Service]\nEnvironment=\"A=1\n", "[Service]\nEnvironment=1A=x\n",
		"[Service]\nEnvironment=A=\\q\n", "[Service]\nEnvironment=A=%Z\n" };
	for (size_t i = 0; i < 4; i++) {
		u = (struct unitfile){ .name = xstrdup("b.service") };
		CHECK(!unitfile_parse(&u, "b", badenv[i], strlen(badenv[i])), "parse badenv %zu", i);
		CHECK(unit_environment(&u, &e) == 0, "badenv %zu accepted", i);
		free(e);
		unitfile_free(&u);
	}
}

static void names(void)
{
	CHECK(unit_name_kind("a.service") == UNIT_PLAIN, "plain");
	CHECK(unit_name_kind("a@.service") == UNIT_TEMPLATE, "template");
	CHECK(unit_name_kind("a@b.c.service") == UNIT_INSTANCE, "instance");
	CHECK(unit_name_kind("@a.service") == UNIT_INVALID, "no prefix");
	CHECK(unit_name_kind("a.bogus") == UNIT_INVALID, "type");
	CHECK(unit_name_kind("a b.service") == UNIT_INVALID, "space");
	CHECK(unit_name_kind(".service") == UNIT_INVALID, "empty");
	char *t = unit_name_template("getty@tty1.service");
	CHECK(t && !strcmp(t, "getty@.service"), "template of instance");
	free(t);
	t = unit_name_instantiate("getty@.service", "tty2");
	CHECK(!strcmp(t, "getty@tty2.service"), "instantiate");
	free(t);
	const char *why;
	t = unit_specifiers("foo-bar-baz@x.service", "%n|%N|%p|%i|%j|%%", &why);
	CHECK(t && !strcmp(t, "foo-bar-baz@x.service|foo-bar-baz@x|foo-bar-baz|x|baz|%"),
	      "specifiers: %s", t ? t : why);
	free(t);
	char **w;
	int n = unit_words("  a \"b c\" 'd\\x20e' f\\sg ", &w, &why);
	CHECK(n == 4 && !strcmp(w[1], "b c") && !strcmp(w[2], "d e") && !strcmp(w[3], "f g"),
	      "words");
	unit_words_free(w);
}

static void file(struct tree *t, const char *path, const char *text)
{
	struct node *n = tree_node_new(t, NODE_REG, "test");
	n->src = SRC_MEM;
	n->u.reg.mem = text;
	n->u.reg.size = strlen(text);
	const char *why;
	CHECK(!tree_add(t, NULL, path, n, 0, &why), "%s: %s", path, why);
}

static void link_(struct tree *t, const char *path, const char *target)
{
	struct node *n = tree_node_new(t, NODE_SYMLINK, "test");
	n->u.lnk.target = target;
	const char *why;
	CHECK(!tree_add(t, NULL, path, n, 0, &why), "%s: %s", path, why);
}

static void dropins(void)
{
	struct tree *t = tree_new(0);
	const char *lib = "/usr/lib/systemd/system/", *etc = "/etc/systemd/system/";
	char p[256];
#define AT(dir, rel) (snprintf(p, sizeof(p), "%s%s", dir, rel), p)
	file(t, AT(lib, "a-b@.service"), "[Service]\nEnvironment=V=frag W=frag\n");
	file(t, AT(lib, "a-b@.service.d/10-x.conf"), "[Service]\nEnvironment=V=lib10\n");
	file(t, AT(etc, "a-b@.service.d/10-x.conf"), "[Service]\nEnvironment=V=etc10\n");
	file(t, AT(lib, "a-b@i.service.d/20-y.conf"), "[Service]\nEnvironment=W=inst20\n");
	file(t, AT(lib, "a-.service.d/05-z.conf"), "[Service]\nEnvironment=X=prefix\n");
	file(t, AT(lib, "service.d/30-w.conf"), "[Service]\nEnvironment=Y=type\n");
	file(t, AT(lib, "a-b@i.service.d/40-masked.conf"), "[Service]\nEnvironment=Z=no\n");
	link_(t, AT(etc, "a-b@i.service.d/40-masked.conf"), "/dev/null");
	file(t, AT(lib, "a-b@i.service.d/notconf"), "[Service]\nEnvironment=Z=no\n");
	link_(t, AT(etc, "m.service"), "/dev/null");
	file(t, AT(lib, "m.service"), "[Service]\n");

	struct fsview v;
	struct unitdb db;
	fsview_tree_init(&v, t);
	CHECK(!unitdb_init(&db, &v), "unitdb");
	int masked;
	const char *f = unitdb_find(&db, "a-b@i.service", &masked);
	CHECK(f && !strcmp(f, "/usr/lib/systemd/system/a-b@.service") && !masked, "find template");
	CHECK(unitdb_find(&db, "m.service", &masked) && masked, "masked");
	CHECK(!unitdb_find(&db, "nope.service", NULL), "missing");

	struct unitfile u;
	CHECK(unitdb_load(&db, "a-b@i.service", &u) == 0, "load");
	struct unit_env *e;
	int n = unit_environment(&u, &e);
	CHECK(n == 4, "env count %d", n);
	CHECK(n > 0 && !strcmp(env_of(e, n, "V", NULL), "etc10"), "etc drop-in shadows lib's");
	CHECK(n > 0 && !strcmp(env_of(e, n, "W", NULL), "inst20"), "instance drop-in");
	CHECK(n > 0 && !strcmp(env_of(e, n, "X", NULL), "prefix"), "prefix drop-in");
	CHECK(n > 0 && !strcmp(env_of(e, n, "Y", NULL), "type"), "type drop-in");
	if (n > 0)
		unit_env_free(e, n);
	unitfile_free(&u);
	CHECK(unitdb_load(&db, "m.service", &u) == 1, "masked load");
	unitfile_free(&u);
	unitdb_free(&db);
	tree_free(t);
}

/* Lines inside continued values: each word's own line, as grep -n finds it. */
static void continuations(void)
{
	const char *src =
		"[Service]\n"                                 /* 1 */
		"Environment=\"A=1\" \\\n"                   /* 2 */
		"  # a comment in between\n"                  /* 3 */
		"  \"B=2\" \\\n"                               /* 4 */
		"  C=3\n"                                     /* 5 */
		"Environment=\\\n"                            /* 6 */
		"  D=4\n";                                    /* 7 */
	struct unitfile u = { .name = xstrdup("c.service") };
	CHECK(!unitfile_parse(&u, "c", src, strlen(src)), "parse");
	struct unit_env *e;
	int n = unit_environment(&u, &e), line;
	CHECK(n == 4, "env count %d", n);
	env_of(e, n, "A", &line);
	CHECK(line == 2, "A at line %d", line);
	CHECK(!strcmp(e[1].var, "B") && e[1].line == 4, "B at line %d", e[1].line);
	CHECK(!strcmp(e[2].var, "C") && e[2].line == 5, "C at line %d", e[2].line);
	CHECK(!strcmp(e[3].var, "D") && e[3].line == 7, "D at line %d", e[3].line);
	unit_env_free(e, n);
	unitfile_free(&u);
}

/* With /lib -> usr/lib (a merged /usr), systemd 252 finds units as /lib/systemd/system:
 * that directory comes first in its search path and /usr/lib/systemd/system is dropped as
 * the same directory. */
static void merged(void)
{
	struct tree *t = tree_new(0);
	file(t, "/usr/lib/systemd/system/m.service", "[Service]\nExecStart=/x\n");
	file(t, "/usr/lib/systemd/system/m.service.d/a.conf", "[Service]\nEnvironment=A=1\n");
	link_(t, "/lib", "usr/lib");
	struct fsview v;
	struct unitdb db;
	fsview_tree_init(&v, t);
	CHECK(!unitdb_init(&db, &v), "unitdb");
	const char *f = unitdb_find(&db, "m.service", NULL);
	CHECK(f && !strcmp(f, "/lib/systemd/system/m.service"), "found as %s", f ? f : "(none)");
	struct unitfile u;
	CHECK(!unitdb_load(&db, "m.service", &u), "load");
	struct unit_env *e;
	int n = unit_environment(&u, &e);
	CHECK(n == 1 && !strcmp(e[0].file, "/lib/systemd/system/m.service.d/a.conf"),
	      "drop-in as %s", n == 1 ? e[0].file : "(none)");
	if (n > 0)
		unit_env_free(e, n);
	unitfile_free(&u);
	unitdb_free(&db);
	tree_free(t);
}

int main(void)
{
	syntax();
	names();
	dropins();
	continuations();
	merged();
	return harness_done();
}
