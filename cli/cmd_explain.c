/* cmd_explain.c: `planmetrics explain` - the document with every target highlighted, for rule
 * authors: rows with their rule, numbers an exclusion removed, numbers no rule took. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "cli/cli.h"
#include "extract/extract.h"

enum { OPT_LINE = 1, OPT_RULES, OPT_PACK, OPT_ENCODING, OPT_COLOR, OPT_MARKED, OPT_HELP };

static const cli_option opts[] = {
    {"line", 'n', "N", "only line N (repeatable)", OPT_LINE},
    {"rules", 0, "PATH", "rule file or directory (repeatable; default: the bundled packs)", OPT_RULES},
    {"pack", 0, "NAME", "plan-type packs: auto (default), all, or a list edu,gov", OPT_PACK},
    {"encoding", 0, "NAME", "input encoding (default: detect)", OPT_ENCODING},
    {"color", 0, "WHEN", "auto (default: on a terminal), always or never", OPT_COLOR},
    {"marked", 'm', NULL, "print only the lines that hold numbers", OPT_MARKED},
    {"help", 'h', NULL, "show this help", OPT_HELP},
    {0},
};

static const char help_head[] =
    "usage: planmetrics explain [OPTIONS] FILE\n"
    "\n"
    "Print FILE with every number marked with what became of it:\n"
    "  [4.5万名]{edu.people}        a row, and the rule that made it\n"
    "  (第七届){-base.ordinal}      removed by an exclusion\n"
    "  <2019>?                      a number no rule took\n"
    "  {78.3}:unit                   a cell of an indicator table that gives no row, and what it is\n"
    "  [79.0]{table: target 2025 岁} a table's cell that gives a row (its role, period, unit)\n"
    "With colour (on a terminal): rows green, exclusions yellow, untaken numbers red.\n"
    "\n"
    "options:\n";

typedef struct view {
    long *lines;
    size_t nlines;
    int color, marked_only;
    size_t rows, excluded, untaken;
} view;

static int show(void *ctx, long lineno, const char *line, size_t len, const extract_mark *m, size_t n)
{
    view *v = ctx;
    if (v->nlines) {
        int want = 0;
        for (size_t i = 0; i < v->nlines; i++)
            want |= v->lines[i] == lineno;
        if (!want)
            return 0;
    } else if (n == 0 && v->marked_only) {
        return 0;
    }
    static const char *open[] = {"[", "(", "<", "{"}, *close[] = {"]", ")", ">", "}"};
    static const char *col[] = {"\033[1;32m", "\033[33m", "\033[1;31m", "\033[36m"};
    printf("%5ld | ", lineno);
    size_t at = 0;
    const char *tail = NULL; /* a note on the whole line: how a table's header was read */
    for (size_t i = 0; i < n; i++) {
        if (m[i].start < at) /* overlapping marks: show the first */
            continue;
        if (m[i].start == m[i].end) {
            tail = m[i].note;
            continue;
        }
        fwrite(line + at, 1, m[i].start - at, stdout);
        fputs(v->color ? col[m[i].kind] : open[m[i].kind], stdout);
        fwrite(line + m[i].start, 1, m[i].end - m[i].start, stdout);
        fputs(v->color ? "\033[0m" : close[m[i].kind], stdout);
        if (m[i].kind == MARK_ROW && m[i].note)
            printf(v->color ? "\033[2m{%s}\033[0m" : "{%s}", m[i].note);
        else if (m[i].kind == MARK_ROW)
            printf(v->color ? "\033[2m{%s}\033[0m" : "{%s}", m[i].rule->id);
        else if (m[i].kind == MARK_EXCLUDED)
            printf(v->color ? "\033[2m{-%s}\033[0m" : "{-%s}", m[i].rule->id);
        else if (m[i].kind == MARK_CELL)
            printf(v->color ? "\033[2m:%s\033[0m" : ":%s", m[i].note ? m[i].note : "");
        else
            fputs(v->color ? "" : "?", stdout);
        at = m[i].end;
        v->rows += m[i].kind == MARK_ROW;
        v->excluded += m[i].kind == MARK_EXCLUDED;
        v->untaken += m[i].kind == MARK_UNTAKEN;
    }
    fwrite(line + at, 1, len - at, stdout);
    fputc('\n', stdout);
    if (tail)
        printf("      | %s\n", tail);
    return 0;
}

static int no_row(void *ctx, const pm_row *row)
{
    (void)ctx;
    (void)row;
    return 0;
}

static void on_warn(void *ctx, const char *file, long line, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "planmetrics: %s:%ld: warning: %s\n", file, line, msg);
}

int cmd_explain(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, argc, argv);
    const char **rulepaths = xcalloc((size_t)argc, sizeof(char *));
    view v = {.lines = xcalloc((size_t)argc, sizeof(long))};
    const char *file = NULL, *packs = NULL, *encoding = NULL, *color = "auto", *arg;
    size_t nrules = 0;
    int id, rc = EXIT_OK;
    rules *r = NULL;
    extractor *x = NULL;
    char *buf = NULL;
    while ((id = cli_next(&p, opts, &arg)) != -1) {
        char *end;
        switch (id) {
        case -2: rc = EXIT_USAGE; goto done;
        case 0:
            if (file) {
                cli_errorf("explain takes one file");
                rc = EXIT_USAGE;
                goto done;
            }
            file = arg;
            break;
        case OPT_LINE:
            v.lines[v.nlines] = strtol(arg, &end, 10);
            if (*end || v.lines[v.nlines] < 1) {
                cli_errorf("--line needs a line number, not '%s'", arg);
                rc = EXIT_USAGE;
                goto done;
            }
            v.nlines++;
            break;
        case OPT_RULES: rulepaths[nrules++] = arg; break;
        case OPT_PACK: packs = arg; break;
        case OPT_ENCODING: encoding = arg; break;
        case OPT_COLOR: color = arg; break;
        case OPT_MARKED: v.marked_only = 1; break;
        case OPT_HELP:
            fputs(help_head, stdout);
            cli_print_options(stdout, opts);
            fputs("\nexit codes: 0 ok, 1 the file could not be read, 2 usage or rule error\n", stdout);
            goto done;
        }
    }
    if (!file) {
        cli_errorf("no input file (see 'planmetrics explain --help')");
        rc = EXIT_USAGE;
        goto done;
    }
    if (strcmp(color, "always") == 0)
        v.color = 1;
    else if (strcmp(color, "auto") == 0)
        v.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    else if (strcmp(color, "never") != 0) {
        cli_errorf("--color needs auto, always or never, not '%s'", color);
        rc = EXIT_USAGE;
        goto done;
    }
    x = cli_extractor(argv[0], rulepaths, nrules, packs, &r);
    if (!x) {
        rc = EXIT_USAGE;
        goto done;
    }
    pm_error err;
    pm_error_clear(&err);
    size_t n = 0;
    int e = 0;
    buf = cli_read_file(file, &n, &e);
    if (!buf) {
        char why[PM_STRERROR_MAX];
        cli_errorf("%s: cannot read: %s", file, cli_strerror(e, why, sizeof why));
        rc = EXIT_INPUT;
        goto done;
    }
    extract_opts o = {.encoding = encoding, .warn = on_warn, .trace = show, .trace_ctx = &v};
    if (extractor_run(x, file, buf, n, &o, no_row, NULL, &err) != 0) {
        cli_error(&err);
        rc = EXIT_INPUT;
        goto done;
    }
    fprintf(stderr, "planmetrics: %s: %zu rows, %zu numbers excluded, %zu numbers no rule took\n", file, v.rows,
            v.excluded, v.untaken);
done:
    free(buf);
    extractor_free(x);
    rules_free(r);
    free(rulepaths);
    free(v.lines);
    return rc;
}
