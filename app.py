"""ValueScope's server: ``streamlit run app.py`` serves the dashboard (``dashboard.py``: page
config, sign-in gate, sidebar and the role's pages) and, as the server starts, readies on a
background thread what every first page needs (:mod:`ui.startup`), while the browser is still
loading Streamlit's front end. ``streamlit run dashboard.py`` serves the same dashboard without
that head start."""

import streamlit as st

from ui.startup import lifespan

app = st.App("dashboard.py", lifespan=lifespan)
