#!/usr/bin/env bash
# torchrun for one of the tools: tools/dist_launch.sh TOOL GPUS [tool args...] (used by dist_train.sh, dist_test.sh)
# Multi-node: NNODES=2 NODE_RANK=0|1 MASTER_ADDR=host0 PORT=29500
# MAX_RESTARTS=N: torchrun restarts the worker group up to N times after a worker dies; train.py then resumes from
# the newest checkpoint of its work dir by itself. Exit code 75: training stopped on a warning signal (SIGTERM,
# SIGUSR1) after writing a resumable checkpoint (torchrun itself reports any worker exit as 1).
set -euo pipefail
TOOL=$1
GPUS=$2
DIR="$(cd "$(dirname "$0")" && pwd)"
STATUS_FILE="$(mktemp)"
trap 'rm -f "$STATUS_FILE"' EXIT
# restarted workers must not meet the previous round's keys in torchrun's shared TCPStore (pytorch issue 135712)
export TORCH_DISABLE_SHARE_RDZV_TCP_STORE="${TORCH_DISABLE_SHARE_RDZV_TCP_STORE:-1}"
rc=0
TT_EXIT_STATUS_FILE="$STATUS_FILE" python -m torch.distributed.run --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" --master_addr="${MASTER_ADDR:-127.0.0.1}" --nproc_per_node="$GPUS" \
    --master_port="${PORT:-29500}" --max-restarts="${MAX_RESTARTS:-0}" \
    "$DIR/$TOOL" "${@:3}" --launcher pytorch || rc=$?
if [ "$rc" != 0 ] && [ "$(cat "$STATUS_FILE")" = 75 ]; then
    exit 75
fi
exit "$rc"
