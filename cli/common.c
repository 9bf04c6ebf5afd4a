/* common.c: what the subcommands share - the option-table parser, error printing,
 * finding the bundled rule packs, and the one signal handler. */
#include "cli/cli.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>

#include "base/readfile.h"
#include "extract/extract.h"
#include "output/summary.h"
#include "output/outfile.h"

void cli_parser_init(cli_parser *p, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
}

int cli_next(cli_parser *p, const cli_option *opts, const char **optarg)
{
    if (p->i >= p->argc)
        return -1;
    char *a = p->argv[p->i++];
    if (p->only_positional || a[0] != '-' || a[1] == '\0') {
        *optarg = a;
        return 0;
    }
    if (strcmp(a, "--") == 0) {
        p->only_positional = 1;
        return cli_next(p, opts, optarg);
    }
    const cli_option *o = NULL;
    const char *inline_arg = NULL;
    if (a[1] == '-') {
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nl = eq ? (size_t)(eq - name) : strlen(name);
        for (const cli_option *q = opts; q->lng || q->shrt; q++)
            if (q->lng && strlen(q->lng) == nl && strncmp(q->lng, name, nl) == 0)
                o = q;
        if (eq)
            inline_arg = eq + 1;
    } else {
        for (const cli_option *q = opts; q->lng || q->shrt; q++)
            if (q->shrt == a[1])
                o = q;
        if (o && a[2])
            inline_arg = a + 2;
    }
    if (!o) {
        cli_errorf("unknown option '%s' (see --help)", a);
        return -2;
    }
    if (!o->arg) {
        if (inline_arg && a[1] == '-') {
            cli_errorf("option '--%s' takes no argument", o->lng);
            return -2;
        }
        *optarg = NULL;
        return o->id;
    }
    if (inline_arg) {
        *optarg = inline_arg;
        return o->id;
    }
    if (p->i >= p->argc) {
        cli_errorf("option '%s' needs an argument %s", a, o->arg);
        return -2;
    }
    *optarg = p->argv[p->i++];
    return o->id;
}

void cli_print_options(FILE *fp, const cli_option *opts)
{
    for (const cli_option *q = opts; q->lng || q->shrt; q++) {
        char left[64];
        int n = 0;
        if (q->shrt)
            n = snprintf(left, sizeof left, "-%c%s", q->shrt, q->lng ? ", " : "");
        else
            n = snprintf(left, sizeof left, "    ");
        if (q->lng && n < (int)sizeof left)
            n += snprintf(left + n, sizeof left - (size_t)n, "--%s", q->lng);
        if (q->arg && n < (int)sizeof left)
            snprintf(left + n, sizeof left - (size_t)n, " %s", q->arg);
        fprintf(fp, "  %-26s %s\n", left, q->help);
    }
}

void cli_error(const pm_error *e)
{
    if (!e->msg[0]) { /* a module ran out of memory before it could say more */
        pm_error copy = *e;
        snprintf(copy.msg, sizeof copy.msg, "%s", e->code == PM_ERR_NOMEM ? "out of memory" : "unexpected error");
        pm_error_print(&copy, stderr);
        return;
    }
    pm_error_print(e, stderr);
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("planmetrics: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory of the running binary: /proc/self/exe, else argv0. */
static int bindir(const char *argv0, char *out, size_t n)
{
    char buf[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (l > 0)
        buf[l] = '\0';
    else if (argv0 && strchr(argv0, '/'))
        snprintf(buf, sizeof buf, "%s", argv0);
    else
        return -1;
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    snprintf(out, n, "%s", buf);
    return 0;
}

rules *cli_load_rules(const char *argv0, const char *const *paths, size_t npaths)
{
    rules *r = rules_create();
    if (!r) {
        cli_errorf("out of memory");
        return NULL;
    }
    pm_error err;
    pm_error_clear(&err);
    if (npaths) {
        for (size_t i = 0; i < npaths; i++)
            if (rules_load(r, paths[i], &err) != 0) {
                cli_error(&err);
                rules_free(r);
                return NULL;
            }
        return r;
    }
    char cand[4][PATH_MAX + 32];
    int nc = 0;
    const char *env = getenv("PLANMETRICS_RULES");
    if (env && *env)
        snprintf(cand[nc++], sizeof cand[0], "%s", env);
    char bd[PATH_MAX];
    if (bindir(argv0, bd, sizeof bd) == 0) {
        snprintf(cand[nc++], sizeof cand[0], "%.*s/rules", PATH_MAX - 8, bd);
        /* an installed binary: PREFIX/bin/planmetrics next to PREFIX/share/planmetrics/rules */
        snprintf(cand[nc++], sizeof cand[0], "%.*s/../share/planmetrics/rules", PATH_MAX - 32, bd);
    }
    snprintf(cand[nc++], sizeof cand[0], "%s/rules", PM_DATADIR);
    int from_env = env && *env;
    for (int i = 0; i < nc; i++) {
        if (!is_dir(cand[i]) && !(i == 0 && from_env))
            continue;
        if (rules_load(r, cand[i], &err) != 0) {
            cli_error(&err);
            rules_free(r);
            return NULL;
        }
        return r;
    }
    cli_errorf("no rule packs found next to the binary or in '%s/rules': use --rules PATH", PM_DATADIR);
    rules_free(r);
    return NULL;
}

char *cli_read_file(const char *path, size_t *n, int *err)
{
    return readfile(path, READFILE_DOC_MAX, n, err);
}

void cli_read_error(FILE *to, const char *path, int err)
{
    if (err == EFBIG)
        fprintf(to, "planmetrics: %s: larger than %d MiB\n", path, READFILE_DOC_MAX_MIB);
    else {
        char why[PM_STRERROR_MAX];
        fprintf(to, "planmetrics: %s: cannot read: %s\n", path, pm_strerror(err, why, sizeof why));
    }
}

int cli_summary_format(const char *name)
{
    if (strcmp(name, "csv") == 0)
        return SUMMARY_CSV;
    if (strcmp(name, "md") == 0)
        return SUMMARY_MD;
    if (strcmp(name, "json") == 0)
        return SUMMARY_JSON;
    cli_errorf("unknown format '%s' (csv, md or json)", name);
    return -1;
}

extractor *cli_extractor(const char *argv0, const char *const *paths, size_t npaths, const char *packs, rules **r)
{
    *r = cli_load_rules(argv0, paths, npaths);
    if (!*r)
        return NULL;
    extractor *x = extractor_create(*r);
    pm_error err;
    pm_error_clear(&err);
    if (!x)
        cli_errorf("out of memory");
    else if (extractor_set_packs(x, packs, &err) != 0) {
        cli_error(&err);
        extractor_free(x);
        x = NULL;
    }
    if (!x) {
        rules_free(*r);
        *r = NULL;
    }
    return x;
}

int cli_unit_additive(void *ctx, const char *unit)
{
    return rules_unit_additive(ctx, unit);
}

/* gcc says ThreadSanitizer with __SANITIZE_THREAD__, clang with __has_feature */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PM_CLANG_TSAN 1
#endif
#endif
#ifndef PM_CLANG_TSAN
#define PM_CLANG_TSAN 0
#endif

/* Remove the temporary outputs, then die by the same signal, so that the parent sees it
 * (exit status 128+N in a shell). SA_RESETHAND and SA_NODEFER: the default action is back
 * and the signal not blocked, so raise() ends the process here. Under ThreadSanitizer
 * raise() from a handler is held back until the handler returns, and the _exit below would
 * win: there the signal goes to the process with kill(). */
static void on_signal(int sig)
{
    outfile_abort_all_signal();
#if defined(__SANITIZE_THREAD__) || PM_CLANG_TSAN
    kill(getpid(), sig);
#else
    raise(sig);
#endif
    _exit(128 + sig); /* not reached */
}

/* Catch sig with sa, unless it was ignored at start (a background job's SIGINT and
 * SIGQUIT, nohup's SIGHUP): that stays ignored. */
static void catch_unless_ignored(int sig, const struct sigaction *sa)
{
    struct sigaction old;
    if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
        return;
    sigaction(sig, sa, NULL);
}

void cli_catch_signals(int output_file)
{
    /* every signal whose default action ends the process and that a terminal, a job
     * control or a limit sends: a closed terminal or SSH session (SIGHUP), Ctrl-\ (SIGQUIT),
     * ulimit -t and -f (SIGXCPU, SIGXFSZ) */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        catch_unless_ignored(sigs[i], &sa);
    /* SIGPIPE only when the output is a file: then it can only come from standard error
     * (2>&1 | head), and the temporary file must go; on standard output it just ends
     * the run, as for grep */
    if (output_file)
        catch_unless_ignored(SIGPIPE, &sa);
}
