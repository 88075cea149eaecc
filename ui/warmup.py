"""Import TensorFlow/Keras once per server process, after the first page has been drawn.

``import core.pipeline`` (TensorFlow + Keras) takes several seconds. Importing it at the top of
``app.py`` held back a new visitor's first page until it finished. The Data page needs no TensorFlow,
so ``app.py`` now calls :func:`import_numeric_stack` at the *end* of a script run: Streamlit has already
streamed the page to the browser, and the import still runs in a script thread, never in a training
worker (a first import inside a worker raced with Plotly). Plotly's lazily imported figure modules are
loaded first, so the TensorFlow import does not interleave with them. Pages that need TensorFlow
(``ui.session.job_manager``) import it themselves in their own script thread; Python's import lock
makes them wait for an import in progress. Measured in ``python -m bench`` (README "Performance").
"""

from __future__ import annotations

import sys
import threading

__all__ = ["import_numeric_stack", "numeric_stack_ready"]

_lock = threading.Lock()


def numeric_stack_ready() -> bool:
    return "core.pipeline" in sys.modules and "tensorflow" in sys.modules


def import_numeric_stack() -> None:
    """Import Plotly's figure machinery, then TensorFlow via ``core.pipeline`` (once; cheap afterwards)."""
    if numeric_stack_ready():
        return
    with _lock:
        if numeric_stack_ready():
            return
        import plotly.graph_objects as go

        go.Figure(go.Scatter(x=[0, 1], y=[0, 1])).to_json()  # loads the lazily imported validators
        import core.pipeline  # noqa: F401
