"""Typed errors that ``core`` raises; each message is one line a person can act on."""

__all__ = ["CoreError", "DataError", "ConfigError", "TrainingError"]


class CoreError(ValueError):
    """Base class: a problem with the user's input, reported as one line."""


class DataError(CoreError):
    """The data cannot be used (empty, binary, too short, too many missing values, ...)."""


class ConfigError(CoreError):
    """A configuration field is out of range or inconsistent with the data."""


class TrainingError(CoreError):
    """Training could not produce a usable model (for example it diverged)."""
