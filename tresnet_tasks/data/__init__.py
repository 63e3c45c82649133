"""Datasets, validation of on-disk formats, and generators of small demo data in the real formats."""
from .errors import DatasetError

__all__ = ["DatasetError"]
