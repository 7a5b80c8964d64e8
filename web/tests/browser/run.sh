#!/usr/bin/env bash
# End-to-end browser test of the web app (see web/README.md):
#   1. trains tiny attention and RNN checkpoints on a toy corpus with the trainer;
#   2. computes the expected code (and attention tokens) natively with `trainer generate`, and, for the
#      shipped attention checkpoint, with and without `<unk>` replacement;
#   3. builds the site with trunk into $OUT/dist, keeps that site (with the shipped checkpoints) under
#      dist/shipped/, and puts the tiny checkpoints in dist/checkpoints/ (attention, rnn; no lstm, to
#      test the missing-weights message);
#   4. serves dist/ with python's static file server;
#   5. runs test.mjs in headless Chromium (playwright-core): the specs in specs/ (generate, download,
#      worker, cache, steps, compare, stop, errors, hostile, shipped, examples, accessible, webgpu), one behaviour each, on the shared harness.mjs: exact code, heatmap,
#      errors, timings, a screenshot ($OUT/screenshot.png); on the CPU (no WebGPU adapter), then on
#      WebGPU in a second Chromium started with --enable-unsafe-webgpu (SwiftShader). REQUIRE_WEBGPU=1
#      fails the test when WebGPU cannot start there; by default the test then checks the CPU fallback
#      instead.
# Installs what it needs when missing (trunk, Chromium, playwright-core, binaryen), so it runs on a fresh machine.
# $WEB_TEST_OUT overrides the output folder (default: target/web-test).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$ROOT"
export CARGO_TERM_COLOR=never
OUT="${WEB_TEST_OUT:-$ROOT/target/web-test}"
rm -rf "$OUT"
mkdir -p "$OUT"
DESCRIPTION="Return the name."
# A description with words outside the shipped attention model's vocabulary: it writes <unk> for them.
UNK_DESCRIPTION="Return the frobnicator of the widget."
step() { echo "== web test: $* ($(date +%T))"; }

step "tools"
rustup target add wasm32-unknown-unknown
# Trunk uses the wasm-bindgen on PATH when it matches Cargo.lock's (0.2.130; .ci/run installs it).
if ! wasm-bindgen --version 2>/dev/null | grep -q ' 0\.2\.130$'; then
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        cargo install wasm-bindgen-cli --version 0.2.130
fi
# 0.21.14: 0.22 needs a newer rustc. Fat LTO would make the install several times slower.
if ! trunk --version 2>/dev/null | grep -q ' 0\.21\.14$'; then
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        cargo install trunk --version 0.21.14 --locked
fi
if ! command -v chromium >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver
fi
(cd web/tests/browser && npm ci --no-audit --no-fund --loglevel=error)
# binaryen's wasm-opt for the site build (web/wasm-opt.sh, trunk's post-build hook).
(cd web && npm ci --no-audit --no-fund --loglevel=error)

step "tiny checkpoints"
cargo build --release -p trainer
TRAINER="${CARGO_TARGET_DIR:-$ROOT/target}/release/trainer"
python3 - "$OUT/toy.jsonl" <<'PY'
# The trainer's end-to-end toy corpus: four kinds of accessor for sixteen names.
import json, sys
names = ["name", "size", "color", "width", "height", "value", "label", "count", "path", "index",
         "owner", "title", "level", "limit", "state", "score"]
with open(sys.argv[1], "w") as f:
    for i, n in enumerate(names):
        part = "train" if i < 12 else "valid" if i < 14 else "test"
        rows = [(f"Return the {n}.", f"def get_{n}(self):\n    return self.{n}\n"),
                (f"Set the {n} to value.", f"def set_{n}(self, value):\n    self.{n} = value\n"),
                (f"Check whether the {n} is set.", f"def has_{n}(self):\n    return self.{n} is not None\n"),
                (f"Reset the {n}.", f"def reset_{n}(self):\n    self.{n} = None\n    return self\n")]
        for j, (doc, code) in enumerate(rows):
            f.write(json.dumps({"repo": "toy/toy", "path": "toy.py", "func_name": f"f{i}_{j}",
                                "docstring": doc, "code": code, "partition": part}) + "\n")
PY
for model in attention rnn; do
    "$TRAINER" train --model "$model" --data "$OUT/toy.jsonl" --preset full --out "$OUT/runs/$model" \
        --epochs 150 --batch-size 8 --embedding-size 8 --hidden-size 16 >"$OUT/train-$model.log" 2>&1 \
        || { cat "$OUT/train-$model.log"; exit 1; }
done
"$TRAINER" generate --checkpoint "$OUT/runs/attention/best" --docstring "$DESCRIPTION" \
    --attention "$OUT/expected-attention.json" >"$OUT/expected-attention.py"
"$TRAINER" generate --checkpoint "$OUT/runs/attention/best" --docstring "$DESCRIPTION" --beam 3 \
    >"$OUT/expected-attention-beam.py"
"$TRAINER" generate --checkpoint "$OUT/runs/rnn/best" --docstring "$DESCRIPTION" >"$OUT/expected-rnn.py"
echo "native attention output:"; cat "$OUT/expected-attention.py"; echo
"$TRAINER" generate --checkpoint checkpoints/attention --docstring "$UNK_DESCRIPTION" \
    >"$OUT/expected-shipped-attention.py"
"$TRAINER" generate --checkpoint checkpoints/attention --docstring "$UNK_DESCRIPTION" --replace-unk \
    >"$OUT/expected-shipped-attention-unk.py"
echo "native shipped attention output, <unk> replaced:"; cat "$OUT/expected-shipped-attention-unk.py"; echo
# The neighbour the shipped retrieval model reads for its card's first sample (stderr names it).
RETRIEVAL_SAMPLE=$(python3 -c 'import json; print(json.load(open("checkpoints/retrieval/card.json"))["samples"][0]["description"])')
"$TRAINER" generate --checkpoint checkpoints/retrieval --docstring "$RETRIEVAL_SAMPLE" \
    2>"$OUT/expected-retrieval-neighbour.txt" >/dev/null
cat "$OUT/expected-retrieval-neighbour.txt"

step "site (trunk build --release)"
start=$(date +%s)
(cd web && trunk build --release --dist "$OUT/dist")
echo "web build: $(($(date +%s) - start)) s"
# The site as built (with the shipped checkpoints trunk copied) stays reachable under shipped/; the
# tests themselves use the tiny checkpoints.
cp -r "$OUT/dist" "$OUT/shipped"
rm -rf "$OUT/dist/checkpoints"
mv "$OUT/shipped" "$OUT/dist/shipped"
mkdir -p "$OUT/dist/checkpoints"
for model in attention rnn; do
    cp -r "$OUT/runs/$model/best" "$OUT/dist/checkpoints/$model"
done
for wasm in "$OUT"/dist/*.wasm; do
    echo "$(basename "$wasm"): $(stat -c %s "$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped"
done
du -b "$OUT"/dist/checkpoints/*/model.bpk

step "serve and test in headless Chromium"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$OUT/dist" "$PORT" >"$OUT/server.log" 2>&1 <<'PY' &
import functools, http.server, sys
handler = http.server.SimpleHTTPRequestHandler
handler.extensions_map[".wasm"] = "application/wasm"
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])),
                                         functools.partial(handler, directory=sys.argv[1]))
server.serve_forever()
PY
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/')" 2>/dev/null && break
    sleep 0.2
done
BASE_URL="http://127.0.0.1:$PORT" OUT_DIR="$OUT" DIST_DIR="$OUT/dist" DESCRIPTION="$DESCRIPTION" \
    EXPECTED_ATTENTION="$OUT/expected-attention.py" EXPECTED_ATTENTION_JSON="$OUT/expected-attention.json" \
    EXPECTED_ATTENTION_BEAM="$OUT/expected-attention-beam.py" \
    EXPECTED_RNN="$OUT/expected-rnn.py" SHIPPED_CHECKPOINTS="$ROOT/checkpoints" \
    UNK_DESCRIPTION="$UNK_DESCRIPTION" EXPECTED_SHIPPED_ATTENTION="$OUT/expected-shipped-attention.py" \
    EXPECTED_SHIPPED_ATTENTION_UNK="$OUT/expected-shipped-attention-unk.py" \
    EXPECTED_RETRIEVAL_NEIGHBOUR="$OUT/expected-retrieval-neighbour.txt" node web/tests/browser/test.mjs
