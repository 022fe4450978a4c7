#!/usr/bin/env bash
# vLLM cannot load the Q4_1 GGUF on CPU: dequantize it once with transformers into a
# float model directory, cached outside the checkout, keyed by the GGUF's sha256.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
gguf="$here/../public/models/$GGUF_NAME"
[ -f "$gguf" ] || (cd "$here/.." && npm run models)
[ -f "$gguf" ] || { echo "no $gguf after npm run models" >&2; exit 1; }
sum=$(sha256sum "$gguf" | cut -c1-16)
out="$CACHE_ROOT/smollm2-135m-instruct-f32-$sum"
if [ -f "$out/.complete" ]; then
  echo "dequantized model: cached at $out"
  exit 0
fi
[ -f "$VLLM_DIR/.complete" ] || { echo "vLLM is not installed at $VLLM_DIR: run servers/install-vllm.sh first" >&2; exit 1; }
start=$(date +%s)
rm -rf "$out"
mkdir -p "$out"
"$VLLM_DIR/venv/bin/python" - "$gguf" "$out" <<'PY'
import os, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer

gguf, out = sys.argv[1], sys.argv[2]
folder, name = os.path.split(os.path.abspath(gguf))
tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
# The weights are plain floats now: no quantizer goes with them.
if hasattr(model, "hf_quantizer"):
    model.hf_quantizer = None
if getattr(model.config, "quantization_config", None) is not None:
    del model.config.quantization_config
model.save_pretrained(out)
tok.save_pretrained(out)
PY
touch "$out/.complete"
echo "$out" > "$CACHE_ROOT/smollm2-f32.path"
echo "model dequantized in $(( $(date +%s) - start )) s: $out ($(du -sh "$out" | cut -f1))"
