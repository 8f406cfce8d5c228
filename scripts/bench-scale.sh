#!/usr/bin/env bash
# How a run grows with the suite: N cases (a JSONL dataset) against the local latency
# server at -j 256, without the cache: wall time, the ratio to the ideal
# (cases × latency ÷ 256), peak RSS, and then the time the TUI takes to open on the
# workspace with that run recorded (load, build, first frame; median of five).
# Usage: scripts/bench-scale.sh [N...]      (default: 10000 30000 100000)
#        LATENCY=50 JOBS=256 PORT=18090 ... (the server's delay in ms, -j, its port)
#        BIN=/path/to/promptwright ...      (another build of the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-workspace.sh
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 30000 100000)
LATENCY=${LATENCY:-50}
JOBS=${JOBS:-256}
PORT=${PORT:-18090}
cargo build --release --quiet --bin promptwright --example latency_server --example first_frame
BIN=${BIN:-$PWD/target/release/promptwright}
SERVER=$PWD/target/release/examples/latency_server
FIRST_FRAME=$PWD/target/release/examples/first_frame
WS=$(mktemp -d)
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WS"' EXIT
"$SERVER" "$PORT" "$LATENCY" 2>/dev/null &
SERVER_PID=$!
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/served" >/dev/null && break; sleep 0.1; done

echo "$LATENCY ms per answer, -j $JOBS, no cache, $(nproc) cores"
for n in "${SIZES[@]}"; do
  rm -rf "${WS:?}"/*
  bench_workspace "$WS" "$PORT"
  python3 - "$n" > "$WS/evals/data/cases.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"id": f"c{i}", "vars": {"n": i, "text": "my parcel is late"}}))
PY
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$WS/.rss" "$BIN" -w "$WS" eval -j "$JOBS" --no-cache \
    -o "$WS/report.txt" >/dev/null 2>"$WS/.err" || true
  t1=$(date +%s.%N)
  frame=$("$FIRST_FRAME" "$WS" | sed -n "s/.*first frame: //p")
  python3 - "$n" "$LATENCY" "$JOBS" "$t0" "$t1" "$(tail -1 "$WS/.rss")" "$frame" <<'PY'
import sys
n, lat, j = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
secs = float(sys.argv[5]) - float(sys.argv[4])
rss = int(sys.argv[6]) / 1024
ideal = n * lat / 1000 / j
print(f"{n:>7} cases  {secs:7.2f} s  ideal {ideal:6.2f} s  ratio {ideal / secs:.3f}  "
      f"peak RSS {rss:6.1f} MB ({rss * 1024 * 1024 / n:5.0f} B a case)  TUI opens: {sys.argv[7]}")
PY
  grep -q "passed" "$WS/report.txt" || { echo "the run did not finish:"; cat "$WS/.err"; exit 1; }
done
