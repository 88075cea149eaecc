"""``core.data.parsing.common``: the plain-language pieces every repair notice and error message is built from."""

from __future__ import annotations

import numpy as np

from core.data.parsing.common import cell_text, count_phrase, examples, row_list


def test_cell_text_quotes_short_printable_literals() -> None:
    assert cell_text("  ?0.2 ") == "'?0.2'"
    assert cell_text("") == cell_text(None) == cell_text("nan") == "empty"
    assert cell_text("a\tb") == "'a?b'"  # a control character never reaches a message
    assert cell_text("x" * 30) == repr("x" * 23 + "…")


def test_row_list_and_examples_show_at_most_three_and_say_e_g_beyond() -> None:
    assert row_list([4]) == "row 4"
    assert row_list(np.array([4, 9, 12, 15])) == "rows 4, 9, 12"
    assert row_list([1234]) == "row 1,234"
    assert examples([4, 9], ["?", None], total=2) == "rows 4, 9: '?', empty"
    assert examples([1, 2, 3, 4], ["a", "b", "c", "d"], total=4) == "e.g. rows 1, 2, 3: 'a', 'b', 'c'"


def test_count_phrase_agrees_in_number() -> None:
    assert count_phrase(1, "day") == "1 day"
    assert count_phrase(1234, "day") == "1,234 days"
    assert count_phrase(2, "entry", "entries") == "2 entries"
