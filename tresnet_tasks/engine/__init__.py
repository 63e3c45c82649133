"""Glue between this project and mmengine: the EMA + raw validation loop (``loops``), non-finite-guarded optimizer
wrappers and the optimizer constructor that knows every norm mode (``optim``), torch's one-cycle beta1 schedule
(``schedulers``), safe checkpoint reading and resume inside mmengine (``checkpoint``), bf16 autocast
(``precision``), mid-epoch resume: the resumable loop (``resumable_loop``), augmentation seeded per sample
(``sample_seeding``), time- and signal-triggered checkpoints (``preemption``)."""
