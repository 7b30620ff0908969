/* Image paths named by a layout, checked when it is parsed. */
#include "sections/section.h"

#include <string.h>

/* ext2's longest name. */
#define NAME_MAX_EXT2 255

int section_image_path(const struct conf *at, const char *what, const char *path)
{
	if (path[0] != '/') {
		conf_error(at, "%s '%s' must be absolute", what, path);
		return -1;
	}
	/* "." and ".." would be walked, not named: "/a/../b" makes /a on the way to /b. */
	for (const char *p = path; *p;) {
		p += strspn(p, "/");
		size_t n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2))) {
			conf_error(at, "%s '%s' has a '%.*s' component: write image paths plainly",
				   what, path, (int)n, p);
			return -1;
		}
		if (n > NAME_MAX_EXT2) {
			conf_error(at, "%s '%s' has a name longer than %d bytes", what, path,
				   NAME_MAX_EXT2);
			return -1;
		}
		p += n;
	}
	return 0;
}
