/* cli.h: what the command modules of the planmetrics CLI share.
 * Only files under cli/ print to the terminal and choose exit codes. */
#ifndef PM_CLI_H
#define PM_CLI_H

#include <stdio.h>
#include "base/error.h"
#include "ruleset/rules.h"

/* Exit codes (documented in README and --help). */
enum {
    EXIT_OK = 0,
    EXIT_INPUT = 1,   /* some inputs failed or were skipped; the rest is complete */
    EXIT_USAGE = 2,   /* bad command line or rule error */
    EXIT_OUTPUT = 3   /* output could not be written; a signal ends the run as 128+N */
};

/* One entry of an option table: drives both parsing and --help. */
typedef struct cli_option {
    const char *lng;      /* "rules" for --rules */
    char shrt;            /* 'o' for -o, 0 for none */
    const char *arg;      /* argument name shown in help, NULL for a flag */
    const char *help;
    int id;
} cli_option;

/* getopt_long-like iteration over argv with a table. Returns the id of the
 * next option (its argument in *optarg), 0 for a positional argument (in
 * *optarg), -1 at the end, -2 on a usage error (message already printed). */
typedef struct cli_parser {
    int argc;
    char **argv;
    int i;
    int only_positional;
    char shortbuf[3];
} cli_parser;
void cli_parser_init(cli_parser *p, int argc, char **argv);
int cli_next(cli_parser *p, const cli_option *opts, const char **optarg);
void cli_print_options(FILE *fp, const cli_option *opts);

/* Print an error record as "planmetrics: file:line:col: msg" + caret line. */
void cli_error(const pm_error *e);
/* Print "planmetrics: msg" (printf-style). */
void cli_errorf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;


/* The summary's additivity callback over a rule set's unit map (ctx: the rules). */
int cli_unit_additive(void *ctx, const char *unit);

/* Read a whole document, or standard input for "-", of at most READFILE_DOC_MAX bytes
 * (base/readfile.h). Returns a malloc'd buffer (the caller frees) with its length in *n, or
 * NULL with the errno value in *err (EFBIG: larger than the cap). */
char *cli_read_file(const char *path, size_t *n, int *err);
/* Print cli_read_file's failure to `to`: "planmetrics: PATH: larger than 1024 MiB" or
 * "planmetrics: PATH: cannot read: REASON". */
void cli_read_error(FILE *to, const char *path, int err);

/* SUMMARY_CSV/MD/JSON for "csv", "md", "json"; -1 (message printed) otherwise. */
int cli_summary_format(const char *name);

/* Load rule packs: the paths given, or the bundled default pack found next
 * to the binary (argv0), $PLANMETRICS_RULES, or PM_DATADIR/rules.
 * Returns NULL after printing the error. */
rules *cli_load_rules(const char *argv0, const char *const *paths, size_t npaths);

/* Load the rule packs (as cli_load_rules) and make an extractor using the
 * plan-type packs `packs` (NULL = auto). On success *r holds the rules (the
 * caller frees both, the extractor first); NULL after printing the error. */
struct extractor;
struct extractor *cli_extractor(const char *argv0, const char *const *paths, size_t npaths, const char *packs,
                                rules **r);

/* From now on SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ,
 * and SIGPIPE when output_file (-o names a file), remove the outputs being written (outfile's
 * temporary files), then end the process by the same signal (exit status 128+N). A signal
 * that was ignored when the command started is left ignored. */
void cli_catch_signals(int output_file);

/* Subcommands: each returns an exit code. */
int cmd_extract(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_explain(int argc, char **argv);

#endif
