"""Recognise and parse date columns: ISO, day-first and other formats, mixed formats, UTC offsets."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from core.data.parsing.common import count_phrase, examples
from core.data.parsing.fast import FAST_ROWS, parse_via_iso, rewrite_to_iso
from core.data.series import Repair

__all__ = [
    "DateFormat", "Dates", "date_name_hint", "times_of_day", "detect_date_format", "parse_dates", "date_repairs",
]


_HINT = re.compile(r"date|time|day|datum|fecha|zeit|period|month|year|week|jahr|^ds$|^dt$|^t$", re.IGNORECASE)


_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s?[AaPp][Mm])?")


_OFFSET = r"^(.*\d\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(Z|[+-]\d\d(?::?\d\d)?)$"


# fmt: off
_DATE_FORMATS = (
    "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d/%m/%y", "%m/%d/%y", "%d.%m.%Y", "%d.%m.%y", "%Y.%m.%d",
    "%d-%m-%Y", "%m-%d-%Y", "%d-%m-%y", "%m-%d-%y", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%b %d, %Y",
    "%B %d %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %y", "%b %Y", "%B %Y", "%b-%Y", "%b-%y",
    "%m/%Y", "%Y/%m", "%a %d %b %Y", "%Y %b", "%Y %B",
)


_TIME_FORMATS = (" %H:%M", " %H:%M:%S", " %H:%M:%S.%f", "T%H:%M", "T%H:%M:%S", " %I:%M %p", " %I:%M:%S %p")


# fmt: on
_FORMATS = tuple(day + time for day in _DATE_FORMATS for time in ("", *_TIME_FORMATS))


_NUMERIC_FORMATS = {4: "%Y", 6: "%Y%m", 8: "%Y%m%d"}


#: Steps per year of fractional-year dates (R's ``time(x)`` of a yearly, quarterly or monthly ``ts``).
_PER_YEAR = (1, 4, 12)


#: How far ``year * per_year`` may be from a whole number: 1920.08 (two decimals) is 0.04 off for months.
_FRACTION_TOLERANCE = 0.075


_YEAR_FRACTION = "year_fraction_"


_LITERALS = re.compile(r"%.")


_SAMPLE = 200


_FIRST_YEAR, _LAST_YEAR = 1678, 2261


_MISSING_TEXT = frozenset({"nat", "nan", "none", "null", "<na>"})


_RELATIVE_WORDS = frozenset({"now", "today", "tomorrow", "yesterday"})


_MIXED_LIMIT = 20_000


@dataclass(frozen=True)
class DateFormat:
    """How a date column is written.

    Attributes:
        format: ``"ISO8601"``, a ``strptime`` format, ``"mixed"`` (one by one), ``"epoch_s"``,
            ``"epoch_ms"``, or ``"year_fraction_<k>"`` for fractional years with ``k`` steps a year
            (``1920.083333`` is February 1920 for ``k = 12``, as R writes the ``time`` of a monthly ``ts``).
        dayfirst: day before month (``25/12/2020``).
        utc: the texts carry UTC offsets.
        ambiguous: day/month and month/day were both valid for every sampled date.
        rate: share of the non-empty sampled cells that parsed.
    """

    format: str
    dayfirst: bool = False
    utc: bool = False
    ambiguous: bool = False
    rate: float = 1.0


@dataclass(frozen=True)
class Dates:
    """A parsed date column.

    Attributes:
        values: ``(n,)`` datetime64[us], tz-naive (UTC when offsets were given), NaT where unreadable.
        local: ``(n,)`` datetime64[us] wall-clock times when offsets were given, else None.
        texts: ``(n,)`` the stripped cell texts.
        bad: ``(n,)`` bool, cells that are not a readable date (empty included).
        mixed: ``(n,)`` bool, cells read one by one because they differ from the column's format.
        offsets: up to three distinct UTC offsets seen.
    """

    values: np.ndarray
    local: np.ndarray | None
    texts: pd.Series
    bad: np.ndarray
    mixed: np.ndarray
    offsets: tuple[str, ...]

    def take(self, rows: np.ndarray) -> Dates:
        """The dates of some rows: ``rows`` is ``(k,)`` int positions; every array becomes ``(k,)``."""
        local = None if self.local is None else self.local[rows]
        texts = self.texts.iloc[rows].reset_index(drop=True)
        return Dates(self.values[rows], local, texts, self.bad[rows], self.mixed[rows], self.offsets)


def date_name_hint(name: str) -> bool:
    """Whether a column name suggests dates or times (``date``, ``timestamp``, ``Datum``, ...)."""
    return bool(_HINT.search(name))


def times_of_day(cells: pd.Series) -> bool:
    """Whether most cells are a time of day without a date (``"13:00"``, ``"1:30 PM"``): no dates on their own."""
    texts = cells.astype("str").fillna("").str.strip()
    texts = texts[texts != ""].iloc[:_SAMPLE]
    return bool(len(texts)) and float(texts.str.fullmatch(_TIME_OF_DAY).mean()) >= 0.5


def _to_datetime(texts: pd.Series, fmt: str, *, dayfirst: bool = False, utc: bool = False) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if not utc and len(texts) >= FAST_ROWS and rewrite_to_iso(fmt):
                parsed = parse_via_iso(texts, fmt)
            else:
                parsed = pd.to_datetime(texts, format=fmt, dayfirst=dayfirst, utc=utc, errors="coerce")
        except (ValueError, TypeError, OverflowError):
            return pd.Series(pd.NaT, index=texts.index, dtype="datetime64[us]")
    if not pd.api.types.is_datetime64_any_dtype(parsed.dtype):
        return pd.Series(pd.NaT, index=texts.index, dtype="datetime64[us]")
    # Years outside pandas' nanosecond range are typos ("0001-01-01", "month names" read as year 1).
    years = parsed.dt.year.to_numpy(dtype=np.float64, na_value=np.nan)
    implausible = (years < _FIRST_YEAR) | (years > _LAST_YEAR)
    return parsed.mask(implausible) if implausible.any() else parsed


def _parseable(texts: pd.Series) -> pd.Series:
    """Texts to parse: missing markers (``NaT``, ``nan``) become empty, ``now``/``today`` unreadable."""
    lower = texts.str.lower()
    special = lower.isin(_MISSING_TEXT | _RELATIVE_WORDS)
    if not special.any():
        return texts
    return texts.mask(lower.isin(_MISSING_TEXT), "").mask(lower.isin(_RELATIVE_WORDS), "?")


def _as_text(cells: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        numbers = cells.to_numpy(dtype=np.float64, na_value=np.nan)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 1e15)
        texts = np.where(whole, np.char.mod("%d", np.where(whole, numbers, 0).astype(np.int64)), "")
        return pd.Series(texts, index=cells.index, dtype="str")
    return cells.astype("str").fillna("").str.strip()


def detect_date_format(cells: pd.Series, *, hinted: bool) -> DateFormat | None:
    """Find how a column's dates are written from its first cells; None when they are not dates.

    Args:
        cells: ``(n,)`` cells of the column (a sample is enough).
        hinted: the column name suggests dates, so plain numbers like ``2020`` or ``20200131`` are dates.
    """
    texts = _parseable(_as_text(cells))
    sample = texts[texts != ""].iloc[:_SAMPLE]
    if sample.empty:
        return None
    if float(sample.str.fullmatch(_NUMBER).mean()) >= 0.5:
        return _numeric_format(sample) if hinted else None
    utc = bool(sample.str.fullmatch(_OFFSET).any())
    best = DateFormat("ISO8601", utc=utc, rate=_rate(sample, "ISO8601", utc=utc))
    if best.rate < 0.8:  # otherwise ISO wins anyway; odd cells are retried one by one
        best = max([best, *_strptime_candidates(sample, utc)], key=lambda candidate: candidate.rate)
    if best.rate < 0.8:
        for dayfirst in (False, True):
            mixed = DateFormat(
                "mixed", dayfirst=dayfirst, utc=utc, rate=_rate(sample, "mixed", dayfirst, True)
            )
            best = mixed if mixed.rate > best.rate else best
    return best if best.rate > 0 else None


def _rate(sample: pd.Series, fmt: str, dayfirst: bool = False, utc: bool = False) -> float:
    return float(_to_datetime(sample, fmt, dayfirst=dayfirst, utc=utc).notna().mean())


def _numeric_format(sample: pd.Series) -> DateFormat | None:
    if sample.str.contains(r"\d[.,]\d", regex=True).any():
        return _year_fraction_format(sample)
    lengths = sample.str.len()
    length = int(lengths.mode().iloc[0])
    if length in _NUMERIC_FORMATS:
        rate = _rate(sample, _NUMERIC_FORMATS[length])
        return DateFormat(_NUMERIC_FORMATS[length], rate=rate) if rate > 0 else None
    if length in (9, 10, 12, 13) and sample.str.fullmatch(r"\d+").all():
        return DateFormat("epoch_s" if length <= 10 else "epoch_ms", rate=1.0)
    return None


def _fraction_numbers(cells: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        return cells.to_numpy(dtype=np.float64, na_value=np.nan)
    texts = cells.astype("str").fillna("").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(texts, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _on_steps(numbers: np.ndarray, per_year: int) -> np.ndarray:
    """Which fractional years fall on one of ``per_year`` equal steps of a year, within a plausible range."""
    with np.errstate(invalid="ignore"):
        scaled = numbers * per_year
        near = np.abs(scaled - np.round(scaled)) <= _FRACTION_TOLERANCE
        return np.isfinite(numbers) & near & (numbers >= _FIRST_YEAR) & (numbers < _LAST_YEAR + 1)


def _year_fraction_format(sample: pd.Series) -> DateFormat | None:
    """Fractional years (``1920.083333``) with the fewest steps a year that fit nearly every sampled cell."""
    numbers = _fraction_numbers(sample)
    for per_year in _PER_YEAR:
        rate = float(_on_steps(numbers, per_year).mean())
        if rate >= 0.95:
            return DateFormat(f"{_YEAR_FRACTION}{per_year}", rate=rate)
    return None


def _year_fraction_dates(cells: pd.Series, per_year: int) -> np.ndarray:
    """``(n,)`` datetime64[us] at the start of each step (month, quarter or year), NaT off the steps."""
    numbers = _fraction_numbers(cells)
    good = _on_steps(numbers, per_year)
    steps = np.round(np.where(good, numbers, 0.0) * per_year).astype(np.int64)
    months = steps * (12 // per_year) - 1970 * 12
    values = months.astype("datetime64[M]").astype("datetime64[us]")
    values[~good] = np.datetime64("NaT")
    return values


def _parses_any(texts: list[str], fmt: str) -> bool:
    for text in texts:
        try:
            datetime.strptime(text, fmt)
        except ValueError:
            continue
        return True
    return False


def _strptime_candidates(sample: pd.Series, utc: bool) -> list[DateFormat]:
    # A cheap pure-Python screen on the first cells keeps pandas from trying ~200 formats.
    heads = [str(text) for text in sample.iloc[:10]]
    formats = [fmt + zone for zone in (("%z", "") if utc else ("",)) for fmt in _FORMATS]
    present = set("".join(heads))
    formats = [fmt for fmt in formats if set(_LITERALS.sub("", fmt)) <= present and _parses_any(heads, fmt)]
    rates = {fmt: _rate(sample, fmt, utc=utc) for fmt in formats}
    found = []
    for fmt, rate in rates.items():
        swapped = _swap_day_month(fmt)
        paired = "%d" in fmt and "%m" in fmt and swapped in rates
        tie = paired and rates[swapped] == rate
        if rate <= 0 or (tie and not _preferred(sample, fmt, swapped)):
            continue
        dayfirst = "%d" in fmt and "%m" in fmt and fmt.index("%d") < fmt.index("%m")
        found.append(DateFormat(fmt, dayfirst=dayfirst, utc=utc, ambiguous=tie, rate=rate))
    return found


def _preferred(sample: pd.Series, fmt: str, other: str) -> bool:
    """Whether ``fmt`` reads the sample more regularly than ``other`` (month first on a tie)."""
    mine, theirs = _irregularity(sample, fmt), _irregularity(sample, other)
    return mine < theirs or (mine == theirs and fmt.index("%m") < fmt.index("%d"))


def _swap_day_month(fmt: str) -> str:
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _irregularity(sample: pd.Series, fmt: str) -> int:
    """Distinct steps between consecutive dates (28–31 days count as one): fewer is more regular."""
    parsed = _to_datetime(sample, fmt).dropna()
    days = np.round(np.abs(np.diff(parsed.to_numpy().astype("datetime64[s]").astype(np.int64))) / 86400)
    days = np.where((days >= 28) & (days <= 31), 30, days)
    return len(np.unique(days))


def parse_dates(cells: pd.Series, fmt: DateFormat) -> Dates:
    """Parse a whole date column with its detected format, retrying odd cells one by one.

    Args:
        cells: ``(n,)`` text, numeric or datetime cells.
        fmt: from ``detect_date_format``.
    """
    if pd.api.types.is_datetime64_any_dtype(cells.dtype):
        return _from_datetimes(cells)
    if fmt.format.startswith(_YEAR_FRACTION):
        values = _year_fraction_dates(cells, int(fmt.format.removeprefix(_YEAR_FRACTION)))
        texts = cells.astype("str").fillna("").str.strip().mask(cells.isna(), "")
        return Dates(values, None, texts, np.isnat(values), np.zeros(len(values), dtype=bool), ())
    shown = _as_text(cells)
    texts = _parseable(shown)
    if fmt.format.startswith("epoch"):
        unit = "s" if fmt.format == "epoch_s" else "ms"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(
                pd.to_numeric(texts, errors="coerce"), unit=unit, errors="coerce", utc=True
            )
    else:
        parsed = _to_datetime(texts, fmt.format, dayfirst=fmt.dayfirst, utc=fmt.utc or fmt.format == "mixed")
    values = _naive_utc(parsed)
    failed = np.isnat(values) & (texts != "").to_numpy(dtype=bool)
    mixed = np.zeros(len(values), dtype=bool)
    if failed.any() and fmt.format != "mixed":
        values, mixed = _retry_one_by_one(texts, values, failed, fmt.dayfirst)
    offsets = tuple(texts.str.extract(_OFFSET)[1].dropna().unique()[:3]) if fmt.utc else ()
    local = _local_times(texts, fmt) if fmt.utc and offsets else None
    return Dates(values, local, shown, np.isnat(values), mixed, tuple(str(offset) for offset in offsets))


def _naive_utc(parsed: pd.Series) -> np.ndarray:
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.to_numpy().astype("datetime64[us]")


def _from_datetimes(cells: pd.Series) -> Dates:
    values = _naive_utc(cells)
    texts = cells.astype("str").fillna("")
    return Dates(values, None, texts, np.isnat(values), np.zeros(len(values), dtype=bool), ())


def _retry_one_by_one(
    texts: pd.Series, values: np.ndarray, failed: np.ndarray, dayfirst: bool
) -> tuple[np.ndarray, np.ndarray]:
    odd = texts[failed]
    unique = pd.Series(odd.unique()[:_MIXED_LIMIT], dtype="str")
    parsed = _naive_utc(_to_datetime(unique, "mixed", dayfirst=dayfirst, utc=True))
    lookup = dict(zip(unique, parsed, strict=True))
    retried = np.array([lookup.get(text, np.datetime64("NaT")) for text in odd], dtype="datetime64[us]")
    values = values.copy()
    values[failed] = retried
    mixed = np.zeros(len(values), dtype=bool)
    mixed[failed] = ~np.isnat(retried)
    return values, mixed


def _local_times(texts: pd.Series, fmt: DateFormat) -> np.ndarray:
    stripped = texts.str.replace(_OFFSET, r"\1", regex=True)
    local_format = fmt.format.replace("%z", "") if fmt.format not in ("mixed",) else "mixed"
    return _naive_utc(_to_datetime(stripped, local_format, dayfirst=fmt.dayfirst))


def date_repairs(dates: Dates, fmt: DateFormat, labels: np.ndarray) -> list[Repair]:
    """Notices about unreadable dates, one-by-one dates and the day/month order.

    Args:
        dates: the parsed column.
        fmt: its detected format.
        labels: ``(n,)`` row numbers a person sees.
    """
    repairs = []
    if (mixed := np.flatnonzero(dates.mixed)).size:
        shown = examples(labels[mixed], dates.texts.iloc[mixed[:3]], len(mixed))
        repairs.append(
            Repair(
                "mixed_date_formats",
                len(mixed),
                f"{count_phrase(len(mixed), 'date')} in a different format "
                f"{'was' if len(mixed) == 1 else 'were'} read one by one ({shown}); check them.",
            )
        )
    if (bad := np.flatnonzero(dates.bad)).size:
        shown = examples(labels[bad], dates.texts.iloc[bad[:3]], len(bad))
        repairs.append(
            Repair(
                "bad_dates",
                len(bad),
                f"{count_phrase(len(bad), 'row')} with unreadable dates ignored ({shown}).",
            )
        )
    if fmt.dayfirst or fmt.ambiguous:
        repairs.append(_order_repair(dates, fmt))
    return repairs


def _order_repair(dates: Dates, fmt: DateFormat) -> Repair:
    good = np.flatnonzero(~dates.bad & ~dates.mixed)
    days = pd.DatetimeIndex(dates.values[good]).day if good.size else pd.Index([])
    pick = (
        good[int(np.argmax(days > 12))] if good.size and (days > 12).any() else (good[0] if good.size else 0)
    )
    text, when = dates.texts.iloc[pick], pd.Timestamp(dates.values[pick])
    spelled = f"{when.day} {when.strftime('%B %Y')}" if not pd.isna(when) else "?"
    order = "day/month/year" if fmt.dayfirst else "month/day/year"
    if fmt.ambiguous:
        return Repair(
            "ambiguous_dates",
            1,
            f"Dates such as '{text}' could be day/month or month/day; read as "
            f"{order} ('{text}' is {spelled}); check the dates.",
        )
    return Repair("day_first", 1, f"Dates read as {order} (e.g. '{text}' is {spelled}).")
