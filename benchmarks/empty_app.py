"""The floor under every first page here: a Streamlit app that shows its title and nothing else
(the server starting, the browser starting, Streamlit's front end loading, one short script)."""

import streamlit as st

st.title("Overview")
