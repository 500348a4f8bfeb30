"""Session and URL state: every tunable lives in ``st.session_state`` (so it survives moving between
pages) and in the query string (so a copied link opens the same view).

Defaults come from :class:`analytics.pipeline.Settings` (defaults live once). Every value read from
a link is parsed, validated and clamped here, in one place: a mangled value falls back to its
default and is listed in ``_url_reset`` so the app can say so. Widgets use the keys of
:data:`KEYS` directly, with the ranges of :data:`RANGES`. Streamlit forgets the value of a widget
that is not drawn on the current page, so :func:`keep_widget_state` re-assigns every key at the
top of each run (the documented way to carry widget values across pages).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from analytics.clusters import BASE_FEATURES, OPTIONAL_FEATURES
from analytics.clv import MODELS
from analytics.pipeline import ABC_VALUES, RFM_MODES, Settings
from analytics.rfm import SegmentRule
from analytics.summary import UNIT_DAYS

DEFAULTS = Settings()

#: The sidebar's filters: session key -> the column it narrows. ``f_product`` keeps product
#: lines' transactions (before the summary); the others keep customers (after scoring).
FILTER_KEYS: dict[str, str] = {
    "f_type": "customer_type",
    "f_channel": "channel",
    "f_region": "region",
    "f_product": "product_line",
}
CUSTOMER_FILTER_KEYS = {key: column for key, column in FILTER_KEYS.items() if key != "f_product"}

#: Widget ranges (min, max, step); links are clamped to them.
RANGES: dict[str, tuple[float, float, float]] = {
    "abc_a": (0.50, 0.95, 0.01),
    "abc_b": (0.60, 0.99, 0.01),
    "horizon": (6, 120, 6),
    "discount": (0.0, 0.20, 0.01),
    "churn_cuts": (0.0, 1.0, 0.05),
    "tier_platinum": (0.01, 0.50, 0.01),
    "tier_gold": (0.0, 0.50, 0.01),
    "tier_silver": (0.0, 0.60, 0.01),
    "k": (2, 10, 1),
    "rfm_bins": (3, 5, 1),
}
MAX_TEXT = 2_000  # longest free-text value (rules, edges, names) a link may carry


def _g(value: float) -> str:
    return f"{value:g}"


def _csv(values) -> str:
    return ",".join(str(v) for v in values)


def _strs(text: str) -> list[str]:
    return [v for v in text.split(",") if v][:200]


def _choice(options) -> Callable[[str], str]:
    def load(text: str) -> str:
        if text not in options:
            raise ValueError(text)
        return text

    return load


def _number(key: str, kind: type) -> Callable[[str], Any]:
    low, high, _ = RANGES[key]

    def load(text: str):
        value = float(text)
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(text)
        return int(value) if kind is int else value

    return load


def _cuts(text: str) -> tuple[float, float]:
    values = tuple(float(v) for v in text.split(","))
    if len(values) != 2 or not all(math.isfinite(v) for v in values):
        raise ValueError(text)
    low, high = values
    if not 0 <= low < high <= 1:
        raise ValueError(text)
    return low, high


def _features(text: str) -> list[str]:
    chosen = _strs(text)
    allowed = (*BASE_FEATURES, *OPTIONAL_FEATURES)
    if not chosen or any(f not in allowed for f in chosen):
        raise ValueError(text)
    return chosen


def _text(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise ValueError("too long")
    return text


def _flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(f"not a flag: {text!r}")
    return text == "1"


def _rules(text: str) -> str:
    rules_from_text(_text(text))  # raises ValueError when mangled
    return text


@dataclass(frozen=True)
class Key:
    default: Any
    dump: Callable[[Any], str] = str
    load: Callable[[str], Any] = str


KEYS: dict[str, Key] = {
    "lang": Key("en", load=_choice(("en", "zh"))),
    "source": Key("demo", load=_choice(("demo", "cdnow"))),
    "as_of": Key(None, lambda d: d.isoformat(), date.fromisoformat),
    **{key: Key([], _csv, _strs) for key in FILTER_KEYS},
    "rfm_mode": Key(DEFAULTS.rfm_mode, load=_choice(RFM_MODES)),
    "rfm_bins": Key(DEFAULTS.rfm_bins, str, _number("rfm_bins", int)),
    "edges_r": Key("", str, _text),
    "edges_f": Key("", str, _text),
    "edges_m": Key("", str, _text),
    "rules": Key("", str, _rules),  # compact text form, "" = the preset
    "abc_value": Key(DEFAULTS.abc_value, load=_choice(ABC_VALUES)),
    "abc_a": Key(DEFAULTS.abc_cuts[0], _g, _number("abc_a", float)),
    "abc_b": Key(DEFAULTS.abc_cuts[1], _g, _number("abc_b", float)),
    "unit": Key(DEFAULTS.unit, load=_choice(tuple(UNIT_DAYS))),
    "horizon": Key(DEFAULTS.horizon_months, str, _number("horizon", int)),
    "discount": Key(DEFAULTS.discount_rate, _g, _number("discount", float)),
    "model": Key(DEFAULTS.model, load=_choice(MODELS)),
    "churn_cuts": Key(DEFAULTS.churn_cuts, lambda v: f"{v[0]:g},{v[1]:g}", _cuts),
    "tier_platinum": Key(DEFAULTS.tier_shares[0], _g, _number("tier_platinum", float)),
    "tier_gold": Key(DEFAULTS.tier_shares[1], _g, _number("tier_gold", float)),
    "tier_silver": Key(DEFAULTS.tier_shares[2], _g, _number("tier_silver", float)),
    "k": Key(DEFAULTS.k, str, _number("k", int)),
    "cluster_features": Key(list(DEFAULTS.cluster_features), _csv, _features),
    "cluster_names": Key("", str, _text),  # "0=Name;1=Name"
    "merge_ids": Key(False, lambda v: "1" if v else "0", _flag),
}


def parse_query(params: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Values from a query string: the valid ones, and the keys whose value was not valid."""
    values, rejected = {}, []
    for key, text in params.items():
        if key not in KEYS or text in ("", None):
            continue
        try:
            values[key] = KEYS[key].load(str(text))
        except (TypeError, ValueError, OverflowError):
            rejected.append(key)
    return values, rejected


def dump_query(state: dict[str, Any], latest_as_of=None) -> dict[str, str]:
    """The query string for ``state``: every tunable that differs from its default."""
    wanted = {}
    for key, spec in KEYS.items():
        value = state.get(key, spec.default)
        if value is None or value == spec.default or value in ("", []):
            continue
        if isinstance(spec.default, tuple) and tuple(value) == spec.default:
            continue
        if key == "as_of" and value == latest_as_of:
            continue  # the default: the latest transaction date
        wanted[key] = spec.dump(value)
    return wanted


def rules_fit(text: str, mode: str, bins: int) -> bool:
    """True when every score of the rules is on the scale the mode and bins give (1..bins,
    or 1..2 for the eight classes)."""
    rules = rules_from_text(text) if text else None
    top = 2 if mode == "mean" else int(bins)
    return rules is None or all(max(*r.r, *r.f, *r.m) <= top for r in rules)


def init() -> None:
    """Defaults, then the query string on a session's first run (a shared link wins)."""
    state = st.session_state
    if not state.get("_state_ready"):
        for key, spec in KEYS.items():
            state.setdefault(key, spec.default)
        # the deployment's source (VALUESCOPE_SOURCE; app.py falls back to the demo when it is
        # not one the session may open)
        if state["source"] == KEYS["source"].default:
            state["source"] = os.environ.get("VALUESCOPE_SOURCE", "demo").strip() or "demo"
        values, rejected = parse_query({k: st.query_params.get(k) for k in st.query_params})
        mode = values.get("rfm_mode", state["rfm_mode"])
        bins = values.get("rfm_bins", state["rfm_bins"])
        if "rules" in values and not rules_fit(values["rules"], mode, bins):
            del values["rules"]  # rules written for another scale: the preset instead
            rejected.append("rules")
        for key, value in values.items():
            state[key] = value
        state["_url_reset"] = rejected
        state["_state_ready"] = True


def keep_widget_state() -> None:
    for key in KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def sync_url() -> None:
    """Write every non-default tunable to the query string."""
    wanted = dump_query(dict(st.session_state), st.session_state.get("_as_of_latest"))
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def reset_for_new_source() -> None:
    """A new source has other dates, filter values, scores and clusters: start those afresh."""
    for key in ("as_of", *FILTER_KEYS, "edges_r", "edges_f", "edges_m", "cluster_names"):
        st.session_state[key] = KEYS[key].default
    # The last view's size (the sidebar's count) and the view itself were the old source's:
    # the Data page shows no view, and would otherwise keep showing the old count.
    for key in ("_view_size", "_last_view"):
        st.session_state.pop(key, None)


# --------------------------------------------------------------------------- settings


def parse_edges(text: str, bins: int) -> tuple[float, ...] | None:
    """``"30, 90, 180"`` -> (30.0, 90.0, 180.0); ``None`` when empty. Raises ``ValueError``."""
    values = tuple(float(v) for v in text.replace("，", ",").split(",") if v.strip())
    if not values:
        return None
    if len(values) != bins - 1 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"{bins - 1} values needed, {len(values)} given")
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError("values must increase")
    return values


def rules_to_text(rules: tuple[SegmentRule, ...]) -> str:
    return ";".join(
        f"{r.name}:{r.r[0]}-{r.r[1]}:{r.f[0]}-{r.f[1]}:{r.m[0]}-{r.m[1]}" for r in rules
    )


def rules_from_text(text: str) -> tuple[SegmentRule, ...] | None:
    """The compact rule text back to rules; ``None`` for ""; ``ValueError`` when mangled."""
    if not text:
        return None
    rules = []
    for part in text.split(";")[:50]:
        name, r, f, m = part.rsplit(":", 3)
        span = [tuple(int(v) for v in piece.split("-")) for piece in (r, f, m)]
        if not name.strip() or any(
            len(s) != 2 or not 1 <= s[0] <= 5 or not 1 <= s[1] <= 5 for s in span
        ):
            raise ValueError(part)
        rules.append(SegmentRule(name.strip()[:60], *span))
    return tuple(rules)


def edge_errors() -> list[str]:
    """The dimensions (``r``, ``f``, ``m``) whose typed edges are not valid."""
    s = st.session_state
    if s.get("rfm_mode") != "threshold":
        return []
    bins = int(s.get("rfm_bins", DEFAULTS.rfm_bins))
    bad = []
    for key in "rfm":
        try:
            parse_edges(s.get(f"edges_{key}", ""), bins)
        except ValueError:
            bad.append(key)
    return bad


def _edges(bins: int, s) -> tuple[tuple[float, ...] | None, ...] | None:
    """Typed edges per dimension (``None`` where empty or invalid: the pipeline then uses its
    suggestion), or ``None`` outside threshold mode."""
    if s.get("rfm_mode") != "threshold":
        return None
    out = []
    for key in "rfm":
        try:
            out.append(parse_edges(s.get(f"edges_{key}", ""), bins))
        except ValueError:
            out.append(None)
    return None if not any(out) else tuple(out)


def _regions() -> tuple[str, ...] | None:
    """The signed-in user's region scope (server-side; never from the link)."""
    from ui import auth

    user = auth.current_user()
    if user is None:
        return ()
    return None if user.regions is None else tuple(user.regions)


def settings(values: dict | None = None) -> Settings:
    """The analysis settings of the session (values already validated on the way in), or of
    ``values`` (a session's keys) for the whole source, without a regional scope."""
    s = st.session_state if values is None else values
    try:
        rules = rules_from_text(s.get("rules", ""))
    except ValueError:
        rules = None
    if rules is not None and not rules_fit(
        s.get("rules", ""), s.get("rfm_mode"), s.get("rfm_bins", 5)
    ):
        rules = None
    low, high = (float(v) for v in s.get("churn_cuts", DEFAULTS.churn_cuts))
    if high <= low:  # a slider may bring both ends together: keep the bands apart
        low, high = (low, min(low + 0.05, 1.0)) if low < 1 else (0.95, 1.0)
    platinum = float(s.get("tier_platinum", DEFAULTS.tier_shares[0]))
    gold = min(float(s.get("tier_gold", DEFAULTS.tier_shares[1])), 1 - platinum)
    silver = min(float(s.get("tier_silver", DEFAULTS.tier_shares[2])), 1 - platinum - gold)
    abc_a = float(s.get("abc_a", DEFAULTS.abc_cuts[0]))
    bins = int(s.get("rfm_bins", DEFAULTS.rfm_bins))
    filters = tuple(
        sorted(
            (column, tuple(sorted(s.get(key) or [])))
            for key, column in CUSTOMER_FILTER_KEYS.items()
            if s.get(key)
        )
    )
    as_of = s.get("as_of")
    if as_of is not None and as_of == s.get("_as_of_latest"):
        as_of = None  # the default: the latest transaction date, as the command line has it
    return Settings(
        as_of=as_of.isoformat() if as_of else None,
        unit=s.get("unit", DEFAULTS.unit),
        products=tuple(sorted(s.get("f_product") or [])),
        rfm_mode=s.get("rfm_mode", DEFAULTS.rfm_mode),
        rfm_bins=bins,
        rfm_edges=_edges(bins, s),
        rules=rules,
        abc_value=s.get("abc_value", DEFAULTS.abc_value),
        abc_cuts=(abc_a, max(float(s.get("abc_b", DEFAULTS.abc_cuts[1])), abc_a)),
        model=s.get("model", DEFAULTS.model),
        horizon_months=int(s.get("horizon", DEFAULTS.horizon_months)),
        discount_rate=float(s.get("discount", DEFAULTS.discount_rate)),
        churn_cuts=(float(low), float(high)),
        tier_shares=(platinum, max(gold, 0.0), max(silver, 0.0)),
        k=int(s.get("k", DEFAULTS.k)),
        cluster_features=tuple(s.get("cluster_features") or DEFAULTS.cluster_features),
        filters=filters,
        regions=_regions() if values is None else None,
        merge_identities=bool(s.get("merge_ids", False)),
    )


def default_settings() -> Settings:
    """The settings a new session opened without a link starts with (:func:`init`'s defaults),
    for the whole source: what the server readies before anyone asks (:mod:`ui.startup`)."""
    return settings({key: spec.default for key, spec in KEYS.items()})


def cluster_names() -> dict[int, str]:
    """Names the user gave clusters (number -> name)."""
    out = {}
    for part in st.session_state.get("cluster_names", "").split(";"):
        number, _, label = part.partition("=")
        if number.strip().isdigit() and label.strip():
            out[int(number)] = label.strip()[:60]
    return out
