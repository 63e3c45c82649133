"""Classification heads over the shared backbone's last feature map, and the published ML-Decoder head's key maps."""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Dict, Mapping

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..backbone.tresnet import ClassifierHead
from ..errors import CheckpointMismatchError, ConfigError

StateDict = Dict[str, torch.Tensor]


class GAPHead(ClassifierHead):
    """Global average pooling + dropout + linear: the backbone's own head (keys ``fc.*``), always with classes.

    Args:
        in_features: channels of the backbone's last feature map.
        num_classes: outputs.
        drop_rate: dropout before the linear layer.
    """

    def __init__(self, in_features: int, num_classes: int, drop_rate: float = 0.0):
        if num_classes <= 0:
            raise ConfigError(f"num_classes must be positive, got {num_classes}")
        super().__init__(in_features, num_classes, drop_rate)
        nn.init.normal_(self.fc.weight, 0, 0.01)
        nn.init.zeros_(self.fc.bias)


class MLDecoderHead(nn.Module):
    """ML-Decoder head (Ridnik et al. 2023), as published: spatial tokens projected to ``embed_dim`` (+ ReLU), one
    cross-attention decoder layer (no self-attention) from fixed group queries, and a group fully-connected output
    in which each query decodes ``ceil(num_classes / num_groups)`` classes.

    The decoder layer matches the published one in training too: dropout on the queries, inside the attention, on
    the attention output and in and after the feed-forward, each before its residual add and LayerNorm, computed
    sequence-first as there (so the same seed draws the same dropout masks). torch's ``nn.TransformerDecoderLayer``
    is not used because it always has the self-attention block the published layer leaves out; the published
    checkpoints load through :func:`tresnet_tasks.classification.weights.mldecoder_official_to_canonical`.

    Args:
        in_features: channels of the backbone's last feature map.
        num_classes: outputs.
        embed_dim: token width after the input projection (768 as published).
        num_groups: queries; each decodes ``ceil(num_classes / num_groups)`` classes.
        num_heads: attention heads.
        ff_dim: the decoder layer's feed-forward width.
        dropout: in the decoder layer.
    """

    def __init__(self, in_features: int, num_classes: int, embed_dim: int = 768, num_groups: int = 100,
                 num_heads: int = 8, ff_dim: int = 2048, dropout: float = 0.1):
        super().__init__()
        num_groups = min(num_groups, num_classes)
        self.num_classes, self.num_groups = num_classes, num_groups
        self.per_group = math.ceil(num_classes / num_groups)
        self.proj = nn.Linear(in_features, embed_dim)
        self.queries = nn.Parameter(torch.randn(num_groups, embed_dim) * 0.02, requires_grad=False)  # fixed
        self.query_drop = nn.Dropout(dropout)
        self.norm1 = nn.LayerNorm(embed_dim)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads, dropout=dropout)  # sequence-first, as published
        self.attn_drop = nn.Dropout(dropout)
        self.norm2 = nn.LayerNorm(embed_dim)
        self.ff = nn.Sequential(nn.Linear(embed_dim, ff_dim), nn.ReLU(inplace=True), nn.Dropout(dropout),
                                nn.Linear(ff_dim, embed_dim))
        self.ff_drop = nn.Dropout(dropout)
        self.norm3 = nn.LayerNorm(embed_dim)
        self.group_weight = nn.Parameter(torch.empty(num_groups, embed_dim, self.per_group))
        self.group_bias = nn.Parameter(torch.zeros(num_classes))
        nn.init.xavier_normal_(self.group_weight)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        tokens = F.relu(self.proj(feats.flatten(2).permute(2, 0, 1)), inplace=True)  # (HW, N, D)
        q = self.queries.unsqueeze(1).expand(-1, feats.shape[0], -1)  # (G, N, D)
        q = self.norm1(q + self.query_drop(q))
        # training: the published code path (explicit softmax + dropout on the weights), so a seed draws the same
        # masks; inference: the fused kernel (no weights materialised), equal up to float rounding
        attn = self.attn(q, tokens, tokens, need_weights=self.training)[0]
        q = self.norm2(q + self.attn_drop(attn))
        q = self.norm3(q + self.ff_drop(self.ff(q)))
        logits = torch.einsum("gnd,gdk->ngk", q, self.group_weight).flatten(1)[:, : self.num_classes]
        return logits + self.group_bias


# published ML-Decoder head key (under 'head.') -> this project's MLDecoderHead key; exact names first, then prefixes
_MLDECODER_EXACT = {
    "decoder.query_embed.weight": "queries",
    "decoder.duplicate_pooling": "group_weight",
    "decoder.duplicate_pooling_bias": "group_bias",
}
_MLDECODER_PREFIXES = {
    "decoder.embed_standart.": "proj.",
    "decoder.layers.0.norm1.": "norm1.",
    "decoder.layers.0.multihead_attn.": "attn.",
    "decoder.layers.0.norm2.": "norm2.",
    "decoder.layers.0.linear1.": "ff.0.",
    "decoder.layers.0.linear2.": "ff.3.",
    "decoder.layers.0.norm3.": "norm3.",
}


def _remap(sd: Mapping[str, torch.Tensor], exact: Mapping[str, str], prefixes: Mapping[str, str]) -> StateDict:
    out = OrderedDict()
    for k, v in sd.items():
        if k in exact:
            out[exact[k]] = v
            continue
        for old, new in prefixes.items():
            if k.startswith(old):
                out[new + k[len(old):]] = v
                break
        else:
            raise CheckpointMismatchError(f"unknown ML-Decoder head key {k!r}")
    return out


def mldecoder_official_to_canonical(head_sd: Mapping[str, torch.Tensor]) -> StateDict:
    """Published ML-Decoder head keys (without the ``head.`` prefix) -> :class:`MLDecoderHead` keys."""
    return _remap(head_sd, _MLDECODER_EXACT, _MLDECODER_PREFIXES)


def mldecoder_canonical_to_official(head_sd: Mapping[str, torch.Tensor]) -> StateDict:
    """:class:`MLDecoderHead` keys -> the published ML-Decoder layout (hands weights back to the official code)."""
    return _remap(head_sd, {v: k for k, v in _MLDECODER_EXACT.items()},
                  {v: k for k, v in _MLDECODER_PREFIXES.items()})
