"""Glue between this project and mmengine: the quiet console runner (``runner``) and where lines go (``output``:
terminal or log file), the hooks, one per module (``hooks/``: console, plots, label statistics, rank-0 logging,
time- and signal-triggered checkpoints), the EMA + raw validation loop (``loops``), non-finite-guarded optimizer
wrappers and the optimizer constructor that knows every norm mode (``optim``), torch's one-cycle beta1 schedule
(``schedulers``), safe checkpoint reading and resume inside mmengine (``checkpoint``), bf16 autocast
(``precision``), mid-epoch resume: the resumable loop (``resumable_loop``), augmentation seeded per sample
(``sample_seeding``); ``preemption`` is the old import path of the checkpoint hook."""
