"""Data wing: read what people export, repair what is safe to repair, and say what was done.

Modules:
    series       ``LoadedSeries`` (a regular, finite, dated series) and ``Repair`` (one thing intake fixed)
    intake       ``read_series`` (CSV/TSV bytes), ``series_from_frame`` (an edited table), ``describe``,
                 ``read_covariates``: the public entry points
    datasets     the built-in series (the tutorial's 20 days, Seattle, a synthetic generator)
    parsing/     the steps of intake: decode bytes, find the table, choose columns, parse dates and numbers,
                 put the values on a regular grid

May import: ``core.errors``, ``core.config``, ``core.words``. Imported by every wing above it.
A new input format (a new delimiter, a new date style, a metadata block) goes into ``parsing/``; a new kind of
repair gets a ``Repair`` kind and a sentence there too.
"""

__all__ = ["series", "intake", "datasets", "parsing"]
