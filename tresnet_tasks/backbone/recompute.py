"""Memory-lean training for the In-Place ABN modes: cheap activations kept as recipes, not tensors.

With In-Place ABN every norm keeps only its output; what autograd still keeps besides are tensors that are one
elementwise op away from tensors it keeps anyway:

- a block's output ``relu(branch + shortcut)`` (kept by the next block's convs and shortcut), where ``branch`` is
  the last norm's output and ``shortcut`` the previous block's output or the downsample norm's output;
- the SE output ``x * gate`` (kept by the bottleneck's last conv), where ``x`` and ``gate`` are kept by the multiply.

While :func:`lean_residuals` is active, such tensors are registered with the recipe that made them, and a
saved-tensor hook stores the recipe instead of the tensor; backward recomputes it (one elementwise pass, with
the same kernels, so bitwise equal). This removes about a third of the bytes kept for backward at ~1 elementwise
pass of extra work per block. The previous (outer) saved-tensor hooks, such as a memory counter or CPU offloading,
still see every tensor that is kept.

``torch.utils.checkpoint`` is not used: it recomputes whole segments (their convolutions included) and keeps the
segment inputs; here only elementwise ops are recomputed, from tensors autograd keeps anyway.
"""
from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import torch

_state = threading.local()


def _outer_hooks() -> Optional[Tuple[Callable, Callable]]:
    """The saved-tensor hooks active before ours (nested hooks replace, not chain, so we chain them ourselves)."""
    top = getattr(torch._C._autograd, "_top_saved_tensors_default_hooks", None)
    return top(False) if top is not None else None


class _Packed:
    """A tensor as the outer hooks packed it (or as is when there are none)."""

    __slots__ = ("obj", "unpack", "version")

    def __init__(self, t: torch.Tensor, hooks):
        # detached: a saved *output* comes with its grad_fn, and holding that would make a reference cycle through
        # the graph that Python's gc cannot see (a graph freed without backward would then never be freed)
        self.obj, self.unpack = (hooks[0](t), hooks[1]) if hooks else (t.detach(), None)
        self.version = t._version

    def get(self) -> torch.Tensor:
        if self.unpack is not None:
            return self.unpack(self.obj)
        if self.obj._version != self.version:  # autograd's own check, which a pack hook turns off
            raise RuntimeError("one of the variables needed for gradient computation has been modified by an "
                               "inplace operation after the forward pass (lean_residuals)")
        return self.obj


class _Recipe:
    """``fn(*args)`` recomputed on demand, once (later unpacks share the value)."""

    __slots__ = ("fn", "args", "versions", "value", "__weakref__")

    def __init__(self, fn: Callable, args: List[object], versions: List[int]):
        self.fn, self.args, self.versions, self.value = fn, args, versions, None

    def materialize(self) -> torch.Tensor:
        if self.value is None:
            values = [a.materialize() if isinstance(a, _Recipe) else a.get() for a in self.args]
            for v, version in zip(values, self.versions):
                if version >= 0 and v._version != version:
                    raise RuntimeError("a tensor needed to recompute a residual activation was modified in place "
                                       "after the forward pass; train without lean_residuals (norm='bn')")
            with torch.no_grad():
                self.value = self.fn(*values)
        return self.value


class _Registry:
    def __init__(self):
        self.residuals = True
        self.convs = False
        self.outer = _outer_hooks()
        self.entries: Dict[int, Tuple[weakref.ref, Tuple, _Recipe]] = {}

    @staticmethod
    def _layout(t: torch.Tensor) -> Tuple:
        return t.shape, t.stride(), t.storage_offset(), t._version, t.dtype

    def recipe_of(self, t: torch.Tensor) -> Optional[_Recipe]:
        entry = self.entries.get(t.untyped_storage().data_ptr())
        if entry is None or entry[0]() is None or entry[1] != self._layout(t):
            return None  # unknown, freed (its address may be reused) or modified since
        return entry[2]

    def register(self, out: torch.Tensor, fn: Callable, args: Tuple[torch.Tensor, ...]) -> _Recipe:
        packed: List[object] = []
        versions: List[int] = []
        for a in args:
            recipe = self.recipe_of(a)
            packed.append(recipe if recipe is not None else _Packed(a.detach(), self.outer))
            # like autograd, check versions only for tensors kept as they are (outer hooks may return copies)
            versions.append(-1 if recipe is not None or self.outer is not None else a._version)
        recipe = _Recipe(fn, packed, versions)
        self.entries[out.untyped_storage().data_ptr()] = (weakref.ref(out), self._layout(out), recipe)
        return recipe

    def pack(self, t: torch.Tensor) -> object:
        recipe = self.recipe_of(t)
        return recipe if recipe is not None else _Packed(t, self.outer)

    @staticmethod
    def unpack(obj: object) -> torch.Tensor:
        return obj.materialize() if isinstance(obj, _Recipe) else obj.get()


@contextlib.contextmanager
def lean_residuals(enabled: bool = True, residuals: bool = True, convs: bool = False) -> Iterator[None]:
    """Keep registered activations as recipes for the duration of a training forward pass.

    ``residuals=False`` keeps only the SE outputs as recipes: with frozen norm statistics the norms are folded into
    their convs and a block's last conv output is not kept by anyone, so a block-output recipe (which keeps it)
    would cost what it saves; the SE output's factors are kept by the multiply in every mode.
    ``convs=True`` also lets layers marked for it (a bottleneck's 1x1 conv1, frozen statistics) keep their output
    as a recipe: recomputed in backward (a conv, not only an elementwise op: more memory saved, a little slower).
    """
    if not enabled or getattr(_state, "registry", None) is not None:
        yield
        return
    registry = _Registry()
    registry.residuals, registry.convs = residuals, convs
    _state.registry = registry
    try:
        with torch.autograd.graph.saved_tensors_hooks(registry.pack, registry.unpack):
            yield
    finally:
        _state.registry = None
        # every saved variable keeps a reference to our pack hook, hence to the registry: drop its recipes so that
        # each one (and the value it caches in backward) lives only as long as the saved variables that use it
        registry.entries.clear()


def _active() -> Optional[_Registry]:
    return getattr(_state, "registry", None)


def lean_active() -> bool:
    """Whether a :func:`lean_residuals` context is active (layers then pick their memory-lean forms)."""
    return _active() is not None


def recompute_convs() -> bool:
    """Whether the active :func:`lean_residuals` context recomputes marked convs (``convs=True``)."""
    registry = _active()
    return registry is not None and registry.convs


def _add_relu(branch: torch.Tensor, shortcut: torch.Tensor) -> torch.Tensor:
    return torch.add(branch, shortcut).relu_()


class _AddReLU(torch.autograd.Function):
    """relu(branch + shortcut) that keeps its inputs (kept anyway) instead of its output."""

    @staticmethod
    def forward(ctx, branch, shortcut):
        ctx.save_for_backward(branch, shortcut)
        return _add_relu(branch, shortcut)

    @staticmethod
    def backward(ctx, grad):
        branch, shortcut = ctx.saved_tensors
        recipe = getattr(ctx, "recipe", None)
        ctx.recipe = None  # the node outlives backward: do not keep the value past this point
        # the next block's backward (run just before this) has usually recomputed our output already: its sign
        # is the ReLU mask, saving a pass; else recompute the sum
        out = recipe.value if recipe is not None and recipe.value is not None else branch + shortcut
        g = torch.ops.aten.threshold_backward(grad, out, 0)
        return g, g


def residual_relu(branch: torch.Tensor, shortcut: torch.Tensor, branch_is_fresh: bool) -> torch.Tensor:
    """A residual block's ``relu(branch + shortcut)``; as a recipe under :func:`lean_residuals`.

    ``branch_is_fresh``: nothing else holds ``branch`` (then the plain path adds into it in place).
    """
    registry = _active()
    graph = torch.is_grad_enabled() and (branch.requires_grad or shortcut.requires_grad)
    if registry is None or not registry.residuals or not graph:
        # without a graph nothing keeps the branch for backward: add into it (no new buffer)
        out = branch.add_(shortcut) if branch_is_fresh or not graph else branch + shortcut
        return out.relu_()
    out = _AddReLU.apply(branch, shortcut)
    out.grad_fn.recipe = registry.register(out, _add_relu, (branch, shortcut))
    return out


def keep_as_recipe(out: torch.Tensor, fn: Callable, args: Tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Under :func:`lean_residuals`, store ``out`` (== ``fn(*args)``, bitwise) as that recipe wherever autograd
    would keep it. Only worth it when ``args`` are kept anyway (or are parameters)."""
    registry = _active()
    if registry is not None and torch.is_grad_enabled():
        registry.register(out, fn, args)
    return out


def channel_scale(x: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
    """``x * gate`` (SE); as a recipe under :func:`lean_residuals` (the multiply keeps both factors anyway)."""
    out = x * gate
    registry = _active()
    # only when the multiply keeps both factors for backward anyway (else the recipe would keep extra tensors)
    if registry is not None and torch.is_grad_enabled() and x.requires_grad and gate.requires_grad:
        registry.register(out, torch.mul, (x, gate))
    return out
