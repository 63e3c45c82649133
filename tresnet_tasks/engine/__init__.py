"""Glue between this project and mmengine: the EMA + raw validation loop (``loops``), non-finite-guarded optimizer
wrappers (``optim``), safe checkpoint reading and resume inside mmengine (``checkpoint``), bf16 autocast
(``precision``)."""
