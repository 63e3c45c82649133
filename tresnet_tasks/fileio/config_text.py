"""What a config file's text says before it is executed (executing a detection config already needs mmdet)."""
from __future__ import annotations

import ast
from typing import List


def base_names(text: str) -> List[str]:
    """The ``_base_`` entries of a config file's text (read, not executed)."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_base_" for t in node.targets):
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []
