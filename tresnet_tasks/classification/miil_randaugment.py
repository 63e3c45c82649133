"""The RandAugment that the ASL, ML-Decoder, CSL and ImageNet-21K train scripts use: ``RandAugment()`` of the
``randaugment`` 1.0.2 package (``from randaugment import RandAugment``), written here so that the recipe needs no
package that breaks on numpy >= 1.24 (it uses ``np.int``) and so that every op is a small function of
(image, value, sign) that can later run batched on a device.

The policy, exactly: one of the 135 x 135 ordered pairs of (op, magnitude level) drawn uniformly (15 ops, levels
1..9 of 9; the same op may come twice), each op of the pair applied with probability 0.5, first then second. Each
op's value is its level's entry in a 10-step table (level 0 is never drawn); shear, translate and the enhance ops
pick a sign, rotate always turns counter-clockwise, cutout paints a grey square at a random centre.

The draws come from Python's ``random`` and NumPy's global generator, in the package's order (pair, applied?, the
op's own draws, applied?, the op's own draws), so the same seeds give the package's image pixel for pixel and the
per-sample seeding of :mod:`tresnet_tasks.engine.sample_seeding` covers it (exact mid-epoch resume holds).
timm's ``rand-m9-mstd0.5`` is another policy (other ops, magnitude 9 +- noise on every op, p 0.5): not this one.
"""
from __future__ import annotations

import random
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

import numpy as np
from mmengine.registry import TRANSFORMS
from PIL import Image, ImageEnhance, ImageOps

# the package's op order (RandAugment.get_trans_list): it fixes which index of the 18,225 pairs is which
OPS: Tuple[str, ...] = ("Invert", "Cutout", "Sharpness", "AutoContrast", "Posterize", "ShearX", "TranslateX",
                        "TranslateY", "ShearY", "Rotate", "Equalize", "Contrast", "Color", "Solarize", "Brightness")
LEVELS = tuple(range(1, 10))  # magnitude levels drawn (of the 10-step tables, level 0 unused)
PROB = 0.5  # each op of the pair is applied with this probability
GREY = (128, 128, 128)  # fill of shear / translate / rotate
CUTOUT_FILL = (125, 122, 113)

_ENHANCE = (0.0, 0.9)
# value of each op at levels 0..9 (np.linspace as the package builds its tables; None: the op has no magnitude)
TABLES: Dict[str, Optional[np.ndarray]] = {
    "ShearX": np.linspace(0, 0.3, 10), "ShearY": np.linspace(0, 0.3, 10),
    "TranslateX": np.linspace(0, 150 / 331, 10), "TranslateY": np.linspace(0, 150 / 331, 10),
    "Rotate": np.linspace(0, 30, 10),
    "Color": np.linspace(*_ENHANCE, 10), "Contrast": np.linspace(*_ENHANCE, 10),
    "Sharpness": np.linspace(*_ENHANCE, 10), "Brightness": np.linspace(*_ENHANCE, 10),
    "Posterize": np.round(np.linspace(8, 4, 10), 0).astype(int),
    "Solarize": np.linspace(256, 0, 10),
    "Cutout": np.round(np.linspace(0, 20, 10), 0).astype(int),
    "AutoContrast": None, "Equalize": None, "Invert": None,
}
SIGNED = frozenset({"ShearX", "ShearY", "TranslateX", "TranslateY", "Color", "Contrast", "Sharpness", "Brightness"})


class Step(NamedTuple):
    """One op of a drawn pair: whether it runs, and the random choices it runs with."""
    op: str
    level: int
    applied: bool
    sign: int = 1  # for the signed ops
    centre: Tuple[int, int] = (0, 0)  # cutout centre (x, y)


def value_of(op: str, level: int):
    """The op's magnitude at ``level`` (None for the ops without one)."""
    table = TABLES[op]
    return None if table is None else table[level]


# ---- the ops: f(img, value, sign, centre) -> img ------------------------------------------------------------------
def _shear_x(img, v, sign, _):
    return img.transform(img.size, Image.AFFINE, (1, v * sign, 0, 0, 1, 0), Image.BICUBIC, fillcolor=GREY)


def _shear_y(img, v, sign, _):
    return img.transform(img.size, Image.AFFINE, (1, 0, 0, v * sign, 1, 0), Image.BICUBIC, fillcolor=GREY)


def _translate_x(img, v, sign, _):  # a fraction of the width, nearest-neighbour as the package
    return img.transform(img.size, Image.AFFINE, (1, 0, v * img.size[0] * sign, 0, 1, 0), fillcolor=GREY)


def _translate_y(img, v, sign, _):
    return img.transform(img.size, Image.AFFINE, (1, 0, 0, 0, 1, v * img.size[1] * sign), fillcolor=GREY)


def _rotate(img, v, _sign, _):  # no sign: the package always turns by +v degrees
    return img.rotate(v, resample=Image.NEAREST, fillcolor=GREY)


def _enhancer(cls) -> Callable:
    return lambda img, v, sign, _: cls(img).enhance(1 + v * sign)


def _cutout(img, size, _sign, centre):
    """A ``size``-wide grey square (half-width ``size // 2`` each side, clipped) centred at ``centre``."""
    arr = np.array(img)
    (cx, cy), half = centre, int(size) // 2
    arr[max(0, cy - half):min(img.height, cy + half), max(0, cx - half):min(img.width, cx + half)] = CUTOUT_FILL
    return Image.fromarray(arr, img.mode)


OP_FUNCS: Dict[str, Callable] = {
    "ShearX": _shear_x, "ShearY": _shear_y, "TranslateX": _translate_x, "TranslateY": _translate_y,
    "Rotate": _rotate, "Color": _enhancer(ImageEnhance.Color), "Contrast": _enhancer(ImageEnhance.Contrast),
    "Sharpness": _enhancer(ImageEnhance.Sharpness), "Brightness": _enhancer(ImageEnhance.Brightness),
    "Posterize": lambda img, v, *_: ImageOps.posterize(img, int(v)),
    "Solarize": lambda img, v, *_: ImageOps.solarize(img, v),
    "AutoContrast": lambda img, *_: ImageOps.autocontrast(img),
    "Equalize": lambda img, *_: ImageOps.equalize(img),
    "Invert": lambda img, *_: ImageOps.invert(img),
    "Cutout": _cutout,
}


def apply_op(img: Image.Image, step: Step) -> Image.Image:
    """Run one step (whatever ``step.applied`` says)."""
    return OP_FUNCS[step.op](img, value_of(step.op, step.level), step.sign, step.centre)


# ---- the policy -----------------------------------------------------------------------------------------------------
PAIRS = len(OPS) * len(LEVELS)


def decode_pair(index: int) -> Tuple[Tuple[str, int], Tuple[str, int]]:
    """Pair ``index`` of the package's list (first op major, then its level, then the second op and level)."""
    first, second = divmod(index, PAIRS)
    return tuple((OPS[i // len(LEVELS)], LEVELS[i % len(LEVELS)]) for i in (first, second))


def _draw_step(op: str, level: int, size: Tuple[int, int]) -> Step:
    if random.random() >= PROB:
        return Step(op, level, False)
    sign = random.choice([-1, 1]) if op in SIGNED else 1
    centre = (0, 0)
    if op == "Cutout":  # NumPy's global generator, x then y, as the package
        centre = (int(np.random.randint(0, size[0])), int(np.random.randint(0, size[1])))
    return Step(op, level, True, sign, centre)


def draw_policy(size: Tuple[int, int]) -> List[Step]:
    """The two steps for an image of ``size`` (W, H), drawn in the package's order."""
    pair = decode_pair(random.randint(0, PAIRS * PAIRS - 1))
    return [_draw_step(op, level, size) for op, level in pair]


def apply_policy(img: Image.Image, steps: List[Step]) -> Image.Image:
    for step in steps:
        if step.applied:
            img = apply_op(img, step)
    return img


@TRANSFORMS.register_module()
class MiilRandAugment:
    """The ``randaugment`` package's ``RandAugment()`` on the PIL image in ``results['img']`` (RGB)."""

    def __call__(self, results: dict) -> dict:
        img = results["img"]
        results["img"] = apply_policy(img, draw_policy(img.size))
        return results

    def __repr__(self) -> str:
        return "MiilRandAugment(2 of 15 ops, levels 1-9, p 0.5 each)"
