#!/usr/bin/env bash
# Eval throughput against a local OpenAI-compatible server with a fixed latency:
# cases per second, the ratio to the ideal (cases × latency ÷ concurrency), peak RSS,
# and a fully cached re-run. Usage: scripts/bench-eval.sh [CASES] [LATENCY_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-workspace.sh
CASES=${1:-2000}
LATENCY=${2:-50}
PORT=${PORT:-18089}
cargo build --release --quiet --bin promptwright --example latency_server --example bare_client
BIN=$PWD/target/release/promptwright
SERVER=$PWD/target/release/examples/latency_server
WS=$(mktemp -d)
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WS"' EXIT
"$SERVER" "$PORT" "$LATENCY" 2>/dev/null &
SERVER_PID=$!
bench_workspace "$WS" "$PORT"
python3 - "$CASES" > "$WS/evals/data/cases.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"id": f"c{i}", "vars": {"n": i, "text": "my parcel is late"}}))
PY
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/served" >/dev/null && break; sleep 0.1; done

measure() { # label, args...
  local label=$1; shift
  local t0 t1 rss
  t0=$(date +%s.%N)
  # What a user runs: the default table report, here to a file rather than a terminal.
  /usr/bin/time -f '%M' -o "$WS/rss" "$BIN" -w "$WS" eval "$@" >"$WS/out.txt" 2>/dev/null || true
  t1=$(date +%s.%N)
  rss=$(cat "$WS/rss")
  python3 - "$label" "$CASES" "$LATENCY" "$t0" "$t1" "$rss" "$@" <<'PY'
import sys
label, cases, lat, t0, t1, rss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
args = sys.argv[7:]
j = int(args[args.index("-j") + 1]) if "-j" in args else None
secs = t1 - t0
line = f"{label:<22} {secs:7.3f} s  {cases/secs:8.1f} cases/s  peak RSS {rss/1024:6.1f} MB"
if j and "--no-cache" in args:
    ideal = cases * lat / 1000 / j
    line += f"  ideal {ideal:.3f} s  ratio {ideal/secs:.3f}"
print(line)
PY
}

echo "$CASES cases, $LATENCY ms per answer"
# The floor: the same requests from a bare reqwest loop (no templates, scoring, cache or
# record) on the same machine and server. No client can beat it here.
for j in 16 64; do
  t0=$(date +%s.%N)
  "$PWD/target/release/examples/bare_client" "$PORT" "$CASES" "$j" >/dev/null
  t1=$(date +%s.%N)
  secs=$(python3 -c "print($t1 - $t0)")
  python3 -c "import sys; c,l,j,s=int(sys.argv[1]),int(sys.argv[2]),int(sys.argv[3]),float(sys.argv[4]); i=c*l/1000/j; print(f'bare client -j {j:<10} {s:7.3f} s  {c/s:8.1f} cases/s                    ideal {i:.3f} s  ratio {i/s:.3f}')" "$CASES" "$LATENCY" "$j" "$secs"
done
measure "-j 16 (no cache)" -j 16 --no-cache
measure "-j 64 (no cache)" -j 64 --no-cache
measure "cached re-run" -j 64
