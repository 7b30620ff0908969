/* Reading a whole host file that a layout names (layouts, ned scripts), without ever
 * blocking on a FIFO or device put in a file's place. */
#include "io/hostfile.h"
#include "base/diag.h"
#include "base/inputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hostfile_read(const char *path, int regular_only, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | (regular_only ? O_NONBLOCK : 0));
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = -1, e = 0;
	char *b = NULL;
	size_t n = 0, cap = 0;
	if (fstat(fd, &st)) {
		e = errno;
		goto out;
	}
	if (regular_only && !S_ISREG(st.st_mode)) {
		rc = -2;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto out;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 4096 : 65536;
	b = xmalloc(cap);
	for (;;) {
		if (n + 1 == cap)
			b = xrealloc(b, cap *= 2);
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	b[n] = 0;
	if (S_ISREG(st.st_mode))
		inputs_note_data(path, &st, b, n);
	*out = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	free(b);
	close(fd);
	errno = e;
	return rc;
}


const char *hostfile_strerror(int rc)
{
	return rc == -2 ? "not a regular file" : strerror(errno);
}
