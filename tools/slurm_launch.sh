#!/usr/bin/env bash
# The srun launch shared by slurm_train.sh and slurm_test.sh:
#   tools/slurm_launch.sh PARTITION JOB_NAME SCRIPT [SCRIPT args...]   (SCRIPT: train.py or test.py in tools/)
# Env: GPUS (total, default 8), GPUS_PER_NODE (default min(GPUS, 8)), CPUS_PER_TASK (5), SRUN_ARGS (extra srun
# options). Every task runs SCRIPT --launcher slurm; mmengine reads the rank/world size from Slurm's variables.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
SCRIPT=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck disable=SC2086
srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 \
    $SRUN_ARGS python -u "$DIR/$SCRIPT" "${@:4}" --launcher=slurm
