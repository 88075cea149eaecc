"""The steps of intake, in the order ``core.data.intake`` runs them.

Modules:
    decode     bytes to text (BOM, UTF-16, Latin-1/cp1252), lines, comment and blank lines
    table      delimiter sniffing, header and title lines, ragged rows: a ``RawTable`` of text cells
    columns    which column holds the dates and which the values
    dates      date formats (ISO, day-first, numeric, time zones) and their repairs
    numbers    numbers in cells (decimal commas, thousands separators, units, junk) and missing values
    grid       the series' step (frequency), duplicates, sorting and gap filling
    fast       vectorised fast paths for large files (plain floats, ISO dates)
    common     limits (rows, columns, missing share) and small text helpers shared by the steps

May import: ``core.data.series``, ``core.errors``. Only ``core.data`` imports these modules.
"""

__all__ = ["decode", "table", "columns", "dates", "numbers", "grid", "fast", "common"]
