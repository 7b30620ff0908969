/* Reading layouts: layout_read's tree of settings (types, names, files, lines), @include
 * and the host directory of settings from included files (conf_host_path), syntax errors
 * with file:line, the digest; the `image` group (image_parse: defaults, values, errors);
 * and entry errors, which are layout errors: compose_build exits 2 and applies nothing. */
#include "compose/pipeline.h"
#include "harness.h"
#include "layout/layout.h"
#include "sections/section.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *msgs;

static int read_layout(const char *path, struct layout *l)
{
	capture_begin();
	int rc = layout_read(path, l);
	msgs = capture_end();
	return rc;
}

static void settings(void)
{
	struct layout l;
	write_file("t.cfg",
		   "# a comment\n"
		   "s = \"str\";\n"
		   "i = 42;\n"
		   "w = 5000000000L;\n"
		   "neg = -7;\n"
		   "b = true;\n"
		   "f = 1.5;\n"
		   "g = { x = 1; y = \"z\"; };\n"
		   "l = ( 1, \"two\", { k = 3; } );\n"
		   "a = [ \"p\", \"q\" ];\n"
		   "big = 3000000000L;\n");
	CHECK(read_layout("t.cfg", &l) == EXIT_OK, "read: %s", msgs);
	const struct conf *r = l.root;
	CHECK(r && r->type == CONF_GROUP && conf_length(r) == 10, "root: %zu settings",
	      conf_length(r));
	CHECK(l.path && !strcmp(l.path, "t.cfg"), "path");
	const struct conf *s = conf_member(r, "s");
	CHECK(s && s->type == CONF_STRING && !strcmp(s->str, "str") && !strcmp(s->name, "s") &&
	      s->line == 2 && !strcmp(s->file, "t.cfg") && !strcmp(s->dir, "."),
	      "s: line %d file %s dir %s", s ? s->line : 0, s ? s->file : "", s ? s->dir : "");
	const struct conf *i = conf_member(r, "i"), *w = conf_member(r, "w");
	CHECK(i && i->type == CONF_INT && i->num == 42 && !i->wide && i->line == 3, "i");
	CHECK(w && w->type == CONF_INT && w->num == 5000000000LL && w->wide && w->line == 4, "w");
	CHECK(conf_member(r, "neg")->num == -7, "neg");
	const struct conf *b = conf_member(r, "b"), *f = conf_member(r, "f");
	CHECK(b && b->type == CONF_BOOL && b->num == 1, "b");
	CHECK(f && f->type == CONF_FLOAT && f->real == 1.5, "f");
	const struct conf *g = conf_member(r, "g");
	CHECK(g && g->type == CONF_GROUP && conf_length(g) == 2 && g->line == 8, "g");
	CHECK(conf_member(g, "y") && conf_member(g, "y")->line == 8, "g.y");
	const struct conf *list = conf_member(r, "l");
	CHECK(list && list->type == CONF_LIST && conf_length(list) == 3, "l");
	CHECK(conf_elem(list, 0)->name == NULL && conf_elem(list, 0)->type == CONF_INT &&
	      conf_elem(list, 1)->type == CONF_STRING && conf_elem(list, 2)->type == CONF_GROUP &&
	      !conf_elem(list, 3), "l's elements");
	const struct conf *a = conf_member(r, "a");
	CHECK(a && a->type == CONF_ARRAY && conf_length(a) == 2 && !strcmp(conf_str(conf_elem(a, 1)), "q"),
	      "a");

	/* Lookups: present with that type, else absent (and *out untouched). */
	const char *str = "untouched";
	int n = -1, bo = -1;
	int64_t n64 = -1;
	CHECK(conf_lookup_string(r, "s", &str) && !strcmp(str, "str"), "lookup s");
	CHECK(!conf_lookup_string(r, "i", &str) && !strcmp(str, "str"), "i is no string");
	CHECK(conf_lookup_int(r, "i", &n) && n == 42, "lookup i");
	CHECK(!conf_lookup_int(r, "big", &n) && n == 42, "int64 value outside int");
	CHECK(conf_lookup_int64(r, "big", &n64) && n64 == 3000000000LL, "lookup big");
	CHECK(!conf_lookup_int64(r, "s", &n64) && n64 == 3000000000LL, "s is no integer");
	CHECK(conf_lookup_bool(r, "b", &bo) && bo == 1, "lookup b");
	CHECK(!conf_lookup_bool(r, "i", &bo), "i is no bool");
	CHECK(!conf_member(r, "nope") && !conf_member(NULL, "s") && !conf_member(s, "x"),
	      "members of nothing");
	CHECK(!conf_length(NULL) && !conf_length(s) && !conf_elem(NULL, 0) && !conf_str(NULL) &&
	      !conf_str(i), "scalars have no elements");
	CHECK(!strcmp(conf_where(w), "t.cfg:4"), "where %s", conf_where(w));
	CHECK(!strcmp(conf_where(NULL), "(layout):0"), "where of nothing %s", conf_where(NULL));
	capture_begin();
	conf_error(g, "bad %s", "thing");
	msgs = capture_end();
	CHECK(!strcmp(msgs, "t.cfg:8: error: bad thing\n"), "conf_error: %s", msgs);
	layout_free(&l);
	CHECK(!l.root && !l.mem, "layout_free clears");
}

static int collect(const struct conf *at, const char *s, void *arg)
{
	char *buf = arg;
	snprintf(buf + strlen(buf), 256 - strlen(buf), "%d:%s;", at->line, s ? s : "(null)");
	return s && !strcmp(s, "fail");
}

static void each_string(void)
{
	struct layout l;
	write_file("e.cfg", "one = \"a\";\nmany = [ \"b\",\n \"c\" ];\nlist = ( \"d\", \"fail\" );\n");
	CHECK(read_layout("e.cfg", &l) == EXIT_OK, "%s", msgs);
	char buf[256] = "";
	CHECK(conf_each_string(conf_member(l.root, "one"), collect, buf) == 0 &&
	      !strcmp(buf, "1:a;"), "one: %s", buf);
	buf[0] = 0;
	CHECK(conf_each_string(conf_member(l.root, "many"), collect, buf) == 0 &&
	      !strcmp(buf, "2:b;3:c;"), "many: %s", buf);
	buf[0] = 0;
	CHECK(conf_each_string(conf_member(l.root, "list"), collect, buf) == 1 &&
	      !strcmp(buf, "4:d;4:fail;"), "results ORed, every string visited: %s", buf);
	CHECK(conf_each_string(NULL, collect, buf) == 0, "none");
	layout_free(&l);
}

/* A relative @include resolves in the including file's directory; settings from included
 * files name their file (as opened) and line, and their relative host paths start at
 * their own file's directory. */
static void includes(void)
{
	if (system("rm -rf L && mkdir -p L/inc"))
		exit(1);
	write_file("L/top.cfg", "top = \"t\";\n@include \"inc/common.cfg\"\ng = {\n  @include \"inc/in-group.cfg\"\n};\n");
	write_file("L/inc/common.cfg", "\nsrc = \"data/file\";\nabs = \"/etc/passwd\";\n"
		   "@include \"deeper.cfg\"\n");
	write_file("L/inc/deeper.cfg", "deep = \"d\";\n");
	write_file("L/inc/in-group.cfg", "member = 1;\n");
	struct layout l;
	CHECK(read_layout("L/top.cfg", &l) == EXIT_OK, "read: %s", msgs);
	const struct conf *top = conf_member(l.root, "top"), *src = conf_member(l.root, "src");
	const struct conf *abs = conf_member(l.root, "abs"), *deep = conf_member(l.root, "deep");
	const struct conf *member = conf_member(conf_member(l.root, "g"), "member");
	CHECK(top && src && abs && deep && member, "settings from every file");
	if (top && src && abs && deep && member) {
		CHECK(!strcmp(top->file, "L/top.cfg") && top->line == 1, "top: %s", conf_where(top));
		CHECK(strstr(src->file, "inc/common.cfg") && src->line == 2, "src: %s",
		      conf_where(src));
		CHECK(strstr(deep->file, "inc/deeper.cfg") && deep->line == 1, "deep: %s",
		      conf_where(deep));
		CHECK(strstr(member->file, "inc/in-group.cfg") && member->line == 1, "member: %s",
		      conf_where(member));
		char *p = conf_host_path(top, "x");
		CHECK(!strcmp(p, "L/x"), "top's host path %s", p);
		free(p);
		p = conf_host_path(src, src->str);
		CHECK(!strcmp(p, "L/inc/data/file"), "included file's host path %s", p);
		free(p);
		p = conf_host_path(deep, "y");
		CHECK(!strcmp(p, "L/inc/y"), "nested include's host path %s", p);
		free(p);
		p = conf_host_path(abs, abs->str);
		CHECK(!strcmp(p, "/etc/passwd"), "absolute path %s", p);
		free(p);
	}
	/* From the layout's own directory, paths stay as written. */
	unsigned char digest[64];
	memcpy(digest, l.digest, sizeof(digest));
	layout_free(&l);
	if (chdir("L"))
		exit(1);
	CHECK(read_layout("top.cfg", &l) == EXIT_OK, "read: %s", msgs);
	src = conf_member(l.root, "src");
	char *p = src ? conf_host_path(src, src->str) : NULL;
	CHECK(p && !strcmp(p, "inc/data/file"), "host path from the layout's directory: %s", p);
	free(p);
	CHECK(!memcmp(digest, l.digest, sizeof(digest)), "digest depends on the directory");
	layout_free(&l);
	if (chdir(".."))
		exit(1);
}

/* Each bad layout: EXIT_USAGE, and the message names the file and line. */
static void syntax_errors(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "a = 1;\nb = ;\n", "bad.cfg:2: error: syntax error" },
		{ "a = 1;\na = 2;\n", "bad.cfg:2: error: duplicate setting name" },
		{ "a = \"unterminated;\n", "bad.cfg:1: error: string without its closing" },
		{ "g = { x = 1;\n", "bad.cfg:2: error:" },
		{ "a = [ 1, \"x\" ];\n", "bad.cfg:1: error:" },
		{ "@include \"absent.cfg\"\n",
		  "bad.cfg:1: error: @include \"absent.cfg\": ./absent.cfg: No such file or directory" },
		{ "\n@include \"sub\"\n", "bad.cfg:2: error: @include \"sub\": ./sub is not a regular file" },
		{ "@include \"inc.cfg\"\n", "inc.cfg:2: error: syntax error" },
	};
	if (system("rm -rf sub && mkdir sub"))
		exit(1);
	write_file("inc.cfg", "ok = 1;\nbroken = ;\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct layout l;
		write_file("bad.cfg", "%s", bad[i].text);
		CHECK(read_layout("bad.cfg", &l) == EXIT_USAGE, "accepted: %s", bad[i].text);
		CHECK(!l.root, "a root after an error");
		assert_has(bad[i].want);
		CHECK(captured_errors == 1, "%u errors: %s", captured_errors, msgs);
		layout_free(&l);
	}
	struct layout l;
	CHECK(read_layout("absent.cfg", &l) == EXIT_USAGE, "absent layout accepted");
	assert_has("absent.cfg: No such file or directory");
	layout_free(&l);
	CHECK(read_layout("sub", &l) == EXIT_USAGE, "directory accepted as a layout");
	layout_free(&l);
}

/* The digest: the settings, not their spelling. */
static void digests(void)
{
	static const char *const same[] = {
		"a = 1;\nb = \"x\";\ng = { c = [ 1, 2 ]; };\n",
		"# comment\na   =   1 ;  b=\"x\";\n\ng = {\n  c = [1,2];\n};\n",
		"@include \"part.cfg\"\nb = \"x\";\ng = { c = [ 1, 2 ]; };\n",
		"a = 1;\nb = \"x\";\ng = {\n@include \"c.cfg\"\n};\n",
		"a = 1;\nb = \"x\"; // comment\ng = { c = [ 1, 2 ]; };\n",
	};
	static const char *const other[] = {
		"a = 2;\nb = \"x\";\ng = { c = [ 1, 2 ]; };\n",
		"a = 1;\nb = \"y\";\ng = { c = [ 1, 2 ]; };\n",
		"a = 1;\nb = \"x\";\ng = { c = [ 1, 2, 3 ]; };\n",
		"a = 1;\nb = \"x\";\ng = { c = ( 1, 2 ); };\n",
		"a = 1;\nb = \"x\";\ng = { c = [ 1, 2 ]; d = true; };\n",
		"b = \"x\";\na = 1;\ng = { c = [ 1, 2 ]; };\n",
	};
	write_file("part.cfg", "a = 1;\n");
	write_file("c.cfg", "c = [ 1, 2 ];\n");
	struct layout l;
	unsigned char first[64];
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		write_file("d.cfg", "%s", same[i]);
		CHECK(read_layout("d.cfg", &l) == EXIT_OK, "%s: %s", same[i], msgs);
		if (!i)
			memcpy(first, l.digest, 64);
		else
			CHECK(!memcmp(first, l.digest, 64), "digest differs for: %s", same[i]);
		layout_free(&l);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		write_file("d.cfg", "%s", other[i]);
		CHECK(read_layout("d.cfg", &l) == EXIT_OK, "%s: %s", other[i], msgs);
		CHECK(memcmp(first, l.digest, 64), "same digest for: %s", other[i]);
		layout_free(&l);
	}
}

/* image_parse of the image group in TEXT ("" for none), named LAYOUT. */
static int image(const char *text, const char *layout, struct image_params *p, struct layout *l)
{
	write_file(layout, "%s\n", text);
	capture_begin();
	int rc = layout_read(layout, l);
	if (!rc)
		rc = image_parse(conf_member(l->root, "image"), layout, l->digest, p);
	msgs = capture_end();
	return rc;
}

static void image_params(void)
{
	struct image_params p;
	struct layout l;
	unsetenv("SOURCE_DATE_EPOCH");
	if (mkdir("lay", 0755) && errno != EEXIST)
		exit(1);
	CHECK(image("a = 1;", "lay/my.layout.cfg", &p, &l) == 0, "defaults: %s", msgs);
	CHECK(!strcmp(p.name, "my.layout"), "name %s", p.name);
	CHECK(p.size == 0 && p.headroom_pct == 10 && p.headroom_bytes == 0 && p.inodes == 0,
	      "sizes");
	CHECK(p.block_size == 4096 && p.inode_size == 256, "block %u inode %u", p.block_size,
	      p.inode_size);
	CHECK(p.timestamp == 1700000000, "timestamp %lld", (long long)p.timestamp);
	CHECK(!strcmp(p.stage, "distribution/images") && !strcmp(p.format, "ext2"), "stage, format");
	CHECK(!strcmp(p.output, "out/images/my.layout.img"), "output %s", p.output);
	/* Not the file's name: the image's bytes must not depend on it. */
	CHECK(!strcmp(p.label, "") && !p.strict, "label %s", p.label);
	CHECK((p.uuid[6] & 0xf0) == 0x80 && (p.uuid[8] & 0xc0) == 0x80, "uuid version, variant");
	CHECK(!memcmp(p.uuid, l.digest, 6) && !memcmp(p.hash_seed, l.digest + 16, 16),
	      "ids from the digest");
	unsigned char uuid[16];
	memcpy(uuid, p.uuid, 16);
	layout_free(&l);
	/* Equal layouts, equal ids; another layout, other ids. */
	CHECK(image("a  =  1 ; # same", "lay/other.cfg", &p, &l) == 0 && !memcmp(uuid, p.uuid, 16),
	      "ids of an equal layout");
	layout_free(&l);
	CHECK(image("a = 2;", "lay/other.cfg", &p, &l) == 0 && memcmp(uuid, p.uuid, 16),
	      "ids of another layout");
	layout_free(&l);

	CHECK(image("image = { name = \"n\"; size = \"64M\"; headroom = \"20%\"; inodes = 1000;\n"
		    "  block_size = 1024; inode_size = 512; label = \"LBL\"; timestamp = 5;\n"
		    "  uuid = \"01234567-89ab-cdef-0123-456789abcdef\"; hash_seed = \"auto\";\n"
		    "  output = \"x/y.tar\"; stage = \"\"; format = \"tar\"; strict = true; };",
		    "v.cfg", &p, &l) == 0, "values: %s", msgs);
	CHECK(!strcmp(p.name, "n") && p.size == 64u << 20 && p.headroom_pct == 20 &&
	      p.headroom_bytes == 0 && p.inodes == 1000, "sizes");
	CHECK(p.block_size == 1024 && p.inode_size == 512 && !strcmp(p.label, "LBL") &&
	      p.timestamp == 5, "numbers");
	CHECK(p.uuid[0] == 0x01 && p.uuid[15] == 0xef && p.uuid[6] == 0xcd, "uuid as given");
	CHECK(!memcmp(p.hash_seed, l.digest + 16, 16), "hash_seed auto");
	CHECK(!strcmp(p.output, "x/y.tar") && !*p.stage && !strcmp(p.format, "tar") && p.strict,
	      "output, stage, format, strict");
	layout_free(&l);
	CHECK(image("image = { size = 4096; headroom = \"16M\"; format = \"cpio\"; };", "c.cfg", &p,
		    &l) == 0, "%s", msgs);
	CHECK(p.size == 4096 && p.headroom_bytes == 16u << 20 && p.headroom_pct == 0 &&
	      !strcmp(p.output, "out/images/c.cpio.gz"), "size %llu headroom %llu%% %u output %s",
	      (unsigned long long)p.size, (unsigned long long)p.headroom_bytes, p.headroom_pct,
	      p.output);
	layout_free(&l);
	CHECK(image("image = { size = \"auto\"; name = \"a-long-image-name-here\"; };", "c.cfg", &p,
		    &l) == 0 && p.size == 0 && !strcmp(p.label, "a-long-image-nam"),
	      "auto, long name's label %s", p.label);
	layout_free(&l);
	CHECK(image("image = { size = \"1GiB\"; inodes = 4294967295L; };", "c.cfg", &p, &l) == 0 &&
	      p.size == 1u << 30 && p.inodes == 4294967295ull, "1GiB, int64 inodes: %s", msgs);
	layout_free(&l);
	CHECK(image("image = { inodes = 8589934592L; };", "c.cfg", &p, &l) == -1,
	      "inodes beyond ext2's 2^32 - 1 accepted");
	assert_has("c.cfg:1: error: image.inodes 8589934592 is more than ext2 counts");
	layout_free(&l);
	setenv("SOURCE_DATE_EPOCH", "1234", 1);
	CHECK(image("image = { timestamp = 5; };", "c.cfg", &p, &l) == 0 && p.timestamp == 1234,
	      "SOURCE_DATE_EPOCH wins: %lld", (long long)p.timestamp);
	layout_free(&l);
	setenv("SOURCE_DATE_EPOCH", "soon", 1);
	CHECK(image("", "c.cfg", &p, &l) == -1, "bad SOURCE_DATE_EPOCH accepted");
	assert_has("SOURCE_DATE_EPOCH='soon' is not a number of seconds");
	layout_free(&l);
	unsetenv("SOURCE_DATE_EPOCH");

	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "image = 5;", "e.cfg:1: error: image must be a group" },
		{ "image = { sise = 1; };", "e.cfg:1: error: unknown key 'sise' in image (did you mean 'size'?)" },
		{ "image = { size = true; };", "e.cfg:1: error: image.size must be a size" },
		{ "image = { size = \"64Q\"; };", "e.cfg:1: error: image.size: '64Q' is not a size" },
		{ "image = { size = \"\"; };", "e.cfg:1: error: image.size: '' is not a size" },
		{ "image = { size = \"99999999999999999999\"; };", "is not a size" },
		{ "image = { size = \"20000000T\"; };", "is not a size" },
		{ "image = { size = \"10%\"; };", "e.cfg:1: error: image.size: '10%' is not a size" },
		{ "image = { size = -1; };", "e.cfg:1: error: image.size must not be negative" },
		{ "image = { headroom = \"2000%\"; };", "e.cfg:1: error: image.headroom: '2000%' is more than 1000%" },
		{ "image = { block_size = 3000; };", "image.block_size must be 1024, 2048 or 4096" },
		{ "image = { inode_size = 100; };", "image.inode_size must be a power of two" },
		{ "image = { inode_size = 384; };", "image.inode_size must be a power of two" },
		{ "image = { block_size = 1024; inode_size = 2048; };",
		  "image.inode_size must be a power of two from 128 to the block size" },
		{ "image = { name = \"a/b\"; };", "image.name must be a plain file name" },
		{ "image = { name = \"\"; };", "image.name must be a plain file name" },
		{ "image = { label = \"seventeen-bytes!!\"; };", "image.label is longer than 16 bytes" },
		{ "image = { uuid = \"nope\"; };", "image.uuid: 'nope' is not a UUID" },
		{ "image = { uuid = \"01234567-89ab-cdef-0123-456789abcdef00\"; };", "is not a UUID" },
		{ "image = { hash_seed = \"0123\"; };", "image.hash_seed: '0123' is not a UUID" },
		{ "image = { format = \"zip\"; };",
		  "image.format must be \"ext2\", \"ext4\", \"squashfs\", \"vfat\", \"tar\" or "
		  "\"cpio\"" },
		{ "image = { journal_size = \"8M\"; };",
		  "image.journal_size applies to format \"ext4\" only" },
		{ "image = { format = \"ext4\"; journal_size = \"1M\"; };",
		  "image.journal_size must be \"auto\" or from 4096K to 40960000K" },
		{ "image = { compressor = \"xz\"; };",
		  "image.compressor applies to format \"squashfs\" only" },
		{ "image = { format = \"squashfs\"; block_size = 4097; };",
		  "image.block_size for squashfs must be a power of two from 4096 to 1048576" },
		{ "image = { format = \"squashfs\"; size = \"1G\"; };",
		  "image.size must be \"auto\" for squashfs" },
		{ "image = { format = \"vfat\"; block_size = 256; };",
		  "image.block_size for vfat is the cluster size" },
		{ "image = { format = \"vfat\"; label = \"twelve bytes\"; };", "image.label for vfat" },
		{ "image = { format = \"vfat\"; timestamp = 0; };",
		  "image.timestamp 0 is out of range: 315532800 to 4354819199" },
		{ "image = { strict = 1; };", "image.strict must be true or false" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(image(bad[i].text, "e.cfg", &p, &l) == -1, "accepted: %s", bad[i].text);
		assert_has(bad[i].want);
		layout_free(&l);
	}
}

/* compose_build of a layout with ENTRY in its entries: a layout error exits 2 with WANT,
 * and nothing is applied. */
static void entry_error(const char *entry, const char *want)
{
	write_file("entry.cfg", "image = { name = \"e\"; stage = \"\"; };\nentries = (\n  %s\n);\n",
		   entry);
	struct composition c;
	capture_begin();
	int rc = compose_build("entry.cfg", NULL, &c);
	msgs = capture_end();
	CHECK(rc == EXIT_USAGE, "%s: exit %d: %s", entry, rc, msgs);
	CHECK(!c.tree, "%s: a tree was built", entry);
	assert_has(want);
	compose_free(&c);
}

static void entries(void)
{
	/* libconfig would read a bare 4294967295 as -1: refused before it can. */
	entry_error("{ type = \"dir\"; path = \"/x\"; uid = 4294967295; }",
		    "entry.cfg:3: error: 4294967295 is beyond a 32-bit integer (libconfig reads it "
		    "as -1): write 4294967295L");
	entry_error("{ type = \"dir\"; path = \"/x\"; gid = 4294967295L; }",
		    "entry.cfg:3: error: gid 4294967295 is out of range: 0 to 4294967294");
	entry_error("{ type = \"dir\"; path = \"/x\"; uid = -1; }",
		    "entry.cfg:3: error: uid -1 is out of range: 0 to 4294967294");
	entry_error("{ type = \"chr\"; path = \"/dev/x\"; major = 99999; minor = 1; }",
		    "entry.cfg:3: error: major 99999 is out of range: 0 to 4095");
	entry_error("{ type = \"blk\"; path = \"/dev/x\"; major = 1; minor = 1048576; }",
		    "entry.cfg:3: error: minor 1048576 is out of range: 0 to 1048575");
	entry_error("{ type = \"chr\"; path = \"/dev/x\"; major = -1; minor = 0; }",
		    "entry.cfg:3: error: major -1 is out of range: 0 to 4095");
	entry_error("{ type = \"symlink\"; path = \"/l\"; target = \"\"; }",
		    "entry.cfg:3: error: symlink target must be 1 to 4095 bytes");
	static const char *const modes[] = { "\"0999\"", "\"rwx\"", "\"\"", "\"17777\"",
		"\"0755 \"" };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char e[128];
		snprintf(e, sizeof(e), "{ type = \"dir\"; path = \"/x\"; mode = %s; }", modes[i]);
		entry_error(e, "entry.cfg:3: error: mode must be an octal string such as \"0755\"");
	}
	entry_error("{ type = \"dir\"; path = \"/x\"; mode = 0755; }",
		    "entry.cfg:3: error: dir entry.mode must be a string");
	entry_error("{ type = \"dir\"; path = \"x\"; }", "entry.cfg:3: error: path 'x' must be absolute");
	entry_error("{ type = \"dri\"; path = \"/x\"; }",
		    "entry.cfg:3: error: unknown entry type 'dri' (did you mean 'dir'?)");
	entry_error("{ type = \"dir\"; path = \"/x\"; modee = \"0755\"; }",
		    "entry.cfg:3: error: unknown key 'modee' in dir entry (did you mean 'mode'?)");
	entry_error("{ type = \"file\"; path = \"/x\"; }", "entry.cfg:3: error: file entry needs 'source'");
	entry_error("{ path = \"/x\"; }", "entry.cfg:3: error: entry needs 'type' (a string)");
	/* (libconfig 1.5 gives a scalar list element the line of the token after it.) */
	entry_error("\"just a string\"", "error: each entry must be a group");
	entry_error("{ type = \"hardlink\"; path = \"/h\"; target = \"/x\"; mode = \"0644\"; }",
		    "a hard link shares its target's mode, owner and extended attributes");
	/* Every bad entry is reported, and a good one does not hide them. */
	entry_error("{ type = \"dir\"; path = \"/ok\"; },\n  { type = \"dir\"; path = \"rel\"; },\n"
		    "  { type = \"fifo\"; path = \"/f\"; uid = 4294967295L; }",
		    "entry.cfg:4: error: path 'rel' must be absolute\n"
		    "entry.cfg:5: error: uid 4294967295 is out of range: 0 to 4294967294");
	/* The list itself, and a misspelt top-level key. */
	write_file("entry.cfg", "entries = { type = \"dir\"; };\n");
	struct composition c;
	capture_begin();
	int rc = compose_build("entry.cfg", NULL, &c);
	msgs = capture_end();
	CHECK(rc == EXIT_USAGE, "entries as a group: %d", rc);
	assert_has("entry.cfg:1: error: entries must be a list ( { ... }, ... )");
	compose_free(&c);
	write_file("entry.cfg", "entires = ( );\n");
	capture_begin();
	rc = compose_build("entry.cfg", NULL, &c);
	msgs = capture_end();
	CHECK(rc == EXIT_USAGE, "misspelt entries: %d", rc);
	assert_has("entry.cfg:1: error: unknown top-level key 'entires' (did you mean 'entries'?)");
	compose_free(&c);
	/* The largest values allowed are taken. */
	write_file("entry.cfg", "image = { name = \"e\"; stage = \"\"; };\nentries = (\n"
		   "  { type = \"chr\"; path = \"/dev/x\"; major = 4095; minor = 1048575;\n"
		   "    uid = 4294967294L; gid = 0; mode = \"07777\"; },\n"
		   "  { type = \"symlink\"; path = \"/l\"; target = \"x\"; mode = \"0600\"; } );\n");
	capture_begin();
	rc = compose_build("entry.cfg", NULL, &c);
	msgs = capture_end();
	CHECK(rc == EXIT_OK, "largest values: %d: %s", rc, msgs);
	struct node *n = c.tree ? tree_lookup(c.tree, NULL, "/dev/x", 0) : NULL;
	CHECK(n && n->type == NODE_CHR && n->u.dev.major == 4095 && n->u.dev.minor == 1048575 &&
	      n->uid == 4294967294u && n->mode == 07777, "/dev/x");
	n = c.tree ? tree_lookup(c.tree, NULL, "/l", 0) : NULL;
	CHECK(n && n->type == NODE_SYMLINK && n->mode == 0777, "symlink mode is always 0777");
	compose_free(&c);
}

int main(void)
{
	settings();
	each_string();
	includes();
	syntax_errors();
	digests();
	image_params();
	entries();
	return harness_done();
}
