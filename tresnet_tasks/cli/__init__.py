"""What the tools in ``tools/`` share: arguments and one-line errors (``args``), config loading (``config``),
distributed start-up (``launch``), inference on image files (``infer``, tools/infer.py), what a dataset looks like
(``browse``, tools/browse_dataset.py), the preemption policy: resumable training, exit code 75, resuming after a
restart (``preemption``), recipe provenance: each full-size config checked against its published source
(``recipes``, tools/check_recipe.py)."""
