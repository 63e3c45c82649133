"""What the tools in ``tools/`` share: arguments and one-line errors (``args``), config loading (``config``),
distributed start-up (``launch``), image inputs of the inference tools (``inputs``), recipe provenance: each full-size
config checked against its published source (``recipes``, tools/check_recipe.py)."""
