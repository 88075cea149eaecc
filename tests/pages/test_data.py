"""The Data page: the default series, uploads (also after a built-in choice), column pickers, table edits; a bad
upload or edit keeps the previous data and model."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import APP
from tests.pages.drive import open_app, texts

pytestmark = pytest.mark.apptest

TIMEOUT = 90


def test_data_page_default_series_and_upload() -> None:
    at = open_app()
    assert "20 points" in texts(at)
    csv = "datum;Temperatur °C\n" + "\n".join(f"{d:02d}.03.2024;{10 + d % 4},5" for d in range(1, 31))
    at.file_uploader[0].set_value(("berlin.csv", csv.encode("cp1252"), "text/csv")).run()
    assert not at.exception
    assert "30 points" in texts(at)
    series = at.session_state["series"]
    assert series.values.iloc[0] == pytest.approx(11.5)


def test_upload_after_a_builtin_choice_survives_later_reruns() -> None:
    at = open_app()
    at.selectbox(key="builtin_choice").set_value("seattle").run()
    assert len(at.session_state["series"].values) == 1461
    rows = "\n".join(f"2024-01-{d:02d},{d}" for d in range(1, 29))
    at.file_uploader[0].set_value(("mine.csv", f"date,temp\n{rows}\n".encode(), "text/csv")).run()
    assert len(at.session_state["series"].values) == 28
    assert at.selectbox(key="builtin_choice").value is None
    at.run()
    at.run()
    assert len(at.session_state["series"].values) == 28, "a rerun must not bring the built-in series back"
    at.selectbox(key="builtin_choice").set_value("synthetic").run()
    assert at.session_state["series_source"].startswith("Built-in")
    assert "upload" not in at.session_state


def test_data_page_column_pickers_choose_the_value_column() -> None:
    at = open_app()
    rows = "\n".join(f"2024-01-{d:02d},{d % 7},{20 + d % 5},{d * 3}" for d in range(1, 29))
    at.file_uploader[0].set_value(
        ("multi.csv", f"date,temp_min,temp_max,visitors\n{rows}\n".encode(), "text/csv")).run()
    assert not at.exception
    assert at.session_state["series"].value_column == "temp_min"  # first temperature-like column
    assert at.selectbox(key="station_pick").options[:2] == ["temp_min", "temp_max"], "offered as series"
    next(box for box in at.selectbox if box.label == "Value column").set_value("visitors").run()
    assert not at.exception
    series = at.session_state["series"]
    assert series.value_column == "visitors" and series.values.iloc[0] == 3


def test_data_page_bad_upload_keeps_previous_data() -> None:
    at = open_app()
    at.file_uploader[0].set_value(("empty.csv", b"", "text/csv")).run()
    assert not at.exception
    assert any("empty" in e.value for e in at.error)
    assert "20 points" in texts(at)
    assert len(at.session_state["series"].values) == 20


def test_data_page_table_edit_updates_series_and_bad_edit_is_refused() -> None:
    at = open_app()
    version = at.session_state["editor_version"]
    column = at.session_state["series"].value_column
    at.session_state[f"editor_{version}"] = {"edited_rows": {0: {column: 99.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert at.session_state["series"].values.iloc[0] == pytest.approx(99.0)
    assert at.session_state["series_source"] == "Edited table"

    deleted = {"edited_rows": {}, "added_rows": [], "deleted_rows": list(range(20))}
    at.session_state[f"editor_{version}"] = deleted
    at.run()
    assert not at.exception
    assert at.session_state["edit_error"]
    assert len(at.session_state["series"].values) == 20, "last good data kept"
    at.switch_page("pages/train.py").run()
    assert at.button(key="train").disabled



def _trained_app() -> AppTest:
    """The app with the default 20-day series and a finished 2-epoch model."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/train.py").run()
    at.number_input(key="cfg_epochs").set_value(2).run()
    at.number_input(key="cfg_units").set_value(4).run()
    at.button(key="train").click().run()
    assert at.session_state["job"].wait(120)
    at.run()
    assert at.session_state["run"].usable
    return at


BAD_UPLOADS = [
    ("empty.csv", b"", "The file is empty."),
    ("header.csv", b"date,temp\n", "No data rows found."),
    ("data.json.csv", b'{"date": ["2020-01-01"], "temp": [1]}', "This is not a text CSV file."),
    ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "This is not a text CSV file."),
    ("nul.csv", b"date,temp\n2020-01-01,1\x00\n2020-01-02,2\n", "This is not a text CSV file."),
    ("wide.csv", (",".join(f"c{i}" for i in range(201)) + "\n" + ",".join("1" * 201) + "\n").encode(),
     "the limit is 200"),
    ("utf16.csv", b"\xff\xfe" + "date,temp\n".encode("utf-16-le") + b"\x00\xd8\x00\xd8", "cannot be decoded"),
    ("short.csv", b"date,temp\n2020-01-01,1\n2020-01-02,2\n", "At least 3 data points are needed"),
]


def test_bad_uploads_keep_data_and_model() -> None:
    at = _trained_app()
    at.switch_page("pages/data.py").run()
    series, run = at.session_state["series"], at.session_state["run"]
    for name, data, message in BAD_UPLOADS:
        at.file_uploader[0].set_value((name, data, "text/csv")).run()
        assert not at.exception, (name, at.exception)
        errors = [e.value.replace("\\", "") for e in at.error]
        assert len(errors) == 1 and f"{name}: " in errors[0] and message in errors[0], (name, errors)
        assert "previous data is kept" in errors[0]
        assert at.session_state["series"] is series, name
        assert at.session_state["run"] is run, name
    at.switch_page("pages/forecast.py").run()
    assert not at.exception and len(at.get("download_button")) >= 5


def test_table_edits_with_text_or_absurd_numbers_keep_the_model() -> None:
    at = _trained_app()
    at.switch_page("pages/data.py").run()
    run, column = at.session_state["run"], at.session_state["series"].value_column
    version = at.session_state["editor_version"]

    at.session_state[f"editor_{version}"] = {"edited_rows": {2: {column: "twelve"}, 5: {column: 1e300}},
                                             "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    series = at.session_state["series"]
    assert np.isfinite(series.values.to_numpy()).all() and series.values.abs().max() < 100
    notices = " ".join(m.value for m in at.markdown).replace("\\", "")
    # The number column turns typed text into an empty cell: both edits are reported with their rows.
    assert "(row 3: empty) replaced by interpolation" in notices and "(row 6: '1e+300')" in notices, notices
    assert at.session_state["run"] is run

    at.session_state[f"editor_{version}"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": list(range(20))}
    at.run()
    assert not at.exception and at.session_state["edit_error"]
    assert at.session_state["run"] is run and len(at.session_state["series"].values) == 20
    at.switch_page("pages/forecast.py").run()
    assert not at.exception and len(at.get("download_button")) >= 5
