"""``forecast --all-series --across``: one model per series, one across them, or the one that wins on validation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.core.test_cli_series import TINY, last_line, run_cli, stations_csv

VALIDATED = ["--set", "validation_fraction=0.2", "--set", "window=10"]  # 150 daily points get no validation by default


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stations_csv(tmp_path_factory.mktemp("data") / "two.csv", {"north": 150, "south": 150})


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "series_metrics.csv").open(newline="") as handle:
        return {row["series"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize(("options", "needle"), [
    (["--across", "global"], "--across chooses between one model per series and one across them: it needs "
                             "--all-series."),
    (["--all-series", "--across", "auto", "--auto"], "--auto searches settings one series at a time: use it with "
                                                     "--across each, not --across auto."),
])
def test_across_without_all_series_or_with_auto_exits_2_with_one_error_line(two: Path, tmp_path: Path,
                                                                             options: list[str], needle: str) -> None:
    result = run_cli("forecast", str(two), "--out", str(tmp_path / "x"), *options, *TINY)
    assert result.returncode == 2
    assert last_line(result) == f"error: {needle}"
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [last_line(result)]
    assert not (tmp_path / "x").exists()


def test_across_global_scores_one_shared_model_on_each_series(two: Path, tmp_path: Path) -> None:
    out = tmp_path / "global"
    result = run_cli("forecast", str(two), "--out", str(out), "--all-series", "--across", "global", *VALIDATED, *TINY)
    assert result.returncode == 0, result.stderr
    rows = _rows(out)
    assert {sid: row["model"] for sid, row in rows.items()} == {"north": "global", "south": "global"}
    document = json.loads((out / "across.json").read_text())
    assert (document["asked"], document["model"], document["series"]) == ("global", "global", ["north", "south"])
    assert all(value > 0 for value in document["shared"])
    series = pd.read_csv(two)
    for sid, row in rows.items():
        assert (out / sid / "model.keras").is_file() and row["error"] == ""
        assert json.loads((out / sid / "config.json").read_text())["covariates"] == []  # as asked: --config reruns it
        predictions = pd.read_csv(out / sid / "predictions.csv")
        own = series[series["STATION"] == sid]["TMAX"].to_numpy()
        assert predictions["actual"].tolist() == pytest.approx(own[-len(predictions):].tolist())
        metrics = json.loads((out / sid / "metrics.json").read_text())
        assert float(row["lstm_mae"]) == pytest.approx(metrics["test"]["lstm"]["mae"])
    assert last_line(result).startswith("done: 2 of 2 series forecast")


def test_all_series_by_default_keeps_the_model_that_wins_on_validation(two: Path, tmp_path: Path) -> None:
    out = tmp_path / "auto"
    result = run_cli("forecast", str(two), "--out", str(out), "--all-series", *VALIDATED, *TINY)
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "across.json").read_text())
    assert document["asked"] == "auto" and document["model"] in ("each", "global")
    assert len(document["each"]) == len(document["shared"]) == len(document["naive"]) == 2
    better = "global" if document["shared_score"] < document["each_score"] else "each"
    assert document["model"] == better and document["reason"] in result.stderr
    assert {row["model"] for row in _rows(out).values()} == {document["model"]}
