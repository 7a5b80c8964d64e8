#!/usr/bin/env bash
# trunk's post-build hook (Trunk.toml): shrinks every wasm of the site with npm's binaryen
# (`npm ci` in web/ installs it; trunk's own wasm-opt would be downloaded from GitHub, and Debian's
# breaks the wasm): `-Oz`, dropping any name and producers sections (function names only serve
# stack traces), with the sizes before and after, raw and gzipped.
# The WebGPU worker is left as built: binaryen's JS build takes over 5 minutes on its 33 MB, and it
# loads only when asked for. Without binaryen it leaves the wasm as it is and says so.
set -euo pipefail
cd "$(dirname "$0")"
OPT=node_modules/.bin/wasm-opt
if [ ! -x "$OPT" ]; then
    echo "wasm-opt: skipped (run \`npm ci\` in web/ to install binaryen)"
    exit 0
fi
# The features rustc's wasm32 target uses by default: wasm-opt must accept and keep them.
FEATURES=(--enable-bulk-memory --enable-mutable-globals --enable-sign-ext
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue)
size() { echo "$(stat -c %s "$1") B, $(gzip -9c "$1" | wc -c) B gzipped"; }
for wasm in "${TRUNK_STAGING_DIR:?run by trunk}"/*.wasm; do
    name=$(basename "$wasm")
    if [[ $name == worker-gpu* ]]; then
        echo "wasm-opt: $name: $(size "$wasm"), left as built"
        continue
    fi
    echo "wasm-opt: $name: $(size "$wasm")"
    "$OPT" "${FEATURES[@]}" -Oz --strip-debug --strip-producers "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    echo "wasm-opt: $name after: $(size "$wasm")"
done
