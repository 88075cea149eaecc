"""``core.data.parsing.decode``: encodings (BOM, CRLF, Windows-1252, UTF-16), binary files, comment and blank
lines, the header length limit; read through ``read_series`` as a user would."""

from __future__ import annotations

import pytest

from core.data.intake import read_series
from core.data.parsing.decode import decode_bytes, split_lines
from core.errors import DataError
from tests.core.data.samples import daily, detail, kinds, load


def test_excel_workbook_gets_a_hint() -> None:
    with pytest.raises(DataError, match=r"^This is not a text CSV file\. It looks like an Excel workbook"):
        read_series(b"PK\x03\x04" + bytes(200))


def test_utf8_bom_and_crlf_are_read_without_notice() -> None:
    series = read_series(b"\xef\xbb\xbf" + daily().replace("\n", "\r\n").encode())
    assert series.columns == ("date", "temp")
    assert series.values.iloc[:3].tolist() == [10.0, 11.0, 12.0]
    assert kinds(series) == {}


def test_windows_1252_headers_are_decoded() -> None:
    text = daily([f"{i},5" for i in range(30)], sep=";", header="Datum;Température (°C)")
    series = read_series(text.encode("cp1252"))
    assert series.value_column == "Température (°C)"
    assert kinds(series) == {"encoding": 1, "decimal_comma": 30}
    assert "Windows-1252" in detail(series, "encoding")
    assert series.values.iloc[1] == 1.5


def test_mostly_utf8_file_with_one_bad_byte_keeps_its_utf8_text() -> None:
    data = daily(header="date,temp °C").encode() + b"2020-01-31,1\xff2\n"
    series = read_series(data)
    assert series.value_column == "temp °C"
    assert kinds(series)["encoding"] == 1
    assert kinds(series)["junk_cells"] == 1


@pytest.mark.parametrize(("codec", "prefix"), [("utf-16", b""), ("utf-16-le", b""), ("utf-16-be", b"")])
def test_utf16_is_decoded(codec: str, prefix: bytes) -> None:
    series = read_series(prefix + daily().encode(codec))
    assert kinds(series) == {"encoding": 1}
    assert len(series.values) == 30


def test_undecodable_utf16_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="UTF-16 text but cannot be decoded"):
        read_series(b"\xff\xfe" + "date,temp\n".encode("utf-16-le") + b"\x00\xd8\x00\xd8")


def test_comment_lines_and_trailing_blank_rows_are_ignored_with_notices() -> None:
    series = load("# exported by a logger\n# units: C\n" + daily() + "\n,\n \n")
    assert kinds(series) == {"comment_lines": 2, "blank_rows": 3}
    assert len(series.values) == 30


def test_huge_header_names_the_limit() -> None:
    with pytest.raises(DataError, match=r"characters long \(limit 100,000\)"):
        load("x" * 150_000 + "\n1\n2\n3\n")


# --- the step on its own ------------------------------------------------------------------------------------


def test_decode_bytes_strips_the_bom_and_names_a_fallback_encoding() -> None:
    assert decode_bytes(b"\xef\xbb\xbfa,b\n1,2\n") == ("a,b\n1,2\n", [])
    text, repairs = decode_bytes("date;Température\n".encode("cp1252"))
    assert text == "date;Température\n"
    assert [(r.kind, r.count) for r in repairs] == [("encoding", 1)] and "Windows-1252" in repairs[0].detail


def test_split_lines_drops_comments_and_keeps_the_row_numbers_a_person_sees() -> None:
    lines, repairs = split_lines("# exported\na,b\n\n1,2\n\n")
    assert lines.lines == ["a,b", "", "1,2", ""]
    assert lines.numbers.tolist() == [2, 3, 4, 5]  # file line numbers: the comment was line 1
    assert lines.blank.tolist() == [False, True, False, True]
    assert [(r.kind, r.count) for r in repairs] == [("comment_lines", 1)]
