#!/bin/sh
# Optional: install clang and its libFuzzer/sanitizer runtime for `make fuzz` (Debian 12).
# Does nothing when $FUZZ_CC can already link a -fsanitize=fuzzer program; normal builds never need this.
set -e
CC=${FUZZ_CC:-clang}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
probe() {
    printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/p.c"
    "$CC" -fsanitize=fuzzer,address,undefined -o "$tmp/p" "$tmp/p.c" >/dev/null 2>&1
}
probe && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-fuzz-deps: $CC cannot build libFuzzer targets; install clang and its compiler-rt (libFuzzer, ASan, UBSan)" >&2
    exit 1
fi
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang libclang-rt-14-dev
probe || { echo "install-fuzz-deps: $CC still cannot link -fsanitize=fuzzer" >&2; exit 1; }
