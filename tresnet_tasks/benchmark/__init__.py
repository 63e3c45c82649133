"""Speed and memory side by side, in one run (``tools/benchmark.py`` is a thin command over this package).

``specs`` (what to compare, parsed from short specs), ``benches`` (one network under measurement),
``workers`` (each bench in its own spawned process), ``run`` (interleaved repeats and medians, the settings'
defaults), ``report`` (the columns, ratios, table and chart), ``measure`` (the primitives: time, bytes saved for
backward, peaks, FLOPs), ``baseline`` (the peer at its fastest form on this machine), ``peak`` (the machine's fp32
ceiling and the machine line of every table), ``node_check`` (the GPU self-check behind ``tools/check_gpu.py``).
"""
