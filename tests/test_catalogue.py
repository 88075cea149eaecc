"""The bad-input catalogue of ``shared/docs/reliability.md``: where each row is tested, and the rows' gaps.

``here`` = this module.

- empty file; header only; JSON/binary as .csv; NUL
    core: test_intake::test_unusable_files_are_refused_with_one_line
    UI:   here: test_bad_uploads_keep_data_and_model; test_pages::test_data_page_bad_upload_keeps_previous_data;
          test_browser::test_bad_upload_keeps_data_and_hostile_names_are_text
- BOM, CRLF; Latin-1/cp1252; UTF-16
    core: test_intake::test_utf8_bom_and_crlf_*, test_windows_1252_*, test_utf16_is_decoded,
          test_undecodable_utf16_*
    UI:   test_pages::test_data_page_default_series_and_upload (cp1252, `;`, decimal commas)
- `;` with decimal commas; tab; one column
    core: test_intake::test_semicolon_file_with_decimal_commas, test_delimiters_are_sniffed, test_single_column_*
    UI:   as above
- comment lines, trailing blank rows
    core: test_intake::test_comment_lines_and_trailing_blank_rows_are_ignored_with_notices
- ragged rows
    core: test_intake::test_ragged_rows_*, test_short_rows_*, test_rows_with_extra_values_*
- junk cells; missing-fraction limit
    core: test_intake::test_junk_cells_*, test_too_many_missing_values_is_an_error
    UI:   test_security (markup junk cells listed in the browser)
- inf, 1e400, absurd magnitudes
    core: test_intake::test_infinite_and_absurd_values_are_treated_as_missing
    UI:   here: test_table_edits_with_text_or_absurd_numbers_keep_the_model
- thousands separators / units in cells
    core: test_intake::test_thousands_separators_*, test_units_in_cells_*
- constant series
    core: test_intake::test_constant_series_works_with_a_warning; here:
          test_constant_series_trains_without_dividing_by_zero
- series shorter than window + horizon + test
    core: test_pipeline::test_too_short_series_names_the_minimum; test_config::test_check_length_names_the_minimum
    UI:   test_pages::test_train_page_refuses_settings_the_data_cannot_support
- a series too short for the default settings, already at `check`
    core: core/test_cli_series::test_check_refuses_a_series_too_short_for_the_default_settings,
          test_check_marks_a_station_too_short_for_the_defaults
- duplicate timestamps
    core: test_intake::test_duplicate_timestamps_are_averaged; core/data/test_stations::
          test_many_duplicate_timestamps_are_a_warning_not_a_routine_repair, test_a_few_duplicates_stay_a_routine_repair
- unsorted timestamps
    core: test_intake::test_unsorted_rows_are_sorted, test_reverse_order_*
- day-first dates, mixed formats
    core: test_intake::test_day_first_*, test_ambiguous_*, test_mixed_date_formats_*,
          test_mostly_unreadable_dates_*
- timezone offsets, DST
    core: test_intake::test_utc_offsets_across_dst_*, test_daily_data_with_offsets_*
- gaps / irregular spacing
    core: test_intake::test_gaps_are_filled_*, test_irregular_timestamps_*
- several numeric columns; no date column
    core: test_intake::test_temperature_like_column_*, test_value_column_can_be_chosen,
          test_wrong_column_choices_*
    UI:   test_pages::test_data_page_column_pickers_choose_the_value_column
- several stations stacked in one long file (NOAA CDO `STATION,NAME,DATE,...`)
    core: core/data/test_stations::test_a_noaa_export_*, test_rows_of_different_stations_are_never_averaged,
          test_read_series_on_several_stations_*, test_numeric_station_ids_*, test_a_name_column_alone_*,
          test_a_single_station_file_*, test_unsorted_blocks_*, test_one_station_with_gaps_*,
          test_more_series_than_the_limit_*, test_more_rows_in_total_than_the_limit_*;
          core/test_cli_series (check lists them; --series, --all-series, errors)
    UI:   gap: the Data page's station picker (pages are being rewritten)
- one station per column (a wide file)
    core: core/data/test_stations::test_a_wide_file_offers_*, test_value_columns_choose_the_series_of_a_wide_file,
          test_read_series_on_a_wide_file_*; core/test_cli_series::test_value_columns_choose_the_series_of_a_wide_file
- an R `ts` export (`time` of fractional years, `value`)
    core: core/data/test_r_ts::test_an_r_ts_export_is_read_as_dated_steps, test_rounded_fractional_years_*
- a column that rises by a constant step next to a measurement
    core: core/data/test_r_ts::test_a_row_index_is_never_the_values_*, test_a_year_counter_beside_*
- a metadata block before the header (Open-Meteo)
    core: core/data/test_open_meteo::test_the_metadata_block_is_skipped_and_reported
- too many rows / columns / huge header; upload cap
    core: test_intake::test_too_many_columns_*, test_huge_header_*, test_too_many_rows_*
    UI:   here: test_bad_uploads_keep_data_and_model (201 columns);
          test_a_file_over_the_upload_cap_is_refused_in_the_browser
- column named `<img ...>` or `[x](javascript:...)`
    core: test_intake::test_column_names_are_kept_literally; test_security
    UI:   test_security::test_hostile_names_and_cells_stay_text_on_every_page
- data editor: text, all rows deleted, 100k, range
    core: test_intake::test_edited_frame_*, test_a_pasted_100k_row_frame_is_accepted
    UI:   test_pages::test_data_page_table_edit_*; here:
          test_table_edits_with_text_or_absurd_numbers_keep_the_model
- hyperparameters forced out of range
    core: test_config::test_bad_value_is_refused_*, test_parameter_budget; test_fuzz
    UI:   test_security::test_settings_forced_through_session_state_*, test_out_of_range_values_sent_by_a_client_*
- training diverges (NaN loss)
    core: test_training::test_nan_loss_*, test_pipeline::test_divergence_*; test_soak
    UI:   test_pages::test_diverged_training_shows_a_plain_message_and_keeps_the_previous_model
- double-click Train, two tabs
    core: test_jobs::test_double_submit_returns_the_same_job
    UI:   here: test_a_second_train_click_while_busy_gives_the_same_job; test_browser_concurrency
- switch pages / change widgets mid-training
    UI:   test_browser::test_train_live_then_stop_then_forecast; test_pages::test_train_page_stop_mid_run_*
- new upload or new settings mid-training
    core: test_jobs::test_job_trains_on_its_own_copy
    UI:   test_pages::test_train_page_stop_mid_run_* (upload); here: test_a_second_train_click_* (settings)
- Stop; time limit reached
    core: test_training::test_stop_*, test_time_limit_*; test_jobs; test_soak
    UI:   test_pages::test_train_page_stop_*; test_browser_concurrency (time limit)
- tab closed mid-training
    core: test_jobs::test_release_on_tab_close_*; test_soak
    UI:   test_browser::test_second_session_queues_and_closing_the_first_tab_frees_the_slot
- forecast or download before any training
    core: test_export::test_exports_without_a_usable_run_explain_what_to_do
    UI:   test_pages::test_forecast_page_before_training_gives_guidance
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.config import ForecastConfig
from core.run.pipeline import run_forecast
from tests.conftest import APP

TIMEOUT = 90


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


@pytest.mark.apptest
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


@pytest.mark.apptest
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


@pytest.mark.apptest
def test_a_second_train_click_while_busy_gives_the_same_job() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/train.py").run()
    at.number_input(key="cfg_epochs").set_value(2000).run()
    at.number_input(key="cfg_units").set_value(4).run()
    at.button(key="train").click().run()
    job = at.session_state["job"]
    try:
        assert at.button(key="train").disabled
        second = at.button(key="train")
        second._value = True  # a double click that arrives anyway (AppTest's click() refuses disabled buttons)
        at.run()
        assert at.session_state["job"] is job
        # New settings mid-training apply to the next run only.
        at.number_input(key="cfg_epochs").set_value(7).run()
        assert at.session_state["config_values"]["epochs"] == 7
        assert job.config.epochs == 2000 and not job.snapshot().done
    finally:
        job.stop()
        assert job.wait(120)


def test_constant_series_trains_without_dividing_by_zero() -> None:
    values = pd.Series(5.0, index=pd.date_range("2023-01-01", periods=120, freq="D"), name="temp")
    config = ForecastConfig(window=7, horizon=3, units=4, epochs=2, patience=0, validation_fraction=0.0, seed=0)
    with np.errstate(all="raise"):  # a division by zero in numpy code fails the test
        run = run_forecast(values, config)
    assert run.usable, run.message
    assert np.isfinite(run.forecast[["forecast", "lower", "upper"]].to_numpy()).all()
    lstm = run.metrics["lstm"]
    assert math.isfinite(lstm["mae"]) and math.isfinite(lstm["rmse"])
    assert run.metrics["naive"]["mae"] == 0.0


@pytest.mark.browser
@pytest.mark.slow
def test_a_file_over_the_upload_cap_is_refused_in_the_browser(page, streamlit_server, tmp_path):  # type: ignore[no-untyped-def]
    import re
    import tomllib

    from tests.conftest import ROOT, screenshot

    cap_mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    big = tmp_path / "big.csv"
    line = b"2020-01-01,12.5\n"
    big.write_bytes(b"date,temp\n" + line * ((cap_mb * 1024 * 1024) // len(line) + 1000))
    page.goto(streamlit_server)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("20 points", exact=False).first.wait_for()
    main.locator('input[type="file"]').set_input_files(str(big))
    main.get_by_text(re.compile(rf"{cap_mb}(\.0)? ?MB", re.I)).first.wait_for(timeout=30_000)
    screenshot(page, "catalogue-upload-cap")
    assert main.get_by_text("20 points", exact=False).count() >= 1, "the previous data is kept"
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Data: 20 points").count() == 1
