"""Pictures of runs (matplotlib, PNG): training curves from mmengine's scalar log (``curves``), the charts of
evaluations and benchmarks (``charts``) and per-category box AP of a detection test run (``coco_ap``)."""
from .curves import curves, find_scalars, plot_runs, plot_work_dir, read_scalars

__all__ = ["curves", "find_scalars", "plot_runs", "plot_work_dir", "read_scalars"]
