"""What intake returns: a regular, finite series and the repairs made to get it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["Repair", "LoadedSeries"]


@dataclass(frozen=True)
class Repair:
    """One thing intake fixed or noticed, e.g. ``Repair("junk_cells", 3, "...")``.

    Attributes:
        kind: machine-readable kind (``junk_cells``, ``gaps_filled``, ``duplicates_averaged``,
            ``sorted``, ``non_finite``, ``comment_lines``, ``blank_rows``, ``generated_index``,
            ``timezone``, ``decimal_comma``, ``encoding``, ``day_first``, ``constant``, ...).
        count: how many rows/cells it concerned.
        detail: one plain-language sentence, e.g.
            "3 junk cells (rows 4, 9, 12) replaced by interpolation".
    """

    kind: str
    count: int
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": self.count, "detail": self.detail}


@dataclass(frozen=True)
class LoadedSeries:
    """A regular, finite series ready for modelling, plus what was done to get it.

    Attributes:
        values: float64 series, tz-naive regular ``DatetimeIndex`` with ``freq`` set, no NaN.
        frequency: pandas offset alias of the index (``"D"``, ``"h"``, ``"MS"``, ...).
        date_column: column the dates came from, or None when the index was generated.
        value_column: column the values came from.
        columns: every column name in the source, in file order.
        numeric_columns: columns that could serve as the value column.
        repairs: what intake repaired or noticed, in the order it happened.
    """

    values: pd.Series
    frequency: str
    date_column: str | None
    value_column: str
    columns: tuple[str, ...] = ()
    numeric_columns: tuple[str, ...] = ()
    repairs: tuple[Repair, ...] = ()

    def frame(self) -> pd.DataFrame:
        """The series as a two-column table (``date``, value column) for display and editing."""
        return pd.DataFrame({"date": self.values.index, self.value_column: self.values.to_numpy()})
