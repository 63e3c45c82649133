"""Starting and ending distributed runs where mmengine's own launcher falls short (CPU-only torchrun)."""
from __future__ import annotations

from mmengine.config import Config


def init_cpu_distributed(launcher: str, cfg: Config) -> None:
    """Start the process group ourselves for a CPU-only torchrun (``--launcher pytorch`` without CUDA).

    mmengine's init_dist always calls ``torch.cuda.set_device``, which fails on machines without a GPU; with the
    group already initialised (gloo), the Runner uses it as is. GPU runs are left to mmengine (NCCL).
    """
    import torch
    import torch.distributed as dist
    if launcher != "pytorch" or torch.cuda.is_available() or dist.is_initialized():
        return
    backend = cfg.get("env_cfg", {}).get("dist_cfg", {}).get("backend", "gloo")
    dist.init_process_group(backend="gloo" if backend == "nccl" else backend)
    if cfg.get("model_wrapper_cfg") is None:  # mmengine's default DDP passes a GPU device id
        cfg.model_wrapper_cfg = dict(type="MMDistributedDataParallel", device_ids=None, broadcast_buffers=False)


def finish_distributed() -> None:
    """Leave the process group together and destroy it before the interpreter shuts down.

    Without this, gloo's worker threads can still hold work when Python finalises, and a rank dies with
    "terminate called without an active exception" (SIGABRT) after a successful run (seen in the 2-process tests).
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
