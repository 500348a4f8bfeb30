"""Page-wide styles: constant CSS only (no user text ever reaches it).

* Headline figures never end in "…": metric values shrink a little and may wrap instead of being
  cut off in a narrow column.
* Streamlit's file uploader has English words built in ("Drag and drop a file here", "Upload",
  "Limit 200MB per file"); in Chinese they are replaced with the glossary's words.
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
</style>
"""

# The uploader's own words hidden, ours shown in their place (Chinese only).
_UPLOADER_ZH = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::before {
  content: "将文件拖放到此处"; font-size: 1rem;
}
[data-testid="stFileUploaderDropzoneInstructions"] small { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] small::before {
  content: "单个文件最大 200 MB · CSV、TXT、XLSX、PARQUET"; font-size: 0.875rem;
}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p,
[data-testid="stFileUploaderDropzone"] button > div > span:last-child { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::before,
[data-testid="stFileUploaderDropzone"] button > div > span:last-child::before {
  content: "选择文件"; font-size: 0.875rem;
}
</style>
"""


def apply(language: str) -> None:
    """Add the page-wide styles for ``language`` to this run."""
    st.html(_BASE + (_UPLOADER_ZH if language == "zh" else ""))
