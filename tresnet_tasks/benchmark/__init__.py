"""Measurement for ``tools/benchmark.py``: throughput, bytes saved for backward, peak memory (``measure``)."""
