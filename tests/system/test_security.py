"""Security: hostile strings stay text in every page, formula-safe CSV, no unsafe loaders, settings
forced out of range are refused on the server.

The browser test loads a CSV whose file name, column names and cells are markup, script, markdown
links, LaTeX, bidi/zero-width characters and a very long name; it visits every page (Data, Train after a
tiny training, Forecast, and any further page in the sidebar) and asserts that no dialog fired, no
element was injected and the strings are shown literally.
"""

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
from tests.conftest import APP, ROOT, goto_page, main_area, screenshot, wait_for

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
LINK = "[x](javascript:alert(3))"
BOLD = "**bold**"
LATEX = "$x^2$"
BIDI = "name\u202egnp.exe"
ZERO_WIDTH = "te\u200bmp"
LONG = "L" * 300
HOSTILE = [IMG, SCRIPT, LINK, BOLD, LATEX, BIDI, ZERO_WIDTH, LONG]
CELL_IMG = "<img src=y>"  # junk value cells; short enough to be quoted whole in the repair notice
CELL_SCRIPT = "<script>x</script>"
FILE_NAME = f"{BOLD} {LATEX} {LINK} {IMG}.csv"


def hostile_csv() -> bytes:
    """30 days; the value column is named like an <img> tag, other columns carry the other payloads.

    Two value cells are markup too (junk cells: reported with their text, then interpolated).
    """
    header = ["date", IMG, LINK, f"{BOLD} {LATEX}", BIDI, ZERO_WIDTH, LONG, "note"]
    rows = [",".join(f'"{h}"' if "," in h else h for h in header)]
    for day in range(30):
        value = f"{10 + day % 6}.5"
        if day == 4:
            value = CELL_IMG
        if day == 9:
            value = CELL_SCRIPT
        note = HOSTILE[day % len(HOSTILE)].replace(",", " ")
        rows.append(f"2024-03-{day + 1:02d},{value},{day},{day * 2},{day % 3},{day % 4},{day % 5},{note}")
    return ("\n".join(rows) + "\n").encode("utf-8")


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


# --- the browser: hostile strings on every page -------------------------------------------------------------

INJECTED_JS = """() => ({
  images: document.querySelectorAll('img[src="x"], img[src="y"]').length,
  scripts: [...document.scripts].filter(s => /alert\\(\\d\\)|^x$/.test(s.textContent.trim())).length,
  links: document.querySelectorAll('a[href^="javascript"], a[href*="alert("]').length,
  handlers: [...document.querySelectorAll('[onerror], [onload], [onclick]')].length,
  bold: [...document.querySelectorAll('[data-testid="stMain"] strong, [data-testid="stMain"] b')]
          .filter(e => e.textContent.trim() === 'bold').length,
  katex: document.querySelectorAll('.katex').length,
})"""




def _assert_nothing_injected(page, where: str) -> None:  # type: ignore[no-untyped-def]
    found = page.evaluate(INJECTED_JS)
    assert found == {"images": 0, "scripts": 0, "links": 0, "handlers": 0, "bold": 0, "katex": 0}, (where, found)
    assert page.dialogs == [], (where, page.dialogs)  # type: ignore[attr-defined]


@pytest.mark.browser
@pytest.mark.slow
def test_hostile_names_and_cells_stay_text_on_every_page(page, streamlit_server, tmp_path):  # type: ignore[no-untyped-def]
    page.goto(streamlit_server)
    main = main_area(page)
    main.get_by_text("20 points", exact=False).first.wait_for()
    upload = tmp_path / FILE_NAME
    upload.write_bytes(hostile_csv())
    main.locator('input[type="file"]').set_input_files(str(upload))
    main.get_by_text("30 points", exact=False).first.wait_for()

    # Shown literally: the file name (with markdown, LaTeX and a link in it), the column name, the junk cells.
    caption = main.get_by_text(f"File: {FILE_NAME}", exact=False).first
    caption.wait_for()
    assert f"value column: {IMG}" in caption.inner_text()
    main.get_by_text(f"'{CELL_IMG}'", exact=False).first.wait_for()
    main.get_by_text(f"'{CELL_SCRIPT}'", exact=False).first.wait_for()
    _assert_nothing_injected(page, "data")
    screenshot(page, "security-01-data")

    # Another hostile column as the value column: the picker shows it as text.
    picker = main.locator('[data-testid="stSelectbox"]').filter(has_text="Value column")
    picker.click()
    page.get_by_role("option", name=LINK).click()
    main.get_by_text(f"value column: {LINK}", exact=False).first.wait_for()
    _assert_nothing_injected(page, "data, second column")

    goto_page(page, "Train")
    main.get_by_text(f"File: {FILE_NAME}", exact=False).first.wait_for()
    epochs = main.get_by_label("Epochs (passes over the data)", exact=True)
    epochs.fill("3")
    epochs.press("Enter")
    wait_for(lambda: epochs.input_value() == "3", timeout=30, what="the epochs box to take 3")
    main.get_by_role("button", name="Train", exact=True).click()
    main.get_by_text("Finished", exact=False).first.wait_for(timeout=180_000)
    _assert_nothing_injected(page, "train")
    screenshot(page, "security-02-train")

    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    titles = [text.strip().splitlines()[-1] for text in links]
    assert "Forecast" in titles, titles  # the last line of a link is its title (the first is its icon)
    for title in [t for t in titles if t not in ("Data", "Train")]:
        goto_page(page, title)
        page.wait_for_load_state("networkidle")
        assert main.locator('[data-testid="stException"]').count() == 0
        _assert_nothing_injected(page, title)
        screenshot(page, f"security-03-{title.lower()}")
    goto_page(page, "Forecast")
    main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()
    legend = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')]"
        ".flatMap(p => (p.data || []).map(t => t.name || ''))"
    )
    assert all("<img" not in name and "<script" not in name for name in legend), legend
    _assert_nothing_injected(page, "forecast chart")
