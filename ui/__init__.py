"""Streamlit-aware helpers shared by the pages (session state, the job manager, safe text)."""
