"""Each bench in its own process (clean peak memory, no allocator or cache state shared between networks), driven
through ``multiprocessing`` (spawn: a fresh interpreter, safe with threads and CUDA) over a pipe: one phase name in,
one result out. What a worker prints goes to a log file, shown when the worker fails."""
from __future__ import annotations

import multiprocessing
import os
import tempfile
import traceback

import torch

from .benches import make_bench


def _serve(conn, spec, args, device: str, log_path: str) -> None:
    """Worker side: build the bench, then answer phase calls until told to stop (``None``)."""
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND)
    os.dup2(log, 1)
    os.dup2(log, 2)
    try:
        if args.threads:
            torch.set_num_threads(args.threads)
        torch.manual_seed(0)
        bench = make_bench(spec, args, torch.device(device))
        conn.send(("ready", None))
        while True:
            method = conn.recv()
            if method is None:
                return
            conn.send(("ok", bench.call(method)))
    except Exception:  # noqa: BLE001 - reported to the parent with the traceback, which ends the run
        conn.send(("error", traceback.format_exc()))


class WorkerBench:
    """A bench in a spawned process, with the same ``call(phase)`` as a local one."""

    def __init__(self, spec, args, device: torch.device):
        self.spec = spec
        fd, self.log_path = tempfile.mkstemp(prefix="tresnet-bench-", suffix=".log")
        os.close(fd)
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, spec, args, str(device), self.log_path), daemon=True)
        self.proc.start()
        child.close()
        self._read()  # "ready" once the network is built

    def _read(self):
        try:
            status, value = self.conn.recv()
        except EOFError:
            status, value = "error", f"exited with code {self.proc.join(30) or self.proc.exitcode}"
        if status == "error":
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                log = f.read()[-3000:]
            raise RuntimeError(f"benchmark worker for {self.spec.text} failed:\n{log}\n{value}")
        return value

    def call(self, method: str):
        self.conn.send(method)
        return self._read()

    def close(self) -> None:
        try:
            self.conn.send(None)
            self.proc.join(timeout=60)
        except (OSError, BrokenPipeError):
            pass
        if self.proc.is_alive():
            self.proc.kill()
        os.unlink(self.log_path)
