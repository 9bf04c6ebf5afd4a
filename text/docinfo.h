/* docinfo.h: what a plan document says about itself - the place and year of its title,
 * and the headings each line sits under (the `section` column). */
#ifndef PM_DOCINFO_H
#define PM_DOCINFO_H

#include <stddef.h>

typedef struct docinfo docinfo;

/* Compiles its patterns; NULL on failure. Free with docinfo_free (accepts NULL).
 * One per thread: it keeps the heading state of the document being read. */
docinfo *docinfo_create(void);
void docinfo_free(docinfo *d);

/* City and year from the title lines of the normalised text s[0..n)
 * (XX市教育局2019年工作要点, 2026年XX市政府工作报告, a bare 政府工作报告 with its
 * speech line). Writes NUL-terminated strings, empty when not found. */
void docinfo_title(docinfo *d, const char *s, size_t n, char *city, size_t ncity, char *year, size_t nyear);

/* Headings: reset at the start of a document, then feed every line (normalised
 * ln[0..len) and the same line as written, orig[0..olen)). docinfo_section gives
 * the current path, "一、… > （二）…" (owned by d, valid until the next call). */
void docinfo_reset(docinfo *d);
/* Returns the line's heading level (0 outermost), -1 when it is no heading. */
int docinfo_line(docinfo *d, const char *ln, size_t len, const char *orig, size_t olen);
const char *docinfo_section(docinfo *d);

#endif
