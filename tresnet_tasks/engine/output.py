"""Where output goes while the tools run: their own short lines to the terminal (:class:`Console`), what
libraries log or print to the work dir's log file (:func:`quiet_console`, :func:`library_stdout_to_log`)."""
from __future__ import annotations

import contextlib
import io
import logging
import sys
import warnings
from typing import Iterator, TextIO

from mmengine.dist import master_only


class Console:
    """Where the tools' own lines go: the terminal the process started with, whatever libraries do to sys.stdout;
    only rank 0 of a distributed run prints."""

    stream: TextIO = sys.stdout

    @classmethod
    @master_only
    def print(cls, line: str) -> None:
        cls.stream.write(line + "\n")
        cls.stream.flush()


# Third-party messages this project cannot fix at the source; they still reach the log file.
_KNOWN_LOG_NOISE = (
    # mmengine 0.10.7's CheckpointHook.before_train always builds a FileClient, which warns about itself
    '"FileClient" will be deprecated in future.',
    '"HardDiskBackend" is the alias of "LocalBackend"',
    # mmdet's CocoMetric when the model detected nothing: tools/test.py says instead that box mAP is 0.0 and why
    "The testing results of the whole dataset is empty.",
    # mmdet 3.3 has no "function" registry of its own; its DetInferencer looks the collate function up there
    'Failed to search registry with scope "mmdet" in the "function" registry tree.',
)


class _DropKnownNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(message.startswith(noise) for noise in _KNOWN_LOG_NOISE)


def quiet_known_warnings() -> None:
    """Python warnings raised inside third-party code on every run, filtered by their exact text."""
    # mmdet 3.3's point and anchor generators call torch.meshgrid without indexing= (torch warns once per process)
    warnings.filterwarnings("ignore", message=r"torch\.meshgrid: in an upcoming release, it will be required")


def quiet_console(logger: logging.Logger) -> logging.Logger:
    """The logger's console handler shows warnings and errors only, minus the known noise; files keep everything."""
    quiet_known_warnings()
    for handler in logger.handlers:
        if type(handler) is logging.StreamHandler:  # the console one (FileHandler is a subclass)
            handler.setLevel(logging.WARNING)
            handler.addFilter(_DropKnownNoise())
    return logger


class _ToLog(io.TextIOBase):
    """A text stream whose complete lines become INFO records of a logger (its file handler keeps them)."""

    def __init__(self, logger: logging.Logger):
        super().__init__()
        self.logger, self.pending = logger, ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.strip():
                self.logger.info(line)
        return len(text)


@contextlib.contextmanager
def library_stdout_to_log(logger: logging.Logger, verbose: bool = False) -> Iterator[None]:
    """Send what libraries print to ``logger`` (the log file) while the block runs; the tools' own lines still
    reach the terminal through :class:`Console`."""
    if verbose:
        yield
        return
    if not isinstance(sys.stdout, _ToLog):  # the terminal, not an outer redirection
        Console.stream = sys.stdout
    with contextlib.redirect_stdout(_ToLog(logger)):
        yield
