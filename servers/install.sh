#!/usr/bin/env bash
# Installs what the live server suite needs into the cache (outside the checkout), each
# part skipped when its version is already there: vLLM and llama-server side by side
# (one downloads, the other compiles), then the dequantized model. Prints the times.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
mkdir -p "$CACHE_ROOT"
start=$(date +%s)
"$here/install-llama-server.sh" > "$CACHE_ROOT/install-llama-server.log" 2>&1 &
llama=$!
if ! "$here/install-vllm.sh"; then
  echo "vLLM install failed" >&2
  kill "$llama" 2>/dev/null || true
  exit 1
fi
"$here/prepare-vllm-model.sh"
if ! wait "$llama"; then
  echo "llama-server build failed; its log:" >&2
  tail -50 "$CACHE_ROOT/install-llama-server.log" >&2
  exit 1
fi
tail -1 "$CACHE_ROOT/install-llama-server.log"
echo "servers installed in $(( $(date +%s) - start )) s"
