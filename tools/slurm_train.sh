#!/usr/bin/env bash
# Slurm training: tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args...]
# Env: GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS (see slurm_launch.sh);
#   SIGNAL_GRACE (default 120): Slurm sends SIGUSR1 this many seconds before the time limit (srun --signal); every
#     task then finishes its iteration, one resumable checkpoint is written and train.py exits with 75;
#   MAX_REQUEUES (default 10): how often a run stopped that way is started again.
# Exit 75 inside a batch job (sbatch --requeue ... tools/slurm_train.sh ...): `scontrol requeue $SLURM_JOB_ID`, and
# the requeued job (SLURM_RESTART_COUNT > 0) resumes from the newest checkpoint by itself. Started from a login node
# (srun makes the allocation): the script starts srun again with --resume.
set -euo pipefail
DIR="$(cd "$(dirname "$0")" && pwd)"
export SRUN_ARGS="--signal=USR1@${SIGNAL_GRACE:-120} ${SRUN_ARGS:-}"
resume=()
for (( attempt = 0; ; attempt++ )); do
    rc=0
    bash "$DIR/slurm_launch.sh" "$1" "$2" train.py "$3" --work-dir="$4" "${@:5}" ${resume[@]+"${resume[@]}"} || rc=$?
    if [ "$rc" != 75 ]; then
        exit "$rc"
    fi
    if [ -n "${SLURM_JOB_ID:-}" ]; then
        echo "slurm_train.sh: stopped on the warning signal with a resumable checkpoint: requeueing job $SLURM_JOB_ID"
        scontrol requeue "$SLURM_JOB_ID"
        exit 75
    fi
    if (( attempt + 1 >= ${MAX_REQUEUES:-10} )); then
        echo "slurm_train.sh: stopped on the warning signal $((attempt + 1)) times; giving up (MAX_REQUEUES)" >&2
        exit 75
    fi
    echo "slurm_train.sh: stopped on the warning signal with a resumable checkpoint: starting again with --resume"
    resume=(--resume)
done
