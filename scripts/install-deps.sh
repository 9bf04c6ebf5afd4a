#!/bin/sh
# Install the Debian packages planmetrics needs to build and test (root or sudo).
# Safe to run again: apt-get skips what is already installed.
set -e
PKGS="build-essential pkg-config libpcre2-dev libgsl-dev libcsv-dev libcmocka-dev python3"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
missing=
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
