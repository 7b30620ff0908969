/* The systemd boot test's service: prints the L4_CAP_* variables systemd passed to it, in
 * name order on one line, so the console and the journal show what the unit received. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **caps = calloc(n + 1, sizeof(*caps));
	if (!caps)
		return 1;
	size_t k = 0;
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "L4_CAP_", 7))
			caps[k++] = *e;
	qsort(caps, k, sizeof(*caps), cmp);
	fputs("LSBIMG-CAPS", stdout);
	for (size_t i = 0; i < k; i++)
		printf(" %s", caps[i]);
	putchar('\n');
	free(caps);
	return fflush(stdout) ? 1 : 0;
}
