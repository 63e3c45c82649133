"""Kept for imports of ``tresnet_tasks.data.errors``: the error types live in :mod:`tresnet_tasks.errors`."""
from ..errors import DatasetError

__all__ = ["DatasetError"]
