"""Import TensorFlow/Keras once per server process, a few seconds after a visitor's first page was drawn.

``import core.run.pipeline`` (TensorFlow + Keras) takes several seconds of CPU. Importing it at the top of
``app.py`` held back a new visitor's first page until it finished; importing it at the end of the first
script run still competed with the browser, which at that moment loads and runs Streamlit's Plotly and table
code (≈ 5 MB of JavaScript) on the same cores. So ``app.py`` calls :func:`warm_up_later`: it registers an
empty fragment with ``run_every=WARMUP_DELAY_SECONDS``; its first timed run (the browser asks for it once the
delay has passed) imports the stack and reruns the app once, which stops the timer. The import still runs in
the session's script thread, never in a training worker (a first import inside a worker raced with Plotly).
Plotly's lazily imported figure modules are loaded first, so the TensorFlow import does not interleave with
them. Pages that need TensorFlow (the Train page, ``ui.session.job_manager``) import it themselves when a
visitor opens them first; Python's import lock makes them wait for an import in progress. Measured in
``python -m bench`` (README "Performance").
"""

from __future__ import annotations

import sys
import threading

import streamlit as st

__all__ = ["WARMUP_DELAY_SECONDS", "import_numeric_stack", "numeric_stack_ready", "warm_up_later"]

#: Seconds between the end of the first script run and the TensorFlow import: the browser loads and runs Plotly
#: meanwhile. Longer (4 s) overlapped less under load but cost the Train page ~3 s when opened right away,
#: as it then imports TensorFlow from the start itself (README "Performance").
WARMUP_DELAY_SECONDS = 2.0

_lock = threading.Lock()


def numeric_stack_ready() -> bool:
    return "core.run.pipeline" in sys.modules and "tensorflow" in sys.modules


def import_numeric_stack() -> None:
    """Import Plotly's figure machinery, then TensorFlow via ``core.run.pipeline`` (once; cheap afterwards)."""
    if numeric_stack_ready():
        return
    with _lock:
        if numeric_stack_ready():
            return
        import plotly.graph_objects as go

        go.Figure(go.Scatter(x=[0, 1], y=[0, 1])).to_json()  # loads the lazily imported validators
        import core.run.pipeline  # noqa: F401


def _warm_up() -> None:
    """Fragment body: nothing on the run that registers it; the import on its first timed run."""
    if not st.session_state.get("warmup_scheduled"):
        st.session_state["warmup_scheduled"] = True
        return
    import_numeric_stack()
    st.rerun(scope="app")  # the next full run registers no fragment: the timer stops


def warm_up_later() -> None:
    """Call at the end of ``app.py``: schedule the import unless this server process already has it."""
    if numeric_stack_ready():
        return
    with st.sidebar:
        st.fragment(_warm_up, run_every=WARMUP_DELAY_SECONDS)()
