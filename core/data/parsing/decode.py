"""Turn uploaded bytes into text: encodings, binary and JSON detection, comment and blank lines."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from core.data.parsing.common import MAX_HEADER_CHARS, count_phrase
from core.data.series import Repair
from core.errors import DataError

__all__ = ["NOT_TEXT", "decode_bytes", "Lines", "split_lines"]


NOT_TEXT = "This is not a text CSV file."


_EXCEL = "This is not a text CSV file. It looks like an Excel workbook: save it as CSV first."


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8-sig", ""),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


_NON_ASCII = re.compile(r"[^\x00-\x7f\ufffd]")


_SEP_LINE = re.compile(r'^\s*"?sep=(.)"?\s*$', re.IGNORECASE)


_BLANK = " \t,;|"


def decode_bytes(data: bytes) -> tuple[str, list[Repair]]:
    """Decode CSV bytes as UTF-8, UTF-16/32 (BOM or NUL pattern) or Windows-1252.

    Raises:
        DataError: empty input, binary content (NUL bytes, control characters), JSON, HTML or XML.
    """
    if not data or not data.strip():
        raise DataError("The file is empty.")
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise DataError(_EXCEL)
    text, repairs = _decode(data)
    text = text.lstrip("\ufeff").rstrip("\x1a")
    if "\x00" in text:
        raise DataError(NOT_TEXT)
    head = text[:65536]
    if len(_CONTROL.findall(head)) > max(2, len(head) // 1000):
        raise DataError(NOT_TEXT)
    if _looks_like_markup_or_json(text):
        raise DataError(NOT_TEXT)
    if not text.strip():
        raise DataError("The file is empty.")
    return text, repairs


def _decode(data: bytes) -> tuple[str, list[Repair]]:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise DataError(
                    f"The file starts like {label or 'UTF-8'} text but cannot be decoded; "
                    "save it as UTF-8 CSV."
                ) from None
            repairs = [Repair("encoding", 1, f"Read the file as {label} text.")] if label else []
            return text, repairs
    if b"\x00" in data[:4096]:
        return _decode_utf16_without_bom(data)
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        return _decode_not_utf8(data)


def _decode_utf16_without_bom(data: bytes) -> tuple[str, list[Repair]]:
    head = np.frombuffer(data[: len(data[:4096]) // 2 * 2], dtype=np.uint8)
    if len(head) < 4:
        raise DataError(NOT_TEXT)
    even_zero, odd_zero = float(np.mean(head[0::2] == 0)), float(np.mean(head[1::2] == 0))
    codec = (
        "utf-16-le"
        if odd_zero > 0.9 > 0.1 > even_zero
        else "utf-16-be"
        if even_zero > 0.9 > 0.1 > odd_zero
        else ""
    )
    if not codec:
        raise DataError(NOT_TEXT)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise DataError(NOT_TEXT) from None
    return text, [Repair("encoding", 1, "Read the file as UTF-16 text (it had no byte-order mark).")]


def _decode_not_utf8(data: bytes) -> tuple[str, list[Repair]]:
    replaced = data.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd")
    if len(_NON_ASCII.findall(replaced[:1_000_000])) >= max(1, bad):
        detail = f"{count_phrase(bad, 'byte')} that are not valid UTF-8 were replaced by '\ufffd'."
        return replaced, [Repair("encoding", bad, detail)]
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, [
        Repair("encoding", 1, "The file is not UTF-8; read it as Windows-1252 (Western European) text.")
    ]


def _looks_like_markup_or_json(text: str) -> bool:
    start = text.lstrip()[:16].lower()
    if start.startswith("{") or start.startswith(("<?xml", "<!doctype", "<html", "<svg")):
        return True
    if start.startswith("[") and text.rstrip().endswith("]") and len(text) < 20_000_000:
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    return False


@dataclass(frozen=True)
class Lines:
    """The meaningful lines of a text file.

    Attributes:
        lines: the lines without comments; the first is the header (or the first data row).
        numbers: ``(len(lines),)`` int64, 1-based line number of each in the file.
        blank: ``(len(lines),)`` bool, lines holding nothing but spaces and delimiters.
        delimiter: delimiter forced by an Excel ``sep=`` line, else None.
    """

    lines: list[str]
    numbers: np.ndarray
    blank: np.ndarray
    delimiter: str | None

    def without_blanks(self, *, keep_inner: bool) -> tuple[Lines, list[Repair]]:
        """Drop blank lines (only leading and trailing ones when ``keep_inner``), with a notice."""
        drop = self.blank.copy()
        if keep_inner and not drop.all():
            filled = np.flatnonzero(~drop)
            drop[filled[0] : filled[-1] + 1] = False
        count = int(drop.sum())
        if not count:
            return self, []
        keep = np.flatnonzero(~drop)
        lines = Lines([self.lines[i] for i in keep], self.numbers[keep], self.blank[keep], self.delimiter)
        return lines, [Repair("blank_rows", count, f"{count_phrase(count, 'blank row')} ignored.")]


def split_lines(text: str) -> tuple[Lines, list[Repair]]:
    """Split text into lines, dropping comment lines (``#``) with a notice and marking blank lines.

    Raises:
        DataError: nothing but comments and blank lines, or a header over ``MAX_HEADER_CHARS``.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text[:-1] if text.endswith("\n") else text
    lines = text.split("\n")
    numbers = np.arange(1, len(lines) + 1, dtype=np.int64)
    blank = np.zeros(len(lines), dtype=bool)
    repairs: list[Repair] = []
    if "#" in text or re.search(r"\n[ \t,;|]*\n", f"\n{text}\n"):
        lines, numbers, blank, repairs = _mark_comments_and_blanks(lines)
    delimiter = None
    first = int(np.argmin(blank)) if len(blank) else 0
    if lines and not blank.all() and (match := _SEP_LINE.match(lines[first])):
        delimiter = match.group(1)
        keep = np.arange(len(lines)) != first
        lines, numbers, blank = [lines[i] for i in np.flatnonzero(keep)], numbers[keep], blank[keep]
    if not lines or blank.all():
        raise DataError("The file is empty.")
    header = lines[int(np.argmin(blank))]
    if len(header) > MAX_HEADER_CHARS:
        raise DataError(
            f"The first line is {len(header):,} characters long (limit {MAX_HEADER_CHARS:,}); "
            "this does not look like a CSV file."
        )
    return Lines(lines, numbers, blank, delimiter), repairs


def _mark_comments_and_blanks(lines: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, list[Repair]]:
    kept: list[int] = []
    blank: list[bool] = []
    comments = 0
    for index, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            comments += 1
            continue
        kept.append(index)
        blank.append(not line.strip(_BLANK))
    repairs = []
    if comments:
        repairs.append(
            Repair(
                "comment_lines",
                comments,
                f"{count_phrase(comments, 'comment line')} starting with '#' ignored.",
            )
        )
    numbers = np.asarray(kept, dtype=np.int64) + 1
    return [lines[i] for i in kept], numbers, np.asarray(blank, dtype=bool), repairs
