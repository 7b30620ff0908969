/* Extended attribute values in words and back, and file capabilities: what the layout's
 * `xattrs` and `capabilities` keys are written in and what `lsbimg stat` shows. */
#ifndef LSBIMG_XATTR_H
#define LSBIMG_XATTR_H

#include <stddef.h>

#define XATTR_CAPS "security.capability"

/* TEXT as getfattr writes a value: "0x" and hex digits, "0s" and base64, text in double
 * quotes, or else the text itself. 0 and a malloc'd *VAL of *LEN bytes, or -1 with a
 * static reason in *WHY. */
int xattr_value_parse(const char *text, void **val, size_t *len, const char **why);
/* VAL in those words (malloc'd): quoted text when every byte is printable (and no "),
 * else hex; parsing it gives VAL back. */
char *xattr_value_format(const void *val, size_t len);

/* The security.capability value for capability text such as "cap_net_raw+ep" (libcap's
 * cap_from_text): VFS_CAP revision 2, 20 bytes. 0, or -1 with a static reason. */
int filecap_from_text(const char *text, unsigned char out[20], size_t *len, const char **why);
/* For capability text filecap_from_text refused: the first capability name in it libcap
 * does not know, into UNKNOWN, and the closest one it knows (static, until the next call)
 * or NULL. 1 when there is such a name, else 0. */
int filecap_misspelt(const char *text, char unknown[64], const char **closest);
/* A security.capability value as libcap's text ("cap_net_raw=ep"), malloc'd, or NULL
 * when it is not one. */
char *filecap_to_text(const void *val, size_t len);

#endif
