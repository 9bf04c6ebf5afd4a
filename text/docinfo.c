/* docinfo.c: what a plan document says about itself - the place and year of its title
 * line, and the headings (一、 （一） 1. （1）) each line sits under. */
#include "text/docinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcre2.h>

#include "base/mem.h"
#include "base/utf8.h"

#define MAX_LEVELS 4
#define HEADING_MAX 90 /* bytes of a heading kept in `section` */

struct docinfo {
    pcre2_match_data *md;
    pcre2_code *re_title, *re_city, *re_heading, *re_date, *re_speech, *re_plan, *re_roc;
    int level_group[MAX_LEVELS]; /* re_heading's group of each level (l1..l4) */
    char section[MAX_LEVELS][HEADING_MAX + 8];
    char path[MAX_LEVELS * (HEADING_MAX + 12)];
    int path_ok; /* path is up to date with section[] */
};

static pcre2_code *compile_re(const char *pat)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_DUPNAMES,
                                  &ec, &eo, NULL);
    if (c)
        pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
    return c;
}

docinfo *docinfo_create(void)
{
    docinfo *d = xcalloc(1, sizeof *d);
    d->md = pcre2_match_data_create(16, NULL);
    /* Title line: a plan word and a year (or years: 2024—2026年) in either order,
     * e.g. XX市教育局2019年工作要点, 2026年XX市政府工作报告, XX三年行动计划（2024—2026年） */
    d->re_title = compile_re("(?=.{0,60}?(?:工作要点|工作计划|工作报告|工作安排|工作思路|行动计划|实施方案|计划|计画|要点|报告|规划|工作总结))"
                          ".{0,60}?(?<year>(?:19|20)\\d{2})\\s*(?:[-—–~至到]\\s*(?:19|20)?\\d{2}\\s*)?年");
    /* The place a title names: 2+ characters and an administrative suffix, at the
     * start of the line or right after its year or 关于 */
    d->re_city = compile_re("(?:^|年|关于)\\s*(?<city>(?!某|本)\\p{Han}{2,9}?(?:特别行政区|自治区|自治州|地区|省|市|州|盟|县|区))");
    /* Taiwan's year of the Republic in a title: 113年度施政计划 (= 2024) */
    d->re_roc = compile_re("(?:^|民国|[^\\d.])(?<roc>1[0-3]\\d)\\s*年度?");
    d->re_plan = compile_re("工作要点|工作计划|工作报告|工作安排|工作思路|行动计划|实施方案|计划|计画|要点|报告|规划|工作总结");
    d->re_date = compile_re("(?<year>(?:19|20)\\d{2})(?:年\\s*\\d{1,2}\\s*月|[-/.]\\d{1,2}[-/.]\\d{1,2})");
    d->re_speech = compile_re("(?:在|代表)(?<city>(?!某|本)\\p{Han}{2,9}?(?:特别行政区|自治区|自治州|省|市|州|盟|县|区))"
                           "(?:第[一二三四五六七八九十]+届人民代表大会|人民政府)"
                           "|(?m)^\\s*(?<city>(?!某|本)\\p{Han}{2,9}?(?:省|市|自治区|州|县|区))(?:人民政府)?(?:省长|市长|主席|州长|县长|区长)");
    d->re_heading = compile_re("^[\\s]*(?:(?<l1>第[一二三四五六七八九十百]+[章部篇节]|[一二三四五六七八九十]+[、.．])"
                            "|(?<l2>[（(][一二三四五六七八九十]+[）)])|(?<l3>\\d{1,2}[、.．](?!\\d))|(?<l4>[（(]\\d{1,2}[）)]))");
    if (!d->md || !d->re_title || !d->re_city || !d->re_heading || !d->re_date || !d->re_speech || !d->re_plan || !d->re_roc) {
        docinfo_free(d);
        return NULL;
    }
    static const char *lv[MAX_LEVELS] = {"l1", "l2", "l3", "l4"};
    for (int i = 0; i < MAX_LEVELS; i++)
        d->level_group[i] = pcre2_substring_number_from_name(d->re_heading, (PCRE2_SPTR)lv[i]);
    return d;
}

void docinfo_free(docinfo *d)
{
    if (!d)
        return;
    pcre2_match_data_free(d->md);
    pcre2_code_free(d->re_title);
    pcre2_code_free(d->re_city);
    pcre2_code_free(d->re_heading);
    pcre2_code_free(d->re_date);
    pcre2_code_free(d->re_speech);
    pcre2_code_free(d->re_plan);
    pcre2_code_free(d->re_roc);
    free(d);
}

void docinfo_reset(docinfo *d)
{
    memset(d->section, 0, sizeof d->section);
    d->path_ok = 0;
}

const char *docinfo_section(docinfo *d)
{
    if (!d->path_ok) {
        d->path[0] = '\0';
        for (int i = 0; i < MAX_LEVELS; i++)
            if (d->section[i][0]) {
                if (d->path[0])
                    strcat(d->path, " > ");
                strcat(d->path, d->section[i]);
            }
        d->path_ok = 1;
    }
    return d->path;
}

static int match(docinfo *x, const pcre2_code *re, const char *s, size_t n, size_t start)
{
    return pcre2_match(re, (PCRE2_SPTR)s, n, start, PCRE2_NO_UTF_CHECK, x->md, NULL);
}

/* Offsets of named group `name` (the first one set, names may repeat) after a
 * successful match; -1 when no such group is set. */
static int named(docinfo *x, const pcre2_code *re, const char *name, size_t *s, size_t *e)
{
    PCRE2_SPTR first, last;
    int size = pcre2_substring_nametable_scan(re, (PCRE2_SPTR)name, &first, &last);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
    for (PCRE2_SPTR p = first; size > 0 && p <= last; p += size) {
        int g = (p[0] << 8) | p[1];
        if (ov[2 * g] != PCRE2_UNSET) {
            *s = ov[2 * g];
            *e = ov[2 * g + 1];
            return 0;
        }
    }
    return -1;
}



/* Look for a title line (place + year + plan word) in the first lines. */
void docinfo_title(docinfo *x, const char *s, size_t n, char *city, size_t ncity, char *year, size_t nyear)
{
    city[0] = year[0] = '\0';
    size_t off = 0, a, b;
    int titled = 0;
    for (int line = 0; line < 25 && off < n && !city[0]; line++) {
        const char *nl = memchr(s + off, '\n', n - off);
        size_t len = nl ? (size_t)(nl - (s + off)) : n - off;
        if (len < 300 && match(x, x->re_plan, s + off, len, 0) > 0) {
            titled = 1;
            if (!year[0] && match(x, x->re_title, s + off, len, 0) > 0 &&
                named(x, x->re_title, "year", &a, &b) == 0)
                snprintf(year, nyear, "%.*s", (int)(b - a), s + off + a);
            if (!year[0] && match(x, x->re_roc, s + off, len, 0) > 0 && named(x, x->re_roc, "roc", &a, &b) == 0)
                snprintf(year, nyear, "%d", atoi(s + off + a) + 1911);
            if (year[0] && match(x, x->re_city, s + off, len, 0) > 0 &&
                named(x, x->re_city, "city", &a, &b) == 0)
                snprintf(city, ncity, "%.*s", (int)(b - a), s + off + a);
        }
        off += len + 1;
    }
    /* A bare title (政府工作报告) gets its year from the first date and its place
     * from the speech line (在XX省第十四届人民代表大会, XX省省长, 代表XX市人民政府). */
    size_t head = n < 3000 ? n : 3000;
    while (head < n && ((unsigned char)s[head] & 0xC0) == 0x80)
        head++;
    if (!year[0] && titled && match(x, x->re_date, s, head, 0) > 0 && named(x, x->re_date, "year", &a, &b) == 0)
        snprintf(year, nyear, "%.*s", (int)(b - a), s + a);
    if (!city[0] && titled && match(x, x->re_speech, s, head, 0) > 0 && named(x, x->re_speech, "city", &a, &b) == 0)
        snprintf(city, ncity, "%.*s", (int)(b - a), s + a);
}

/* Byte length of a space character at p (ASCII, no-break, ideographic, the
 * U+2000 spaces), or 0. */
static size_t space_len(const char *p, size_t avail)
{
    const unsigned char *u = (const unsigned char *)p;
    if (*u == ' ' || *u == '\t')
        return 1;
    if (avail >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
        return 2;
    if (avail >= 3 && ((u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) ||
                       (u[0] == 0xE2 && u[1] == 0x80 && (u[2] <= 0x8A || u[2] == 0xAF))))
        return 3;
    return 0;
}

/* If the line is a heading, remember it at its level and clear deeper ones; its level, or -1. */
int docinfo_line(docinfo *x, const char *ln, size_t len, const char *orig, size_t olen)
{
    int rc = len ? match(x, x->re_heading, ln, len, 0) : 0;
    if (rc <= 0)
        return -1;
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
    int level = -1; /* the level whose group is set: groups from rc on are not */
    for (int i = 0; i < MAX_LEVELS && level < 0; i++)
        if (x->level_group[i] > 0 && x->level_group[i] < rc && ov[2 * x->level_group[i]] != PCRE2_UNSET)
            level = i;
    if (level < 0)
        return -1;
    /* the heading runs to the first full stop or colon, in the original text */
    size_t s = 0, sp;
    while (s < olen && (sp = space_len(orig + s, olen - s)) > 0)
        s += sp;
    /* a paragraph that only starts with a number (（三）全年培训教师…，…) has no
     * title: then the heading stops at its first comma too */
    int stop_at_comma = 0;
    for (size_t k = s; k + 3 <= olen && !stop_at_comma; k++)
        if (memcmp(orig + k, "。", 3) == 0 || memcmp(orig + k, "：", 3) == 0)
            break;
        else if (memcmp(orig + k, "，", 3) == 0 && k - s > HEADING_MAX / 2)
            stop_at_comma = 1;
    size_t e = s;
    while (e < olen && e - s < HEADING_MAX) {
        if (olen - e >= 3 && (memcmp(orig + e, "。", 3) == 0 || memcmp(orig + e, "：", 3) == 0 ||
                              memcmp(orig + e, "；", 3) == 0 || (stop_at_comma && memcmp(orig + e, "，", 3) == 0)))
            break;
        if (orig[e] == '\r' || orig[e] == ':' || (stop_at_comma && orig[e] == ','))
            break;
        size_t cl = utf8_len((unsigned char)orig[e]);
        if (e + cl - s > HEADING_MAX)
            break;
        e += cl;
    }
    while (e > s && orig[e - 1] == ' ')
        e--;
    size_t n = e - s < sizeof x->section[level] - 1 ? e - s : sizeof x->section[level] - 1;
    memcpy(x->section[level], orig + s, n);
    x->section[level][n] = '\0';
    for (int i = level + 1; i < MAX_LEVELS; i++)
        x->section[i][0] = '\0';
    x->path_ok = 0;
    return level;
}

