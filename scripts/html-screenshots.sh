#!/usr/bin/env bash
# The HTML report screenshots in screenshots/: an eval report and a gate report of the
# demo workspace (a copy, on its offline provider), photographed by headless Chromium.
# Usage: scripts/html-screenshots.sh   (needs `chromium`: apt-get install chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin promptwright
BIN=$PWD/target/debug/promptwright
WS=$(mktemp -d)
PROFILE=$(mktemp -d)
trap 'rm -rf "$WS" "$PROFILE"' EXIT
cp -r workspace.toml prompts evals releases "$WS"/
(cd "$WS" && "$BIN" eval --format html -o eval.html || [ $? -eq 1 ])
(cd "$WS" && "$BIN" gate support-reply --format html -o gate.html)
shoot() { # FILE FRAGMENT PNG HEIGHT
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$PROFILE" --virtual-time-budget=3000 --window-size=1280,"$4" \
        --screenshot="$PWD/$3" "file://$WS/$1#$2" 2>/dev/null
}
shoot eval.html "filter=fail&open=first" screenshots/html-eval.png 1500
shoot gate.html "" screenshots/html-gate.png 1500
echo "wrote screenshots/html-eval.png and screenshots/html-gate.png"
