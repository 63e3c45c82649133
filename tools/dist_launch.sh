#!/usr/bin/env bash
# torchrun for one of the tools: tools/dist_launch.sh TOOL GPUS [tool args...] (used by dist_train.sh, dist_test.sh)
# Multi-node: NNODES=2 NODE_RANK=0|1 MASTER_ADDR=host0 PORT=29500
# MAX_RESTARTS=N: torchrun restarts the worker group up to N times after a worker dies; train.py then resumes from
# the newest checkpoint of its work dir by itself (c10d rendezvous at MASTER_ADDR:PORT; RDZV_ID names the job, the
# same on every node). Exit code 75: training stopped on a warning signal (SIGTERM, SIGUSR1) after writing a
# resumable checkpoint (torchrun itself reports any worker exit as 1).
set -euo pipefail
TOOL=$1
GPUS=$2
DIR="$(cd "$(dirname "$0")" && pwd)"
STATUS_FILE="$(mktemp)"
trap 'rm -f "$STATUS_FILE"' EXIT
# Restarts need a rendezvous that starts each round afresh: torchrun's default (static) one keeps one TCPStore for
# all rounds, and restarted workers read the previous round's addresses from it (gloo: "connectFullMesh failed ...
# Connection refused"). The c10d rendezvous with per-round worker stores does not (pytorch issue 135712).
if [ "${MAX_RESTARTS:-0}" != 0 ]; then
    export TORCH_DISABLE_SHARE_RDZV_TCP_STORE="${TORCH_DISABLE_SHARE_RDZV_TCP_STORE:-1}"
    RDZV=(--rdzv-backend=c10d --rdzv-endpoint="${MASTER_ADDR:-127.0.0.1}:${PORT:-29500}"
          --rdzv-id="${RDZV_ID:-tresnet-tasks-${PORT:-29500}}" --max-restarts="$MAX_RESTARTS")
else
    RDZV=(--node_rank="${NODE_RANK:-0}" --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}")
fi
rc=0
TT_EXIT_STATUS_FILE="$STATUS_FILE" python -m torch.distributed.run --nnodes="${NNODES:-1}" \
    --nproc_per_node="$GPUS" "${RDZV[@]}" "$DIR/$TOOL" "${@:3}" --launcher pytorch || rc=$?
if [ "$rc" != 0 ] && [ "$(cat "$STATUS_FILE")" = 75 ]; then
    exit 75
fi
exit "$rc"
