"""Train page: choose the settings, start training in the background, watch the loss curve live, Stop."""

from __future__ import annotations

import streamlit as st

from ui.job_panel import job_panel
from ui.launch import launch_buttons, start_training
from ui.router import through_app
from ui.session import current_panel, current_series, md_escape
from ui.settings_form import preset_picker, settings_form
from ui.share import share_box
from ui.stations import across_picker, start_all_stations, training_all

through_app()

st.title("2. Train")
series = current_series()
panel = current_panel()
every_station = panel is not None and training_all(panel)
if panel is not None and every_station:
    st.write(
        f"The model learns from **each of the {len(panel):,} stations** of "
        f"**{md_escape(st.session_state.get('panel_source', 'your data'))}**, with the same settings, in one "
        f"job; **Models** below chooses one model per station or one across them. The settings are suggested for "
        f"the first station "
        f"({md_escape(panel.members[0].label)}, {len(series.values):,} points); hover the **?** for what each one does."
    )
else:
    st.write(
        f"The model learns from **{md_escape(st.session_state.get('series_source', 'your data'))}** "
        f"({len(series.values):,} points). Suggested settings are filled in; hover the **?** for what each one does."
    )

preset_picker()
settings = settings_form(series)
if every_station and settings.config is not None and settings.config.covariates:
    settings = settings._replace(config=None, problem="Input columns are read for one station at a time: "
                                 "remove them, or choose one station on the Data page.")
if settings.problem:
    st.error(md_escape(settings.problem), icon=":material/error:")
elif settings.covariates is not None and settings.covariates.notes:
    st.info(md_escape(" ".join(settings.covariates.notes)), icon=":material/build:")

share_box(settings.values, series)

across = across_picker() if every_station else "each"
job = st.session_state.get("job")
launch = launch_buttons(settings.config, busy=job is not None and not job.snapshot().done, only_train=every_station)
if launch is not None and settings.config is not None and panel is not None and every_station:
    start_all_stations(panel, settings.config, f"{st.session_state.get('panel_source', '')} · all stations", across)
elif launch is not None and settings.config is not None:
    start_training(series, settings.config, settings.covariates, launch)

if job is not None:
    job_panel(job)
else:
    st.info("Press **Train** to start. Training runs in the background: you can change settings, switch "
            "pages or keep exploring while it trains, and press **Stop** at any time.", icon=":material/info:")
