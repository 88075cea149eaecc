"""Hostile strings stay text on every page, in a real browser.

The test loads a CSV whose file name, column names and cells are markup, script, markdown links, LaTeX,
bidi/zero-width characters and a very long name (``tests/system/hostile.py``); it visits every page (Data,
Train after a tiny training, Forecast, and any further page in the sidebar) and asserts that no dialog fired,
no element was injected and the strings are shown literally.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import goto_page, main_area, screenshot
from tests.helpers import wait_for
from tests.system.hostile import CELL_IMG, CELL_SCRIPT, FILE_NAME, IMG, LINK, hostile_csv

pytestmark = [pytest.mark.browser, pytest.mark.slow]


INJECTED_JS = """() => ({
  images: document.querySelectorAll('img[src="x"], img[src="y"]').length,
  scripts: [...document.scripts].filter(s => /alert\\(\\d\\)|^x$/.test(s.textContent.trim())).length,
  links: document.querySelectorAll('a[href^="javascript"], a[href*="alert("]').length,
  handlers: [...document.querySelectorAll('[onerror], [onload], [onclick]')].length,
  bold: [...document.querySelectorAll('[data-testid="stMain"] strong, [data-testid="stMain"] b')]
          .filter(e => e.textContent.trim() === 'bold').length,
  katex: document.querySelectorAll('.katex').length,
})"""


def _assert_nothing_injected(page, where: str) -> None:  # type: ignore[no-untyped-def]
    found = page.evaluate(INJECTED_JS)
    assert found == {"images": 0, "scripts": 0, "links": 0, "handlers": 0, "bold": 0, "katex": 0}, (where, found)
    assert page.dialogs == [], (where, page.dialogs)  # type: ignore[attr-defined]


def test_hostile_names_and_cells_stay_text_on_every_page(page, streamlit_server, tmp_path):  # type: ignore[no-untyped-def]
    page.goto(streamlit_server)
    main = main_area(page)
    main.get_by_text("20 points", exact=False).first.wait_for()
    upload = tmp_path / FILE_NAME
    upload.write_bytes(hostile_csv())
    main.locator('input[type="file"]').set_input_files(str(upload))
    main.get_by_text("30 points", exact=False).first.wait_for()

    # Shown literally: the file name (with markdown, LaTeX and a link in it), the column name, the junk cells.
    caption = main.get_by_text(f"File: {FILE_NAME}", exact=False).first
    caption.wait_for()
    assert f"value column: {IMG}" in caption.inner_text()
    main.get_by_text(f"'{CELL_IMG}'", exact=False).first.wait_for()
    main.get_by_text(f"'{CELL_SCRIPT}'", exact=False).first.wait_for()
    _assert_nothing_injected(page, "data")
    screenshot(page, "security-01-data")

    # Another hostile column as the value column: the picker shows it as text.
    picker = main.locator('[data-testid="stSelectbox"]').filter(has_text="Value column")
    picker.click()
    page.get_by_role("option", name=LINK).click()
    main.get_by_text(f"value column: {LINK}", exact=False).first.wait_for()
    _assert_nothing_injected(page, "data, second column")

    goto_page(page, "Train")
    main.get_by_text(f"File: {FILE_NAME}", exact=False).first.wait_for()
    epochs = main.get_by_label("Epochs (passes over the data)", exact=True)
    epochs.fill("3")
    epochs.press("Enter")
    wait_for(lambda: epochs.input_value() == "3", timeout=30, what="the epochs box to take 3")
    main.get_by_role("button", name="Train", exact=True).click()
    main.get_by_text("Finished", exact=False).first.wait_for(timeout=180_000)
    _assert_nothing_injected(page, "train")
    screenshot(page, "security-02-train")

    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    titles = [text.strip().splitlines()[-1] for text in links]
    assert "Forecast" in titles, titles  # the last line of a link is its title (the first is its icon)
    for title in [t for t in titles if t not in ("Data", "Train")]:
        goto_page(page, title)
        page.wait_for_load_state("networkidle")
        assert main.locator('[data-testid="stException"]').count() == 0
        _assert_nothing_injected(page, title)
        screenshot(page, f"security-03-{title.lower()}")
    goto_page(page, "Forecast")
    main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()
    legend = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')]"
        ".flatMap(p => (p.data || []).map(t => t.name || ''))"
    )
    assert all("<img" not in name and "<script" not in name for name in legend), legend
    _assert_nothing_injected(page, "forecast chart")
