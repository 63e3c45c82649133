"""Counting what a forward keeps for backward: the measure behind every saved-bytes figure (benchmark, tests).

Every tensor autograd keeps passes a saved-tensor hook, which records its storage (deduplicated: the same storage
saved by several ops counts once, at its full size). Nested under a lean forward, this hook is the outer one that
:mod:`.recipes` passes kept tensors on to, so recipes are not counted and what they keep is.
"""
from __future__ import annotations

from typing import Callable, Dict, Iterable, Tuple

import torch


def saved_storages(run: Callable[[], object], exclude: Iterable[int] = (),
                   label: Callable[[], str] = lambda: "all") -> Dict[int, Tuple[str, int]]:
    """Run ``run()`` and return ``{storage pointer: (label, bytes)}`` of every storage autograd kept, except the
    pointers in ``exclude`` (parameters: not per-image memory); ``label()`` names the part of the model running
    when a storage was first saved."""
    skip = set(exclude)
    seen: Dict[int, Tuple[str, int]] = {}

    def pack(t: torch.Tensor):
        storage = t.untyped_storage()
        ptr = storage.data_ptr()
        if ptr not in skip and ptr != 0:
            part, size = seen.get(ptr, (label(), 0))
            seen[ptr] = (part, max(size, storage.nbytes()))
        return t.detach()  # not t: a saved output's grad_fn would make an uncollectable cycle through the graph

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = run()
    del out
    return seen
