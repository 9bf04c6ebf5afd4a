#!/bin/sh
# Golden end-to-end tests: each tests/golden/cases/NAME/ holds `cmd` (one shell line,
# run from the repository root with $PM the binary), expected.out, expected.rc and optionally expected.err.
# usage: sh tests/golden/run.sh PATH/TO/planmetrics     (VALGRIND="valgrind ..." to wrap)
set -u
PM_BIN=${1:?usage: run.sh BINARY}
case $PM_BIN in /*) ;; *) PM_BIN=$(pwd)/$PM_BIN ;; esac
PM="${VALGRIND:-} $PM_BIN"
export PM PLANMETRICS_RULES="$(pwd)/rules" LC_ALL=C.UTF-8
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for d in tests/golden/cases/*/; do
    name=$(basename "$d")
    [ -f "$d/cmd" ] || continue
    TMPDIR_CASE="$tmp/$name"; mkdir -p "$TMPDIR_CASE"; export TMPDIR_CASE
    sh -c "$(cat "$d/cmd")" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
    rc=$?
    ok=1
    want_rc=$(cat "$d/expected.rc" 2>/dev/null || echo 0)
    if [ "$rc" != "$want_rc" ]; then echo "FAIL $name: exit code $rc, expected $want_rc"; ok=0; fi
    if ! cmp -s "$tmp/$name.out" "$d/expected.out"; then
        echo "FAIL $name: stdout differs"; diff "$d/expected.out" "$tmp/$name.out" | head -20; ok=0
    fi
    if [ -f "$d/expected.err" ] && ! cmp -s "$tmp/$name.err" "$d/expected.err"; then
        echo "FAIL $name: stderr differs"; diff "$d/expected.err" "$tmp/$name.err" | head -20; ok=0
    fi
    if [ $ok = 1 ]; then pass=$((pass+1)); else fail=$((fail+1)); fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" = 0 ]
