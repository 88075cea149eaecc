"""The command line on files of several series, run as a user would: ``python -m core ...`` in a subprocess."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli import SERIES_METRICS_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--set", "epochs=2", "--set", "units=4", "--set", "backtest_folds=0", "--quiet"]
SINGLE_OUTPUTS = ("config.json", "metrics.json", "predictions.csv", "forecast.csv", "history.csv", "model.keras",
                  "meta.json", "data_report.json", "series.csv")
TF_NOISE = re.compile(r"oneDNN|cuda|absl|TF-TRT|I0000|W0000", re.IGNORECASE)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m core`` with TensorFlow's own log settings left alone (the CLI must quiet it itself)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TF_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.strip().splitlines()[-1]


def stations_csv(path: Path, stations: dict[str, int], *, skip: dict[str, set[int]] | None = None) -> Path:
    """A NOAA-style long file: ``STATION,NAME,DATE,TMAX`` with ``stations`` mapping an id to its number of days."""
    rows = ["STATION,NAME,DATE,TMAX"]
    for k, (sid, days) in enumerate(stations.items()):
        for day, when in enumerate(pd.date_range("2021-01-01", periods=days, freq="D")):
            if skip and day in skip.get(sid, set()):
                continue
            value = 50 + 10 * k + 8 * np.sin(2 * np.pi * day / 30) + (day * 7 % 5) / 5
            rows.append(f'{sid},"Station {k} name",{when:%Y-%m-%d},{value:.2f}')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stations_csv(tmp_path_factory.mktemp("data") / "three.csv", {"USW00024233": 150, "USW00023174": 150,
                                                                       "USW00003017": 150},
                        skip={"USW00023174": {40, 41, 42}})


def test_check_lists_the_series_of_a_stacked_file(three: Path) -> None:
    result = run_cli("check", str(three))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["layout"], report["series_column"], report["name_column"]) == ("long", "STATION", "NAME")
    assert [(s["id"], s["name"], s["rows"], s["start"], s["end"]) for s in report["series"]] == [
        ("USW00024233", "Station 0 name", 150, "2021-01-01", "2021-05-30"),
        ("USW00023174", "Station 1 name", 150, "2021-01-01", "2021-05-30"),
        ("USW00003017", "Station 2 name", 150, "2021-01-01", "2021-05-30"),
    ]
    assert [r["kind"] for r in report["series"][1]["repairs"]] == ["gaps_filled"]
    assert result.stderr == ""


def test_check_one_series_by_id(three: Path) -> None:
    result = run_cli("check", str(three), "--series", "USW00023174")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["series"] == "USW00023174" and report["rows"] == 150 and report["value_column"] == "TMAX"


@pytest.mark.parametrize(
    ("options", "needle"),
    [(["--series", "XYZ"], "There is no series 'XYZ' in column 'STATION'; the file holds 3: 'USW00024233'"),
     (["--series-column", "nope"], "There is no series column called 'nope'"),
     (["--value-column", "nope"], "There is no value column called 'nope'"),
     (["--value-columns", "TMAX,nope"], "There is no value column called 'nope'")],
)
def test_unknown_ids_and_columns_exit_2_with_one_error_line(three: Path, options: list[str], needle: str) -> None:
    result = run_cli("check", str(three), *options)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("error:") == 1 and last_line(result).startswith(f"error: {needle}")
    assert "Traceback" not in result.stderr


def test_check_refuses_a_series_too_short_for_the_default_settings(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("date,temp\n2024-01-01,1\n2024-01-02,2\n2024-01-03,4\n2024-01-04,3\n", encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert re.fullmatch(r"error: This series has 4 points; .* needs at least \d+\.", last_line(result))


def test_check_marks_a_station_too_short_for_the_defaults(tmp_path: Path) -> None:
    path = stations_csv(tmp_path / "mixed.csv", {"A": 60, "B": 4})
    result = run_cli("check", str(path))
    assert result.returncode == 0, result.stderr
    entries = {entry["id"]: entry for entry in json.loads(result.stdout)["series"]}
    assert "too_short" not in entries["A"] and "needs at least" in entries["B"]["too_short"]


def test_forecast_of_a_file_of_several_series_needs_a_choice(three: Path, tmp_path: Path) -> None:
    result = run_cli("forecast", str(three), "--out", str(tmp_path / "out"), *TINY)
    assert result.returncode == 2
    assert last_line(result) == (
        "error: The file holds 3 series told apart by column 'STATION' ('USW00024233', 'USW00023174', "
        "'USW00003017'); choose one of them. Use --series ID for one (e.g. --series USW00024233), or --all-series "
        "for each.")
    assert not (tmp_path / "out").exists()
    both = run_cli("forecast", str(three), "--out", str(tmp_path / "x"), "--series", "A", "--all-series", *TINY)
    assert both.returncode == 2
    assert last_line(both) == "error: --series and --all-series exclude each other: choose one."


def test_forecast_one_series_writes_series_csv_and_no_tensorflow_lines(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "one"
    result = run_cli("forecast", str(three), "--out", str(out), "--series", "USW00023174", *TINY)
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if TF_NOISE.search(line)], result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("done: status=completed")
    for name in SINGLE_OUTPUTS:
        assert (out / name).is_file(), name
    series = pd.read_csv(out / "series.csv")
    assert list(series.columns) == ["date", "value", "filled"] and len(series) == 150
    assert series["filled"].dtype == bool and np.flatnonzero(series["filled"]).tolist() == [40, 41, 42]
    assert json.loads((out / "data_report.json").read_text())["series"] == "USW00023174"


def test_forecast_all_series_writes_each_into_its_directory_and_a_summary(tmp_path: Path) -> None:
    data = stations_csv(tmp_path / "unsafe.csv", {"north/1": 150, "SOUTH 2": 150})
    out = tmp_path / "all"
    result = run_cli("forecast", str(data), "--out", str(out), "--all-series", *TINY)
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if TF_NOISE.search(line)], result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["SOUTH_2", "across.json", "north_1", "series_metrics.csv"]
    for directory in ("north_1", "SOUTH_2"):
        for name in SINGLE_OUTPUTS:
            assert (out / directory / name).is_file(), (directory, name)
    with (out / "series_metrics.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == SERIES_METRICS_COLUMNS
    assert [(r["series"], r["name"], r["n"], r["directory"], r["error"]) for r in rows] == [
        ("north/1", "Station 0 name", "150", "north_1", ""), ("SOUTH 2", "Station 1 name", "150", "SOUTH_2", "")]
    for row in rows:
        metrics = json.loads((out / row["directory"] / "metrics.json").read_text())
        assert float(row["lstm_mae"]) == pytest.approx(metrics["test"]["lstm"]["mae"])
        reference = row["best_reference"]
        assert float(row["best_reference_mae"]) == pytest.approx(metrics["test"][reference]["mae"])
        assert all(metrics["test"][reference]["mae"] <= metrics["test"][name]["mae"]
                   for name in ("naive", "seasonal_naive", "ets", "arima") if metrics["test"].get(name))
        assert row["beats_best_reference"] == str(float(row["lstm_mae"]) < float(row["best_reference_mae"]))
        assert float(row["coverage"]) == pytest.approx(metrics["interval"]["coverage"])
    assert last_line(result).startswith("done: 2 of 2 series forecast; the LSTM beats the best reference on ")


def test_all_series_goes_on_past_a_series_that_fails_and_exits_2(tmp_path: Path) -> None:
    data = stations_csv(tmp_path / "mixed.csv", {"long": 150, "short": 40})
    out = tmp_path / "all"
    result = run_cli("forecast", str(data), "--out", str(out), "--all-series", "--set", "window=40", *TINY)
    assert result.returncode == 2
    assert last_line(result).startswith("error: 1 of 2 series could not be forecast: 'short': This series has 40")
    with (out / "series_metrics.csv").open(newline="") as handle:
        rows = {row["series"]: row for row in csv.DictReader(handle)}
    assert rows["long"]["error"] == "" and float(rows["long"]["lstm_mae"]) > 0
    assert "needs at least" in rows["short"]["error"] and rows["short"]["lstm_mae"] == ""
    assert (out / "long" / "model.keras").is_file()


def test_value_columns_choose_the_series_of_a_wide_file(tmp_path: Path) -> None:
    days = pd.date_range("2021-01-01", periods=150, freq="D")
    lines = ["date,tmax_a,tmax_b,tmax_c"] + [
        f"{d:%Y-%m-%d},{20 + 5 * np.sin(i / 9):.2f},{25 + 5 * np.cos(i / 9):.2f},{i % 7}" for i, d in enumerate(days)]
    data = tmp_path / "wide.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check = run_cli("check", str(data))
    assert [entry["id"] for entry in json.loads(check.stdout)["series"]] == ["tmax_a", "tmax_b", "tmax_c"]
    one = run_cli("forecast", str(data), "--out", str(tmp_path / "x"), "--value-columns", "tmax_a,tmax_c", *TINY)
    assert one.returncode == 2 and "--all-series" in last_line(one)
    out = tmp_path / "wide"
    result = run_cli("forecast", str(data), "--out", str(out), "--all-series", "--value-columns", "tmax_c,tmax_b",
                     *TINY)
    assert result.returncode == 0, result.stderr
    with (out / "series_metrics.csv").open(newline="") as handle:
        assert [row["series"] for row in csv.DictReader(handle)] == ["tmax_c", "tmax_b"]
    assert json.loads((out / "tmax_b" / "data_report.json").read_text())["value_column"] == "tmax_b"
