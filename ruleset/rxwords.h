/* rxwords.h: the literal words a pattern's named group can match, read from the pattern's
 * source (beside rxscan: the other reader of pattern source). Pure functions. */
#ifndef PM_RXWORDS_H
#define PM_RXWORDS_H

#include <stddef.h>

/* The literal alternatives of every (?<NAME>...) group of the pattern src (after {NAME}
 * expansion), each once, in the order written: (?<unit>个|所|名) gives 个 所 名, and a
 * group whose alternatives start with a word list, (?:万吨|吨)(?:/年)?, gives those words.
 * Returns how many (the words in *out: a malloc'd array of malloc'd strings, the caller
 * frees both), or 0 with *out NULL when there is no such group or one is not a plain
 * alternation of literals. */
size_t rxwords_group(const char *src, const char *name, char ***out);

#endif
