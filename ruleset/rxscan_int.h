/* rxscan_int.h: the pattern-source lexer (rxlex.c) that the rxscan readers share - the
 * consumable set (rxscan.c), last characters (rxlast.c), first-character guards (rxguard.c). */
#ifndef PM_RXSCAN_INT_H
#define PM_RXSCAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/utf8.h"

/* Membership answers: no, yes, or cannot tell (counts as yes in the end). */
enum { NO = 0, YES = 1, UNSURE = 2 };

/* A reading position in pattern source s[0..n), with the candidates of rxscan_consumable
 * (cps, may; NULL for the other readers) and whether (?i) is on. */
typedef struct scan {
    const unsigned char *s;
    size_t n, i;
    const uint32_t *cps;
    size_t ncps;
    unsigned char *may;
    int caseless;
} scan;

/* Decode the UTF-8 character at s->i (advancing), or return (uint32_t)-1 at the end. */
static inline uint32_t next_cp(scan *s)
{
    if (s->i >= s->n)
        return (uint32_t)-1;
    size_t k;
    uint32_t cp = utf8_decode(s->s + s->i, s->n - s->i, &k);
    s->i += k;
    return cp;
}

/* One parsed atom or class member: a single code point, a range, an escape
 * class (k, negated), "anything", or "cannot tell". */
typedef struct atom {
    enum { A_NONE, A_CHAR, A_CLASS, A_ANY, A_UNSURE, A_GIVEUP } kind;
    uint32_t lo;
    int k, neg;
} atom;

/* A character class as read: its members, each a character, a range, an escape
 * class (\d ...) or something this scan cannot tell about ([:alpha:], \p{..}). */
typedef struct cmember {
    atom lo;     /* A_CHAR, A_CLASS or A_UNSURE */
    uint32_t hi; /* lo.lo..hi for a range of characters; hi == lo.lo for one */
} cmember;

typedef struct cclass {
    int neg;
    size_t n;
    int many; /* more members than fit: read as "cannot tell" */
    cmember m[64];
} cclass;

/* Are a and b the same character (ASCII case folded under (?i))? */
int rxlex_same_char(const scan *s, uint32_t a, uint32_t b);
/* Does atom a match cp: YES, NO or UNSURE. */
int rxlex_atom_has(const scan *s, const atom *a, uint32_t cp);

/* Parse an escape after the backslash. In a class, \b is a backspace and an
 * escape that would consume nothing elsewhere cannot be told about.
 * Non-consuming escapes (assertions, back references) give A_NONE. */
atom rxlex_escape(scan *s, int in_class);

/* When s[i..) is "[:", "[." or "[=" and PCRE2 reads a POSIX item there ([:alpha:]),
 * the index after its closing ":]"; else 0 and the '[' is an ordinary member. */
size_t rxlex_posix_end(const unsigned char *s, size_t i, size_t n);

/* Read a class after '['. Returns 0, or -1 when it is malformed or holds \Q or \E. */
int rxlex_read_class(scan *s, cclass *c);
/* Does the class contain cp: YES, NO or UNSURE. */
int rxlex_class_has(const scan *s, const cclass *c, uint32_t cp);

/* Is s->s[i..] a quantifier {n}, {n,} or {n,m}, as every PCRE2 reads it? Its length, or 0. */
size_t rxlex_quantifier(const scan *s);
/* Is s->s[i..] a brace that PCRE2 10.43 and later read otherwise than earlier versions ({,m}
 * and blanks inside: a quantifier there, literal text before)? The library is shared, so
 * the version at run time may not be the one built against: the readers give up on them. */
int rxlex_quantifier_doubt(const scan *s);
/* rxlex_quantifier with its repeat counts: *max RXLEX_UNBOUNDED for {n,}; counts over
 * 100000 are read as 100000 or more (enough for any width bound). */
#define RXLEX_UNBOUNDED ((size_t)-1)
size_t rxlex_quantifier_bounds(const scan *s, size_t *min, size_t *max);

/* (?(DEFINE)...: groups defined to be called, matching nothing where they stand. */
#define DEFINE_LEN 10
int rxlex_is_define(const unsigned char *p, size_t left);
/* A subroutine call by name or number: (?&name) (?P>name) (?1) (?-1) (?+1) (?R). */
int rxlex_is_call(const unsigned char *p, size_t left);

#endif
