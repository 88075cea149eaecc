"""Forecasting engine of the LSTM dashboard: intake, model, training, evaluation, plots (no Streamlit)."""
