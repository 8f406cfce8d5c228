#!/usr/bin/env bash
# Loading and running large suites on the offline echo provider: wall time and peak RSS
# of `check` and `eval` for N inline cases ([[cases]] in the suite file) and for an
# N-line JSONL dataset.
# Usage: scripts/bench-load.sh [N...]          (default: 10000 100000 1000000)
#        BIN=/path/to/promptwright scripts/bench-load.sh 10000   (another build)
#        KINDS=dataset scripts/bench-load.sh 1000000             (inline, dataset or both)
#        TIMEOUT=120 ...                        (seconds before a command is stopped)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 100000 1000000)
KINDS=${KINDS:-"inline dataset"}
TIMEOUT=${TIMEOUT:-300}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin promptwright
  BIN=$PWD/target/release/promptwright
fi
WS=$(mktemp -d)
trap 'rm -rf "$WS"' EXIT

workspace() { # KIND N: a fresh workspace in $WS with one suite of N cases
  local kind=$1 n=$2
  rm -rf "$WS"/*
  mkdir -p "$WS/prompts" "$WS/evals/data"
  printf '[workspace]\nname = "bench"\ndefault_provider = "local"\n[providers.local]\nkind = "echo"\n' \
    > "$WS/workspace.toml"
  printf '[[messages]]\nrole = "system"\ncontent = "Answer the ticket briefly."\n[[messages]]\nrole = "user"\ncontent = "Ticket {{ n }}: {{ text }}"\n' \
    > "$WS/prompts/p.toml"
  python3 - "$kind" "$n" "$WS" <<'PY'
import json, sys
kind, n, ws = sys.argv[1], int(sys.argv[2]), sys.argv[3]
head = 'prompt = "p"\n[[assert]]\ntype = "icontains"\nvalue = "ticket"\n'
with open(f"{ws}/evals/s.toml", "w") as suite:
    if kind == "inline":
        suite.write(head)
        for i in range(n):
            suite.write(f'[[cases]]\nid = "c{i}"\nvars = {{ n = {i}, text = "my parcel is late" }}\n')
    else:
        suite.write('dataset = "data/cases.jsonl"\n' + head)
        with open(f"{ws}/evals/data/cases.jsonl", "w") as data:
            for i in range(n):
                data.write(json.dumps({"id": f"c{i}", "vars": {"n": i, "text": "my parcel is late"}}) + "\n")
PY
}

measure() { # LABEL ARGS...: one line of wall time and peak RSS
  local label=$1; shift
  local t0 t1 status=ok
  t0=$(date +%s.%N)
  timeout "$TIMEOUT" /usr/bin/time -f '%M' -o "$WS/.rss" "$BIN" -w "$WS" "$@" \
    >"$WS/.out" 2>"$WS/.err" || { [ $? -eq 124 ] && status="stopped after ${TIMEOUT} s"; }
  t1=$(date +%s.%N)
  python3 - "$label" "$t0" "$t1" "$status" "$(tail -1 "$WS/.rss" 2>/dev/null)" <<'PY'
import sys
label, t0, t1, status, rss = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
if status != "ok":
    print(f"{label:<28} {status}")
else:
    print(f"{label:<28} {t1 - t0:8.2f} s   peak RSS {int(rss) / 1024:8.1f} MB")
PY
}

for n in "${SIZES[@]}"; do
  for kind in $KINDS; do
    workspace "$kind" "$n"
    measure "$kind $n check" check
    # The default table report, to a file; records accumulate in .promptwright/runs.
    measure "$kind $n eval" eval -o "$WS/report.txt"
  done
done
