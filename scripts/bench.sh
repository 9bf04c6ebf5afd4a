#!/bin/sh
# Benchmark (make bench): extract and summary on a synthetic corpus from scripts/mkcorpus.py -
# wall time, MB/s, rows/s, peak memory; rule packs x4, -j 1 vs 2, and a grep scan for reference.
#
# Environment: BENCH_MB     corpus size in MB (default 200)
#              BENCH_BUDGET seconds the whole run may take (default 150, + the build: < 3 min); when
#                           the extractor is too slow for BENCH_MB, a 20 MB sample picks a smaller size.
#                           0 = no limit, always BENCH_MB.
#              BENCH_SEED   corpus seed (default 1)
#              BENCH_FEED   xargs: pass the files by xargs even if extract has --files-from
#              RULESCAN     the plain regex scan of scripts/rulescan.c, built (make bench builds it):
#                           timed on a sample against extract with the same rules; unset: skipped
#              BENCH_REPORTS a directory of real reports (*.txt; default ../shared/reports when it
#                           exists, "" skips): copied BENCH_REPORTS_COPIES (default 20) times, then
#                           extract -j 1 on one core (taskset -c 0) against grep, best of 3
#              BENCH_DOCS   a directory of your own documents (*.txt, recursively): extract (default
#                           -j and -j 1) and grep are timed on them as well, the list of files
#                           repeated up to BENCH_DOCS_MB (default 50) - real plans are far sparser
#                           in targets than the synthetic corpus, and their speed differs
# shellcheck disable=SC2016,SC2034,SC2046,SC2059,SC2154  # NAME_s etc. are set by eval
set -eu
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$SELF")/.."
PM=./planmetrics

# Internal: sh scripts/bench.sh --extract FEED LIST OUT [OPTIONS...] runs one extract over the
# files named in LIST: FEED files-from passes --files-from LIST; FEED xargs passes them in
# batches of 1000 with --no-header after the first, exit status the worst of the batches.
if [ "${1-}" = --extract ]; then
    feed=$2 list=$3 out=$4
    shift 4
    if [ "$feed" = files-from ]; then
        exec "$PM" extract "$@" --files-from "$list" >"$out"
    fi
    : >"$out"
    rm -rf "$list.b" && mkdir "$list.b"
    split -l 1000 "$list" "$list.b/"
    rc=0 hdr=
    for b in "$list.b"/*; do
        st=0
        tr '\n' '\000' <"$b" | xargs -0 "$PM" extract "$@" $hdr >>"$out" || st=$?
        [ $st -le $rc ] || rc=$st
        hdr=--no-header
    done
    rm -rf "$list.b"
    exit $rc
fi

WANT_MB=${BENCH_MB:-200}
BUDGET=${BENCH_BUDGET:-150}
SEED=${BENCH_SEED:-1}
SAMPLE_MB=20

T=$(mktemp -d "${TMPDIR:-/tmp}/pm-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

now() { date +%s.%N; }
# calc EXPR: floating point arithmetic, e.g. calc "3 / 7" (prints with 2 decimals)
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
gt() { awk "BEGIN { exit !($1 > $2) }"; }
START=$(now)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
elapsed() { calc "$(now) - $START"; }

# ---- timing: wall seconds and peak resident memory of a command and all its children -------
if /usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null; then
    TIMER="/usr/bin/time"
else
    TIMER="python3 resource.getrusage"
    cat >"$T/timer.py" <<'EOF'
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # ru_maxrss: kB on Linux
with open(sys.argv[1], "w") as f:
    f.write(f"{ru.ru_maxrss} {ru.ru_utime + ru.ru_stime:.2f}\n")
sys.exit(rc)
EOF
fi

# timed NAME CMD...: run CMD (stderr to $T/NAME.err) and set NAME_s (wall seconds, from the
# clock here: the timers' own resolution is 10 ms), NAME_kb (peak RSS), NAME_cpu (user + system
# seconds) and NAME_rc.
timed() {
    name=$1
    shift
    rc=0
    t0=$(now)
    if [ "$TIMER" = /usr/bin/time ]; then
        /usr/bin/time -f '%M %U %S' -o "$T/$name.t" "$@" 2>"$T/$name.err" || rc=$?
    else
        python3 "$T/timer.py" "$T/$name.t" "$@" 2>"$T/$name.err" || rc=$?
    fi
    s=$(awk "BEGIN { s = $(now) - $t0; printf \"%.3f\", s < 0.001 ? 0.001 : s }")
    # GNU time puts "Command exited with non-zero status N" before its line
    set -- $(tail -n 1 "$T/$name.t")
    eval "${name}_s=\$s ${name}_kb=\$1 ${name}_cpu=\$(calc \"\$2 + \${3:-0}\") ${name}_rc=\$rc"
}

# rows OUT.csv: data rows (one header; cells never hold line breaks)
rows() { echo $(($(wc -l <"$1") - 1)); }

# ---- the rule packs x4: the plan-type packs' rule blocks three more times, ids renamed -------
mkdir -p "$T/rules4"
cp rules/*.rules "$T/rules4/"
for f in rules/*.rules; do
    grep -qE '^pack[ \t]+base[ \t]*$' "$f" && continue
    for suffix in _r2 _r3 _r4; do
        echo
        awk -v SUFFIX="$suffix" '
            /^(rule|exclude)[ \t]/ { inb = 1; sub(/[ \t]+$/, ""); print $0 SUFFIX; next }
            inb && (/^[ \t]/ || /^#/ || /^[ \t]*$/) { print; next }
            { inb = 0 }' "$f"
    done >>"$T/rules4/$(basename "$f")"
done
count_rules() { cat "$@" | grep -cE '^(rule|exclude)[ \t]'; }
NRULES1=$(count_rules rules/*.rules)
NRULES4=$(count_rules "$T"/rules4/*.rules)

HAVE_J=0 J_SKIP="-j: not supported yet"
"$PM" extract --help | grep -qE '(^|[ ,])-j([ ,N]|$)' && HAVE_J=1
# BENCH_FEED=xargs tries the batches even when extract has --files-from
FEED=${BENCH_FEED:-files-from}
"$PM" extract --help | grep -q -- '--files-from' || FEED='xargs'

# ---- the corpus in $T/corpus, and one round of measurements on it ----------------------------------------
make_corpus() { # make_corpus MB
    rm -rf "$T/corpus" "$T"/*.csv
    timed gen python3 scripts/mkcorpus.py --mb "$1" --seed "$SEED" --out "$T/corpus" >/dev/null
    find "$T/corpus" -name '*.txt' | sort >"$T/list"
    NFILES=$(wc -l <"$T/list")
    BYTES=$(find "$T/corpus" -name '*.txt' -exec cat {} + | wc -c)
    MB=$(calc "$BYTES / 1048576")
}

measure() {
    timed grep sh -c 'tr "\n" "\000" <"$1" | LC_ALL=C xargs -0 grep -c "[0-9]" >"$2"' \
        sh "$T/list" "$T/grep.out"
    timed x1 sh "$SELF" --extract "$FEED" "$T/list" "$T/x1.csv"
    x1_rows=$(rows "$T/x1.csv")
    timed sum "$PM" summary -o "$T/summary.csv" "$T/x1.csv"
    timed x4 sh "$SELF" --extract "$FEED" "$T/list" "$T/x4.csv" --rules "$T/rules4"
    x4_rows=$(rows "$T/x4.csv")
    rm -f "$T/x4.csv"
}

# measure_j: -j 1 and -j 2, on the first files of the corpus when all of it does not fit the
# time left (the machine may have got slower since the sample); sets J_MB and J_NOTE.
measure_j() {
    frac=$(awk "BEGIN { f = ($BUDGET - $(elapsed) - 3) / ($x1_cpu + $x1_s); print (f > 1 || $BUDGET == 0) ? 1 : (f < 0 ? 0 : f) }")
    n=$(awk "BEGIN { print int($frac * $NFILES) }")
    J_MB=$MB J_NOTE=
    if [ "$n" -lt "$NFILES" ]; then
        head -n "$n" "$T/list" >"$T/jlist"
        J_MB=$(calc "$(tr '\n' '\000' <"$T/jlist" | xargs -0 cat | wc -c) / 1048576")
        J_NOTE=" (first $n files, $J_MB MB: the time budget)"
    else
        cp "$T/list" "$T/jlist"
    fi
    if [ "$n" -lt 10 ] && [ "$n" -lt "$NFILES" ]; then
        HAVE_J=0 J_SKIP="-j: skipped, no time left in the budget"
        return
    fi
    for j in 1 2; do
        timed j$j sh "$SELF" --extract "$FEED" "$T/jlist" "$T/j.csv" -j $j
        eval "j${j}_rows=\$(rows \"\$T/j.csv\")"
        rm -f "$T/j.csv"
    done
}

# measure_refs: the plain regex scans over the same rules (scripts/rulescan.c), on the first files
# of the corpus, against extract with every pack and one thread on the same files: every rule
# as one regex (before part, then pattern) on about 0.25 MB, the pattern searched first and the
# before part tried at its matches on about 1 MB.
HAVE_REFS=0
measure_refs() {
    [ -n "${RULESCAN-}" ] && [ -x "$RULESCAN" ] || return 0
    HAVE_REFS=1
    for ref in one:262144 pf:1048576; do
        rname=${ref%%:*} want=${ref#*:}
        : >"$T/rlist.$rname"
        got=0
        while IFS= read -r f && [ "$got" -lt "$want" ]; do
            echo "$f" >>"$T/rlist.$rname"
            got=$((got + $(wc -c <"$f")))
        done <"$T/list"
        eval "R_${rname}_MB=$(calc "$got / 1048576")"
        timed "rx_$rname" "$PM" extract -j 1 --pack all --files-from "$T/rlist.$rname" -o "$T/r.csv"
        eval "rx_${rname}_rows=$(rows "$T/r.csv")"
        rm -f "$T/r.csv"
    done
    timed rs_one sh -c '"$1" "$2" "$3" >"$4"' sh "$RULESCAN" rules "$T/rlist.one" "$T/rs_one.n"
    timed rs_pf sh -c '"$1" --pattern-first "$2" "$3" >"$4"' sh "$RULESCAN" rules "$T/rlist.pf" "$T/rs_pf.n"
}

# ---- corpus size: BENCH_MB, or what fits the time budget ------------------------------------
SIZE_NOTE="as asked"
if [ "$BUDGET" != 0 ] && gt "$WANT_MB" "$SAMPLE_MB"; then
    echo "bench: timing a $SAMPLE_MB MB sample to choose the corpus size (budget ${BUDGET} s)..." >&2
    make_corpus $SAMPLE_MB
    measure
    measure_refs
    # seconds per MB for everything that scales with the corpus; -j 1 and -j 2 as 1x each
    per_mb=$(calc "($gen_s + $grep_s + $x1_s + $sum_s + $x4_s + $HAVE_J * 2 * $x1_s) / $MB")
    left=$(calc "($BUDGET - $(elapsed) - 5) * 0.85")  # the load may change: keep 15% spare
    fit=$(awk "BEGIN { m = int($left / $per_mb); print (m > $WANT_MB) ? $WANT_MB : m }")
    echo "bench: sample: $per_mb s/MB, $left s left: $fit MB fit" >&2
    if [ "$fit" -lt "$WANT_MB" ]; then
        SIZE_NOTE="lowered from $WANT_MB MB to fit ${BUDGET} s"
    fi
    if [ "$fit" -le "$SAMPLE_MB" ]; then
        SIZE_NOTE="the $SAMPLE_MB MB sample: $WANT_MB MB does not fit ${BUDGET} s"
    else
        echo "bench: generating $fit MB..." >&2
        make_corpus "$fit"
        measure
    fi
else
    echo "bench: generating $WANT_MB MB..." >&2
    make_corpus "$WANT_MB"
    measure
    measure_refs
fi
if [ $HAVE_J = 1 ]; then measure_j; fi

# ---- BENCH_DOCS: the user's documents, their list repeated up to BENCH_DOCS_MB -----------------
if [ -n "${BENCH_DOCS-}" ]; then
    find "$BENCH_DOCS" -type f -name '*.txt' | sort >"$T/dlist0"
    dbytes=$(tr '\n' '\000' <"$T/dlist0" | xargs -0 cat | wc -c)
    if [ "$dbytes" -eq 0 ]; then
        echo "bench: BENCH_DOCS: no .txt files with text under '$BENCH_DOCS'" >&2
        exit 2
    fi
    reps=$(awk "BEGIN { r = int(${BENCH_DOCS_MB:-50} * 1048576 / $dbytes + 0.999); print r < 1 ? 1 : r }")
    : >"$T/dlist"
    i=0
    while [ $i -lt "$reps" ]; do
        cat "$T/dlist0" >>"$T/dlist"
        i=$((i + 1))
    done
    D_FILES=$(wc -l <"$T/dlist")
    D_MB=$(calc "$dbytes * $reps / 1048576")
    timed dgrep sh -c 'tr "\n" "\000" <"$1" | LC_ALL=C xargs -0 grep -c "[0-9]" >"$2"' sh "$T/dlist" "$T/grep.out"
    timed dx sh "$SELF" --extract "$FEED" "$T/dlist" "$T/d.csv"
    dx_rows=$(rows "$T/d.csv")
    if [ $HAVE_J = 1 ]; then
        timed dj1 sh "$SELF" --extract "$FEED" "$T/dlist" "$T/d.csv" -j 1
    fi
    rm -f "$T/d.csv"
fi

# ---- BENCH_REPORTS: real reports, each copied BENCH_REPORTS_COPIES times under new names;
# extract -j 1 pinned to one core (one job runs on the calling thread) against grep over the
# same files, each the best of three interleaved runs ---------------------------------------
RDIR=${BENCH_REPORTS-../shared/reports}
R_ON=0
if [ -n "$RDIR" ] && [ -d "$RDIR" ] && [ -n "$(find "$RDIR" -maxdepth 1 -name '*.txt' | head -n 1)" ]; then
    R_ON=1
    mkdir "$T/rep"
    i=1
    while [ $i -le "${BENCH_REPORTS_COPIES:-20}" ]; do
        for f in "$RDIR"/*.txt; do cp "$f" "$T/rep/c${i}_$(basename "$f")"; done
        i=$((i + 1))
    done
    find "$T/rep" -name '*.txt' | sort >"$T/rlist"
    R_FILES=$(wc -l <"$T/rlist")
    R_MB=$(calc "$(tr '\n' '\000' <"$T/rlist" | xargs -0 cat | wc -c) / 1048576")
    ONE=
    command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null && ONE="taskset -c 0"
    rx_best= rg_best=
    for k in 1 2 3; do
        timed rg$k sh -c 'tr "\n" "\000" <"$1" | LC_ALL=C xargs -0 grep -c "[0-9]" >"$2"' sh "$T/rlist" "$T/grep.out"
        timed rx$k $ONE sh "$SELF" --extract "$FEED" "$T/rlist" "$T/r.csv" -j 1
        eval "a=\$rx${k}_s b=\$rg${k}_s"
        if [ -z "$rx_best" ] || gt "$rx_best" "$a"; then rx_best=$a; fi
        if [ -z "$rg_best" ] || gt "$rg_best" "$b"; then rg_best=$b; fi
    done
    r_rows=$(rows "$T/r.csv")
    r_md5=$(sed "s|$T/rep/||g" "$T/r.csv" | md5sum | cut -c1-12) # without the temporary folder
    rm -f "$T/r.csv"
fi

# ---- report ---------------------------------------------------------------------------------
mb() { calc "$1 / 1024"; }
FMT='%-32s %8s %8s %8s %10s %8s\n'
line() { # line NAME LABEL ROWS [MB_PROCESSED]
    eval "s=\$${1}_s cpu=\$${1}_cpu kb=\$${1}_kb"
    printf "$FMT" "$2" "$s" "$cpu" "$(calc "${4:-$MB} / $s")" \
        "$(awk "BEGIN { printf \"%.0f\", $3 / $s }")" "$(mb "$kb")"
}
warn() { # warn NAME: a note when a run failed or warned
    eval "r=\$${1}_rc"
    n=$(grep -c . "$T/$1.err" || true)
    [ "$r" = 0 ] && [ "$n" = 0 ] || echo "  note: $1: exit status $r, $n lines on stderr: $(head -n 1 "$T/$1.err")"
}

CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
echo
echo "planmetrics bench ($(git describe --always --dirty 2>/dev/null || echo '?'), $(date -u +%Y-%m-%d))"
echo "machine: $(nproc) CPUs, ${CPU:-unknown CPU}, ${MEM:-? GiB} RAM, $(uname -sm); load at start $LOAD"
echo "corpus:  $MB MB, $NFILES files, seed $SEED ($SIZE_NOTE); made in ${gen_s} s"
[ "$FEED" = xargs ] && FEED_NOTE="xargs, batches of 1000 files" || FEED_NOTE="--files-from LIST"
echo "input:   $FEED_NOTE; timer: $TIMER; files in the page cache"
if [ "$TIMER" != /usr/bin/time ]; then
    timed floor true
    echo "         (no GNU time: peak MB is at least $(mb "$floor_kb") MB, the forked python3)"
fi
echo
printf "$FMT" run "wall s" "cpu s" "MB/s" "rows/s" "peak MB"
[ $HAVE_J = 1 ] && X1_NOTE=", default -j" || X1_NOTE=
line x1 "extract ($NRULES1 rules$X1_NOTE)" "$x1_rows"
line x4 "extract, packs x4 ($NRULES4 rules)" "$x4_rows"
if [ $HAVE_J = 1 ]; then
    line j1 "extract -j 1" "$j1_rows" "$J_MB"
    line j2 "extract -j 2" "$j2_rows" "$J_MB"
fi
CSV_MB=$(calc "$(wc -c <"$T/x1.csv") / 1048576")
line sum "summary ($CSV_MB MB CSV)" "$x1_rows" "$CSV_MB"
printf "$FMT" "grep -c '[0-9]' (LC_ALL=C)" "$grep_s" "$grep_cpu" "$(calc "$MB / $grep_s")" - \
    "$(mb "$grep_kb")"
echo
echo "rows: $x1_rows ($(calc "$x1_rows / $MB") per MB); x4 packs: $x4_rows"
echo "rule packs x4 / x1 time: $(calc "$x4_s / $x1_s")"
if [ $HAVE_J = 1 ]; then
    echo "-j 1 / -j 2 time: $(calc "$j1_s / $j2_s") (rows $j1_rows / $j2_rows)$J_NOTE"
else
    echo "$J_SKIP"
fi
echo "extract / grep time: $(calc "$x1_s / $grep_s")"
if [ $HAVE_REFS = 1 ]; then
    echo
    echo "plain regex scans over the same rules ($NRULES1 rules, every pack; scripts/rulescan.c), one thread,"
    echo "on the first files of the corpus, against extract --pack all -j 1 on the same files:"
    printf "$FMT" run "wall s" "cpu s" "MB/s" "matches/s" "peak MB"
    line rx_one "extract, same files" "$rx_one_rows" "$R_one_MB"
    line rs_one "every rule as one regex" "$(cat "$T/rs_one.n")" "$R_one_MB"
    line rx_pf "extract, same files" "$rx_pf_rows" "$R_pf_MB"
    line rs_pf "pattern first, then before" "$(cat "$T/rs_pf.n")" "$R_pf_MB"
    echo "plain scan / extract time: one regex a rule $(calc "$rs_one_s / $rx_one_s") ($R_one_MB MB)," \
        "pattern first $(calc "$rs_pf_s / $rx_pf_s") ($R_pf_MB MB)"
fi
for n in x1 x4 sum grep; do warn $n; done
[ $HAVE_REFS = 1 ] && for n in rx_one rs_one rx_pf rs_pf; do warn $n; done
if [ $HAVE_J = 1 ]; then for n in j1 j2; do warn $n; done; fi
if [ -n "${BENCH_DOCS-}" ]; then
    echo
    echo "your documents: $BENCH_DOCS, $(wc -l <"$T/dlist0") files listed $reps times: $D_FILES files, $D_MB MB"
    printf "$FMT" run "wall s" "cpu s" "MB/s" "rows/s" "peak MB"
    line dx "extract ($NRULES1 rules$X1_NOTE)" "$dx_rows" "$D_MB"
    [ $HAVE_J = 1 ] && line dj1 "extract -j 1" "$dx_rows" "$D_MB"
    printf "$FMT" "grep -c '[0-9]' (LC_ALL=C)" "$dgrep_s" "$dgrep_cpu" "$(calc "$D_MB / $dgrep_s")" - \
        "$(mb "$dgrep_kb")"
    echo "rows: $dx_rows ($(calc "$dx_rows / $D_MB") per MB); extract / grep time: $(calc "$dx_s / $dgrep_s")"
    for n in dx dgrep; do warn $n; done
    [ $HAVE_J = 1 ] && warn dj1
fi
if [ $R_ON = 1 ]; then
    echo
    echo "reports: $RDIR, each copied ${BENCH_REPORTS_COPIES:-20} times: $R_FILES files, $R_MB MB;" \
        "best of 3, ${ONE:-not pinned (no taskset)}"
    printf '%-40s %8s %8s\n' run "wall s" "MB/s"
    printf '%-40s %8s %8s\n' "extract -j 1, one core" "$rx_best" "$(calc "$R_MB / $rx_best")"
    printf '%-40s %8s %8s\n' "grep -c '[0-9]' (LC_ALL=C)" "$rg_best" "$(calc "$R_MB / $rg_best")"
    echo "extract / grep time: $(calc "$rx_best / $rg_best"); rows: $r_rows (md5 of the CSV $r_md5)"
    for k in 1 2 3; do warn rx$k; done
fi
echo "total bench time: $(elapsed) s"
