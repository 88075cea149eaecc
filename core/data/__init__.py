"""Data wing: read what people export, repair what is safe to repair, and say what was done.

Modules:
    series       ``LoadedSeries`` (a regular, finite, dated series), ``Repair`` (one thing intake fixed),
                 ``Panel`` / ``PanelMember`` (the series of a file that holds several)
    intake       ``read_series`` (CSV/TSV bytes), ``series_from_frame`` (an edited table), ``describe``,
                 ``read_covariates``: the public entry points for one series
    panel        ``read_panel`` and ``describe_panel``: files of several series (a long file with a series-id
                 column such as NOAA's ``STATION``, or a wide file with one series per column), and the reading
                 plan ``read_series`` shares
    datasets     the built-in series (the tutorial's 20 days, Seattle, a synthetic generator) and the built-in
                 panel (three New York airports, hourly)
    parsing/     the steps of intake: decode bytes, find the table, choose columns, tell series apart, parse
                 dates and numbers, put the values on a regular grid

May import: ``core.errors``, ``core.config``, ``core.words``. Imported by every wing above it.
A new input format (a new delimiter, a new date style, a metadata block) goes into ``parsing/``; a new kind of
repair gets a ``Repair`` kind and a sentence there too.
"""

__all__ = ["series", "intake", "panel", "datasets", "parsing"]
