#!/bin/sh
# run-unit.sh BUILD_DIR - run every unit test binary; fail if any fails.
# Tests get RELANCE_SRC (the source tree) and a private TMPDIR.
set -u
B=$1
export RELANCE_SRC=$(pwd)
export RELANCE_BIN=$(pwd)/$B
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0; n=0
for t in "$B"/tests/test-*; do
    [ -x "$t" ] || continue
    n=$((n + 1))
    tmp=$(mktemp -d)
    if TMPDIR=$tmp "$t" > "$tmp/out" 2>&1; then
        echo "PASS $(basename "$t") ($(tail -n 1 "$tmp/out"))"
    else
        echo "FAIL $(basename "$t")"; sed 's/^/    /' "$tmp/out" | tail -n 40
        failed=$((failed + 1))
    fi
    rm -rf "$tmp"
done
echo "unit: $n programs, $failed failed"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
