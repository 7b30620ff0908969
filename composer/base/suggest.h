/* Did-you-mean suggestions for misspelt names in messages. */
#ifndef LSBIMG_SUGGEST_H
#define LSBIMG_SUGGEST_H

/* The closest of CANDIDATES (NULL-terminated) to WORD, or NULL if none is close. */
const char *suggest(const char *word, const char *const *candidates);

/* The tail of a message about an unknown WORD: " (did you mean 'X'?)" when one of
 * CANDIDATES is close, then "; valid NOUN: A, B, C" listing them all. Malloc'ed. */
char *suggest_valid(const char *word, const char *const *candidates, const char *noun);

#endif
