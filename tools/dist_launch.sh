#!/usr/bin/env bash
# torchrun for one of the tools: tools/dist_launch.sh TOOL GPUS [tool args...] (used by dist_train.sh, dist_test.sh)
# Multi-node: NNODES=2 NODE_RANK=0|1 MASTER_ADDR=host0 PORT=29500
set -euo pipefail
TOOL=$1
GPUS=$2
DIR="$(cd "$(dirname "$0")" && pwd)"
python -m torch.distributed.run --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --nproc_per_node="$GPUS" --master_port="${PORT:-29500}" \
    "$DIR/$TOOL" "${@:3}" --launcher pytorch
