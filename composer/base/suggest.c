/* Did-you-mean: the closest candidate by edit distance. */
#include "base/suggest.h"
#include "base/diag.h"

#include <stdlib.h>
#include <string.h>

/* Edit distance counting a swap of two neighbours as one edit (optimal string
 * alignment): "dri" is one edit from "dir", "tar" two. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return (size_t)-1;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			size_t best = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	for (size_t i = 0; candidates[i]; i++) {
		size_t d = distance(word, candidates[i]);
		if (d < bestd) {
			bestd = d;
			best = candidates[i];
		}
	}
	/* Close enough to be a typo: a third of the word, at least 1 edit (so a short
	 * word is not "corrected" into an unrelated one: 'tar' is not 'dir'). */
	size_t limit = strlen(word) / 3 > 1 ? strlen(word) / 3 : 1;
	return bestd <= limit ? best : NULL;
}


char *suggest_valid(const char *word, const char *const *candidates, const char *noun)
{
	const char *hint = suggest(word, candidates);
	char *s = hint ? xasprintf(" (did you mean '%s'?); valid %s:", hint, noun) :
			 xasprintf("; valid %s:", noun);
	for (size_t i = 0; candidates[i]; i++) {
		char *t = xasprintf("%s%s %s", s, i ? "," : "", candidates[i]);
		free(s);
		s = t;
	}
	return s;
}
