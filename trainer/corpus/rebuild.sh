#!/usr/bin/env bash
# Re-downloads the pinned wheels of the embedded corpus, checks their hashes, and rebuilds
# trainer/corpus/python-packages.jsonl.gz (and ATTRIBUTION.md) from them. The result is byte-identical to
# the shipped file: the script ends by comparing the two. The shipped file leaves out `original_string`
# and `code_tokens` (10.6 MB instead of 27.5 MB): the loader recomputes the tokens from `code`.
#
# splits.txt pins every package's split. The packages it lists keep their split; a package added to
# wheels.txt is assigned by the usual hash order, and `--update` pins it too. So a grown corpus never moves
# a package a shipped checkpoint was trained on into the test split.
#
# Usage: trainer/corpus/rebuild.sh [--update] [WHEEL_DIR]   (default WHEEL_DIR: .wheels at the repository root)
#   --update  replace the shipped files with the rebuilt ones (after a change to the corpus builder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
wheels=${1:-$root/.wheels}
mkdir -p "$wheels"

# The same files on every machine: CPython 3.12 wheels for x86-64 Linux, pure-Python ones where they exist.
python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version 3.12 --implementation cp --abi cp312 --abi abi3 --abi none \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
    --platform any -d "$wheels" -r "$here/wheels.txt"
(cd "$wheels" && sha256sum --quiet -c "$here/wheels.sha256")

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Only the pinned files, even if the folder holds others.
inputs=()
while read -r _ file; do inputs+=("$wheels/$file"); done < "$here/wheels.sha256"
time cargo run --release -p trainer -- corpus build --input "${inputs[@]}" \
    --out "$out/python-packages.jsonl.gz" --attribution "$out/ATTRIBUTION.md" \
    --keep-splits "$here/splits.txt" --write-splits "$out/splits.txt" \
    --omit original_string,code_tokens

if [ "$update" = 1 ]; then
    cp "$out/python-packages.jsonl.gz" "$out/ATTRIBUTION.md" "$out/splits.txt" "$here/"
    echo "updated $here/python-packages.jsonl.gz, ATTRIBUTION.md and splits.txt"
elif cmp -s "$out/python-packages.jsonl.gz" "$here/python-packages.jsonl.gz" &&
    cmp -s "$out/splits.txt" "$here/splits.txt"; then
    echo "rebuilt corpus is byte-identical to the shipped one"
else
    echo "rebuilt corpus differs from the shipped one (run with --update to replace it)" >&2
    exit 1
fi
