"""Typed errors that ``core`` raises; each message is one line a person can act on.

The tree::

    ValueError                  (Python's; also what a caller's contract violation raises)
     └── CoreError              a problem with the user's input, one line; pages and the CLI catch only this
          ├── DataError         the data cannot be used: empty, binary, too short, too many gaps, ...
          ├── ConfigError       a setting the user can change is out of range or does not fit the data
          └── TrainingError     training could not produce a usable model, or no training slot is free

Rules: ``ConfigError`` only for what a user can fix in the settings (the message names the field, the value and
what is allowed); a wrong argument from our own code (a negative count, mismatched shapes) is a plain
``ValueError`` and is a bug, not a message for the user. Pages turn a ``CoreError`` into ``st.error``; the CLI
into one ``error:`` line and exit code 2.
"""

from __future__ import annotations

__all__ = ["CoreError", "DataError", "ConfigError", "TrainingError"]


class CoreError(ValueError):
    """Base class: a problem with the user's input, reported as one line."""


class DataError(CoreError):
    """The data cannot be used (empty, binary, too short, too many missing values, ...)."""


class ConfigError(CoreError):
    """A setting is out of range or inconsistent with the data; the user can fix it."""


class TrainingError(CoreError):
    """Training could not produce a usable model (for example it diverged), or cannot start (server busy)."""
