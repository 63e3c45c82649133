"""ONNX Runtime sessions for the exported models: the CPU execution provider by default, OpenVINO's (Intel CPUs,
GPUs, NPUs; ``pip install onnxruntime-openvino`` in place of ``onnxruntime``) on request."""
from __future__ import annotations

from ..errors import DependencyError

PROVIDERS = {"cpu": "CPUExecutionProvider", "openvino": "OpenVINOExecutionProvider", "cuda": "CUDAExecutionProvider"}


def ort_session(path: str, provider: str = "cpu", threads: int = 0):
    """An ``onnxruntime.InferenceSession`` on ``path``; an unavailable provider is one line saying what to install."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise DependencyError(f"running {path} needs onnxruntime: pip install onnxruntime ({exc})") from None
    name = PROVIDERS.get(provider, provider)
    available = ort.get_available_providers()
    if name not in available:
        hint = {"OpenVINOExecutionProvider": "pip install onnxruntime-openvino (it replaces onnxruntime)",
                "CUDAExecutionProvider": "pip install onnxruntime-gpu (it replaces onnxruntime)"}.get(name, "")
        raise DependencyError(f"ONNX Runtime provider {name} is not available here (available: {available})"
                              + (f": {hint}" if hint else ""))
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(path, sess_options=options, providers=[name])
