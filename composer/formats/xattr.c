/* Extended attribute values and file capabilities. libcap parses and prints capability
 * text, but in 2.66 turns a cap_t into the security.capability form only while writing it
 * to a file (cap_set_file, cap_set_fd); cap_copy_ext is the process form. So the value is
 * built here from libcap's flags, as struct vfs_cap_data in linux/capability.h lays it out
 * and as libcap's own _fcaps_save fills it. */
#include "formats/xattr.h"
#include "base/diag.h"
#include "base/suggest.h"

#include <ctype.h>
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

static int b64val(int c)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(abc, c) : NULL;
	return p ? (int)(p - abc) : -1;
}

int xattr_value_parse(const char *text, void **val, size_t *len, const char **why)
{
	size_t n = strlen(text);
	unsigned char *out = xmalloc(n + 1);
	size_t o = 0;
	*why = NULL;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		const char *h = text + 2;
		for (; !*why && h[0]; h += 2) {   /* why first: an odd digit ends past the NUL */
			int a = hexval((unsigned char)h[0]), b = h[1] ? hexval((unsigned char)h[1]) : -1;
			if (a < 0 || b < 0)
				*why = "a 0x value needs pairs of hex digits";
			else
				out[o++] = (unsigned char)(a << 4 | b);
		}
	} else if (text[0] == '0' && (text[1] == 's' || text[1] == 'S')) {
		const char *b = text + 2;
		size_t bl = strlen(b);
		while (bl && b[bl - 1] == '=')
			bl--;
		unsigned acc = 0, bits = 0;
		for (size_t i = 0; i < bl && !*why; i++) {
			int v = b64val((unsigned char)b[i]);
			if (v < 0) {
				*why = "a 0s value must be base64";
				break;
			}
			acc = acc << 6 | (unsigned)v;
			if ((bits += 6) >= 8) {
				bits -= 8;
				out[o++] = (unsigned char)(acc >> bits);
			}
		}
	} else if (text[0] == '"' && n >= 2 && text[n - 1] == '"') {
		o = n - 2;
		memcpy(out, text + 1, o);
	} else {
		o = n;
		memcpy(out, text, n);
	}
	if (!*why && o > 65536)
		*why = "a value holds at most 64 KiB";
	if (*why) {
		free(out);
		return -1;
	}
	*val = out;
	*len = o;
	return 0;
}

char *xattr_value_format(const void *val, size_t len)
{
	const unsigned char *v = val;
	/* Exact both ways: text only when xattr_value_parse reads it back to these bytes. */
	int printable = len > 0;
	for (size_t i = 0; i < len && printable; i++)
		printable = isprint(v[i]) && v[i] != '"';
	if (printable) {
		char *s = xmalloc(len + 3);
		s[0] = '"';
		memcpy(s + 1, v, len);
		memcpy(s + 1 + len, "\"", 2);
		return s;
	}
	char *s = xmalloc(2 * len + 3);
	memcpy(s, "0x", 2);
	for (size_t i = 0; i < len; i++)
		sprintf(s + 2 + 2 * i, "%02x", v[i]);
	s[2 + 2 * len] = 0;
	return s;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static uint32_t get_le32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return le32toh(v);
}

int filecap_from_text(const char *text, unsigned char out[20], size_t *len, const char **why)
{
	cap_t c = cap_from_text(text);
	if (!c) {
		*why = "not capability text such as \"cap_net_raw+ep\" (cap_from_text(3))";
		return -1;
	}
	uint32_t perm[2] = { 0, 0 }, inh[2] = { 0, 0 }, eff[2] = { 0, 0 };
	for (cap_value_t v = 0; v < 64; v++) {
		cap_flag_value_t p = CAP_CLEAR, i = CAP_CLEAR, e = CAP_CLEAR;
		/* Capabilities this libcap does not know read as an error: not set. */
		cap_get_flag(c, v, CAP_PERMITTED, &p);
		cap_get_flag(c, v, CAP_INHERITABLE, &i);
		cap_get_flag(c, v, CAP_EFFECTIVE, &e);
		perm[v / 32] |= (uint32_t)(p == CAP_SET) << (v % 32);
		inh[v / 32] |= (uint32_t)(i == CAP_SET) << (v % 32);
		eff[v / 32] |= (uint32_t)(e == CAP_SET) << (v % 32);
	}
	cap_free(c);
	/* A file has one effective bit: all of permitted and inheritable, or none. */
	int any_eff = eff[0] || eff[1];
	if (any_eff && (eff[0] != (perm[0] | inh[0]) || eff[1] != (perm[1] | inh[1]))) {
		*why = "the effective set must be empty or all of permitted and inheritable "
		       "(\"+ep\" on each)";
		return -1;
	}
	if (!(perm[0] | perm[1] | inh[0] | inh[1])) {
		*why = "no capability is permitted or inheritable";
		return -1;
	}
	put_le32(out, VFS_CAP_REVISION_2 | (any_eff ? VFS_CAP_FLAGS_EFFECTIVE : 0));
	for (int i = 0; i < 2; i++) {
		put_le32(out + 4 + 8 * i, perm[i]);
		put_le32(out + 8 + 8 * i, inh[i]);
	}
	*len = XATTR_CAPS_SZ_2;
	return 0;
}

int filecap_misspelt(const char *text, char unknown[64], const char **closest)
{
	static char best[64];
	*closest = NULL;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, " \t,=+-");
		cap_value_t v;
		if (n && n < 64 && !strncasecmp(p, "cap_", 4)) {
			memcpy(unknown, p, n);
			unknown[n] = 0;
			if (cap_from_name(unknown, &v)) {
				const char *names[65];
				size_t k = 0;
				for (cap_value_t c = 0; c < 64 && c < cap_max_bits(); c++) {
					char *name = cap_to_name(c);
					if (name && !strncmp(name, "cap_", 4))
						names[k++] = xstrdup(name);
					cap_free(name);
				}
				names[k] = NULL;
				const char *hit = suggest(unknown, names);
				if (hit) {
					snprintf(best, sizeof(best), "%s", hit);
					*closest = best;
				}
				for (size_t i = 0; i < k; i++)
					free((char *)names[i]);
				return 1;
			}
		}
		p += n + (p[n] != 0);
	}
	return 0;
}

char *filecap_to_text(const void *val, size_t len)
{
	const unsigned char *v = val;
	if (len < 4)
		return NULL;
	uint32_t magic = get_le32(v), rev = magic & VFS_CAP_REVISION_MASK;
	size_t words = rev == VFS_CAP_REVISION_1 ? 1 : 2;
	if (!((rev == VFS_CAP_REVISION_1 && len == XATTR_CAPS_SZ_1) ||
	      (rev == VFS_CAP_REVISION_2 && len == XATTR_CAPS_SZ_2) ||
	      (rev == VFS_CAP_REVISION_3 && len == XATTR_CAPS_SZ_3)))
		return NULL;
	cap_t c = cap_init();
	if (!c)
		return NULL;
	for (cap_value_t cv = 0; cv < (cap_value_t)(32 * words); cv++) {
		uint32_t bit = 1u << (cv % 32);
		int p = (get_le32(v + 4 + 8 * (cv / 32)) & bit) != 0;
		int i = (get_le32(v + 8 + 8 * (cv / 32)) & bit) != 0;
		if (p)
			cap_set_flag(c, CAP_PERMITTED, 1, &cv, CAP_SET);
		if (i)
			cap_set_flag(c, CAP_INHERITABLE, 1, &cv, CAP_SET);
		if ((p || i) && (magic & VFS_CAP_FLAGS_EFFECTIVE))
			cap_set_flag(c, CAP_EFFECTIVE, 1, &cv, CAP_SET);
	}
	char *t = cap_to_text(c, NULL), *s = t ? xstrdup(t) : NULL;
	cap_free(t);
	cap_free(c);
	if (s && rev == VFS_CAP_REVISION_3) {
		char *r = xasprintf("%s [rootid=%u]", s, get_le32(v + 20));
		free(s);
		s = r;
	}
	return s;
}
