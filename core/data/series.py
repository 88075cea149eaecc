"""What intake returns: a regular, finite series, the repairs made to get it, and files of several series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.errors import DataError

__all__ = ["WARNING_KINDS", "Repair", "LoadedSeries", "PanelMember", "Panel", "SeveralSeriesError"]


#: Repair kinds that deserve a person's attention rather than a routine notice.
WARNING_KINDS = frozenset({"constant", "many_duplicates", "ambiguous_dates"})


@dataclass(frozen=True)
class Repair:
    """One thing intake fixed or noticed, e.g. ``Repair("junk_cells", 3, "...")``.

    Attributes:
        kind: machine-readable kind (``junk_cells``, ``gaps_filled``, ``duplicates_averaged``,
            ``many_duplicates``, ``sorted``, ``non_finite``, ``comment_lines``, ``blank_rows``, ``metadata_lines``,
            ``generated_index``, ``timezone``, ``decimal_comma``, ``encoding``, ``day_first``, ``constant``,
            ``series_skipped``, ``no_series_id``, ...).
        count: how many rows/cells it concerned.
        detail: one plain-language sentence, e.g.
            "3 junk cells (rows 4, 9, 12) replaced by interpolation".
    """

    kind: str
    count: int
    detail: str

    @property
    def warning(self) -> bool:
        """Whether this is a warning (``WARNING_KINDS``) rather than a routine repair."""
        return self.kind in WARNING_KINDS

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
        filled: bool series on ``values.index``, True where intake made the value up (a gap in the dates, or an
            empty, junk or absurd cell, filled by interpolation); None when nothing was filled.
        series_id: which series of a file of several this is (the id in ``series_column``), else None.
        series_name: the name shown for ``series_id`` (from a name column next to the id), else None.
        series_column: the column the series ids came from, else None.
    """

    values: pd.Series
    frequency: str
    date_column: str | None
    value_column: str
    columns: tuple[str, ...] = ()
    numeric_columns: tuple[str, ...] = ()
    repairs: tuple[Repair, ...] = ()
    filled: pd.Series | None = None
    series_id: str | None = None
    series_name: str | None = None
    series_column: str | None = None

    def frame(self) -> pd.DataFrame:
        """The series as a two-column table (``date``, value column) for display and editing."""
        return pd.DataFrame({"date": self.values.index, self.value_column: self.values.to_numpy()})

    def filled_mask(self) -> pd.Series:
        """``filled`` with all False when nothing was filled: ``(len(values),)`` bool on ``values.index``."""
        if self.filled is not None:
            return self.filled
        return pd.Series(False, index=self.values.index, name="filled")


@dataclass(frozen=True)
class PanelMember:
    """One series of a file that holds several.

    Attributes:
        id: the series' id as written in the file (a station code, a city, a column name of a wide file).
        name: the name shown beside the id (from a name column), else None.
        series: the series itself, read and repaired like a file of one series.
    """

    id: str
    name: str | None
    series: LoadedSeries

    @property
    def rows(self) -> int:
        """Points of the regular series (filled gaps included)."""
        return len(self.series.values)

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.series.values.index[0])

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.series.values.index[-1])

    @property
    def label(self) -> str:
        """``"EWR · Newark Liberty Intl"``, or the id alone when there is no name."""
        return f"{self.id} · {self.name}" if self.name and self.name != self.id else self.id


@dataclass(frozen=True)
class Panel:
    """The series of one file: one per id of a series column (long file), one per value column (wide file),
    or just one.

    Attributes:
        members: the series in the order they first appear in the file (at least one).
        layout: ``"long"`` (a series-id column), ``"wide"`` (one value column per series) or ``"single"``.
        date_column: column the dates came from, or None when the index was generated.
        value_columns: the value column of every series (``long``/``single``: one name; ``wide``: one per member).
        series_column: the column the ids came from (``long`` only).
        name_column: the column the names came from, else None.
        columns: every column name in the source, in file order.
        numeric_columns: columns that could serve as value columns.
        repairs: what intake did to the file as a whole (encoding, title lines, skipped series, ...).
    """

    members: tuple[PanelMember, ...]
    layout: str
    date_column: str | None
    value_columns: tuple[str, ...]
    series_column: str | None = None
    name_column: str | None = None
    columns: tuple[str, ...] = ()
    numeric_columns: tuple[str, ...] = ()
    repairs: tuple[Repair, ...] = ()

    def __len__(self) -> int:
        return len(self.members)

    def ids(self) -> tuple[str, ...]:
        return tuple(member.id for member in self.members)

    def member(self, series_id: str) -> PanelMember:
        """The member with this id (exact, else the only case-insensitive match).

        Raises:
            DataError: no such series; the message lists the ids.
        """
        for member in self.members:
            if member.id == series_id:
                return member
        folded = [m for m in self.members if m.id.strip().casefold() == str(series_id).strip().casefold()]
        if len(folded) == 1:
            return folded[0]
        raise DataError(f"There is no series {_quoted(series_id)}; {self.listing()}.")

    def listing(self, limit: int = 12) -> str:
        """``"the file holds 3 series: 'EWR', 'JFK', 'LGA'"`` for messages."""
        shown = ", ".join(_quoted(member.id) for member in self.members[:limit])
        more = f" and {len(self.members) - limit:,} more" if len(self.members) > limit else ""
        return f"the file holds {len(self.members):,} series: {shown}{more}"

    def table(self) -> pd.DataFrame:
        """One row per series: ``id``, ``name``, ``rows``, ``start``, ``end`` (for a picker or a listing)."""
        return pd.DataFrame(
            {
                "id": [m.id for m in self.members],
                "name": [m.name for m in self.members],
                "rows": [m.rows for m in self.members],
                "start": [m.start for m in self.members],
                "end": [m.end for m in self.members],
            }
        )

    def long_frame(self) -> pd.DataFrame:
        """Every series stacked: ``series``, ``date``, ``value``, ``filled``; ``(sum of rows, 4)``."""
        parts = [
            pd.DataFrame(
                {
                    "series": member.id,
                    "date": member.series.values.index,
                    "value": member.series.values.to_numpy(),
                    "filled": member.series.filled_mask().to_numpy(),
                }
            )
            for member in self.members
        ]
        return pd.concat(parts, ignore_index=True)


class SeveralSeriesError(DataError):
    """A file of several series was read as one: says how many and lists their ids.

    Attributes:
        panel_ids: the ids of the series the file holds, in file order.
        column: the column that tells them apart.
    """

    def __init__(self, message: str, panel_ids: tuple[str, ...], column: str) -> None:
        super().__init__(message)
        self.panel_ids = panel_ids
        self.column = column


def _quoted(text: str, limit: int = 40) -> str:
    printable = "".join(ch if ch.isprintable() else "?" for ch in str(text).strip())
    return repr(printable if len(printable) <= limit else printable[: limit - 1] + "…")
