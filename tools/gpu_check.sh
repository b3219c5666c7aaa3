#!/usr/bin/env bash
# The GPU check of issue 19: official-size stage-2 training step (time, peak memory; all four losses, fp16 judges, gradient
# checkpointing) and official-size inference speed. On a machine without CUDA it prints "no GPU" and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONWARNINGS=ignore
latentsync-nb bench gpu "$@"
