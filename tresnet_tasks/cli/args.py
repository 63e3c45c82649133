"""The command-line arguments the tools share (spelled as MMDetection's tools spell them) and their one-line errors."""
from __future__ import annotations

import os
import os.path as osp
import sys
from contextlib import contextmanager

from mmengine.config import Config, DictAction

from ..errors import ConfigError, TResNetTasksError, one_line
from ..fileio import resolve_weights, trust_files


def add_common_args(parser) -> None:
    """The arguments tools/train.py and tools/test.py share, spelled as in MMDetection."""
    parser.add_argument("--work-dir", help="the dir to save logs, checkpoints and metrics")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction,
                        help="override config settings, key=value (e.g. data_root=/data/coco "
                             "train_dataloader.batch_size=4)")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    add_trust_arg(parser)


def add_bf16_arg(parser, what: str = "run the network in bfloat16 autocast (outputs in float32)") -> None:
    """``--bf16`` or ``--bf16 force``: refused on a CPU without native bfloat16 unless forced."""
    parser.add_argument("--bf16", nargs="?", const="on", choices=["on", "force"], default=None,
                        help=f"{what}; CPUs with AVX-512 BF16/AMX: about 2x. Refused on a CPU without native "
                             "bfloat16 (emulated there, about 8x slower); '--bf16 force' runs it anyway")


def parse_tool_args(parser, argv=None):
    """Parse; ``--local-rank`` (older launchers) becomes ``LOCAL_RANK`` unless torchrun already set it."""
    args = parser.parse_args(argv)
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(args.local_rank)
    return args


def add_trust_arg(parser) -> None:
    parser.add_argument("--trust-checkpoint", nargs="*", metavar="FILE", default=None,
                        help="allow a full unpickle (which can run code) for the checkpoint this command names, or "
                             "for the FILEs given; only for files whose origin you trust. Default: weights only")


def check_named_checkpoint(args, checkpoint: str) -> None:
    """The checkpoint a tool's command line names: a missing file or unknown name fails now, in one line (before
    any model or data is built), and ``--trust-checkpoint`` applies to it."""
    resolve_weights(checkpoint)
    apply_trust(args, [checkpoint])


def apply_trust(args, named: "list[str | None]") -> None:
    """--trust-checkpoint: no value -> the checkpoint(s) the command names; values -> those files."""
    if args.trust_checkpoint is None:
        return
    files = args.trust_checkpoint or [p for p in named if p]
    if not files:
        raise ConfigError("--trust-checkpoint without FILE needs a checkpoint named on the command line")
    trust_files(files)


def apply_common_args(cfg: Config, args) -> Config:
    """--launcher and --work-dir as MMDetection's tools do (default work dir: ./work_dirs/<config name>)."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir", None) is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    return cfg


@contextmanager
def clear_errors(tool: str):
    """The project's own errors (bad data, checkpoint, config: :mod:`tresnet_tasks.errors`) become one line and
    exit code 2. Any other exception is a bug and keeps its traceback, so it can be reported."""
    try:
        yield
    except TResNetTasksError as exc:
        print(f"{tool}: error: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr)
        sys.exit(2)
