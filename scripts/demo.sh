#!/bin/sh
# First run on a fresh Debian machine: install what is missing, build, and extract the
# bundled example plans into examples.csv, then print the summary by city and category.
set -e
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
make
./planmetrics extract examples/*.txt -o examples.csv
echo "planmetrics: wrote examples.csv ($(($(wc -l < examples.csv) - 1)) rows)"
./planmetrics summary --format md examples.csv
