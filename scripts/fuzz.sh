#!/usr/bin/env bash
# Runs the fuzz properties of tests/fuzz.rs for longer than CI does (CI: proptest's
# default 256 cases per property, a few seconds): rounds of PROPTEST_CASES cases per
# property, each round with fresh random seeds, until FUZZ_SECONDS have passed.
#
#   scripts/fuzz.sh                          # 10 minutes, 2,000 cases per property per round
#   FUZZ_SECONDS=3600 scripts/fuzz.sh        # an hour
#   PROPTEST_CASES=100000 scripts/fuzz.sh templates   # only properties matching "templates"
#
# A failure stops the run and proptest records its seed in tests/fuzz.proptest-regressions,
# which every later run (CI included) replays first: commit it with the fix, and add the
# input to tests/fuzz-corpus/ so the corpus tests keep it too.
#
# The test binary runs under a memory cap (FUZZ_MEMORY_KB, default 4 GB of address
# space): a template that asks for a huge allocation must be an error, and if one is not,
# it aborts this run instead of taking the machine down.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_BUDGET=${FUZZ_SECONDS:-600}
CASES=${PROPTEST_CASES:-2000}
MEMORY_KB=${FUZZ_MEMORY_KB:-4000000}

BIN=$(cargo test --test fuzz --no-run 2>&1 | sed -n 's/.*Executable tests\/fuzz.rs (\(.*\))/\1/p' | tail -1)
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
    echo "fuzz.sh: could not build the fuzz tests" >&2
    exit 2
fi

deadline=$(( $(date +%s) + SECONDS_BUDGET ))
round=0
while :; do
    left=$(( deadline - $(date +%s) ))
    [ "$left" -gt 0 ] || break
    round=$(( round + 1 ))
    echo "fuzz.sh: round $round, $CASES cases per property, ${left}s left" >&2
    set +e
    ( ulimit -v "$MEMORY_KB"; PROPTEST_CASES=$CASES timeout "$left" "$BIN" --quiet "$@" )
    rc=$?
    set -e
    if [ "$rc" -eq 124 ]; then
        break # the time is up in the middle of a round
    elif [ "$rc" -ne 0 ]; then
        echo "fuzz.sh: round $round failed (exit $rc); see tests/fuzz.proptest-regressions" >&2
        exit "$rc"
    fi
done
echo "fuzz.sh: $round rounds in ${SECONDS_BUDGET}s, no failure" >&2
