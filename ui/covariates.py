"""Covariates for the Train page: which other numeric columns the data offers, and their values (read by
``core.data.intake.read_covariates``, shared with the command line) remembered per session.

Session key (see ui/session.py): ``covariate_cache`` holds the last columns read from the upload, so a rerun
does not re-read the file.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.data.intake import Covariates, read_covariates
from core.data.series import LoadedSeries
from core.errors import DataError

__all__ = ["Covariates", "covariate_options", "unavailable_reason", "session_covariates"]


def covariate_options(series: LoadedSeries) -> list[str]:
    """Numeric columns of the uploaded file other than the value and date columns (empty for built-ins)."""
    if st.session_state.get("upload") is None:
        return []
    return [name for name in series.numeric_columns if name not in (series.value_column, series.date_column)]


def unavailable_reason(series: LoadedSeries) -> str:
    """One line saying why there are no columns to choose (for an empty picker)."""
    if st.session_state.get("upload") is not None and st.session_state.get("series_source") == "Edited table":
        return "The edited table holds only the value column; reset the table on the Data page to use other columns."
    return "This data has no other numeric columns; upload a CSV with more of them on the Data page to add some."


def session_covariates(series: LoadedSeries, names: tuple[str, ...]) -> Covariates:
    """``read_covariates`` for the session's upload, remembered until the data or the names change.

    Raises:
        DataError: no uploaded file to read the columns from, or a column that cannot be used.
    """
    upload: dict[str, Any] | None = st.session_state.get("upload")
    if upload is None:
        raise DataError("The input columns come from an uploaded file; upload it again on the Data page.")
    cache = st.session_state.get("covariate_cache")
    if cache is None or cache[0] is not upload or cache[1] is not series or cache[2] != names:
        try:
            result: Covariates | str = read_covariates(upload["bytes"], series, names)
        except DataError as exc:
            result = str(exc)  # remembered too: a refused column is not re-read on every rerun
        cache = (upload, series, names, result)
        st.session_state["covariate_cache"] = cache
    if isinstance(cache[3], str):
        raise DataError(cache[3])
    covariates: Covariates = cache[3]
    return covariates
