#!/bin/sh
# Score every plan-type pack on its own test documents: tests/packs/NAME/*.txt against the gold
# rows in tests/packs/NAME/gold/, with the shared scorer (../shared/eval/score.py, next to this
# repository). Each pack is scored twice: with the pack forced (--pack NAME) and with the pack
# chosen per document by the detect patterns; both must reach precision and recall 0.85, and
# the automatic choice must score the same as the forced one.
# Prints one line per pack; exit 0 when every pack passes, 1 when one does not, 2 on errors.
# usage: sh scripts/score-packs.sh [PACK...]      PM=path/to/planmetrics to use another binary
set -u
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
PM=${PM:-$root/planmetrics}
shared=$root/../shared
SCORER=$shared/eval/score.py
MIN=0.85

if [ ! -d "$shared" ] || [ ! -f "$SCORER" ]; then
    echo "score-packs: no scorer at $SCORER (the shared evaluation data is not here): nothing scored"
    exit 0
fi
if [ ! -x "$PM" ]; then
    echo "score-packs: $PM not found or not executable: run make first" >&2
    exit 2
fi
export PLANMETRICS_RULES="$root/rules" LC_ALL=C.UTF-8

packs=${*:-$(ls tests/packs)}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
status=0
for p in $packs; do
    dir=tests/packs/$p
    if [ ! -d "$dir/gold" ]; then
        echo "$p: no gold rows in $dir/gold" >&2
        status=2
        continue
    fi
    # shellcheck disable=SC2086 # the documents are a glob on purpose
    if ! "$PM" extract -q --pack "$p" "$dir"/*.txt >"$tmp/forced.csv" ||
       ! "$PM" extract -q "$dir"/*.txt >"$tmp/auto.csv"; then
        echo "$p: extraction failed" >&2
        status=2
        continue
    fi
    forced=$(python3 "$SCORER" "$dir/gold" --pred "$tmp/forced.csv" --quiet) || { status=2; continue; }
    auto=$(python3 "$SCORER" "$dir/gold" --pred "$tmp/auto.csv" --quiet) || { status=2; continue; }
    verdict=$(printf '%s\n' "$forced" | awk -v min="$MIN" '{ print ($2 + 0 >= min && $4 + 0 >= min) ? "ok" : "LOW" }')
    if [ "$auto" = "$forced" ]; then
        choice="auto choice: same"
    else
        choice="auto choice DIFFERS: $(printf '%s' "$auto" | cut -d' ' -f1-4)"
        verdict=FAIL
    fi
    printf '%-10s %-4s %s; %s\n' "$p" "$verdict" "$forced" "$choice"
    [ "$verdict" = ok ] || [ "$status" = 2 ] || status=1
done
exit $status
