"""Fuzzing the two doors user input comes through: the CSV reader and config validation.

Property: only the typed errors (``DataError`` / ``ConfigError``, one line each) or a valid result, never
another exception, never a hang. Time per example is bounded twice: hypothesis' ``deadline`` fails an
example that is slow, and a SIGALRM guard fails one that would never return (hypothesis only measures an
example after it ends). ``tests/core/data/test_intake.py`` fuzzes random bytes, CSV-like text and messy
exports; this module adds random delimiters, encodings, decimal marks, quoting and line ends, byte-level mutations of
valid files, column choices, and every config field with values of every JSON type.

The number of inputs tried is written to ``artifacts/fuzz.json`` (quoted in SECURITY.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import signal
from collections import Counter
from collections.abc import Iterator

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.config import FIELD_RANGES, PARAMETER_BUDGET, ForecastConfig, parameter_count, parse_set_options
from core.data.intake import read_series
from core.errors import ConfigError, DataError
from tests.core.data.samples import assert_valid
from tests.helpers import ARTIFACTS

#: Fails an example that is slow (measured after it returns), in milliseconds.
DEADLINE_MS = 5000
#: Fails an example that does not return at all, in seconds.
HARD_LIMIT_S = 30
TRIED: Counter[str] = Counter()


class ExampleHung(Exception):
    """Raised inside an example that ran past ``HARD_LIMIT_S``."""


@contextlib.contextmanager
def hard_time_limit(seconds: float = HARD_LIMIT_S) -> Iterator[None]:
    """Interrupt the example with ``ExampleHung`` after ``seconds`` (SIGALRM: main thread, Unix)."""

    def expire(signum, frame):  # type: ignore[no-untyped-def]
        raise ExampleHung(f"one example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=DEADLINE_MS, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def record_inputs_tried() -> Iterator[None]:
    yield
    out = ARTIFACTS / "fuzz.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**TRIED, "total": sum(TRIED.values())}, indent=2, sort_keys=True) + "\n")


def check_read(data: bytes, **options: str | None) -> None:
    """read_series gives a valid series or one DataError line, within the time limit."""
    with hard_time_limit():
        try:
            series = read_series(data, **options)  # type: ignore[arg-type]
        except DataError as error:
            message = str(error)
            assert message and "\n" not in message and len(message) < 1000, message
            return
    assert_valid(series)
    if options.get("value_column"):
        assert series.value_column.casefold() == str(options["value_column"]).casefold()


# --- the CSV reader ------------------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp437",
             "mac-roman", "shift_jis", "koi8-r"]
DELIMITERS = [",", ";", "\t", "|", " ", ":", "^", "~", "#", "/", ".", "  "]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y%m%d", "%d %b %Y",
                "%Y/%m/%d %H:%M", "%b %d, %Y", "%s"]
CELL_JUNK = ["", "NA", "n/a", "-", "—", "?", "null", "None", "#N/A", "inf", "-inf", "1e999", "nan", '"', "'",
             "°C", "1 234", "1.234.567", "12%", "(3)", "0x1F", "١٢٣", "½", "\u200b", "\ufeff", "=1+1"]


@st.composite
def tables(draw: st.DrawFn) -> bytes:
    """A table as people export it, with random delimiter, decimal mark, quoting, line ends and codec."""
    rows = draw(st.integers(0, 60))
    sep = draw(st.sampled_from(DELIMITERS))
    decimal = draw(st.sampled_from([".", ","]))
    thousands = draw(st.sampled_from(["", "", ",", ".", " ", "'"]))
    quote_all = draw(st.booleans())
    fmt = draw(st.sampled_from(DATE_FORMATS))
    freq = draw(st.sampled_from(["D", "h", "min", "W", "MS", "YS", "B", "15min"]))
    start = draw(st.sampled_from(["1970-01-01", "1999-12-31", "2020-02-28", "2024-10-27"]))
    n_values = draw(st.integers(0, 3))
    numbers = st.one_of(st.floats(-1e4, 1e4), st.floats(), st.integers(-10**7, 10**7))

    def number_text(x: float) -> str:
        text = f"{x:,.3f}" if thousands and isinstance(x, float) and math.isfinite(x) else repr(x)
        return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands or ",")

    cell = st.one_of(*[numbers.map(number_text)] * 5, st.sampled_from(CELL_JUNK), st.text(max_size=6))
    stamps = pd.date_range(start, periods=rows, freq=freq)
    lines = []
    if draw(st.booleans()):
        lines.append(sep.join(["date", *draw(st.lists(st.text(max_size=8), min_size=n_values, max_size=n_values))]))
    for stamp in stamps:
        date = str(int(stamp.timestamp())) if fmt == "%s" else stamp.strftime(fmt)
        fields = [date, *[draw(cell) for _ in range(n_values)]]
        if draw(st.integers(0, 20)) == 0:  # ragged rows now and then
            fields = fields[: draw(st.integers(0, len(fields)))] + draw(st.lists(cell, max_size=2))
        if quote_all:
            fields = ['"' + f.replace('"', '""') + '"' for f in fields]
        lines.append(sep.join(fields))
    if lines and draw(st.booleans()):
        lines = draw(st.permutations(lines))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 3]))
    codec = draw(st.sampled_from(ENCODINGS))
    return text.encode(codec, errors="replace")


@fuzz(250)
@given(tables())
def test_fuzz_tables_with_random_delimiters_encodings_and_decimal_marks(data: bytes) -> None:
    TRIED["reader_tables"] += 1
    check_read(data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid export with random bytes flipped, inserted, deleted or duplicated."""
    data = bytearray(draw(tables()))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            data += draw(st.binary(min_size=1, max_size=4))
            continue
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "repeat"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=6))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(1, 5))
    return bytes(data)


@fuzz(200)
@given(mutated())
def test_fuzz_byte_mutations_of_valid_files(data: bytes) -> None:
    TRIED["reader_mutations"] += 1
    check_read(data)


@fuzz(100)
@given(tables(), st.sampled_from([None, "date", "", "nope", "1", "DATE"]),
       st.sampled_from([None, "", "date", "nope", "value", "x"]))
def test_fuzz_column_choices(data: bytes, date_column: str | None, value_column: str | None) -> None:
    TRIED["reader_column_choices"] += 1
    check_read(data, date_column=date_column, value_column=value_column)


@fuzz(100)
@given(st.binary(min_size=1, max_size=200).map(lambda chunk: chunk * 50))
def test_fuzz_repeated_random_chunks(data: bytes) -> None:
    """Long repetitive inputs: the shapes that make sniffers and regexes slow."""
    TRIED["reader_repeated_chunks"] += 1
    check_read(data)


# --- config validation ------------------------------------------------------------------------------------

FIELDS = [f.name for f in dataclasses.fields(ForecastConfig)]
ANY_VALUE = st.one_of(
    st.integers(-10**12, 10**12),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.text(max_size=10),
    st.sampled_from(["value", "change", "seasonal_change", "1", "30", "nan", "true", "temp"]),
    st.lists(st.one_of(st.text(max_size=5), st.integers(), st.none()), max_size=4),
    st.lists(st.text(max_size=5), max_size=25).map(tuple),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def near_range(name: str) -> st.SearchStrategy[object]:
    """Values at, just inside and just outside a numeric field's range."""
    low, high = FIELD_RANGES[name]
    edges = [low, high, low - 1, high + 1, low - 1e-9, high + 1e-9, (low + high) / 2, math.floor((low + high) / 2)]
    return st.one_of(st.sampled_from(edges), st.floats(low - 10, high + 10), st.integers(int(low) - 5, int(high) + 5))


def field_values(name: str) -> st.SearchStrategy[object]:
    return st.one_of(ANY_VALUE, near_range(name)) if name in FIELD_RANGES else ANY_VALUE


def assert_valid_config(config: ForecastConfig) -> None:
    for name, (low, high) in FIELD_RANGES.items():
        value = getattr(config, name)
        assert not isinstance(value, bool) and isinstance(value, int | float), (name, value)
        assert math.isfinite(value) and low <= value <= high, (name, value)
    assert parameter_count(config) <= PARAMETER_BUDGET
    assert ForecastConfig.from_dict(json.loads(json.dumps(config.to_dict(), allow_nan=False))) == config


def check_config(build) -> None:  # type: ignore[no-untyped-def]
    with hard_time_limit():
        try:
            config = build()
        except ConfigError as error:
            assert str(error) and "\n" not in str(error)
            return
    assert_valid_config(config)


@fuzz(400)
@given(st.data())
def test_fuzz_every_config_field(data: st.DataObject) -> None:
    chosen = data.draw(st.sets(st.sampled_from(FIELDS), min_size=1, max_size=len(FIELDS)))
    values = {name: data.draw(field_values(name), label=name) for name in sorted(chosen)}
    TRIED["config_fields"] += 1
    check_config(lambda: ForecastConfig.from_dict(values))


# Keys without line breaks: an unknown key holding one is test_unknown_key_with_a_line_break_gives_one_line.
KEYS = st.one_of(st.sampled_from(FIELDS), st.text(st.characters(blacklist_characters="\n\r"), max_size=12))


@fuzz(150)
@given(st.dictionaries(KEYS, ANY_VALUE, max_size=6))
def test_fuzz_config_json_objects_with_unknown_keys(values: dict[str, object]) -> None:
    TRIED["config_objects"] += 1
    check_config(lambda: ForecastConfig.from_dict(values))


@fuzz(100)
@given(st.one_of(ANY_VALUE, st.lists(ANY_VALUE, max_size=3)))
def test_fuzz_config_that_is_not_an_object(value: object) -> None:
    TRIED["config_non_objects"] += 1
    check_config(lambda: ForecastConfig.from_dict(value))  # type: ignore[arg-type]


SET_TEXT = st.one_of(st.text(max_size=12), st.sampled_from(["1", "0", "-1", "1e3", "nan", "inf", "2.5", "true",
                                                              "change", "a,b", " 30 ", "1e400", "0x10", "١"]))


@fuzz(200)
@given(st.lists(st.tuples(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), st.sampled_from(["=", "", "=="]),
                          SET_TEXT).map("".join), max_size=5))
def test_fuzz_cli_set_options(items: list[str]) -> None:
    TRIED["config_set_options"] += 1
    check_config(lambda: parse_set_options(items))


def test_unknown_key_with_a_line_break_gives_one_line() -> None:
    """Found by the fuzzer: the key used to go into the message as it was, breaking it over two lines."""
    with pytest.raises(ConfigError) as caught:
        ForecastConfig.from_dict({"units\nwindow": 3})
    assert "\n" not in str(caught.value)
