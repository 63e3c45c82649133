"""Every exception type a user of tresnet-tasks can meet, in one module.

Each is a problem the user can fix (bad data, a checkpoint that does not fit or cannot be read, a config value), so
the tools print it as one line and exit with code 2. Anything else is a bug and keeps its traceback. Each type also
derives from the built-in exception it refines (``ValueError``, ``FileNotFoundError``...), so code that caught those
before still does.
"""
from __future__ import annotations


class TResNetTasksError(Exception):
    """Base of the errors whose message tells the user what was wrong and what to do."""


class ConfigError(TResNetTasksError, ValueError):
    """A config value, command-line option or constructor argument that cannot work."""


class DatasetError(TResNetTasksError, ValueError):
    """A dataset is missing, incomplete or malformed; the message says what, where, and what to do."""


class InputSizeError(TResNetTasksError, ValueError):
    """An input tensor whose shape TResNet cannot take (H and W must be multiples of 32 for the full network)."""


class DependencyError(TResNetTasksError, ImportError):
    """An optional package this feature needs is missing or unusable; the message names what to install."""


class NonFiniteLossError(TResNetTasksError, FloatingPointError):
    """The loss became NaN/inf; training stopped before the step touched the weights."""


class CheckpointError(TResNetTasksError, ValueError):
    """A checkpoint (file or named weights) that cannot be used; subclasses say why."""


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """The checkpoint file does not exist."""


class CheckpointMismatchError(CheckpointError):
    """The checkpoint does not fit the model (another variant, another class count or head, or not a TResNet)."""


class DamagedCheckpointError(CheckpointError):
    """The file is not a readable checkpoint: empty, truncated, random bytes, a directory, a foreign zip."""


class UnsafeCheckpointError(CheckpointError):
    """The file's pickle refers to Python objects beyond plain weights; loading it could run code, so it is refused
    unless the user trusts that exact file (see :mod:`tresnet_tasks.fileio.checkpoint`)."""


class WeightsNotAvailableError(CheckpointError):
    """Named weights (a timm tag or ``hf-hub:`` repo) that are unknown, or not cached while offline."""


def one_line(exc: BaseException) -> str:
    """The message a tool prints for ``exc``, on one line.

    An error raised in a DataLoader worker comes back re-raised with the worker's traceback folded into its message
    ("Caught DatasetError in DataLoader worker process 0. Original Traceback ..."); the original message is then
    the last line, after the exception's qualified name.
    """
    text = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else str(exc)
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    if "Original Traceback" in text:
        name, sep, message = lines[-1].partition(": ")
        return message if sep and name.rsplit(".", 1)[-1].endswith("Error") else lines[-1]
    return " ".join(lines)
