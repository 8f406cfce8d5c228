#!/usr/bin/env bash
# The comparison grid against one run of the same work: 4 cells (2 targets × 2 refs) of
# CASES cases each, against one run of 4 × CASES cases, all at the same latency and the
# same requests in flight (each target's provider at J, the single run at 2 × J).
# Prints each one's wall time and its ratio to the ideal (cases × latency ÷ in flight).
# Usage: scripts/bench-grid.sh [CASES] [LATENCY_MS] [J]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-workspace.sh
CASES=${1:-2000}
LATENCY=${2:-50}
J=${3:-16}
PORT=${PORT:-18090}
cargo build --release --quiet --bin promptwright --example latency_server
BIN=$PWD/target/release/promptwright
WS=$(mktemp -d)
ONE=$(mktemp -d)
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WS" "$ONE"' EXIT
"$PWD/target/release/examples/latency_server" "$PORT" "$LATENCY" 2>/dev/null &
SERVER_PID=$!
cases() { # N -> JSONL
  python3 - "$1" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"id": f"c{i}", "vars": {"n": i, "text": "my parcel is late"}}))
PY
}
bench_workspace "$WS" "$PORT"
cases "$CASES" > "$WS/evals/data/cases.jsonl"
# A second target on the same server, and a released v1 to compare the draft with.
sed -i "s/^concurrency = 64/concurrency = $J/" "$WS/workspace.toml"
printf '[providers.other]\nkind = "openai"\nbase_url = "http://127.0.0.1:%s/v1"\nconcurrency = %s\ntimeout_s = 30\n' "$PORT" "$J" >> "$WS/workspace.toml"
printf '[gate]\nmin_pass_rate = 0.0\n' >> "$WS/workspace.toml"
bench_workspace "$ONE" "$PORT"
sed -i "s/^concurrency = 64/concurrency = $((2 * J))/" "$ONE/workspace.toml"
cases $((4 * CASES)) > "$ONE/evals/data/cases.jsonl"
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/served" >/dev/null && break; sleep 0.1; done
"$BIN" -w "$WS" release p --note v1 >/dev/null 2>&1
sed -i 's/Answer the ticket briefly./Answer the ticket in one line./' "$WS/prompts/p.toml"

measure() { # label, total cases, in flight, args...
  local label=$1 total=$2 flight=$3; shift 3
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" "$@" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  python3 -c "import sys; l,c,lat,f,s=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]),int(sys.argv[4]),float(sys.argv[6])-float(sys.argv[5]); i=c*lat/1000/f; print(f'{l:<34} {s:7.3f} s  ideal {i:.3f} s  ratio {i/s:.3f}')" "$label" "$total" "$LATENCY" "$flight" "$t0" "$t1"
}
echo "$CASES cases a cell, $LATENCY ms per answer, $J in flight per provider"
measure "grid 2 targets × 2 refs (no cache)" $((4 * CASES)) $((2 * J)) -w "$WS" eval --prompt p --target local --target other --ref draft --ref v1 --no-cache
measure "one run of 4 × cases (no cache)" $((4 * CASES)) $((2 * J)) -w "$ONE" eval --no-cache
