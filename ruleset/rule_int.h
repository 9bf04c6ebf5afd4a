/* rule_int.h: what loading made of a rule's patterns - for the matcher (extract/) and the
 * prefilter only. Rule authors and the CLI read ruleset/rules.h. */
#ifndef PM_RULE_INT_H
#define PM_RULE_INT_H

#include <stdint.h>
#include <pcre2.h>

/* Options of every pattern compiled from a rule file: UTF, and no \C (one byte of a
 * character would reach the CSV as invalid UTF-8: a compile error at load instead). */
#define RULE_RX_OPTS (PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C)

#include "ruleset/rules.h"

/* Owned by its rule (rule.compiled), read-only once loaded. */
struct rule_compiled {
    pcre2_code *code;         /* the pattern, matched anchored at a number */
    pcre2_code *before_code;  /* `before` as (?:...)\z; NULL when the rule has none; both
                               * owned by the rule set (rules sharing a part share it) */
    int before_tables;        /* before_code's callouts, if any, are its table guards
                               * (rxscan_guard_table): its source has none of its own */
    uint32_t ncaptures;       /* capture groups of the pattern */
    /* every group number of each name (names may repeat), 0-terminated:
     * [0] pattern, [1] before; names in RULE_GROUP_NAMES order */
    short groups[2][RULE_NGROUPS][RULES_MAX_DUP + 1];
    /* The literal units the pattern can match (every alternative of every unit
     * group), for the prefilter; NULL when a unit group is not a plain alternation
     * of literals (then the rule is tried at every number). */
    char **unit_lits;
    size_t nunit_lits;
};

#endif
