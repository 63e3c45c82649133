"""Pictures of runs (matplotlib, PNG): training curves from mmengine's scalar log (``curves``) and the charts of
evaluations and benchmarks (``charts``)."""
from .curves import curves, find_scalars, plot_runs, plot_work_dir, read_scalars

__all__ = ["curves", "find_scalars", "plot_runs", "plot_work_dir", "read_scalars"]
