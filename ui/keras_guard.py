"""Stop Streamlit from resetting Keras after every script run while a model trains in another thread.

Streamlit 1.67 calls ``keras.backend.clear_session()`` at the end of *every* script run (including each
poll of the live chart), from ``script_runner._clean_problem_modules``. In Keras 3 that resets the default
graph, clears TensorFlow's kernel cache and runs a full ``gc.collect()``, holding the GIL while a background
training waits for it (docs/performance.md has the figures). Our models live in worker threads and session
state, never in script-global Keras state, so the reset buys nothing.
We keep Streamlit's matplotlib cleanup and drop only the Keras part.
"""

from __future__ import annotations

import sys
from typing import Any

from streamlit.runtime.scriptrunner import script_runner

__all__ = ["keep_keras_session", "is_guarded"]


def _clean_problem_modules_without_keras() -> None:
    plt: Any = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def keep_keras_session() -> None:
    """Replace Streamlit's end-of-run cleanup with one that leaves Keras alone (idempotent)."""
    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = _clean_problem_modules_without_keras


def is_guarded() -> bool:
    return getattr(script_runner, "_clean_problem_modules", None) is _clean_problem_modules_without_keras
