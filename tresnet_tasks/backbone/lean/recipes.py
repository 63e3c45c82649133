"""Activations kept as recipes, not tensors: the saved-tensor hooks of a lean training forward.

What autograd keeps besides the norms' own tensors are often tensors one cheap op away from tensors it keeps
anyway: a block's output ``relu(branch + shortcut)``, the SE output ``x * gate``, the shortcut's pooled input, a
bottleneck's 1x1 conv1 output under frozen statistics. While :func:`lean_forward` is active, such tensors are
registered with the recipe that made them, and a saved-tensor hook stores the recipe instead of the tensor;
backward recomputes it (same kernels, so bitwise equal). The previous (outer) saved-tensor hooks, such as a memory
counter or CPU offloading, still see every tensor that is kept.

``torch.utils.checkpoint`` is not used: it recomputes whole segments (their convolutions included) and keeps the
segment inputs; here only the marked ops are recomputed, from tensors autograd keeps anyway.
"""
from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import torch

from .functions import add_relu, add_relu_plain
from .plan import LeanPlan

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
                               "inplace operation after the forward pass (lean memory)")
        return self.obj


class Recipe:
    """``fn(*args)`` recomputed on demand, once (later unpacks share the value)."""

    __slots__ = ("fn", "args", "versions", "value", "__weakref__")

    def __init__(self, fn: Callable, args: List[object], versions: List[int]):
        self.fn, self.args, self.versions, self.value = fn, args, versions, None

    def materialize(self) -> torch.Tensor:
        if self.value is None:
            values = [a.materialize() if isinstance(a, Recipe) else a.get() for a in self.args]
            for v, version in zip(values, self.versions):
                if version >= 0 and v._version != version:
                    raise RuntimeError("a tensor needed to recompute an activation was modified in place after the "
                                       "forward pass; train with lean_memory=False")
            with torch.no_grad():
                self.value = self.fn(*values)
        return self.value


class _Registry:
    """The recipes of one lean forward, found by the storage of the tensor they make."""

    def __init__(self, plan: LeanPlan):
        self.plan = plan
        self.outer = _outer_hooks()
        self.entries: Dict[int, Tuple[weakref.ref, Tuple, Recipe]] = {}

    @staticmethod
    def _layout(t: torch.Tensor) -> Tuple:
        return t.shape, t.stride(), t.storage_offset(), t._version, t.dtype

    def recipe_of(self, t: torch.Tensor) -> Optional[Recipe]:
        entry = self.entries.get(t.untyped_storage().data_ptr())
        if entry is None or entry[0]() is None or entry[1] != self._layout(t):
            return None  # unknown, freed (its address may be reused) or modified since
        return entry[2]

    def register(self, out: torch.Tensor, fn: Callable, args: Tuple[torch.Tensor, ...]) -> Recipe:
        packed: List[object] = []
        versions: List[int] = []
        for a in args:
            recipe = self.recipe_of(a)
            packed.append(recipe if recipe is not None else _Packed(a.detach(), self.outer))
            # like autograd, check versions only for tensors kept as they are (outer hooks may return copies)
            versions.append(-1 if recipe is not None or self.outer is not None else a._version)
        recipe = Recipe(fn, packed, versions)
        self.entries[out.untyped_storage().data_ptr()] = (weakref.ref(out), self._layout(out), recipe)
        return recipe

    def pack(self, t: torch.Tensor) -> object:
        recipe = self.recipe_of(t)
        return recipe if recipe is not None else _Packed(t, self.outer)

    @staticmethod
    def unpack(obj: object) -> torch.Tensor:
        return obj.materialize() if isinstance(obj, Recipe) else obj.get()


@contextlib.contextmanager
def lean_forward(plan: Optional[LeanPlan]) -> Iterator[None]:
    """Run a training forward under ``plan`` (None: nothing changes). Nested calls keep the outer plan."""
    if plan is None or _active() is not None:
        yield
        return
    registry = _Registry(plan)
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


def current_plan() -> Optional[LeanPlan]:
    """The plan of the active :func:`lean_forward`, or None (layers then take their plain forms)."""
    registry = _active()
    return registry.plan if registry is not None else None


def residual_relu(branch: torch.Tensor, shortcut: torch.Tensor, branch_is_fresh: bool) -> torch.Tensor:
    """A residual block's ``relu(branch + shortcut)``; a recipe when the plan keeps block outputs as recipes.

    ``branch_is_fresh``: nothing else holds ``branch`` (then the plain path adds into it in place).
    """
    registry = _active()
    graph = torch.is_grad_enabled() and (branch.requires_grad or shortcut.requires_grad)
    if registry is None or not registry.plan.block_outputs or not graph:
        # without a graph nothing keeps the branch for backward: add into it (no new buffer)
        out = branch.add_(shortcut) if branch_is_fresh or not graph else branch + shortcut
        return out.relu_()
    out = add_relu(branch, shortcut)
    out.grad_fn.recipe = registry.register(out, add_relu_plain, (branch, shortcut))
    return out


def keep_as_recipe(out: torch.Tensor, fn: Callable, args: Tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Under :func:`lean_forward`, store ``out`` (== ``fn(*args)``, bitwise) as that recipe wherever autograd
    would keep it. Only worth it when ``args`` are kept anyway (or are parameters)."""
    registry = _active()
    if registry is not None and torch.is_grad_enabled():
        registry.register(out, fn, args)
    return out


def channel_scale(x: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
    """``x * gate`` (SE); a recipe under :func:`lean_forward` (the multiply keeps both factors anyway)."""
    out = x * gate
    registry = _active()
    # only when the multiply keeps both factors for backward anyway (else the recipe would keep extra tensors)
    if registry is not None and torch.is_grad_enabled() and x.requires_grad and gate.requires_grad:
        registry.register(out, torch.mul, (x, gate))
    return out
