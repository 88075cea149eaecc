"""The steps of intake, in the order ``core.data.intake`` runs them.

Modules:
    decode     bytes to text (BOM, UTF-16, Latin-1/cp1252), lines, comment and blank lines
    table      delimiter sniffing, header, title lines and metadata blocks, ragged rows: a ``RawTable``
    columns    which column holds the dates and which the values
    layout     which column tells the series of a long file apart (and which names them), a wide file's columns
    dates      date formats (ISO, day-first, numeric, fractional years, time zones) and their repairs
    numbers    numbers in cells (decimal commas, thousands separators, units, junk) and missing values
    grid       the series' step (frequency), duplicates, sorting and gap filling
    assembly   one regular series from its parsed cells (dates, clock, grid, checks)
    fast       vectorised fast paths for large files (plain floats, ISO dates)
    common     limits (rows, columns, series, missing share) and small text helpers shared by the steps

May import: ``core.data.series``, ``core.errors``. Only ``core.data`` imports these modules.
"""

__all__ = ["decode", "table", "columns", "layout", "dates", "numbers", "grid", "assembly", "fast", "common"]
