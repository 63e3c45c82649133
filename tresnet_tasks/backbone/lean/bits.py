"""One bit per element: a bool tensor packed 8 elements to a byte (what a leaky ReLU's backward needs of its output).

Word-parallel packing, 8 elements per int64 multiply, exact in wrapping 64-bit arithmetic: 8 bytes of 0/1 times
``_GATHER`` put element i's byte at bit 56 + i (every other product falls below bit 56 or past bit 63); a byte times
``_SPREAD`` is copied into all 8 bytes of a word, and ``_SELECT`` keeps bit i in byte i.
"""
from __future__ import annotations

from typing import Tuple

import torch

_GATHER = 0x0102040810204080
_SPREAD = 0x0101010101010101
_SELECT = 0x8040201008040201 - (1 << 64)  # as a signed int64


def _memory_order(t: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, ...]]:
    """``t`` as a view whose logical order is its memory order (no copy for NCHW and channels_last), and the
    permutation that takes that view back to ``t``'s dims."""
    if t.dim() == 4 and not t.is_contiguous() and t.is_contiguous(memory_format=torch.channels_last):
        return t.permute(0, 2, 3, 1), (0, 3, 1, 2)
    return t.contiguous(), tuple(range(t.dim()))


def pack_bits(mask: torch.Tensor) -> torch.Tensor:
    """A bool tensor as uint8 bytes, 8 elements per byte (element i of each 8 at bit i), in its memory order."""
    flat = _memory_order(mask)[0].reshape(-1)
    pad = (-flat.numel()) % 8
    if pad or flat.storage_offset() % 8:
        flat = torch.cat([flat, flat.new_zeros(pad)])
    return (flat.view(torch.int64) * _GATHER).bitwise_right_shift_(56).to(torch.uint8)


def unpack_bytes(packed: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """uint8, non-zero exactly where :func:`pack_bits` packed True, with the shape and memory format of ``like``."""
    spread = (packed.to(torch.int64) * _SPREAD).bitwise_and_(_SELECT).view(torch.uint8)
    ordered, back = _memory_order(like)
    return spread[:like.numel()].reshape(ordered.shape).permute(*back)


def unpack_bits(packed: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """The bool tensor :func:`pack_bits` packed, with the shape and memory format of ``like``."""
    return unpack_bytes(packed, like).ne(0)
