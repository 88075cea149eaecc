"""Entry point: ``streamlit run app.py``.

Streamlit reads this file twice over: once at server start, to find the server declared at the end (``st.App``,
Streamlit's ASGI server, with ``ui.server.lifespan`` warming the page modules and starting the training workers
before the first connection), and then as every visitor's script, which routes the pages in workflow order and
draws the shared sidebar.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402

if __name__ == "__main__":  # a visitor's script run
    from ui.keras_guard import keep_keras_session
    from ui.session import collect_finished_job, current_series, job_manager, owner_id
    from ui.share import apply_link_once, presenter_toggle

    keep_keras_session()

    st.set_page_config(page_title="LSTM forecasting dashboard", page_icon=":material/timeline:", layout="wide")

    pages = [
        st.Page("pages/data.py", title="Data", icon=":material/table_chart:", default=True),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("pages/forecast.py", title="Forecast", icon=":material/insights:"),
        st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
    ]
    navigation = st.navigation(pages)

    owner_id()
    apply_link_once()  # a shared link's dataset, preset and settings, read once per session
    collect_finished_job()
    current_series()

    navigation.run()

    # Drawn after the page: the status reflects what the page just changed (new data, a finished job), and in the
    # browser the first page's heading is not held up by the sidebar's widgets (the switch reads its mode from
    # session state, set by its callback before the script runs). The navigation above already shows the workflow.
    presenter_toggle()
    with st.sidebar:
        st.caption(f"Data: {len(current_series().values):,} points")
        job = st.session_state.get("job")
        state = job.snapshot().state if job is not None else None
        if state == "queued":
            st.caption(":material/hourglass_top: Your training is waiting in the queue")
        elif state == "running":
            st.caption(":material/hourglass_top: A training is running")
        elif st.session_state.get("run") is not None:
            st.caption(":material/check_circle: A trained model is ready")

    # The training workers (Ray, TensorFlow in their own processes) start in the background once the server's first
    # page is drawn, or at the latest 10 s after server start (ui.server). This process never imports TensorFlow.
    job_manager()
else:  # imported once by `streamlit run app.py` at server start: the server itself
    from ui.server import lifespan

    app = st.App(__file__, lifespan=lifespan)
