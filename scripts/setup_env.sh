#!/usr/bin/env bash
# Idempotent set-up of the tresnet-tasks environment in ./.venv.
#
# Why a script and not `pip install -e .`: mmcv 2.1 has no wheels for recent torch and must be built from source with
# its compiled ops (MMCV_WITH_OPS=1, no build isolation, setuptools<81 for pkg_resources, C++20 for torch>=2.14 headers), and
# inplace-abn must be built against the installed torch. Built wheels are cached outside the repo, keyed by torch
# version and CUDA/CPU, so a second set-up on the same machine takes seconds.
#
# Environment overrides:
#   TORCH_SPEC        pip requirement(s) for torch (default "torch==2.14.1 torchvision==0.29.1")
#   TRESNET_CACHE     wheel cache root (default ~/.cache/tresnet-tasks)
#   VENV              virtual environment path (default ./.venv)
#   TORCH_CUDA_ARCH_LIST  GPU archs for CUDA builds (default "8.0;9.0")
#   MAX_JOBS          parallel compile jobs (default: number of cores)
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.14.1 torchvision==0.29.1}"
MMENGINE_VERSION=0.10.7
MMCV_VERSION=2.1.0
MMDET_VERSION=3.3.0
IABN_VERSION=1.1.0
CACHE_ROOT="${TRESNET_CACHE:-$HOME/.cache/tresnet-tasks}"
export MAX_JOBS="${MAX_JOBS:-$(nproc)}"

T_START=$(date +%s)
CURRENT_STEP=""
step() {
    CURRENT_STEP="$1"
    STEP_T0=$(date +%s)
    echo "[setup] >>> $1"
}
done_step() { echo "[setup] <<< $CURRENT_STEP ($(( $(date +%s) - STEP_T0 ))s)"; }
on_error() {
    echo "[setup] FAILED at step: $CURRENT_STEP" >&2
    echo "[setup] Nothing already installed was removed; fix the cause above and re-run 'make setup'." >&2
    echo "[setup] Build logs (if any) are under $CACHE_ROOT/logs." >&2
}
trap on_error ERR

PY="$VENV/bin/python"
PIP=(pip_quiet)
pip_quiet() {  # pip, minus the machine-specific "Location ... is ignored" index noise; pip's own exit status
    "$PY" -m pip --disable-pip-version-check "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }
    return "${PIPESTATUS[0]}"
}

# need_disk GIB WHAT: stop before a step that would run the disk full (pip then fails half-way with ENOSPC).
need_disk() {
    local free_kb
    free_kb=$(df -Pk "$(dirname "$VENV")" | awk 'NR == 2 {print $4}')
    if [ "${TRESNET_SKIP_DISK_CHECK:-0}" != "1" ] && [ "$free_kb" -lt $(( $1 * 1024 * 1024 )) ]; then
        echo "[setup] only $(( free_kb / 1024 / 1024 )) GiB free where $VENV lives; $2 needs about $1 GiB." >&2
        echo "[setup] Free some space (old pytest runs: ${TMPDIR:-/tmp}/pytest-of-$(id -un); pip's cache:" \
             "$("$PY" -m pip cache dir 2>/dev/null || echo '~/.cache/pip')), or set VENV to a larger disk;" \
             "TRESNET_SKIP_DISK_CHECK=1 skips this check." >&2
        return 1
    fi
}

has_pkg() {  # has_pkg DIST VERSION -> 0 if that exact version is installed
    "$PY" - "$1" "$2" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
sys.exit(0 if version(sys.argv[1]) == sys.argv[2] else 1)
EOF
}

step "virtual environment ($VENV)"
if [ ! -x "$PY" ]; then python3 -m venv "$VENV"; fi
done_step

STAMPS="$VENV/.tresnet-setup"
mkdir -p "$STAMPS"
step "torch ($TORCH_SPEC) and build tools"
BUILD_TOOLS=("setuptools>=77,<81" setuptools_scm wheel ninja)
if [ "$(cat "$STAMPS/torch" 2>/dev/null)" != "$TORCH_SPEC ${BUILD_TOOLS[*]}" ]; then
    need_disk 7 "torch (a CUDA build on PyPI, ~5.5 GB installed) with the compiled ops"
    # shellcheck disable=SC2086
    "${PIP[@]}" install -q $TORCH_SPEC "${BUILD_TOOLS[@]}"
    echo "$TORCH_SPEC ${BUILD_TOOLS[*]}" > "$STAMPS/torch"
else
    echo "[setup] already installed"
fi
done_step

TORCH_TAG=$("$PY" - <<'EOF'
import torch
cuda = torch.version.cuda
print(f"torch{torch.__version__.split('+')[0]}-" + (f"cu{cuda.replace('.', '')}" if cuda else "cpu"))
EOF
)
# Whether compiled ops get CUDA kernels: a visible GPU, or FORCE_CUDA=1 with a CUDA toolkit present.
WITH_CUDA=0
if "$PY" -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null \
   || [ "${FORCE_CUDA:-0}" = "1" ]; then WITH_CUDA=1; fi
OPS_TAG=$([ "$WITH_CUDA" = 1 ] && echo "ops-cuda" || echo "ops-cpu")
WHEELS="$CACHE_ROOT/wheels/$TORCH_TAG-$OPS_TAG"
LOGS="$CACHE_ROOT/logs"
mkdir -p "$WHEELS" "$LOGS"
echo "[setup] wheel cache: $WHEELS"

find_cuda_home() {
    if [ -n "${CUDA_HOME:-}" ] && [ -x "$CUDA_HOME/bin/nvcc" ]; then echo "$CUDA_HOME"; return; fi
    for d in /usr/local/cuda /usr/local/cuda-*; do [ -x "$d/bin/nvcc" ] && { echo "$d"; return; }; done
    local nvcc
    nvcc=$(command -v nvcc || true)
    if [ -n "$nvcc" ]; then dirname "$(dirname "$(readlink -f "$nvcc")")"; return; fi
}

# build_sdist_wheel DIST VERSION [ENV=VAL ...]: build DIST==VERSION from its sdist into the cache (once).
build_sdist_wheel() {
    local dist="$1" ver="$2"; shift 2
    local norm="${dist//-/_}"
    if ls "$WHEELS/${norm}-${ver}-"*.whl >/dev/null 2>&1; then
        echo "[setup] cached wheel found for $dist $ver"
        return
    fi
    local work
    work=$(mktemp -d)
    echo "[setup] building $dist $ver from source (log: $LOGS/$dist-build.log); this is the slow step"
    "${PIP[@]}" download -q --no-deps --no-binary ":all:" --no-build-isolation "$dist==$ver" -d "$work" \
        > "$LOGS/$dist-download.log" 2>&1
    tar -xzf "$work"/*.tar.gz -C "$work"
    local src
    src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
    # torch >= 2.14 headers need C++20; the sdists hard-code older standards.
    { grep -rl --include=setup.py -e '-std=c++1[47]' "$src" || true; } | xargs -r sed -i 's/-std=c++1[47]/-std=c++20/g'
    (cd "$src" && for kv in "$@"; do export "${kv?}"; done \
        && "$PY" -m pip wheel -v --no-build-isolation --no-deps -w "$WHEELS" . ) \
        > "$LOGS/$dist-build.log" 2>&1 || { tail -n 40 "$LOGS/$dist-build.log" >&2; rm -rf "$work"; return 1; }
    rm -rf "$work"
}

step "mmengine $MMENGINE_VERSION"
has_pkg mmengine "$MMENGINE_VERSION" || "${PIP[@]}" install -q "mmengine==$MMENGINE_VERSION"
done_step

step "mmcv $MMCV_VERSION with compiled ops ($OPS_TAG)"
if ! has_pkg mmcv "$MMCV_VERSION"; then
    build_sdist_wheel mmcv "$MMCV_VERSION" MMCV_WITH_OPS=1 FORCE_CUDA="$WITH_CUDA"
    "${PIP[@]}" install -q --no-deps "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl
    # mmcv's runtime requirements (addict, yapf, opencv, ...), resolved from the installed wheel.
    "${PIP[@]}" install -q "mmcv==$MMCV_VERSION" --find-links "$WHEELS"
fi
done_step

step "mmdet $MMDET_VERSION"
has_pkg mmdet "$MMDET_VERSION" || "${PIP[@]}" install -q "mmdet==$MMDET_VERSION"
done_step

step "inplace-abn $IABN_VERSION"
if ! has_pkg inplace-abn "$IABN_VERSION"; then
    # inplace-abn's setup.py builds CUDA kernels whenever torch is a CUDA build (GPU visible or not), so it needs
    # the toolkit then; the result also runs on CPU.
    IABN_ENV=()
    if "$PY" -c "import torch,sys; sys.exit(0 if torch.version.cuda else 1)"; then
        CH=$(find_cuda_home)
        if [ -z "$CH" ]; then
            echo "[setup] torch is a CUDA build but no CUDA toolkit (nvcc) was found: set CUDA_HOME," \
                 "or use a CPU build of torch (TORCH_SPEC='torch==2.14.1+cpu ...')" >&2
            false
        fi
        echo "[setup] CUDA toolkit: $CH"
        IABN_ENV=(CUDA_HOME="$CH" TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-8.0;9.0}")
    fi
    build_sdist_wheel inplace-abn "$IABN_VERSION" "${IABN_ENV[@]}"
    "${PIP[@]}" install -q --no-deps "$WHEELS"/inplace_abn-"$IABN_VERSION"-*.whl
fi
done_step

step "tresnet-tasks (editable) with the detection and test extras, timm, pycocotools"
PROJECT_HASH=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$STAMPS/project" 2>/dev/null)" != "$PROJECT_HASH" ]; then
    "${PIP[@]}" install -q -e ".[det,test]"
    echo "$PROJECT_HASH" > "$STAMPS/project"
else
    echo "[setup] already installed (pyproject.toml unchanged)"
fi
done_step

step "self-check"
"$PY" "$ROOT/scripts/check_env.py"
done_step

echo "[setup] environment ready in $(( $(date +%s) - T_START ))s: activate with 'source $VENV/bin/activate'"
