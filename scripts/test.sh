#!/bin/sh
# test.sh - the one command that sets up a fresh Debian 12 machine and runs
# every test: packages, sanitizer build, unit tests, end-to-end tests with a
# real Postfix, the corpus check (when ../shared/corpus exists) and a
# bounded fuzzing run.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make -j"$(nproc)" SAN=1 tests
make check CORPUS="${CORPUS:-../shared/corpus}"
