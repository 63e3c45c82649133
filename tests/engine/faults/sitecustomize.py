"""Fault injection for the fault-tolerance tests, loaded by any Python started with this folder on PYTHONPATH
(tools/train.py directly, under torchrun, or behind a stand-in srun). Inactive unless ``TT_FAULT`` is set:

    TT_FAULT=kill_after_iter@N[:RANK]     SIGKILL this process right after training iteration N (1-based)
    TT_FAULT=signal_after_iter@N[:RANK]   send TT_FAULT_SIGNAL (default SIGTERM) to this process after iteration N
    TT_FAULT=kill_after_save@K            SIGKILL right after the K-th resumable (resume_iter_*) checkpoint is in place
    TT_FAULT=kill_in_write@K              SIGKILL inside the K-th checkpoint write: its temporary file is written, the
                                          rename that would publish it has not happened
    TT_FAULT_ONCE=FILE                    fire only if FILE does not exist (created when firing): restarts run clean
"""
import os

_SPEC = os.environ.get("TT_FAULT")


def _fire_allowed() -> bool:
    marker = os.environ.get("TT_FAULT_ONCE")
    if marker and os.path.exists(marker):
        return False
    if marker:
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
    return True


def _install(spec: str) -> None:
    import signal
    what, _, where = spec.partition("@")
    count, _, rank = where.partition(":")
    count = int(count)
    if rank and os.environ.get("RANK", "0") != rank:
        return
    if what in ("kill_after_iter", "signal_after_iter"):
        from tresnet_tasks.engine.resumable_loop import ResumableEpochBasedTrainLoop
        sig = signal.SIGKILL if what == "kill_after_iter" else getattr(signal, os.environ.get("TT_FAULT_SIGNAL",
                                                                                              "SIGTERM"))
        run_iter = ResumableEpochBasedTrainLoop.run_iter

        def patched(self, idx, data_batch):
            run_iter(self, idx, data_batch)
            if self._iter == count and _fire_allowed():
                os.kill(os.getpid(), sig)
        ResumableEpochBasedTrainLoop.run_iter = patched
    elif what in ("kill_after_save", "kill_in_write"):
        replace = os.replace
        seen = [0]

        def patched_replace(src, dst, *a, **k):
            dst_s = os.fspath(dst)
            counted = dst_s.endswith(".pth") and (what == "kill_in_write" or "resume_iter_" in dst_s)
            if counted:
                seen[0] += 1
            if counted and seen[0] == count and what == "kill_in_write" and _fire_allowed():
                os.kill(os.getpid(), signal.SIGKILL)
            replace(src, dst, *a, **k)
            if counted and seen[0] == count and what == "kill_after_save" and _fire_allowed():
                os.kill(os.getpid(), signal.SIGKILL)
        os.replace = patched_replace
    else:
        raise ValueError(f"TT_FAULT: unknown fault {spec!r}")


if _SPEC:
    _install(_SPEC)
