"""The forecasting engine and the dashboard's services, in wings with one-way dependencies. Never imports streamlit.

::

    core/
      errors.py   config.py   words.py        the base: every wing may import these three
      data/          read and repair files, built-in series          -> LoadedSeries
      model/         features, scaling, windows, the LSTM, training   -> a trained keras model
      evaluation/    metrics, baselines, ETS/ARIMA, intervals, backtest, diagnostics
      run/           ForecastRun and its parts, the pipeline, auto mode, bundles, runners
      dashboard/     what only the app uses, without Streamlit: jobs, exports, presets, Plotly figures, report
      cli.py         ``python -m core ...`` (uses run)

The rule: a module imports only from its own wing, from wings to its left in
``data -> model -> evaluation -> run -> dashboard``, and from the base. ``ui/`` and ``pages/`` use ``dashboard``
and ``run`` (and ``data`` to read a file); nothing in ``core`` imports ``ui`` or ``pages``.
``tests/core/test_layers.py`` checks it, and ``python ../shared/tools/import_cycles.py`` finds no cycle.

Each wing's ``__init__.py`` is its map and imports nothing, so importing one module (``core.data.intake``) never
pulls in TensorFlow.
"""
