"""What ``tools/browse_dataset.py`` shows of a classification config's dataset: per-class counts (positive /
negative / unknown), labels per image, classes never positive, and a grid of samples with their labels drawn as
the pipeline delivers them (augmentation included). Custom data fails most often on class names and order: this is
where it shows."""
from __future__ import annotations

from typing import List

import numpy as np
from mmengine.registry import DATASETS

from ..classification.datasets import MultiLabelDataset
from ..errors import ConfigError
from ..visualization.charts import sample_grid


def dataset_report(dataset, top: int = 30) -> List[str]:
    """Lines describing the labels of a built dataset."""
    classes = list(dataset.metainfo.get("classes") or [])
    lines = [f"{type(dataset).__name__}: {len(dataset)} images, {len(classes)} classes"]
    if isinstance(dataset, MultiLabelDataset):
        counts = dataset.label_counts()
        per_image = counts["labels_per_image"]
        lines.append(f"positive labels per image: mean {per_image.mean():.2f}, min {per_image.min()}, "
                     f"max {per_image.max()}; images without any positive: {int((per_image == 0).sum())}")
        unknown = int(counts["unknown"].sum())
        total = len(dataset) * len(classes)
        lines.append(f"labels: {int(counts['positive'].sum())} positive, {int(counts['negative'].sum())} negative, "
                     f"{unknown} unknown ({100 * unknown / max(1, total):.1f}% of {total})")
        order = np.argsort(-counts["positive"], kind="stable")
        shown = order if len(order) <= top else np.r_[order[: top // 2], order[-(top // 2):]]
        lines.append(f"{'class':<32} {'positive':>9} {'negative':>9} {'unknown':>9}")
        for i, c in enumerate(shown):
            if len(order) > top and i == top // 2:
                lines.append(f"{'...':<32}")
            lines.append(f"{str(classes[c])[:32]:<32} {counts['positive'][c]:>9} {counts['negative'][c]:>9} "
                         f"{counts['unknown'][c]:>9}")
        never = [str(classes[i]) for i in np.nonzero(counts["positive"] == 0)[0]]
        lines.append(f"classes never positive: {len(never)}" + (f" ({', '.join(never[:20])}"
                                                                 f"{' ...' if len(never) > 20 else ''})" if never else ""))
    else:
        labels = np.array([int(dataset.get_data_info(i)["gt"]) for i in range(len(dataset))])
        counts = np.bincount(labels, minlength=len(classes))
        lines.append(f"images per class: min {counts.min()}, max {counts.max()}; classes without images: "
                     f"{int((counts == 0).sum())}")
    return lines


def caption(gt, classes) -> str:
    gt = np.asarray(gt)
    if gt.ndim == 0:
        return str(classes[int(gt)]) if classes else str(int(gt))
    pos = [str(classes[i]) for i in np.nonzero(gt > 0.5)[0]]
    unknown = int((gt < 0).sum())
    text = ", ".join(pos[:6]) + (" ..." if len(pos) > 6 else "") if pos else "no positive"
    return text + (f" (+{unknown} unknown)" if unknown else "")


def draw_samples(dataset, out_png: str, count: int = 12, seed: int = 0) -> str:
    """``count`` samples, as the pipeline delivers them, with their labels."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(dataset), size=min(count, len(dataset)), replace=False)
    classes = list(dataset.metainfo.get("classes") or [])
    images, captions = [], []
    for i in picks:
        data = dataset[int(i)]
        images.append(data["inputs"].permute(1, 2, 0).numpy())
        captions.append(caption(data["data_samples"]["gt"].numpy(), classes))
    return sample_grid(images, captions, out_png, f"{type(dataset).__name__}: {len(picks)} samples")


def build_split(cfg, split: str):
    """The dataset of ``<split>_dataloader`` of a classification config."""
    key = f"{split}_dataloader"
    if key not in cfg or not cfg[key]:
        raise ConfigError(f"the config has no {key}")
    if cfg.get("default_scope") == "mmdet":
        raise ConfigError("a detection config: use MMDetection's tools/analysis_tools/browse_dataset.py from the "
                          "installed mmdet package (see the README's Detection section)")
    return DATASETS.build(cfg[key]["dataset"])

