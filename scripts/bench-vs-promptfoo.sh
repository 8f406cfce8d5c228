#!/usr/bin/env bash
# The same eval through promptwright and through promptfoo, side by side, in one run:
# both against one local OpenAI-compatible server that answers after a fixed latency
# (examples/latency_server.rs), the same cases, the same assertion (icontains), the same
# concurrency, no cache. Prints cases/s as a ratio to the ideal, peak RSS, start-up time
# and a cached re-run for each tool, then the ratios promptwright ÷ promptfoo and the
# targets of issue 8.
#
#   scripts/bench-vs-promptfoo.sh [CASES] [LATENCY_MS]      (default 500 cases, 50 ms)
#
# Environment:
#   PROMPTFOO_VERSION  the npm version to install (default 0.121.20: the newest that still
#                      runs on Node 20; 0.122 and later need Node >= 22.22)
#   PROMPTFOO_DIR      an existing folder with node_modules/.bin/promptfoo to reuse
#                      instead of installing into a temporary folder (the install takes
#                      ~2 minutes and 1.4 GB)
#   RUNS               measured runs per configuration; the median is reported (default 3)
#   PORT               the latency server's port (default 18093)
#
# promptfoo is installed from the npm registry into a temporary folder that is removed on
# exit; its telemetry, update check, sharing and disk cache are off, and its config dir
# (results database) is a temporary folder too. Nothing is written outside temp folders
# but target/ (the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-workspace.sh
CASES=${1:-500}
LATENCY=${2:-50}
PORT=${PORT:-18093}
RUNS=${RUNS:-3}
PROMPTFOO_VERSION=${PROMPTFOO_VERSION:-0.121.20}

cargo build --release --quiet --bin promptwright --example latency_server
BIN=$PWD/target/release/promptwright
SERVER=$PWD/target/release/examples/latency_server
TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- promptfoo
export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_DISABLE_SHARING=1 \
  PROMPTFOO_DISABLE_REMOTE_GENERATION=1 PROMPTFOO_DISABLE_RUNTIME_WARNINGS=1 \
  PROMPTFOO_CONFIG_DIR=$TMP/promptfoo-home PROMPTFOO_CACHE_PATH=$TMP/promptfoo-cache \
  OPENAI_API_KEY=sk-dummy-local-server NO_COLOR=1
if [ -n "${PROMPTFOO_DIR:-}" ]; then
  PF=$PROMPTFOO_DIR/node_modules/.bin/promptfoo
else
  echo "installing promptfoo@$PROMPTFOO_VERSION from the npm registry into $TMP/npm ..." >&2
  mkdir -p "$TMP/npm"
  (cd "$TMP/npm" && npm install --no-audit --no-fund --loglevel=error "promptfoo@$PROMPTFOO_VERSION" >/dev/null)
  PF=$TMP/npm/node_modules/.bin/promptfoo
fi
PF_VERSION=$("$PF" --version 2>/dev/null | tail -1)
echo "promptfoo $PF_VERSION on node $(node --version); promptwright $("$BIN" --version)" >&2

# ---------------------------------------------------------------- the server
"$SERVER" "$PORT" "$LATENCY" 2>/dev/null &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/served" >/dev/null && break; sleep 0.1; done
served() { curl -sf "http://127.0.0.1:$PORT/served"; }

# ---------------------------------------------------------------- the two workspaces
# promptwright: one prompt (system + user message), one suite of CASES cases from a
# dataset, one suite-wide icontains assertion. The server answers "echo: <last message>",
# so every case passes on both sides.
WS=$TMP/pw
bench_workspace "$WS" "$PORT"

# promptfoo: the same two messages (a JSON chat prompt), the same vars, the same
# assertion, through its OpenAI provider pointed at the same server.
PFW=$TMP/pf
mkdir -p "$PFW"
python3 - "$CASES" "$PORT" "$WS/evals/data/cases.jsonl" "$PFW" <<'PY'
import json, sys
cases, port, jsonl, pfw = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
vars_ = [{"n": i, "text": "my parcel is late"} for i in range(cases)]
with open(jsonl, "w") as f:
    for i, v in enumerate(vars_):
        f.write(json.dumps({"id": f"c{i}", "vars": v}) + "\n")
with open(f"{pfw}/prompt.json", "w") as f:
    json.dump([{"role": "system", "content": "Answer the ticket briefly."},
               {"role": "user", "content": "Ticket {{ n }}: {{ text }}"}], f)
config = {
    "description": "bench",
    "prompts": ["file://prompt.json"],
    "providers": [{"id": "openai:chat:bench-model",
                   "config": {"apiBaseUrl": f"http://127.0.0.1:{port}/v1",
                              "apiKey": "sk-dummy-local-server"}}],
    "defaultTest": {"assert": [{"type": "icontains", "value": "ticket"}]},
    "tests": [{"description": f"c{i}", "vars": v} for i, v in enumerate(vars_)],
    "sharing": False,
}
# JSON is YAML: promptfoo reads it as promptfooconfig.yaml.
with open(f"{pfw}/promptfooconfig.yaml", "w") as f:
    json.dump(config, f, indent=1)
PY

# ---------------------------------------------------------------- measuring
# One measured command: wall seconds and peak RSS (KiB, /usr/bin/time %M: the largest
# process of the tree) appended to $TMP/results as "key secs rss requests promptfoo-duration".
run_once() { # key, dir, command...
  local key=$1 dir=$2; shift 2
  local before after t0 t1 inner=nan
  case $key in *pf*) rm -f "$TMP/pf-out.json" ;; *) rm -f "$TMP/pw-out.json" ;; esac
  before=$(served)
  t0=$(date +%s.%N)
  (cd "$dir" && /usr/bin/time -f '%M' -o "$TMP/rss" "$@" >"$TMP/last.out" 2>"$TMP/last.err") || true
  t1=$(date +%s.%N)
  after=$(served)
  case $key in *pf*) inner=$(pf_duration) ;; esac
  echo "$key $(python3 -c "print(f'{$t1 - $t0:.4f}')") $(tail -1 "$TMP/rss") $((after - before)) $inner" >> "$TMP/results"
}
# The evaluation time promptfoo reports itself (its start-up and output writing left out).
pf_duration() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"]["stats"]["durationMs"] / 1000)' \
    "$TMP/pf-out.json" 2>/dev/null || echo nan
}
# The two eval commands (arrays, since /usr/bin/time runs programs, not shell functions).
PW_EVAL=("$BIN" -w "$WS" eval --format json -o "$TMP/pw-out.json")
PF_EVAL=("$PF" eval -c promptfooconfig.yaml --no-progress-bar --no-table --no-share -o "$TMP/pf-out.json")
pass_counts() { # the passes each tool reports in its last output, as a sanity check
  python3 - "$TMP/pw-out.json" "$TMP/pf-out.json" <<'PY'
import json, sys
try:
    pw = json.load(open(sys.argv[1]))["runs"][0]["summary"]
    pws = f"promptwright {pw['passed']}/{pw['cases']} passed"
except Exception as e:
    pws = f"promptwright: no results ({e})"
try:
    st = json.load(open(sys.argv[2]))["results"]["stats"]
    pfs = f"promptfoo {st['successes']}/{st['successes'] + st['failures'] + st.get('errors', 0)} passed"
except Exception as e:
    pfs = f"promptfoo: no results ({e})"
print(f"  {pws}; {pfs}")
PY
}

: > "$TMP/results"
echo "warm-up (not measured) ..." >&2
run_once warm-pw "$WS" "${PW_EVAL[@]}" -j 64 --no-cache
run_once warm-pf "$PFW" "${PF_EVAL[@]}" -j 64 --no-cache
pass_counts >&2

for r in $(seq "$RUNS"); do
  for j in 16 64; do
    echo "run $r/$RUNS: -j $j ..." >&2
    run_once "pw-j$j" "$WS" "${PW_EVAL[@]}" -j "$j" --no-cache
    run_once "pf-j$j" "$PFW" "${PF_EVAL[@]}" -j "$j" --no-cache
  done
done
pass_counts >&2

# The cached re-run: promptwright's --no-cache runs above refreshed its cache; promptfoo's
# --no-cache neither reads nor writes its cache, so one run fills it first.
run_once fill-pf "$PFW" "${PF_EVAL[@]}" -j 64
for r in $(seq "$RUNS"); do
  run_once pw-cached "$WS" "${PW_EVAL[@]}" -j 64
  run_once pf-cached "$PFW" "${PF_EVAL[@]}" -j 64
done

# Start-up: --version, with hyperfine when it is installed (apt-get install hyperfine).
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 30 --export-json "$TMP/pw-start.json" "$BIN --version" >/dev/null 2>&1 ||
    hyperfine --warmup 3 --runs 30 --export-json "$TMP/pw-start.json" "$BIN --version" >/dev/null
  hyperfine -N --warmup 1 --runs 10 --export-json "$TMP/pf-start.json" "$PF --version" >/dev/null 2>&1 ||
    hyperfine --warmup 1 --runs 10 --export-json "$TMP/pf-start.json" "$PF --version" >/dev/null
  START_HOW=hyperfine
else
  for tool in pw pf; do
    cmd=$BIN; n=30
    if [ "$tool" = pf ]; then cmd=$PF; n=10; fi
    python3 - "$cmd" "$n" "$TMP/$tool-start.json" <<'PY'
import json, subprocess, sys, time
cmd, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
times = []
for _ in range(n + 1):
    t = time.perf_counter()
    subprocess.run([cmd, "--version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
times = sorted(times[1:])
json.dump({"results": [{"median": times[len(times) // 2], "mean": sum(times) / len(times)}]}, open(out, "w"))
PY
  done
  START_HOW="a loop of runs"
fi
run_once pw-start-rss "$WS" "$BIN" --version
run_once pf-start-rss "$PFW" "$PF" --version

# ---------------------------------------------------------------- the table
python3 - "$TMP/results" "$TMP/pw-start.json" "$TMP/pf-start.json" "$CASES" "$LATENCY" "$RUNS" "$PF_VERSION" "$START_HOW" <<'PY'
import json, statistics, sys
results, pw_start, pf_start, cases, lat, runs, pf_version, start_how = sys.argv[1:]
cases, lat = int(cases), int(lat)
rows = {}
for line in open(results):
    key, secs, rss, req, inner = line.split()
    rows.setdefault(key, []).append((float(secs), int(rss), int(req), float(inner)))
def med(key, i):
    return statistics.median(r[i] for r in rows[key])
def startup(path):
    return json.load(open(path))["results"][0]["median"]

print(f"{cases} cases, {lat} ms per answer, median of {runs} runs; promptfoo {pf_version}")
print()
print(f"{'':<30} {'promptwright':>14} {'promptfoo':>14} {'pw ÷ pf':>9}  target")
def row(label, pw, pf, fmt, target=""):
    ratio = pw / pf if pf else float("nan")
    print(f"{label:<30} {fmt.format(pw):>14} {fmt.format(pf):>14} {ratio:>9.3g}  {target}")
    return ratio
verdicts = []
for j in (16, 64):
    ideal = cases * lat / 1000 / j
    pw_s, pf_s = med(f"pw-j{j}", 0), med(f"pf-j{j}", 0)
    print(f"-j {j}: ideal {ideal:.3f} s")
    row(f"  wall time (s)", pw_s, pf_s, "{:.3f}")
    r = row(f"  cases/s", cases / pw_s, cases / pf_s, "{:.1f}", "≥ 10 at -j 64" if j == 64 else "")
    row(f"  ratio to ideal", ideal / pw_s, ideal / pf_s, "{:.3f}")
    pf_inner = med(f"pf-j{j}", 3)
    print(f"  promptfoo's own eval time     {'':>14} {pf_inner:>14.3f}  (start-up left out: "
          f"{ideal / pf_inner:.3f} of ideal)")
    row(f"  peak RSS (MB)", med(f"pw-j{j}", 1) / 1024, med(f"pf-j{j}", 1) / 1024, "{:.1f}",
        "< 0.1" if j == 64 else "")
    print(f"  requests served per run       {med(f'pw-j{j}', 2):>14.0f} {med(f'pf-j{j}', 2):>14.0f}")
    if j == 64:
        verdicts.append(("cases/s at -j 64 ≥ 10× promptfoo's", r >= 10, f"{r:.1f}×"))
        m = med("pw-j64", 1) / med("pf-j64", 1)
        verdicts.append(("peak RSS < 1/10 of promptfoo's", m < 0.1, f"{m:.3f}"))
print("cached re-run (-j 64)")
row("  wall time (s)", med("pw-cached", 0), med("pf-cached", 0), "{:.3f}")
row("  peak RSS (MB)", med("pw-cached", 1) / 1024, med("pf-cached", 1) / 1024, "{:.1f}")
print(f"  requests served per run       {med('pw-cached', 2):>14.0f} {med('pf-cached', 2):>14.0f}")
print(f"start-up: --version ({start_how}, median)")
s = row("  time (ms)", startup(pw_start) * 1000, startup(pf_start) * 1000, "{:.2f}", "≤ 0.01 (100× faster)")
row("  peak RSS (MB)", med("pw-start-rss", 1) / 1024, med("pf-start-rss", 1) / 1024, "{:.1f}")
verdicts.append(("start-up ≥ 100× faster", s <= 0.01, f"{1 / s:.0f}× faster"))
for key, want in [("pw-j16", cases), ("pf-j16", cases), ("pw-j64", cases), ("pf-j64", cases),
                  ("pw-cached", 0), ("pf-cached", 0)]:
    bad = [r[2] for r in rows[key] if r[2] != want]
    if bad:
        print(f"WARNING: {key}: the server saw {bad} requests in a run, expected {want}: "
              "a run failed, and its figures mean nothing")
print()
for name, ok, actual in verdicts:
    print(f"{'MET ' if ok else 'MISS'}  {name}: {actual}")
PY
