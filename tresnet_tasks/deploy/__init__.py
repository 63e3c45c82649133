"""Models leaving PyTorch: exported to ONNX with their post-processing in the graph and a ``model.json`` contract
that a program without this package can follow, then run by ONNX Runtime inside the project's own tools.

``contract`` (what ``model.json`` holds: input, resize rule, outputs, classes, thresholds, provenance), ``classifier``
(exporting a classification config's model: GAP or ML-Decoder head, multi-label or single-label), ``detector``
(exporting a detector config's model and its contract), ``dense_heads`` (FCOS, RetinaNet, ATSS, GFL: mmdet's
post-processing in exportable ops), ``two_stage`` (Faster / Mask / Cascade R-CNN: RPN, RoIAlign, box head, mask
probabilities), ``graph_ops`` (what both share: clipping, class-wise NMS per image, multi-level RoIAlign, box
decoding), ``runtime``
(ONNX Runtime sessions: the CPU provider, or OpenVINO's), ``quantize`` (int8 QDQ calibrated on training images,
and its latency against float32), ``triton`` (a Triton model repository: config.pbtxt and the model),
``onnx_model`` / ``onnx_detector`` (an exported classifier / detector as an mmengine
model, so ``tools/test.py`` scores it with the checkpoint's evaluator).
"""
from .classifier import export_classifier
from .contract import CONTRACT_FILE, MODEL_FILE, read_contract
from .onnx_model import OnnxClassifier
from .runtime import ort_session

__all__ = ["export_classifier", "read_contract", "CONTRACT_FILE", "MODEL_FILE", "OnnxClassifier", "ort_session"]
