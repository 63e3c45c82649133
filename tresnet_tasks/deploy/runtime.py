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


class SessionHolder:
    """An ONNX Runtime session held by a model that mmengine may copy or pickle (its hooks deep-copy models): the
    session opens at once (a missing provider fails up front), and each copy opens its own."""

    def open_session(self, path: str, provider: str = "cpu", threads: int = 0) -> None:
        self.onnx_path, self.provider, self.threads = path, provider, threads
        self._session = ort_session(path, provider, threads)

    @property
    def session(self):
        if self._session is None:
            self._session = ort_session(self.onnx_path, self.provider, self.threads)
        return self._session

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_session"] = None
        return state
