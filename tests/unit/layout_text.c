/* layout_text: lsbimg reads a layout's files and expands its @includes itself, then gives
 * libconfig one string. Oracle: libconfig reading the same files itself
 * (config_read_file); every setting must come out with the same name, type, value, file
 * and line. Then the layouts lsbimg must refuse (what libconfig would misread) each give
 * exactly one error. Files are written in the current (scratch) directory. */
#include "base/diag.h"
#include "layout/layout.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", \
	__FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* One line per setting: "name file:line value", depth-first. */
static void oracle_walk(FILE *o, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);
	fprintf(o, "%s %s:%u ", config_setting_name(s) ? config_setting_name(s) : "-",
		file ? file : "?", config_setting_source_line(s));
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT: fprintf(o, "%d\n", config_setting_get_int(s)); break;
	case CONFIG_TYPE_INT64: fprintf(o, "%lld\n", config_setting_get_int64(s)); break;
	case CONFIG_TYPE_STRING: fprintf(o, "\"%s\"\n", config_setting_get_string(s)); break;
	case CONFIG_TYPE_BOOL: fprintf(o, "%d\n", config_setting_get_bool(s)); break;
	case CONFIG_TYPE_FLOAT: fprintf(o, "%g\n", config_setting_get_float(s)); break;
	default:
		fprintf(o, "{%d}\n", config_setting_length(s));
		for (int i = 0; i < config_setting_length(s); i++)
			oracle_walk(o, config_setting_get_elem(s, (unsigned)i));
	}
}

static void conf_walk(FILE *o, const struct conf *c)
{
	fprintf(o, "%s %s:%d ", c->name ? c->name : "-", c->file, c->line);
	switch (c->type) {
	case CONF_INT: fprintf(o, "%lld\n", (long long)c->num); break;
	case CONF_STRING: fprintf(o, "\"%s\"\n", c->str); break;
	case CONF_BOOL: fprintf(o, "%d\n", (int)c->num); break;
	case CONF_FLOAT: fprintf(o, "%g\n", c->real); break;
	default:
		fprintf(o, "{%zu}\n", c->nkids);
		for (size_t i = 0; i < c->nkids; i++)
			conf_walk(o, c->kids[i]);
	}
}

/* The origin of the last error reported. */
static char last_file[256];
static int last_line;

static void remember(void *arg, enum diag_severity sev, const char *file, int line,
		     const char *msg)
{
	(void)arg;
	(void)sev;
	(void)msg;
	snprintf(last_file, sizeof(last_file), "%s", file ? file : "?");
	last_line = line;
}

/* TOP read by libconfig and by layout_read: the same settings, files and lines. */
static void same(const char *what, const char *top)
{
	char *want = NULL, *got = NULL;
	size_t wn = 0, gn = 0;
	FILE *o = open_memstream(&want, &wn);
	config_t cfg;
	config_init(&cfg);
	config_set_include_dir(&cfg, ".");
	if (config_read_file(&cfg, top))
		oracle_walk(o, config_root_setting(&cfg));
	else
		fprintf(o, "error %s:%d\n", config_error_file(&cfg), config_error_line(&cfg));
	config_destroy(&cfg);
	fclose(o);

	struct layout l;
	o = open_memstream(&got, &gn);
	if (layout_read(top, &l) == EXIT_OK)
		conf_walk(o, l.root);
	else
		fprintf(o, "error %s:%d\n", last_file, last_line);
	layout_free(&l);
	fclose(o);
	CHECK(!strcmp(want, got), "%s: libconfig read\n%s\nlsbimg read\n%s", what, want, got);
	free(want);
	free(got);
}

static void refused(const char *what, const char *top)
{
	unsigned before = diag_error_count();
	struct layout l;
	int rc = layout_read(top, &l);
	layout_free(&l);
	CHECK(rc == EXIT_USAGE && diag_error_count() == before + 1,
	      "%s: want refused with one error, got exit %d and %u errors", what, rc,
	      diag_error_count() - before);
}

int main(void)
{
	static const struct diag_sink sink = { remember, NULL };
	diag_set_sink(&sink);
	put("inc.cfg", "\n\nb = 1;\n\nc = \"x\";\n");
	put("nonl.cfg", "d = 4;");
	put("nonl2.cfg", "d2 = 6;");
	put("nonl-inc.cfg", "@include \"nonl2.cfg\"");
	put("empty.cfg", "");
	put("nested.cfg", "n1 = 1;\n@include \"inc.cfg\"\nn2 = 2;\n");
	put("top.cfg",
	    "a = 1;\n"
	    "g = {\n"
	    "  @include \"inc.cfg\"\n"
	    "  e = 2; };\n"
	    "/* a comment\n"
	    "   over lines */ f = 3;\n"
	    "@include \"nonl.cfg\"\n"
	    "h = \"two\n"
	    "lines\";\n"
	    "@include \"empty.cfg\"\n"
	    "\t @include \"nested.cfg\" # the rest of the line\n"
	    "i = [ 1, 2,\n"
	    "  3 ];\n"
	    "@include \"nonl-inc.cfg\"\n"
	    "j = ( { k = 0x10; }, \"s\\x41\\\"\\\\\" );\n"
	    "l = 4294967296L; m = -2147483648; n = 0x7fffffff; o = 1.5e3;\n");
	same("includes, comments, strings over lines", "top.cfg");

	/* Long tokens and many lines: the lines after them still map right. */
	size_t big = 200000;
	char *s = malloc(big * 2 + 200);
	if (!s)
		return 1;
	strcpy(s, "# ");
	memset(s + 2, 'x', big);
	strcpy(s + 2 + big, "\np = \"");
	size_t at = strlen(s);
	memset(s + at, 'y', big);
	strcpy(s + at + big, "\";\nq = 1;\n@include \"inc.cfg\"\nr = 2;\n");
	put("long.cfg", s);
	free(s);
	same("long comment and string", "long.cfg");

	put("starts-with-include.cfg", "@include \"inc.cfg\"\nz = 1;\n");
	same("an include on the first line (the root group is still the top file's)",
	     "starts-with-include.cfg");

	put("syntax.cfg", "a = 1;\n@include \"inc.cfg\"\nz = ;\n");
	same("a syntax error after an include", "syntax.cfg");

	/* Where lsbimg is more lenient: a last line without its line end may be a comment. */
	put("end-comment.cfg", "a = 1; # no line end");
	struct layout l;
	CHECK(layout_read("end-comment.cfg", &l) == EXIT_OK, "a comment on the last line");
	layout_free(&l);

	put("big-int.cfg", "a = 4294967296;\n");
	refused("an integer beyond 32 bits", "big-int.cfg");
	put("big-hex.cfg", "a = 0xFFFFFFFF;\n");
	refused("a hex integer beyond 31 bits", "big-hex.cfg");
	put("big-int64.cfg", "a = 9223372036854775808L;\n");
	refused("an integer beyond 64 bits", "big-int64.cfg");
	put("nul-escape.cfg", "a = \"x\\x00y\";\n");
	refused("a \\x00 escape", "nul-escape.cfg");
	put("open-comment.cfg", "a = 1;\n/* never closed\n");
	refused("an open comment", "open-comment.cfg");
	put("open-comment-inc.cfg", "/* never closed\n");
	put("inc-open-comment.cfg", "@include \"open-comment-inc.cfg\"\na = 1;\n");
	refused("an open comment in an included file", "inc-open-comment.cfg");
	put("open-string.cfg", "a = \"x;\n");
	refused("an open string", "open-string.cfg");
	put("open-include.cfg", "@include \"inc.cfg\n");
	refused("an open @include name", "open-include.cfg");
	put("cycle.cfg", "@include \"cycle.cfg\"\n");
	refused("an include cycle", "cycle.cfg");
	put("missing.cfg", "@include \"absent.cfg\"\n");
	refused("a missing include", "missing.cfg");
	FILE *f = fopen("nul.cfg", "w");
	if (!f || fwrite("a = 1;\n\0", 1, 8, f) != 8 || fclose(f))
		return 1;
	refused("a NUL byte", "nul.cfg");

	/* Numbers libconfig reads as written are not refused. */
	put("fine.cfg", "a = 2147483647; b = -2147483648; c = 0x7FFFFFFF; d = 4294967295L;\n"
	    "e = 0x7FFFFFFFFFFFFFFFL; f = -9223372036854775808L; g = \"\\x01\"; h = 1e40;\n"
	    "i = \"# not a comment\"; j = \"/* nor this\"; k-1 = 5; l = 007;\n");
	same("numbers at the limits", "fine.cfg");

	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("layout_text: ok\n");
	return failures ? 1 : 0;
}
