#!/bin/sh
# bench/run.sh BUILD_DIR - every benchmark, one after the other, each
# printing its figures beside its targets (`make bench`). Benchmarks are
# not tests: they never fail the build. The milter and submission
# benchmarks start a private Postfix and need root.
B=${1:-build}
cd "$(dirname "$0")/.."
echo "== machine: $(nproc) CPU, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== import (issue 2)";             sh bench/import.sh "$B"
echo "== planning (issue 3)";           "$B/bench/plan"
echo "== submission (issue 3)";         bash bench/submit.sh "$B" 2000
echo "== classifier (issue 4)";         "$B/bench/classify" 500
echo "== milter behind Postfix (issue 4)"; bash bench/milter.sh "$B"
