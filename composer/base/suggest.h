/* Did-you-mean suggestions for misspelt names in messages. */
#ifndef LSBIMG_SUGGEST_H
#define LSBIMG_SUGGEST_H

/* The closest of CANDIDATES (NULL-terminated) to WORD, or NULL if none is close. */
const char *suggest(const char *word, const char *const *candidates);

#endif
