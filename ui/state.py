"""Session and URL state: every tunable lives in ``st.session_state`` (so it survives moving between
pages) and in the query string (so a copied link opens the same view).

Widgets use the keys of :data:`DEFAULTS` directly. Streamlit forgets the value of a widget that is
not drawn on the current page, so :func:`keep_widget_state` re-assigns every key at the top of each
run, which keeps it (the documented way to carry widget values across pages).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from analytics.pipeline import Settings
from analytics.rfm import SegmentRule

#: Tunables: key -> (default, to-URL, from-URL). ``None`` as default means "derived from data".
_csv = ",".join


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in text.split(",") if v.strip())


def _strs(text: str) -> list[str]:
    return [v for v in text.split(",") if v]


@dataclass(frozen=True)
class Key:
    default: Any
    dump: Callable[[Any], str] = str
    load: Callable[[str], Any] = str


KEYS: dict[str, Key] = {
    "lang": Key("en"),
    "source": Key("demo"),
    "as_of": Key(None, lambda d: d.isoformat(), date.fromisoformat),
    "f_type": Key([], _csv, _strs),
    "f_channel": Key([], _csv, _strs),
    "f_region": Key([], _csv, _strs),
    "f_product": Key([], _csv, _strs),
    "rfm_mode": Key("quantile"),
    "rfm_bins": Key(5, str, int),
    "edges_r": Key("", str, str),
    "edges_f": Key("", str, str),
    "edges_m": Key("", str, str),
    "rules": Key("", str, str),  # compact text form, "" = the preset
    "abc_value": Key("total_spend"),
    "abc_a": Key(0.80, lambda v: f"{v:g}", float),
    "abc_b": Key(0.95, lambda v: f"{v:g}", float),
    "unit": Key("D"),
    "horizon": Key(36, str, int),
    "discount": Key(0.08, lambda v: f"{v:g}", float),
    "model": Key("bgnbd"),
    "churn_cuts": Key((0.3, 0.6), lambda v: f"{v[0]:g},{v[1]:g}", _floats),
    "tier_platinum": Key(0.10, lambda v: f"{v:g}", float),
    "tier_gold": Key(0.20, lambda v: f"{v:g}", float),
    "tier_silver": Key(0.30, lambda v: f"{v:g}", float),
    "k": Key(4, str, int),
    "cluster_features": Key(["recency", "frequency", "monetary"], _csv, _strs),
    "cluster_names": Key("", str, str),  # "0=Name;1=Name"
}


def init() -> None:
    """Defaults, then the query string on a session's first run (a shared link wins)."""
    state = st.session_state
    if not state.get("_state_ready"):
        for key, spec in KEYS.items():
            state.setdefault(key, spec.default)
        for key, text in st.query_params.items():
            if key in KEYS and text:
                with contextlib.suppress(TypeError, ValueError):  # a mangled link: the default
                    state[key] = KEYS[key].load(text)
        state["_state_ready"] = True


def keep_widget_state() -> None:
    for key in KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def sync_url() -> None:
    """Write every non-default tunable to the query string."""
    wanted = {}
    for key, spec in KEYS.items():
        value = st.session_state.get(key, spec.default)
        if value is None or value == spec.default or value in ("", []):
            continue
        if key == "as_of" and value == st.session_state.get("_as_of_latest"):
            continue  # the default: the latest transaction date
        wanted[key] = spec.dump(value)
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


# --------------------------------------------------------------------------- settings


def parse_edges(text: str, bins: int) -> tuple[float, ...] | None:
    """``"30, 90, 180"`` -> (30.0, 90.0, 180.0); ``None`` when empty. Raises ``ValueError``."""
    values = _floats(text.replace("，", ","))
    if not values:
        return None
    if len(values) != bins - 1:
        raise ValueError(f"{bins - 1} values needed, {len(values)} given")
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError("values must increase")
    return values


def rules_to_text(rules: tuple[SegmentRule, ...]) -> str:
    return ";".join(
        f"{r.name}:{r.r[0]}-{r.r[1]}:{r.f[0]}-{r.f[1]}:{r.m[0]}-{r.m[1]}" for r in rules
    )


def rules_from_text(text: str) -> tuple[SegmentRule, ...] | None:
    if not text:
        return None
    rules = []
    for part in text.split(";"):
        name, r, f, m = part.rsplit(":", 3)
        span = [tuple(int(v) for v in piece.split("-")) for piece in (r, f, m)]
        rules.append(SegmentRule(name, *span))
    return tuple(rules)


def settings(edges: tuple | None = None) -> Settings:
    """The analysis settings of the session (edges already validated by the RFM page)."""
    s = st.session_state
    try:
        rules = rules_from_text(s.get("rules", ""))
    except ValueError:
        rules = None
    low, high = s.get("churn_cuts", (0.3, 0.6))
    return Settings(
        as_of=s.get("as_of").isoformat() if s.get("as_of") else None,
        unit=s.get("unit", "D"),
        rfm_mode=s.get("rfm_mode", "quantile"),
        rfm_bins=int(s.get("rfm_bins", 5)),
        rfm_edges=edges,
        rules=rules,
        abc_value=s.get("abc_value", "total_spend"),
        abc_cuts=(
            float(s.get("abc_a", 0.8)),
            max(float(s.get("abc_b", 0.95)), float(s.get("abc_a", 0.8))),
        ),
        model=s.get("model", "bgnbd"),
        horizon_months=int(s.get("horizon", 36)),
        discount_rate=float(s.get("discount", 0.08)),
        churn_cuts=(float(low), float(high)),
        tier_shares=(
            float(s.get("tier_platinum", 0.1)),
            float(s.get("tier_gold", 0.2)),
            float(s.get("tier_silver", 0.3)),
        ),
        k=int(s.get("k", 4)),
        cluster_features=tuple(s.get("cluster_features") or ("recency", "frequency", "monetary")),
    )


def cluster_names() -> dict[int, str]:
    out = {}
    for part in st.session_state.get("cluster_names", "").split(";"):
        number, _, label = part.partition("=")
        if number.strip().isdigit() and label.strip():
            out[int(number)] = label.strip()
    return out
