"""Page-wide styles: constant CSS only (no user text ever reaches it).

* Headline figures never end in "…": metric values shrink a little and may wrap instead of being
  cut off in a narrow column.
* Streamlit's file uploader has English words built in ("Upload", "200MB per file"); in Chinese
  they are replaced with the glossary's words (the limit is the one ``.streamlit/config.toml``
  sets).
"""

from __future__ import annotations

import streamlit as st

_BASE = """
<style>
[data-testid="stMetricValue"] > div {
  font-size: clamp(1.25rem, 1.9vw, 2rem);
  white-space: normal;
  overflow: visible;
  text-overflow: clip;
  overflow-wrap: anywhere;
  line-height: 1.2;
}
[data-testid="stMetricLabel"] p { white-space: normal; }
[data-testid="stMetricDelta"] > div { white-space: normal; }
/* Files leave through the app's own downloads (no personal information, formulas neutralised,
   numbers rounded); a table's built-in "Download as CSV" would bypass all of that. */
[data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"]) { display: none; }
/* the empty chart a session's first run draws so the browser loads plotly.js early
   (ui.widgets.load_chart_library) */
.st-key-vs_chart_loader { display: none; }
</style>
"""

# The uploader's own words hidden, ours shown in their place (Chinese only).
_UPLOADER_ZH = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::before {
  content: "单个文件最大 200 MB"; font-size: 0.875rem;
}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::before {
  content: "上传"; font-size: 0.875rem;
}
</style>
"""


def apply(language: str) -> None:
    """Add the page-wide styles for ``language`` to this run."""
    limit = int(st.get_option("server.maxUploadSize"))  # an integer from our own config
    uploader = _UPLOADER_ZH.replace("200 MB", f"{limit} MB") if language == "zh" else ""
    st.html(_BASE + uploader)
