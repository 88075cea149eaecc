"""``ui.server``: what the server imports before its first connection, and its lifespan (the job manager it starts
is the one every session's script gets; the running trainings stop with the server)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT
from ui.server import page_modules

LIFESPAN = """
import asyncio, sys
import streamlit  # as the server has it
from ui.server import lifespan, warm_imports
from ui.session import job_manager

warm_imports()
print("TF", "tensorflow" in sys.modules, "KERAS", "keras" in sys.modules)
print("PANDAS", "pandas" in sys.modules, "PLOTLY", "plotly.graph_objects" in sys.modules)

import time
import ui.server, ui.session
ui.server.WORKERS_START_SECONDS = 0.05

async def main():
    async with lifespan(None):
        deadline = time.monotonic() + 30
        while not ui.session._MANAGER and time.monotonic() < deadline:  # the timer asks for it
            await asyncio.sleep(0.01)
        started = list(ui.session._MANAGER)
        manager = job_manager()
        print("SAME", started == [manager])
    print("CLOSED", manager._closed)

asyncio.run(main())
"""


def test_the_warm_imports_are_what_the_router_and_every_page_import(tmp_path: Path) -> None:
    script = tmp_path / "page.py"
    script.write_text("import os\nfrom core.words import first_line\nif True:\n"
                      "    from ui.share import presenter_toggle\nfrom . import nothing\n")
    assert page_modules((script,)) == ["os", "core.words", "ui.share"]  # nested ones too; relative ones left out
    modules = page_modules()
    assert {"ui.session", "ui.sources", "core.dashboard.charts", "ui.job_panel", "ui.server"} <= set(modules)
    assert not any(name.split(".")[0] in ("tensorflow", "keras") for name in modules)


def test_the_warm_imports_leave_tensorflow_out_and_the_lifespan_starts_the_shared_job_manager() -> None:
    result = subprocess.run([sys.executable, "-c", LIFESPAN], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "LSTM_BACKEND": "inprocess"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "TF False KERAS False" in result.stdout, result.stdout  # the web process never imports TensorFlow
    assert "PANDAS True PLOTLY True" in result.stdout and "SAME True" in result.stdout
    assert "CLOSED True" in result.stdout  # the server's end stops the trainings and refuses new ones


FIRST_ELEMENT = """
import inspect, sys
from ui.server import warm_first_page, warm_imports

warm_imports()
loaded = [m for m in list(sys.modules.values()) if getattr(m, "__file__", None)]
print("BEFORE", sum(inspect.getabsfile(m) in inspect.modulesbyfile for m in loaded), len(loaded))
warm_first_page()
print("AFTER", sum(inspect.getabsfile(m) in inspect.modulesbyfile for m in loaded), len(loaded))
"""


def test_the_warm_up_fills_the_module_file_cache_the_first_element_reads() -> None:
    """Streamlit's first element of a process calls ``inspect.stack()``, which looks up every loaded module's file
    unless inspect's cache already has it (about 45 ms of the first page otherwise)."""
    result = subprocess.run([sys.executable, "-c", FIRST_ELEMENT], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    before, after = (line.split()[1:] for line in result.stdout.splitlines() if line.startswith(("BEFORE", "AFTER")))
    assert int(before[0]) < int(before[1]) // 10, result.stdout  # nothing looked up yet
    assert int(after[0]) >= int(after[1]) * 9 // 10, result.stdout  # (almost) every module's file is known
