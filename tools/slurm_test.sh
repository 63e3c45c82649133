#!/usr/bin/env bash
# Slurm evaluation: tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]
# Env: GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS (see slurm_launch.sh).
set -euo pipefail
exec bash "$(dirname "$0")/slurm_launch.sh" "$1" "$2" test.py "$3" "$4" "${@:5}"
