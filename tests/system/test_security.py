"""Security: hostile strings survive intake as text, formula-safe CSV, no unsafe loaders, settings forced out of
range are refused on the server. The same strings in a real browser: ``tests/browser/test_security.py``."""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core.config import FIELD_RANGES
from core.dashboard.export import FORMULA_PREFIXES, _csv_bytes
from core.data.intake import read_series
from tests.helpers import APP, ROOT
from tests.system.hostile import BIDI, BOLD, CELL_IMG, CELL_SCRIPT, IMG, LATEX, LINK, LONG, ZERO_WIDTH, hostile_csv

# --- core: the payloads survive intake as plain strings ---------------------------------------------------


def test_hostile_file_is_read_with_names_kept_literally() -> None:
    series = read_series(hostile_csv())
    assert series.value_column == IMG
    assert {IMG, LINK, f"{BOLD} {LATEX}", BIDI, ZERO_WIDTH, LONG} <= set(series.columns)
    junk = next(r.detail for r in series.repairs if r.kind == "junk_cells")
    assert f"'{CELL_IMG}'" in junk and f"'{CELL_SCRIPT}'" in junk
    assert np.isfinite(series.values.to_numpy()).all() and len(series.values) == 30


# --- CSV exports ------------------------------------------------------------------------------------------

FORMULA_TEXT = st.tuples(
    st.sampled_from([*FORMULA_PREFIXES, "", "a", "1", " ", "'", "\n"]),
    st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=20),
    st.sampled_from(["", "\r=1+1", "\n@x", "\r\n-2"]),  # a line break inside a cell must not start a row
).map("".join)


def written(text: str) -> str:
    """What the export should hold for a text cell: formula-like text behind a ``'``, line breaks as ``\\n``."""
    unix = text.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + unix if text.startswith(FORMULA_PREFIXES) else unix


def spreadsheet_rows(data: bytes) -> list[list[str]]:
    """Rows as a spreadsheet reads the file: a quoted field may span lines, a bare CR or LF ends a row."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@settings(max_examples=150, deadline=2000, database=None)
@given(
    texts=st.lists(FORMULA_TEXT, min_size=1, max_size=8),
    numbers=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=8),
    header=FORMULA_TEXT.filter(lambda h: h.strip() not in ("", "number")),
)
def test_csv_export_neutralises_formulas_and_keeps_numbers(texts: list[str], numbers: list[float], header: str) -> None:
    n = min(len(texts), len(numbers))
    texts, numbers = texts[:n], numbers[:n]
    frame = pd.DataFrame({header: pd.Series(texts, dtype=object), "number": numbers})
    rows = spreadsheet_rows(_csv_bytes(frame))
    assert len(rows) == n + 1, "a cell's line break started a new row"
    assert rows[0] == [written(header), "number"]
    for (text_cell, number_cell), text, number in zip(rows[1:], texts, numbers, strict=True):
        assert text_cell == written(text)
        assert float(number_cell) == number and not number_cell.startswith("'")  # negative numbers stay numbers


def test_negative_numbers_stay_numbers_and_formula_text_does_not() -> None:
    texts = ["-3.2", "=1+1", "+SUM(A1)", "@cmd", "\tx", "\rx", "ok\r=2+2", "safe"]
    frame = pd.DataFrame({"x": texts, "y": [-3.2, 1, -0.0, 5, -1e-9, 2, 3, -7]})
    rows = spreadsheet_rows(_csv_bytes(frame))
    assert [row[0] for row in rows[1:]] == ["'-3.2", "'=1+1", "'+SUM(A1)", "'@cmd", "'\tx", "'\nx", "ok\n=2+2", "safe"]
    assert [row[1] for row in rows[1:]] == ["-3.2", "1.0", "-0.0", "5.0", "-1e-09", "2.0", "3.0", "-7.0"]


# --- source and served config -----------------------------------------------------------------------------

SOURCES = [p for p in (ROOT / d for d in ("core", "pages", "ui")) for p in p.rglob("*.py")] + [ROOT / "app.py"]
UNSAFE = re.compile(
    r"(import|from)\s+(c?pickle|cloudpickle|dill|shelve|marshal)\b|pickle\.|joblib|yaml\.load\(|allow_pickle\s*=\s*True"
    r"|safe_mode\s*=\s*False|unsafe_allow_html\s*=\s*True|unsafe_allow_javascript|st\.html\(|components\.v1"
    r"|components\.html|\beval\(|\bexec\(|shell\s*=\s*True|os\.system\("
)


def test_no_unsafe_loader_markup_or_code_execution_in_the_app_source() -> None:
    assert len(SOURCES) > 10
    offenders = {str(p.relative_to(ROOT)): m.group(0) for p in SOURCES if (m := UNSAFE.search(p.read_text()))}
    assert offenders == {}


def test_every_keras_load_uses_safe_mode() -> None:
    calls = [(p.name, call) for p in SOURCES for call in re.findall(r"load_model\([^)]*\)", p.read_text())]
    assert calls, "expected the bundle loader"
    assert all("safe_mode=True" in call for _, call in calls), calls


def test_served_config_keeps_xsrf_on_and_tracebacks_hidden() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"].get("enableCORS", True) is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["runOnSave"] is False and config["server"]["maxUploadSize"] <= 50


# --- settings forced out of range (AppTest) ----------------------------------------------------------------

TIMEOUT = 90


def _train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    return at


def _in_range(name: str, value: object) -> bool:
    low, high = FIELD_RANGES[name]
    return isinstance(value, int | float) and math.isfinite(value) and low <= value <= high


FORCED = [
    ("units", 10**9),
    ("units", 4096),
    ("learning_rate", -1.0),
    ("learning_rate", math.nan),
    ("window", 0),
    ("epochs", 10**6),
    ("batch_size", 0),
    ("dropout", 5.0),
    ("seed", -1),
    ("units", "many"),
]


@pytest.mark.apptest
@pytest.mark.parametrize(
    ("via", "name", "value"),
    [("config_values", name, value) for name, value in FORCED]
    + [("widget_key", name, value) for name, value in FORCED[::2]],
)
def test_settings_forced_through_session_state_are_refused_on_the_server(name: str, value: object, via: str) -> None:
    at = _train_page()
    forced = dict(at.session_state["config_values"])
    forced[name] = value
    at.switch_page("pages/data.py").run()  # leave the page so the widgets are rebuilt from the forced state
    if via == "config_values":
        at.session_state["config_values"] = forced
    else:
        at.session_state[f"cfg_{name}"] = value
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert f"Refused settings out of range: {name}=" in errors, errors
    assert _in_range(name, at.session_state["config_values"][name])
    assert "job" not in at.session_state

    at.number_input(key="cfg_epochs").set_value(1).run()
    at.button(key="train").click().run()
    job = at.session_state["job"]
    try:
        assert _in_range(name, getattr(job.config, name)) and getattr(job.config, name) != value
    finally:
        job.stop()
        assert job.wait(120)


@pytest.mark.apptest
@pytest.mark.parametrize(("name", "value"), [("units", 10**9), ("learning_rate", -1.0), ("window", 0),
                                             ("epochs", 10**6), ("batch_size", 0)])
def test_out_of_range_values_sent_by_a_client_never_reach_the_config(name: str, value: float) -> None:
    at = _train_page()
    at.number_input(key=f"cfg_{name}").set_value(value).run()
    assert not at.exception, at.exception
    assert _in_range(name, at.session_state["config_values"][name])


@pytest.mark.apptest
def test_a_forged_click_on_the_disabled_train_button_starts_nothing() -> None:
    at = _train_page()
    at.number_input(key="cfg_window").set_value(25).run()  # longer than the 20-point default series
    button = at.button(key="train")
    assert button.disabled
    button._value = True  # what a hostile client could send; AppTest's click() refuses disabled buttons
    at.run()
    assert not at.exception
    assert "job" not in at.session_state

    at.number_input(key="cfg_window").set_value(5).run()  # the same forgery on an enabled button does start a job
    at.number_input(key="cfg_epochs").set_value(1).run()
    button = at.button(key="train")
    assert not button.disabled
    button._value = True
    at.run()
    job = at.session_state["job"]
    job.stop()
    assert job.wait(120)
