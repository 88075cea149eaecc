"""Hostile strings for file names, column names and cells (markup, script, markdown links, LaTeX, bidi and
zero-width characters, a very long name), and a CSV that carries them all."""

from __future__ import annotations

__all__ = ["IMG", "SCRIPT", "LINK", "BOLD", "LATEX", "BIDI", "ZERO_WIDTH", "LONG", "HOSTILE", "CELL_IMG",
           "CELL_SCRIPT", "FILE_NAME", "hostile_csv"]

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
LINK = "[x](javascript:alert(3))"
BOLD = "**bold**"
LATEX = "$x^2$"
BIDI = "name\u202egnp.exe"
ZERO_WIDTH = "te\u200bmp"
LONG = "L" * 300
HOSTILE = [IMG, SCRIPT, LINK, BOLD, LATEX, BIDI, ZERO_WIDTH, LONG]
CELL_IMG = "<img src=y>"  # junk value cells; short enough to be quoted whole in the repair notice
CELL_SCRIPT = "<script>x</script>"
FILE_NAME = f"{BOLD} {LATEX} {LINK} {IMG}.csv"


def hostile_csv() -> bytes:
    """30 days; the value column is named like an <img> tag, other columns carry the other payloads.

    Two value cells are markup too (junk cells: reported with their text, then interpolated).
    """
    header = ["date", IMG, LINK, f"{BOLD} {LATEX}", BIDI, ZERO_WIDTH, LONG, "note"]
    rows = [",".join(f'"{h}"' if "," in h else h for h in header)]
    for day in range(30):
        value = f"{10 + day % 6}.5"
        if day == 4:
            value = CELL_IMG
        if day == 9:
            value = CELL_SCRIPT
        note = HOSTILE[day % len(HOSTILE)].replace(",", " ")
        rows.append(f"2024-03-{day + 1:02d},{value},{day},{day * 2},{day % 3},{day % 4},{day % 5},{note}")
    return ("\n".join(rows) + "\n").encode("utf-8")
