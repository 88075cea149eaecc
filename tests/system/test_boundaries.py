"""Project rules checked on the source: core stays pure, nothing unpickles, the served config is safe."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY_FILES = [p for p in ROOT.rglob("*.py") if ".git" not in p.parts and "tests" not in p.parts]


def test_core_never_imports_streamlit() -> None:
    offenders = [p.name for p in (ROOT / "core").rglob("*.py")
                 if re.search(r"^\s*(import streamlit|from streamlit)", p.read_text(), re.M)]
    assert offenders == []
    code = ("import sys, core.cli, core.run.pipeline, core.dashboard.jobs, core.dashboard.charts, "
            "core.dashboard.export, core.data.intake; print('streamlit' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_no_unsafe_deserialisation_or_html_anywhere() -> None:
    pattern = re.compile(r"pickle\.loads?|joblib|allow_pickle=True|safe_mode=False|unsafe_allow_html=True|st\.html\(")
    offenders = [str(p.relative_to(ROOT)) for p in PY_FILES if pattern.search(p.read_text())]
    assert offenders == []


def test_served_config_is_the_public_demo_one() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 50
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["headless"] is True and config["server"]["fileWatcherType"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
