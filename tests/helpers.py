"""What tests of every kind share: the checkout's paths and waiting on a condition (never a fixed sleep)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["ROOT", "APP", "ARTIFACTS", "wait_for"]

#: The checkout's root directory (where ``app.py`` and ``pyproject.toml`` are).
ROOT = Path(__file__).resolve().parent.parent
#: The Streamlit entry point, for ``AppTest.from_file`` and ``streamlit run``.
APP = str(ROOT / "app.py")
#: Where tests write what a person may want to look at afterwards (screenshots, logs, measured figures).
ARTIFACTS = ROOT / "artifacts"

T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float, interval: float = 0.1, what: str = "condition") -> T:
    """Poll ``condition`` until it returns a truthy value and return that value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
