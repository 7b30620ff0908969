/* formats/xattr: value words both ways, and file capability values against the ones
 * libcap itself writes (cap_set_file on a scratch file, read back with getxattr), plus the
 * node's sorted set (node_set_xattr). */
#include "harness.h"
#include "formats/xattr.h"
#include "model/tree.h"

#include <errno.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/xattr.h>
#include <unistd.h>

static void value(const char *text, const char *want, size_t wlen)
{
	void *v = NULL;
	size_t len = 0;
	const char *why = NULL;
	if (!CHECK(!xattr_value_parse(text, &v, &len, &why), "%s: %s", text, why))
		return;
	CHECK(len == wlen && !memcmp(v, want, wlen), "%s: %zu bytes", text, len);
	free(v);
}

static void bad_value(const char *text)
{
	void *v = NULL;
	size_t len;
	const char *why = NULL;
	CHECK(xattr_value_parse(text, &v, &len, &why) == -1 && why && !v, "%s accepted", text);
}

static void format(const char *val, size_t len, const char *want)
{
	char *s = xattr_value_format(val, len);
	CHECK(!strcmp(s, want), "got %s, want %s", s, want);
	free(s);
}

/* What libcap's cap_set_file stores for TEXT must be what filecap_from_text builds, and
 * read back into the same words as cap_to_text gives. */
static void caps(const char *text)
{
	char path[] = "xattr-caps-XXXXXX";
	int fd = mkstemp(path);
	cap_t c = cap_from_text(text);
	unsigned char want[64], got[20];
	ssize_t wlen = -1;
	size_t len = 0;
	const char *why = NULL;
	if (CHECK(fd >= 0 && c, "%s: scratch file or cap_from_text", text) &&
	    CHECK(!cap_set_file(path, c), "%s: cap_set_file (root needed): %s", text,
		  strerror(errno)))
		wlen = getxattr(path, XATTR_CAPS, want, sizeof(want));
	if (CHECK(!filecap_from_text(text, got, &len, &why), "%s: %s", text, why))
		CHECK((ssize_t)len == wlen && !memcmp(got, want, len),
		      "%s: %zu bytes differ from libcap's %zd", text, len, wlen);
	char *words = filecap_to_text(got, len), *lib = c ? cap_to_text(c, NULL) : NULL;
	CHECK(words && lib && !strcmp(words, lib), "%s: shown as %s, libcap says %s", text,
	      words ? words : "(null)", lib ? lib : "(null)");
	free(words);
	cap_free(lib);
	cap_free(c);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

int main(void)
{
	value("plain text", "plain text", 10);
	value("0x00ff10", "\0\xff\x10", 3);
	value("0XAB", "\xab", 1);
	value("0saGk=", "hi", 2);
	value("0sAP8Q", "\0\xff\x10", 3);
	value("\"0xnot hex\"", "0xnot hex", 9);
	value("", "", 0);
	bad_value("0xabc");
	bad_value("0xzz");
	bad_value("0s!!");

	format("hello", 5, "\"hello\"");
	format("abc", 4, "0x61626300");       /* a C string's NUL kept: exact both ways */
	format("\0\xff", 2, "0x00ff");
	format("say \"x\"", 7, "0x73617920227822");

	caps("cap_net_raw+ep");
	caps("cap_net_raw,cap_net_admin+ep");
	caps("cap_sys_admin+i");
	caps("cap_chown,cap_setuid=eip");
	caps("cap_bpf,cap_perfmon+p");        /* above 31: the second word */

	unsigned char buf[20];
	size_t len;
	const char *why;
	CHECK(filecap_from_text("cap_net_raw+ep cap_chown+p", buf, &len, &why) == -1,
	      "a partial effective set accepted");
	CHECK(filecap_from_text("nonsense", buf, &len, &why) == -1, "nonsense accepted");
	CHECK(!filecap_to_text("\x01\x00\x00\x02", 4), "a 4-byte value read as capabilities");
	char bad[64];
	const char *best;
	CHECK(filecap_misspelt("cap_chown,cap_net_rwa+ep", bad, &best) == 1 &&
	      !strcmp(bad, "cap_net_rwa") && best && !strcmp(best, "cap_net_raw"),
	      "misspelt: %s, %s", bad, best ? best : "(null)");
	CHECK(filecap_misspelt("cap_chown+ep", bad, &best) == 0, "cap_chown is misspelt");

	struct tree *t = tree_new(0);
	struct node *n = tree_node_new(t, NODE_REG, "test");
	node_set_xattr(t, n, "user.b", "2", 1);
	node_set_xattr(t, n, "user.a", "1", 1);
	node_set_xattr(t, n, "user.c", "3", 1);
	node_set_xattr(t, n, "user.b", "two", 3);
	CHECK(n->xattrs && n->xattrs->n == 3, "%zu attributes", n->xattrs ? n->xattrs->n : 0);
	CHECK(!strcmp(n->xattrs->v[0].name, "user.a") && !strcmp(n->xattrs->v[2].name, "user.c"),
	      "not sorted");
	CHECK(n->xattrs->v[1].len == 3 && !memcmp(n->xattrs->v[1].value, "two", 3),
	      "user.b not replaced");
	tree_free(t);
	return harness_done();
}
