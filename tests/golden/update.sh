#!/bin/sh
# Regenerate the expected output of golden cases (all, or those named) from the current binary.
# Review the diff before committing: the expected files are the specification.
# usage: sh tests/golden/update.sh [CASE...]
set -u
PM_BIN=$(pwd)/planmetrics
PM=$PM_BIN
export PM PLANMETRICS_RULES="$(pwd)/rules" LC_ALL=C.UTF-8
cases=${*:-$(ls tests/golden/cases)}
for name in $cases; do
    d=tests/golden/cases/$name
    TMPDIR_CASE=$(mktemp -d); export TMPDIR_CASE
    sh -c "$(cat "$d/cmd")" >"$d/expected.out" 2>"$d/expected.err" </dev/null
    echo $? >"$d/expected.rc"
    rm -rf "$TMPDIR_CASE"
    echo "updated $name (exit $(cat "$d/expected.rc"))"
done
