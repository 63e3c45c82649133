"""One exception type for bad data, so the tools can print one clear line instead of a traceback."""


class DatasetError(ValueError):
    """A dataset is missing, incomplete or malformed; the message says what, where, and what to do."""
