"""The bad-input catalogue of ``shared/docs/reliability.md``: which tests cover each row, and the rows' gaps.

``CATALOGUE`` maps every row (its first column, word for word) to tests named ``path::test_name``, where the name
may end in ``*`` (every test of the module starting so) or be left out (the whole module). The tests below fail
when a referenced test disappears or is renamed, when a row has neither a test nor a stated gap, and, when the
document is reachable from the checkout, when its rows and ``CATALOGUE``'s differ.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache

import pytest

from tests.helpers import ROOT


@dataclass(frozen=True)
class Row:
    """Where one row is checked: in core (no app), in the UI (AppTest or a browser); what is not checked yet."""

    core: tuple[str, ...] = ()
    ui: tuple[str, ...] = ()
    gap: str = ""


_DECODE = "tests/core/data/parsing/test_decode.py"
_TABLE = "tests/core/data/parsing/test_table.py"
_COLUMNS = "tests/core/data/parsing/test_columns.py"
_DATES = "tests/core/data/parsing/test_dates.py"
_NUMBERS = "tests/core/data/parsing/test_numbers.py"
_GRID = "tests/core/data/parsing/test_grid.py"
_INTAKE = "tests/core/data/test_intake.py"
_PANEL = "tests/core/data/test_panel.py"
_CLI_SERIES = "tests/core/test_cli_series.py"
_CONFIG = "tests/core/test_config.py"
_TRAINING = "tests/core/model/test_training.py"
_PIPELINE = "tests/core/run/test_pipeline.py"
_JOBS = "tests/core/dashboard/test_jobs.py"
_DATA_PAGE = "tests/pages/test_data.py"
_TRAIN_PAGE = "tests/pages/test_train.py"
_WORKFLOW = "tests/browser/test_workflow.py"
_CONCURRENCY = "tests/browser/test_concurrency.py"
_SECURITY = "tests/system/test_security.py"
_SOAK = "tests/system/test_soak.py"

CATALOGUE: dict[str, Row] = {
    "empty file; header only; a JSON or binary file named .csv; NUL bytes": Row(
        core=(f"{_INTAKE}::test_unusable_files_are_refused_with_one_line",
              "tests/core/test_cli.py::test_check_refuses_bad_input_with_one_error_line"),
        ui=(f"{_DATA_PAGE}::test_bad_uploads_keep_data_and_model",
            f"{_DATA_PAGE}::test_data_page_bad_upload_keeps_previous_data",
            f"{_WORKFLOW}::test_bad_upload_keeps_data_and_hostile_names_are_text"),
    ),
    "UTF-8 with BOM, CRLF; Latin-1/cp1252 (`°`, `é`); UTF-16": Row(
        core=(f"{_DECODE}::test_utf8_bom_and_crlf_*", f"{_DECODE}::test_windows_1252_*",
              f"{_DECODE}::test_utf16_is_decoded", f"{_DECODE}::test_undecodable_utf16_*",
              f"{_DECODE}::test_decode_bytes_*"),
        ui=(f"{_DATA_PAGE}::test_data_page_default_series_and_upload",),  # cp1252, `;`, decimal commas
    ),
    "`;` delimiter with decimal commas; tab-separated; a one-column file of values": Row(
        core=(f"{_NUMBERS}::test_semicolon_file_with_decimal_commas", f"{_TABLE}::test_delimiters_are_sniffed",
              f"{_TABLE}::test_sniff_delimiter_*", f"{_INTAKE}::test_single_column_*"),
        ui=(f"{_DATA_PAGE}::test_data_page_default_series_and_upload",),
    ),
    "comment lines, trailing blank rows": Row(
        core=(f"{_DECODE}::test_comment_lines_and_trailing_blank_rows_are_ignored_with_notices",
              f"{_DECODE}::test_split_lines_*"),
    ),
    "ragged rows": Row(
        core=(f"{_TABLE}::test_ragged_rows_*", f"{_TABLE}::test_short_rows_*",
              f"{_TABLE}::test_rows_with_extra_values_*"),
    ),
    "junk cells (`?0.2`, `n/a`, `—`, empty)": Row(
        core=(f"{_NUMBERS}::test_junk_cells_*", f"{_NUMBERS}::test_more_junk_*", f"{_NUMBERS}::test_parse_numbers_*",
              f"{_GRID}::test_too_many_missing_values_is_an_error"),
        ui=("tests/browser/test_security.py::test_hostile_names_and_cells_stay_text_on_every_page",  # markup cells
            "tests/pages/test_train_covariates.py::test_junk_cells_in_a_covariate_are_repaired_and_reported"),
    ),
    "`inf`, `1e400`, absurd magnitudes": Row(
        core=(f"{_NUMBERS}::test_infinite_and_absurd_values_are_treated_as_missing",
              f"{_NUMBERS}::test_large_values_are_kept_when_the_whole_column_is_large"),
        ui=(f"{_DATA_PAGE}::test_table_edits_with_text_or_absurd_numbers_keep_the_model",),
    ),
    "thousands separators / units in cells": Row(
        core=(f"{_NUMBERS}::test_thousands_separators_*", f"{_NUMBERS}::test_units_in_cells_*"),
    ),
    "constant series": Row(
        core=(f"{_INTAKE}::test_constant_series_works_with_a_warning",
              "tests/core/model/test_scaling.py::test_constant_series_scales_without_dividing_by_zero",
              f"{_PIPELINE}::test_constant_series_trains_without_dividing_by_zero"),
    ),
    "series shorter than window + horizon + a minimal test span": Row(
        core=(f"{_PIPELINE}::test_too_short_series_names_the_minimum",
              f"{_CONFIG}::test_check_length_names_the_minimum"),
        ui=(f"{_TRAIN_PAGE}::test_train_page_refuses_settings_the_data_cannot_support",),
    ),
    "duplicate timestamps": Row(core=(f"{_GRID}::test_duplicate_timestamps_are_averaged",
                                      f"{_PANEL}::test_many_duplicate_timestamps_are_a_warning_not_a_routine_repair",
                                      f"{_PANEL}::test_a_few_duplicates_stay_a_routine_repair")),
    "unsorted timestamps": Row(core=(f"{_GRID}::test_unsorted_rows_are_sorted", f"{_GRID}::test_reverse_order_*")),
    "day-first dates (`25/12/2020`), mixed formats": Row(
        core=(f"{_DATES}::test_day_first_*", f"{_DATES}::test_ambiguous_*", f"{_DATES}::test_mixed_date_formats_*",
              f"{_DATES}::test_mostly_unreadable_dates_*", f"{_DATES}::test_detect_date_format_*"),
    ),
    "timezone offsets, DST": Row(
        core=(f"{_DATES}::test_utc_offsets_across_dst_*", f"{_DATES}::test_daily_data_with_offsets_*"),
    ),
    "gaps / irregular spacing": Row(
        core=(f"{_GRID}::test_gaps_are_filled_*", f"{_GRID}::test_irregular_timestamps_*",
              f"{_GRID}::test_infer_step_*"),
    ),
    "several numeric columns; no date column": Row(
        core=(f"{_COLUMNS}::test_temperature_like_column_*", f"{_COLUMNS}::test_value_column_can_be_chosen",
              f"{_COLUMNS}::test_wrong_column_choices_*", f"{_INTAKE}::test_single_column_of_values_*"),
        ui=(f"{_DATA_PAGE}::test_data_page_column_pickers_choose_the_value_column",),
    ),
    "several stations stacked in one long file (a station id column, dates repeating per station, as NOAA exports)":
        Row(core=(f"{_INTAKE}::test_stacked_stations_are_never_averaged_together",
                  f"{_PANEL}::test_a_noaa_export_*", f"{_PANEL}::test_rows_of_different_stations_are_never_averaged",
                  f"{_PANEL}::test_read_series_on_several_stations_*", f"{_PANEL}::test_numeric_station_ids_*",
                  f"{_PANEL}::test_a_name_column_alone_*", f"{_PANEL}::test_unsorted_blocks_*",
                  f"{_PANEL}::test_one_station_with_gaps_*", f"{_PANEL}::test_more_series_than_the_limit_*",
                  f"{_CLI_SERIES}::test_check_lists_the_series_of_a_stacked_file",
                  f"{_CLI_SERIES}::test_forecast_all_series_*"),
            gap="the Data page's station picker is not built yet"),
    "one station per column (a wide file)": Row(
        core=(f"{_COLUMNS}::test_temperature_like_column_is_the_default", f"{_PANEL}::test_a_wide_file_*",
              f"{_PANEL}::test_value_columns_choose_the_series_of_a_wide_file",
              f"{_CLI_SERIES}::test_value_columns_choose_the_series_of_a_wide_file"),
        ui=(f"{_DATA_PAGE}::test_data_page_column_pickers_choose_the_value_column",),
    ),
    "an R `ts` export: a `time` column of fractional years (`1920.083333`) and a `value` column": Row(
        core=(f"{_COLUMNS}::test_fractional_years_are_the_dates_not_the_values",
              "tests/core/data/test_r_ts.py::test_an_r_ts_export_*", "tests/core/data/test_r_ts.py::test_rounded_*"),
    ),
    "a column that rises by a constant step (an index, a year) next to a measurement column": Row(
        core=(f"{_COLUMNS}::test_a_row_number_column_is_not_the_default",
              f"{_COLUMNS}::test_a_counting_column_is_never_the_values",
              "tests/core/data/test_r_ts.py::test_a_row_index_*",
              "tests/core/data/test_r_ts.py::test_a_year_counter_*"),
    ),
    "a metadata block before the header (Open-Meteo style: coordinates, a blank line, then `time,...`)": Row(
        core=(f"{_TABLE}::test_a_metadata_block_before_the_header_is_skipped_and_reported",
              "tests/core/data/test_open_meteo.py::test_the_metadata_block_is_skipped_and_reported",
              f"{_TABLE}::test_title_lines_before_the_header_are_skipped"),
    ),
    "a series too short for the default settings": Row(
        core=(f"{_CONFIG}::test_check_length_names_the_minimum", f"{_CONFIG}::test_default_config_for_tiny_series_*",
              f"{_CLI_SERIES}::test_check_refuses_a_series_too_short_for_the_default_settings",
              f"{_CLI_SERIES}::test_check_marks_a_station_too_short_for_the_defaults"),
        ui=(f"{_TRAIN_PAGE}::test_train_page_refuses_settings_the_data_cannot_support",),
    ),
    "too many rows / columns / a huge header; a file over the upload cap": Row(
        core=(f"{_TABLE}::test_too_many_columns_*", f"{_DECODE}::test_huge_header_*", f"{_TABLE}::test_too_many_rows_*",
              f"{_GRID}::test_a_wrong_far_away_date_is_an_error_naming_the_limit"),
        ui=(f"{_DATA_PAGE}::test_bad_uploads_keep_data_and_model",  # 201 columns
            f"{_WORKFLOW}::test_a_file_over_the_upload_cap_is_refused_in_the_browser"),
    ),
    "column named `<img src=x onerror=alert(1)>` or `[x](javascript:...)`": Row(
        core=(f"{_COLUMNS}::test_column_names_are_kept_literally",
              f"{_SECURITY}::test_hostile_file_is_read_with_names_kept_literally",
              "tests/ui/test_session.py::test_md_escape_*"),
        ui=("tests/browser/test_security.py::test_hostile_names_and_cells_stay_text_on_every_page",
            f"{_WORKFLOW}::test_bad_upload_keeps_data_and_hostile_names_are_text"),
    ),
    "data editor: text in a number cell, all rows deleted, 100k rows pasted, out-of-range values": Row(
        core=(f"{_INTAKE}::test_edited_frame_*", f"{_INTAKE}::test_a_pasted_100k_row_frame_is_accepted",
              f"{_INTAKE}::test_fuzz_edited_frames"),
        ui=(f"{_DATA_PAGE}::test_data_page_table_edit_*",
            f"{_DATA_PAGE}::test_table_edits_with_text_or_absurd_numbers_keep_the_model"),
    ),
    "hyperparameters forced out of range (epochs 10⁶, units 4096, window ≥ length, lr ≤ 0 or NaN)": Row(
        core=(f"{_CONFIG}::test_bad_value_is_refused_*", f"{_CONFIG}::test_parameter_budget",
              "tests/system/test_fuzz.py::test_fuzz_every_config_field"),
        ui=(f"{_SECURITY}::test_settings_forced_through_session_state_*",
            f"{_SECURITY}::test_out_of_range_values_sent_by_a_client_*",
            f"{_SECURITY}::test_a_forged_click_on_the_disabled_train_button_starts_nothing",
            f"{_TRAIN_PAGE}::test_train_page_widgets_cannot_exceed_their_range",
            "tests/ui/test_share.py::test_an_out_of_range_setting_in_a_link_is_refused_with_its_range"),
    ),
    "training diverges (NaN loss)": Row(
        core=(f"{_TRAINING}::test_nan_loss_*", f"{_TRAINING}::test_overflowing_loss_*",
              f"{_PIPELINE}::test_divergence_*", f"{_JOBS}::test_diverged_run_ends_as_diverged", _SOAK),
        ui=(f"{_TRAIN_PAGE}::test_diverged_training_shows_a_plain_message_and_keeps_the_previous_model",),
    ),
    "double-click Train, two tabs": Row(
        core=(f"{_JOBS}::test_double_submit_returns_the_same_job",),
        ui=(f"{_TRAIN_PAGE}::test_a_second_train_click_while_busy_gives_the_same_job", _CONCURRENCY),
    ),
    "switch pages / change widgets mid-training": Row(
        ui=(f"{_WORKFLOW}::test_train_live_then_stop_then_forecast", f"{_TRAIN_PAGE}::test_train_page_stop_mid_run_*",
            f"{_TRAIN_PAGE}::test_live_chart_is_reused_between_epochs_and_shows_each_new_epoch"),
    ),
    "new upload or new settings mid-training": Row(
        core=(f"{_JOBS}::test_job_trains_on_its_own_copy",),
        ui=(f"{_TRAIN_PAGE}::test_train_page_stop_mid_run_*",  # a new upload
            f"{_TRAIN_PAGE}::test_a_second_train_click_*"),  # new settings
    ),
    "Stop; time limit reached": Row(
        core=(f"{_TRAINING}::test_stop_*", f"{_TRAINING}::test_time_limit_*", f"{_JOBS}::test_stop_running_job_*",
              "tests/core/run/test_runners.py::test_seed_spread_stops_*", _SOAK),
        ui=(f"{_TRAIN_PAGE}::test_train_page_stop_*", _CONCURRENCY),  # the browser sessions hit their time limit
    ),
    "the training worker process dies (killed, out of memory)": Row(
        core=(f"{_JOBS}::test_runner_errors_fail_the_job_and_free_the_slot",
              f"{_JOBS}::test_failure_of_running_job_starts_the_next_queued_one"),
        gap="trainings run in worker threads: a runner that raises is covered, a killed worker process is not",
    ),
    "tab closed mid-training": Row(
        core=(f"{_JOBS}::test_release_on_tab_close_*", _SOAK),
        ui=(f"{_WORKFLOW}::test_second_session_queues_and_closing_the_first_tab_frees_the_slot",),
    ),
    "forecast or download before any training": Row(
        core=("tests/core/dashboard/test_export.py::test_exports_without_a_usable_run_explain_what_to_do",),
        ui=("tests/pages/test_forecast.py::test_forecast_page_before_training_gives_guidance",
            "tests/pages/test_learn.py::test_learn_page_before_training_gives_guidance"),
    ),
}

#: Where the catalogue is written: next to the checkout (``../shared``) or next to the worktrees' folder.
DOCUMENT_PLACES = [ROOT.parent / "shared" / "docs" / "reliability.md",
                   ROOT.parent.parent / "shared" / "docs" / "reliability.md"]


@cache
def _tests_in(path: str) -> tuple[str, ...]:
    """Names of the top-level test functions of a test module (read, not imported)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return tuple(node.name for node in tree.body
                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"))


def resolve(reference: str) -> tuple[str, ...]:
    """The test ids a reference names: ``path``, ``path::name`` or ``path::prefix*``; empty when none exists."""
    path, _, name = reference.partition("::")
    if not (ROOT / path).is_file():
        return ()
    tests = _tests_in(path)
    if not name:
        chosen = tests
    elif name.endswith("*"):
        chosen = tuple(test for test in tests if test.startswith(name[:-1]))
    else:
        chosen = tuple(test for test in tests if test == name)
    return tuple(f"{path}::{test}" for test in chosen)


def _document_rows(text: str) -> list[str]:
    """The first column of the table under "## Bad input catalogue"."""
    section = text.split("## Bad input catalogue", 1)[1]
    rows = []
    for line in section.splitlines()[1:]:
        if line.startswith("## "):
            break
        if line.startswith("| ") and not line.startswith("| input or action"):
            rows.append(line.strip().strip("|").split(" | ")[0].strip())
    return rows


REFERENCES = sorted({ref for row in CATALOGUE.values() for ref in (*row.core, *row.ui)})


@pytest.mark.parametrize("reference", REFERENCES)
def test_every_reference_names_an_existing_test(reference: str) -> None:
    assert resolve(reference), f"{reference} matches no test: update CATALOGUE where the test went"


@pytest.mark.parametrize("rule", list(CATALOGUE))
def test_every_row_names_its_tests(rule: str) -> None:
    row = CATALOGUE[rule]
    assert row.core or row.ui, f"no test for {rule!r}"
    assert "\n" not in row.gap


def test_a_missing_test_is_noticed() -> None:
    assert resolve("tests/core/data/test_intake.py::test_fuzz_*")
    assert not resolve("tests/core/data/test_intake.py::test_that_does_not_exist")
    assert not resolve("tests/core/data/test_nothing_here.py")
    assert not resolve("tests/core/data/test_intake.py::test_nothing_starts_like_this_*")


def test_the_rows_are_those_of_the_document() -> None:
    document = next((place for place in DOCUMENT_PLACES if place.is_file()), None)
    if document is None:
        pytest.skip("shared/docs/reliability.md is not next to this checkout")
    assert _document_rows(document.read_text(encoding="utf-8")) == list(CATALOGUE)
