# Sourced by the benchmark scripts: the one workspace they measure.
# bench_workspace DIR PORT — workspace.toml pointing at the latency server on PORT, one
# prompt (a system and a user message) and one suite of the cases in
# DIR/evals/data/cases.jsonl (written by the caller) with an icontains assertion.
bench_workspace() {
  local ws=$1 port=$2
  mkdir -p "$ws/prompts" "$ws/evals/data"
  cat > "$ws/workspace.toml" <<TOML
[workspace]
name = "bench"
default_provider = "local"
[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:$port/v1"
concurrency = 64
timeout_s = 30
[pricing]
"bench-model" = { input = 0.15, output = 0.60 }
TOML
  cat > "$ws/prompts/p.toml" <<'TOML'
model = "bench-model"
[[messages]]
role = "system"
content = "Answer the ticket briefly."
[[messages]]
role = "user"
content = "Ticket {{ n }}: {{ text }}"
TOML
  printf 'prompt = "p"\ndataset = "data/cases.jsonl"\n[[assert]]\ntype = "icontains"\nvalue = "ticket"\n' > "$ws/evals/s.toml"
}
