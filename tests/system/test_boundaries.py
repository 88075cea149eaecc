"""Project rules checked on the source: core stays pure, nothing unpickles, the served config is safe, and the
tests mirror the code (unit tests never need a browser)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.helpers import ROOT

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


def test_core_ui_modules_never_import_streamlit():
    code = ("import sys, core.dashboard.jobs, core.dashboard.charts, core.dashboard.export; "
            "assert 'streamlit' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


TESTS = ROOT / "tests"
#: Test modules under tests/core that test a module of another name (the file says which).
CORE_TESTS_OF_ANOTHER_NAME = {"test_layers.py", "test_training_memory.py", "test_panel_fuzz.py", "test_r_ts.py",
                              "test_open_meteo.py", "test_cli_series.py", "test_cli_across.py", "test_references.py",
                              "test_causality.py"}
#: Modules without a test module of their own; each is exercised through the modules that use it.
CORE_MODULES_TESTED_ELSEWHERE = {"__init__.py", "__main__.py", "errors.py", "run/results.py", "data/parsing/layout.py",
                                 "data/parsing/assembly.py", "run/references.py"}


def _test_modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("test_*.py"))


def test_core_tests_mirror_core_modules() -> None:
    core = ROOT / "core"
    orphans = [str(test.relative_to(TESTS)) for test in _test_modules(TESTS / "core")
               if test.name not in CORE_TESTS_OF_ANOTHER_NAME
               and not (core / test.relative_to(TESTS / "core").parent / test.name.removeprefix("test_")).is_file()]
    assert orphans == [], "test modules whose core module is gone or renamed"
    untested = {str(module.relative_to(core)) for module in core.rglob("*.py")
                if not (TESTS / "core" / module.relative_to(core).parent / f"test_{module.name}").is_file()
                and not (TESTS / "ray" / f"test_{module.name}").is_file()}  # tests that need a Ray cluster
    assert untested == CORE_MODULES_TESTED_ELSEWHERE | {f"{package}/__init__.py" for package in (
        "data", "data/parsing", "model", "evaluation", "run", "dashboard")}


def test_each_ui_module_has_its_test_module() -> None:
    modules = {p.name for p in (ROOT / "ui").glob("*.py")} - {"__init__.py"}
    assert {f"test_{name}" for name in modules} <= {p.name for p in (TESTS / "ui").glob("test_*.py")}


BROWSER_FIXTURES = {"page", "browser", "streamlit_server"}


def _uses_the_browser(path: Path) -> list[str]:
    """What in a test module needs Playwright or a live server: the import, or a browser fixture argument."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [f"imports {name}" for name in names if name.startswith(("playwright", "tests.browser"))]
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            parametrized = {name.strip() for d in node.decorator_list if isinstance(d, ast.Call) and d.args
                            and isinstance(d.args[0], ast.Constant) and isinstance(d.args[0].value, str)
                            for name in d.args[0].value.split(",")}
            found += [f"{node.name} takes {a.arg}" for a in node.args.args
                      if a.arg in BROWSER_FIXTURES - parametrized]
    return found


def test_only_browser_tests_need_a_browser_or_a_server() -> None:
    outside = {str(p.relative_to(TESTS)): found for p in TESTS.rglob("*.py")
               if "browser" not in p.relative_to(TESTS).parts and (found := _uses_the_browser(p))}
    assert outside == {}
    assert (TESTS / "browser" / "conftest.py").is_file() and "playwright" not in (TESTS / "conftest.py").read_text()


def test_every_browser_test_module_is_marked_browser() -> None:
    unmarked = [p.name for p in _test_modules(TESTS / "browser")
                if not re.search(r"^pytestmark = \[pytest\.mark\.browser, pytest\.mark\.slow\]$", p.read_text(), re.M)]
    assert unmarked == []

