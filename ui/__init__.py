"""Streamlit-aware helpers shared by the pages. The pages are short scripts of calls into these and into ``core``.

::

    ui/
      session.py           the session-state keys (documented there), the job manager, the data, safe text
      share.py             shared links, presenter mode, the suggested settings for the data
      covariates.py        which other columns the upload offers as inputs, read once per choice
      settings_form.py     Train: the preset picker and the settings form (returns plain values)
      launch.py            Train: the start buttons and the job they submit
      job_panel.py         Train: status, progress, Stop and the live loss chart of the job
      forecast_sections.py Forecast: the summary, chart, error tables, backtest, forecast table, downloads
      learn_sections.py    Learn: report card, copy-cat check, inside the LSTM, what-if, replay, seed spread
      router.py            direct links (``/train``) go through ``app.py``
      keras_guard.py       stops Streamlit from resetting Keras after every script run (``LSTM_BACKEND=inprocess``)

Every display word (model names, verdict sentences, settings labels) comes from ``core.words`` and
``core.config``; the modules here only place them.
"""
