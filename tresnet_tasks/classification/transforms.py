"""Image transforms for the classification tasks (multi-label and transfer), as mmengine pipeline steps.

Images stay PIL RGB until ``PackClsInputs``, which emits a uint8 CHW tensor: the model's data preprocessor scales
to [0, 1] (TResNet uses no mean/std normalisation). The recipes' RandAugment is :class:`MiilRandAugment`
(:mod:`.miil_randaugment`); timm's is :class:`TimmRandAugment`; Cutout is the ASL recipe's PIL cutout.
mmpretrain's / mmcv's transforms are not used: they work on OpenCV BGR arrays, and timm's RandAugment and the
published recipe's Cutout work on PIL images (same pixels as the recipe, no colour-order round trip).
"""
from __future__ import annotations

import random
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.registry import TRANSFORMS
from PIL import Image, ImageDraw, ImageOps

from ..data.images import skip_unreadable
from ..errors import ConfigError


@TRANSFORMS.register_module()
class LoadImagePIL:
    """Read ``results['img_path']`` as RGB. An unreadable or corrupt image returns None, which mmengine's
    dataset answers by drawing another sample (training) and which raises in test mode; each bad file is logged
    once with its path."""

    def __call__(self, results: dict) -> Optional[dict]:
        if isinstance(results.get("img"), np.ndarray):  # in-memory datasets (CIFAR): HWC uint8
            results["img"] = Image.fromarray(results["img"])
            results["ori_shape"] = (results["img"].height, results["img"].width)
            return results
        path = results["img_path"]
        try:
            with Image.open(path) as img:
                results["img"] = img.convert("RGB")
        except (OSError, ValueError, SyntaxError) as exc:
            skip_unreadable(path, str(exc))  # see data/images.py: skipped in training, an error in evaluation
            return None
        results["ori_shape"] = (results["img"].height, results["img"].width)
        return results


@TRANSFORMS.register_module()
class SquishResize:
    """Resize to exactly ``size`` (H, W), ignoring the aspect ratio (the ASL/TResNet 448 evaluation).

    Args:
        size: output ``(H, W)``, or one int for a square.
    """

    def __init__(self, size: Union[int, Sequence[int]]):
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if self.size[0] % 4 or self.size[1] % 4:
            raise ConfigError(f"TResNet needs sizes divisible by 4 (32 for dense tasks), got {self.size}")

    def __call__(self, results: dict) -> dict:
        results["img"] = results["img"].resize((self.size[1], self.size[0]), Image.BILINEAR)
        return results


@TRANSFORMS.register_module()
class CutoutPIL:
    """Paint one rectangle of random colour, ``factor`` x the image size, at a random centre: the ASL / ML-Decoder /
    CSL / ImageNet-21K scripts' ``CutoutPIL(cutout_factor)``, same draws (centre from NumPy's global generator,
    colour from Python's ``random``) and same inclusive rectangle. Those scripts take the centre's row from the
    width and its column from the height; the same on the square images of every recipe, right axes here.

    Args:
        factor: rectangle size as a fraction of the image size.
        prob: probability of applying it (the scripts: 1, every image).
    """

    def __init__(self, factor: float = 0.5, prob: float = 1.0):
        self.factor, self.prob = factor, prob

    def __call__(self, results: dict) -> dict:
        if self.prob < 1 and random.random() >= self.prob:
            return results
        img = results["img"].copy()
        w, h = img.size
        ch, cw = int(self.factor * h + 0.5), int(self.factor * w + 0.5)
        y, x = np.random.randint(h), np.random.randint(w)
        box = (int(np.clip(x - cw // 2, 0, w)), int(np.clip(y - ch // 2, 0, h)), int(np.clip(x + cw // 2, 0, w)),
               int(np.clip(y + ch // 2, 0, h)))
        ImageDraw.Draw(img).rectangle(box, fill=tuple(random.randint(0, 255) for _ in range(3)))
        results["img"] = img
        return results


@TRANSFORMS.register_module()
class TimmRandAugment:
    """timm's RandAugment (``config_str`` as in timm, e.g. ``rand-m9-mstd0.5``).

    Args:
        config_str: timm's RandAugment spec.
        img_mean: fill colour of geometric ops (RGB, 0-255).
    """

    def __init__(self, config_str: str = "rand-m9-mstd0.5", img_mean=(124, 116, 104)):
        from timm.data.auto_augment import rand_augment_transform
        self.op = rand_augment_transform(config_str, dict(translate_const=100, img_mean=tuple(img_mean)))

    def __call__(self, results: dict) -> dict:
        results["img"] = self.op(results["img"])
        return results


def _posterize_any_bits(img, bits_to_keep, **_):
    """timm's posterize as it ran with Pillow < 11, which took 0 bits (a black image); Pillow now refuses bits < 1,
    and timm's AutoAugment v0 asks for 0 bits at its Posterize magnitude 2 (so the policy would crash training)."""
    bits = int(bits_to_keep)
    if bits >= 8:
        return img
    if bits >= 1:
        return ImageOps.posterize(img, bits)
    return img.point([0] * 256 * len(img.getbands()))


@TRANSFORMS.register_module()
class TimmAutoAugment:
    """timm's AutoAugment (``config_str`` 'v0', 'original', ...), as timm's ``--aa=v0`` builds it for a model whose
    mean is 0 (TResNet): fill colour 0 and ``translate_const`` = 0.45 x the image size. Posterize keeps the 0-bit
    case current Pillow refuses (:func:`_posterize_any_bits`).

    Args:
        config_str: timm's AutoAugment policy name.
        translate_const: translation in pixels at full magnitude (timm: ``int(0.45 * img_size)``).
        img_mean: fill colour of geometric ops (RGB, 0-255; timm: the model's mean x 255).
    """

    def __init__(self, config_str: str = "v0", translate_const: int = 100, img_mean=(0, 0, 0)):
        from timm.data.auto_augment import auto_augment_transform
        self.op = auto_augment_transform(config_str, dict(translate_const=int(translate_const),
                                                          img_mean=tuple(img_mean)))
        for sub_policy in self.op.policy:
            for op in sub_policy:
                if op.name.startswith("Posterize"):
                    op.aug_fn = _posterize_any_bits

    def __call__(self, results: dict) -> dict:
        results["img"] = self.op(results["img"])
        return results


@TRANSFORMS.register_module()
class TimmRandomErasing:
    """timm's RandomErasing (``--reprob``), one rectangle, constant fill 0 (timm's 'const' mode, its default when
    the group's transfer command was written): on TResNet's unnormalised input that is black.

    Args:
        prob: probability of erasing.
    """

    def __init__(self, prob: float = 0.5):
        from timm.data.random_erasing import RandomErasing
        self.op = RandomErasing(probability=prob, mode="const", max_count=1, device="cpu")

    def __call__(self, results: dict) -> dict:
        chw = torch.from_numpy(np.array(results["img"], dtype=np.uint8).transpose(2, 0, 1).copy())
        results["img"] = Image.fromarray(self.op(chw).numpy().transpose(1, 2, 0))
        return results


@TRANSFORMS.register_module()
class RandomHorizontalFlipPIL:
    """Flip the PIL image left-right.

    Args:
        prob: probability of flipping.
    """

    def __init__(self, prob: float = 0.5):
        self.prob = prob

    def __call__(self, results: dict) -> dict:
        if random.random() < self.prob:
            results["img"] = results["img"].transpose(Image.FLIP_LEFT_RIGHT)
        return results


@TRANSFORMS.register_module()
class PackClsInputs:
    """-> ``{'inputs': uint8 (3, H, W), 'data_samples': {'gt': target, 'img_path': path}}``."""

    def __call__(self, results: dict) -> dict:
        arr = np.asarray(results["img"], dtype=np.uint8)
        inputs = torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
        sample = {"gt": torch.as_tensor(results.get("gt", -1)), "img_path": results.get("img_path", "")}
        return {"inputs": inputs, "data_samples": sample}
