"""int8 on the CPU: ONNX Runtime's static quantization in QDQ form (weights signed int8 per channel, activations
unsigned uint8 per tensor: U8S8, ORT's x86 fast path, 8% faster than S8S8 on the 2-core Xeon measured), its
activation ranges calibrated (min-max) on training images through the test pipeline, and the latency against the
float32 model measured in the same process."""
from __future__ import annotations

import contextlib
import io
import logging
import os
import statistics
import time
import warnings
from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np
from mmengine.registry import DATASETS, DefaultScope

from ..errors import ConfigError
from .contract import INPUT_NAME
from .runtime import ort_session


def _training_items(cfg, count: int) -> List[Dict]:
    """``count`` items of the config's training split, evenly spaced, through its test pipeline (no augmentation)."""
    if count < 1:
        raise ConfigError(f"--calib-images {count}: calibrate on at least 1 image (a few hundred is usual)")
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    dataset_cfg.update(pipeline=cfg.test_dataloader.dataset.pipeline, test_mode=True)
    # detection datasets live in mmdet's registry; pycocotools prints its progress on stdout
    with DefaultScope.overwrite_default_scope(cfg.get("default_scope")), contextlib.redirect_stdout(io.StringIO()):
        dataset = DATASETS.build(dataset_cfg)
    picks = np.linspace(0, len(dataset) - 1, num=min(count, len(dataset))).round().astype(int)
    return [dataset[int(i)] for i in picks]


def calibration_images(cfg, count: int, mean: Sequence[float], std: Sequence[float]) -> List[np.ndarray]:
    """``count`` training images through the test pipeline and the preprocessor's mean/std: (1, 3, H, W) float32."""
    m, s = np.asarray(mean, np.float32).reshape(3, 1, 1), np.asarray(std, np.float32).reshape(3, 1, 1)
    return [((item["inputs"].numpy().astype(np.float32) - m) / s)[None] for item in _training_items(cfg, count)]


def detection_calibration(cfg, count: int) -> List[Dict[str, np.ndarray]]:
    """A detector's graph inputs for ``count`` training images: the config's own data preprocessor (mmdet's: channel
    order, mean/std, padding) and each image's size before padding."""
    from mmdet.registry import MODELS  # the caller exports a detector: detection is installed
    with DefaultScope.overwrite_default_scope("mmdet"):
        preprocessor = MODELS.build(cfg.model.data_preprocessor)
    feeds = []
    for item in _training_items(cfg, count):
        data = preprocessor({"inputs": [item["inputs"]], "data_samples": [item["data_samples"]]}, False)
        h, w = data["data_samples"][0].metainfo["img_shape"][:2]
        feeds.append({INPUT_NAME: data["inputs"].numpy(), "image_size": np.array([[h, w]], np.int64)})
    return feeds


def _feed(x) -> Dict[str, np.ndarray]:
    return x if isinstance(x, dict) else {INPUT_NAME: x}


class _Reader:
    """ONNX Runtime's CalibrationDataReader protocol over a list of inputs (arrays for ``image``, or feeds)."""

    def __init__(self, images: List):
        self._it: Iterator = iter([_feed(x) for x in images])

    def get_next(self):
        return next(self._it, None)

    def rewind(self):
        pass


def quantize_int8(fp32_path: str, int8_path: str, images: List, op_types: Optional[List[str]] = None) -> None:
    """``fp32_path`` quantized into ``int8_path``, calibrated on ``images`` (inputs of the graph's shape, or feeds);
    ``op_types``: only these ops (a detector: ``Conv``, so boxes, scores and NMS stay float32)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    logging.disable(logging.WARNING)  # its advice to pre-process first goes to the root logger, on every call
    try:
        quantize_static(fp32_path, int8_path, _Reader(images), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                        calibrate_method=CalibrationMethod.MinMax, op_types_to_quantize=op_types)
    finally:
        logging.disable(logging.NOTSET)


def latency_ms(path: str, image, repeats: int = 10, threads: int = 0) -> float:
    """Median wall time of one ONNX Runtime run on ``image`` (an array, or a feed) after one warm-up, in ms."""
    session, feed = ort_session(path, threads=threads), _feed(image)
    session.run(None, feed)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        session.run(None, feed)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def compare_latency(fp32_path: str, int8_path: str, image, repeats: int = 10) -> Dict[str, float]:
    """fp32 and int8 latencies, interleaved in rounds so a drifting machine moves both alike."""
    fp32, int8 = [], []
    for _ in range(3):
        fp32.append(latency_ms(fp32_path, image, repeats))
        int8.append(latency_ms(int8_path, image, repeats))
    shape = _feed(image)[INPUT_NAME].shape
    out = {"fp32_ms": statistics.median(fp32), "int8_ms": statistics.median(int8), "batch": int(shape[0]),
           "size": list(shape[2:])}
    out["speedup"] = out["fp32_ms"] / out["int8_ms"]
    return out


def export_int8(fp32_path: str, int8_path: str, images: List, latency_input,
                op_types: Optional[List[str]] = None) -> Dict:
    """Quantize (calibrated on ``images``), time against float32 on ``latency_input``, and return the contract's
    ``int8`` entry."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        quantize_int8(fp32_path, int8_path, images, op_types)
    return {"model": os.path.basename(int8_path),
            "format": "QDQ, int8 weights per channel, uint8 activations per tensor (ONNX Runtime static "
                      "quantization)" + (f"; only {', '.join(op_types)} nodes" if op_types else ""),
            "calibration": {"images": len(images), "split": "train", "method": "min-max"},
            "latency": compare_latency(fp32_path, int8_path, latency_input)}
