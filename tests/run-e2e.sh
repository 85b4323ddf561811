#!/bin/sh
# run-e2e.sh BUILD_DIR - run every tests/e2e/test-*.sh; fail if any fails.
# Each script gets RELANCE_SRC and RELANCE_BIN and its own temporary folder.
set -u
B=$1
export RELANCE_SRC=$(pwd)
export RELANCE_BIN=$(pwd)/$B
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0; n=0
for t in ${E2E_ONLY:-tests/e2e/test-*.sh}; do
    [ -f "$t" ] || continue
    n=$((n + 1))
    tmp=$(mktemp -d /tmp/relance-e2e.XXXXXX)
    chmod 755 "$tmp"
    # The test owns $tmp/work entirely; its log lives beside it.
    mkdir -m 755 "$tmp/work"
    log=$tmp/test.log
    start=$(date +%s)
    # A program may die of a sanitizer report while the test only checks
    # state (the milter behind default_action=accept, say): any report in
    # the test's files fails it.
    # pipefail for every script, whether it sources lib.sh or not.
    if TMPDIR=$tmp/work WORK=$tmp/work bash -o pipefail "$t" > "$log" 2>&1 &&
        ! grep -rlsE 'ERROR: (Address|Leak)Sanitizer|runtime error: ' "$tmp" >> "$log"; then
        echo "PASS $(basename "$t") ($(( $(date +%s) - start ))s)"
        rm -rf "$tmp"
    else
        echo "FAIL $(basename "$t") (kept $tmp)"; tail -n 60 "$log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "e2e: $n scripts, $failed failed"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
