"""Speed and memory side by side, in one run (``tools/benchmark.py`` is a thin command over this package).

``specs`` (what to compare, parsed from short specs), ``benches`` (one network under measurement),
``workers`` (each bench in its own spawned process), ``run`` (interleaved repeats and medians), ``report``
(the columns, ratios, table and chart), ``measure`` (the primitives: time, bytes saved for backward, peaks, FLOPs).
"""
