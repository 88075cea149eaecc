"""The server's start and end: ``streamlit run app.py`` serves the app with Streamlit's ASGI server
(``st.App``, declared at the end of ``app.py``) and runs :func:`lifespan` around it.

Before the server accepts its first connection, the lifespan imports every module the pages import (pandas,
Plotly, Ray's client, the project's own; about a second) and does once what the first page does for the first
time (its chart and table through Streamlit's serializers), so the first visitor's page is as quick as the later
ones. The job manager, whose training workers (Ray, TensorFlow in their own processes) start in the background,
is asked for a moment after the first visitor's page is drawn, or :data:`WORKERS_START_SECONDS` after server start
when nobody came yet: starting Ray and importing TensorFlow twice takes both cores for several seconds, which a
first page drawn at the same time would wait for. When the server stops, the running trainings are stopped.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

__all__ = ["WORKERS_START_SECONDS", "page_modules", "warm_imports", "warm_first_page", "lifespan"]

logger = logging.getLogger(__name__)

#: The scripts whose imports are loaded at server start: the router and every page.
ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = (ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")))


def page_modules(scripts: tuple[Path, ...] = SCRIPTS) -> list[str]:
    """The modules ``scripts`` import anywhere in them (``import a.b`` and ``from a.b import c`` give ``a.b``),
    in first-seen order; relative imports are left out."""
    names: list[str] = []
    for script in scripts:
        tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
        for node in ast.walk(tree):
            found = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                     else [])
            names.extend(name for name in found if name not in names and name != "__future__")
    return names


def warm_imports(modules: list[str] | None = None) -> float:
    """Import ``modules`` (default: :func:`page_modules`); returns the seconds it took. A module that fails to
    import is logged and left for the page to report."""
    started = time.monotonic()
    for name in page_modules() if modules is None else modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the page that imports it shows the error to its visitor
            logger.exception("could not import %s at server start", name)
    return time.monotonic() - started


#: Seconds after server start at which the training workers start when no visitor came yet; a visitor's first
#: page starts them sooner, a moment after it is drawn (``app.py`` asks for the job manager at its end).
WORKERS_START_SECONDS = 10.0


def warm_first_page() -> float:
    """Do once, before the first visitor, what the first page does for the first time: read the default series,
    build its chart and hand both to Streamlit's serializers (Plotly's JSON writer, Arrow for tables), which import
    more of Plotly and pyarrow on first use (about 0.3 s of a first script run), and fill the caches Streamlit's
    first element reads. Returns the seconds it took; a failure is logged and left for the page to report."""
    started = time.monotonic()
    try:
        import plotly.io
        from streamlit import dataframe_util

        from core.dashboard.charts import series_figure
        from core.data.datasets import load_builtin

        series = load_builtin("seed")
        plotly.io.to_json(series_figure(series), validate=False)
        dataframe_util.convert_pandas_df_to_arrow_bytes(series.values.rename("value").reset_index())
        importlib.import_module("streamlit.material_icon_names")
        # The first element of the process asks whether it runs in a REPL (``inspect.stack()``, which looks up the
        # source file of every loaded module: about 45 ms of the first page's script run with the page modules
        # loaded). Asked here, inspect's module-file cache is filled and that first element costs a millisecond.
        from streamlit import env_util

        env_util.is_repl()
    except Exception:  # noqa: BLE001 - the page shows its own error to its visitor
        logger.exception("could not warm the first page at server start")
    return time.monotonic() - started


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """``st.App``'s lifespan: warm the imports, start the job manager soon, then serve; at the end stop the
    trainings."""
    del app
    seconds = warm_imports() + warm_first_page()
    from ui.session import job_manager

    logger.info("server ready: page modules imported in %.2f s", seconds)
    timer = threading.Timer(WORKERS_START_SECONDS, job_manager)  # Ray and the workers start in the background
    timer.daemon = True
    timer.start()
    keeper = asyncio.create_task(_keep_sigterm(signal.getsignal(signal.SIGTERM)))
    try:
        yield
    finally:
        keeper.cancel()
        timer.cancel()
        job_manager().shutdown(timeout=5.0)
        from core.run import cluster

        cluster.disconnect()  # the embedded Ray stops with its agents (at exit it may be too late for them)


async def _keep_sigterm(handler: Any) -> None:
    """Put the server's own SIGTERM handler back once Ray has started (this runs on the main thread, where the
    server's event loop runs). Ray's core installs a handler of its own that ends the process at once, which
    leaves Ray's agents running without their raylet; with the server's handler a SIGTERM stops the server, whose
    lifespan then stops Ray (``core.run.cluster.disconnect``)."""
    if not callable(handler):
        return
    from core.run import cluster

    while cluster.connected() is None:  # set once ray.init has returned, Ray's handler installed with it
        await asyncio.sleep(0.2)
    signal.signal(signal.SIGTERM, handler)
